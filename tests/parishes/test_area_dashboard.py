"""The area's dashboard page (issue 8, part 2): its officers and administrators see the panels that
higher apps register; council people and other areas' people get 404; and an officer or
administrator of one area only has it as their home page."""

import pytest
from django.urls import reverse
from django.utils.html import format_html

from parishes import services
from parishes.models import AreaRole, CouncilRole
from parishes.panels import area_panel, area_panels, render_area_panels

DASHBOARD = "parishes:area_dashboard"


@pytest.fixture
def a_panel():
    """A panel registered for the test only."""

    @area_panel
    def panel(area, *, medium):
        return format_html("<p>Panel of {} on {}</p>", area.name, medium)

    yield panel
    area_panels.remove(panel)


def test_the_registry_renders_each_panel_for_the_medium(cast, a_panel):
    assert "<p>Panel of North on pdf</p>" in render_area_panels(cast.north, medium="pdf")
    assert "<p>Panel of North on page</p>" in render_area_panels(cast.north)


def test_officers_and_administrators_see_the_dashboard(cast, client_for, a_panel):
    for person in (cast.officer, cast.admin):
        response = client_for(person).get(reverse(DASHBOARD, args=["north"]))
        assert response.status_code == 200
        assert "<p>Panel of North on page</p>" in response.content.decode()


@pytest.mark.parametrize(
    "outsider", ["clerk_a", "councillor_a", "chair", "clerk_c", "south_officer", "south_admin"]
)
def test_council_people_and_other_areas_get_404(cast, client_for, outsider):
    assert client_for(getattr(cast, outsider)).get(reverse(DASHBOARD, args=["north"])).status_code == 404


def test_signed_out_people_are_sent_to_sign_in(cast, client):
    response = client.get(reverse(DASHBOARD, args=["north"]))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_an_officer_of_one_area_only_has_its_dashboard_as_home(cast, client_for, a_panel):
    response = client_for(cast.officer).get(reverse("parishes:home"))
    assert response.status_code == 200
    assert "parishes/area_dashboard.html" in [template.name for template in response.templates]
    assert "<p>Panel of North on page</p>" in response.content.decode()


def test_an_officer_who_is_also_a_clerk_keeps_their_home_with_a_link(cast, client_for, a_panel):
    services.grant_council_role(
        acting_user=None, council=cast.council_a, user=cast.officer, kind=CouncilRole.Kind.CLERK
    )
    html = client_for(cast.officer).get(reverse("parishes:home")).content.decode()
    assert "Your councils" in html and "Panel of North" not in html
    assert reverse(DASHBOARD, args=["north"]) in html


def test_an_officer_of_two_areas_keeps_their_home_with_a_link_to_each(cast, client_for, a_panel):
    services.grant_area_role(acting_user=None, area=cast.south, user=cast.officer, kind=AreaRole.Kind.OFFICER)
    html = client_for(cast.officer).get(reverse("parishes:home")).content.decode()
    assert "Panel of" not in html
    assert reverse(DASHBOARD, args=["north"]) in html and reverse(DASHBOARD, args=["south"]) in html


def test_the_area_page_links_to_the_dashboard(cast, client_for):
    html = client_for(cast.officer).get(reverse("parishes:area", args=["north"])).content.decode()
    assert reverse(DASHBOARD, args=["north"]) in html
