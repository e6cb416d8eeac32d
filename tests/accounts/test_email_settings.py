"""The email settings page: the monthly dashboard email is offered to area officers and
administrators only, saved by a yes-or-no answer, and bad input changes nothing."""

import re

import pytest
from django.urls import reverse

from parishes import services
from parishes.models import AreaRole

URL = reverse("accounts:email_settings")
QUESTION = "Do you want your areas&#x27; dashboards by email each month?"


def checked_answer(html: str) -> str:
    (answer,) = re.findall(
        r'<input type="radio" name="email_area_dashboards" value="(\w+)"[^>]* checked>', html
    )
    return answer


@pytest.mark.parametrize("person", ["officer", "admin"])
def test_area_people_are_asked_whether_they_want_the_monthly_dashboard(cast, client, person):
    client.force_login(getattr(cast, person))
    html = client.get(URL).content.decode()
    assert QUESTION in html
    # Not asked for yet: "No" is the answer shown.
    assert checked_answer(html) == "no"


@pytest.mark.parametrize("person", ["clerk_a", "councillor_a", "chair"])
def test_council_people_are_not_offered_it(cast, client, person):
    client.force_login(getattr(cast, person))
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert QUESTION not in html
    assert "There are no other emails to choose for your roles." in html
    # A post of the field anyway changes nothing: the form has no such field for them.
    client.post(URL, {"email_area_dashboards": "yes"})
    getattr(cast, person).refresh_from_db()
    assert getattr(cast, person).email_area_dashboards is False


def test_an_ended_area_role_is_no_longer_offered_it(cast, client):
    services.end_area_role(acting_user=cast.admin, role=AreaRole.objects.get(user=cast.officer))
    client.force_login(cast.officer)
    assert QUESTION not in client.get(URL).content.decode()


def test_yes_saves_and_no_takes_it_back(cast, client):
    client.force_login(cast.officer)
    response = client.post(URL, {"email_area_dashboards": "yes"})
    assert response.status_code == 302 and response.url == URL
    cast.officer.refresh_from_db()
    assert cast.officer.email_area_dashboards is True
    page = client.get(URL).content.decode()
    assert "Your email settings have been saved." in page
    assert checked_answer(page) == "yes"

    client.post(URL, {"email_area_dashboards": "no"})
    cast.officer.refresh_from_db()
    assert cast.officer.email_area_dashboards is False


@pytest.mark.parametrize("answer", [None, "", "maybe", "on", "true", "1"])
def test_bad_input_is_refused_next_to_the_field_and_changes_nothing(cast, client, answer):
    cast.officer.email_area_dashboards = True
    cast.officer.save()
    client.force_login(cast.officer)
    response = client.post(URL, {} if answer is None else {"email_area_dashboards": answer})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Email settings" in html
    assert "govuk-error-summary" in html
    (message,) = re.findall(
        r'<p class="govuk-error-message" id="id_email_area_dashboards_error">(.*?)</p>', html, re.S
    )
    assert " ".join(message.split()) == (
        '<span class="govuk-visually-hidden">Error:</span> '
        "Select yes if you want your areas&#x27; dashboards by email each month"
    )
    cast.officer.refresh_from_db()
    assert cast.officer.email_area_dashboards is True


def test_signed_out_people_are_sent_to_sign_in(db, client):
    for response in (client.get(URL), client.post(URL, {"email_area_dashboards": "yes"})):
        assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
