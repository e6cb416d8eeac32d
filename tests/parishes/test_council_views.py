from django.core import mail
from django.urls import reverse

from parishes import services
from parishes.models import (
    AreaRole,
    AuditEvent,
    CouncilPermissionGrant,
    CouncilRole,
    CouncilTaxBase,
    Invitation,
)


def url(name, *args):
    return reverse(f"parishes:{name}", args=args)


def test_home_lists_only_the_persons_councils_with_their_roles(cast, client_for):
    page = client_for(cast.clerk_a).get(url("home")).content.decode()
    assert "Ashby" in page and "Clerk" in page
    assert "Brampton" not in page
    assert "Your areas" not in page


def test_home_of_an_officer_of_one_area_is_its_dashboard(cast, client_for):
    page = client_for(cast.officer).get(url("home")).content.decode()
    assert "<title>Dashboard – North" in page and url("area", "north") in page
    assert "South" not in page


def test_home_for_someone_without_a_role_says_how_to_get_one(db, client_for):
    from tests.factories import UserFactory

    page = client_for(UserFactory()).get(url("home")).content.decode()
    assert "You do not hold a role in any council yet" in page


def test_council_page_shows_the_profile_and_only_allowed_links(cast, client_for):
    council = cast.council_a
    page = client_for(cast.councillor_a).get(url("council", council.pk)).content.decode()
    assert "Ashby" in page and "E04000101" in page
    assert url("council_people", council.pk) not in page
    assert url("council_edit", council.pk) not in page
    page = client_for(cast.clerk_a).get(url("council", council.pk)).content.decode()
    assert url("council_people", council.pk) in page and url("council_edit", council.pk) in page


def test_officers_read_every_council_of_their_area_but_change_nothing(cast, client_for):
    client = client_for(cast.officer)
    assert client.get(url("council", cast.council_c.pk)).status_code == 200
    assert client.get(url("council_edit", cast.council_c.pk)).status_code == 403
    assert (
        client.post(url("council_edit", cast.council_c.pk), {"name": "X", "kind": "town_council"}).status_code
        == 403
    )
    assert client.get(url("council_people", cast.council_c.pk)).status_code == 403


def test_the_clerk_edits_the_profile(cast, client_for):
    response = client_for(cast.clerk_a).post(
        url("council_edit", cast.council_a.pk),
        {
            "name": "Ashby Parva",
            "kind": "parish_council",
            "population": "812",
            "electorate": "650",
            "email": "clerk@ashby.example",
            "website": "ashby.example",
        },
    )
    assert response.status_code == 302
    cast.council_a.refresh_from_db()
    assert (cast.council_a.name, cast.council_a.population, cast.council_a.website) == (
        "Ashby Parva",
        812,
        "https://ashby.example",
    )
    assert AuditEvent.objects.filter(action="council.updated", council=cast.council_a).exists()


def test_bad_profile_input_is_explained_and_changes_nothing(cast, client_for):
    response = client_for(cast.clerk_a).post(
        url("council_edit", cast.council_a.pk),
        {"name": "", "kind": "castle", "population": "-3", "email": "not-an-email"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert set(response.context["form"].errors) == {"name", "kind", "population", "email"}
    cast.council_a.refresh_from_db()
    assert cast.council_a.name == "Ashby"
    assert not AuditEvent.objects.filter(action="council.updated").exists()


def test_a_council_name_that_would_break_an_email_subject_is_refused(cast, client_for):
    response = client_for(cast.clerk_a).post(
        url("council_edit", cast.council_a.pk),
        {"name": "Ashby\nBcc: everyone@example.org", "kind": "parish_council"},
    )
    assert "Enter the council&#x27;s name on one line" in response.content.decode()
    cast.council_a.refresh_from_db()
    assert cast.council_a.name == "Ashby"


def test_a_councillor_may_not_edit(cast, client_for):
    assert client_for(cast.councillor_a).get(url("council_edit", cast.council_a.pk)).status_code == 403
    assert (
        client_for(cast.councillor_a).post(url("council_tax_base", cast.council_a.pk), {}).status_code == 403
    )


def test_the_tax_base_is_recorded_and_replaced_with_history(cast, client_for):
    client = client_for(cast.clerk_a)
    form = client.get(url("council_tax_base", cast.council_a.pk)).context["form"]
    year = form.fields["financial_year"].choices[1][0]
    target = url("council_tax_base", cast.council_a.pk)
    assert client.post(target, {"financial_year": year, "band_d": "412.60"}).status_code == 302
    client.post(target, {"financial_year": year, "band_d": "415.00"})
    assert str(CouncilTaxBase.objects.get(council=cast.council_a, financial_year=year).band_d) == "415.00"
    event = AuditEvent.objects.filter(action="council.tax_base_set").latest("id")
    assert event.before == {"band_d": "412.60"}


def test_a_bad_tax_base_is_refused(cast, client_for):
    response = client_for(cast.clerk_a).post(
        url("council_tax_base", cast.council_a.pk), {"financial_year": "1900", "band_d": "-1"}
    )
    assert set(response.context["form"].errors) == {"financial_year", "band_d"}
    assert not CouncilTaxBase.objects.exists()


def test_the_people_page_lists_roles_invitations_and_grants(cast, client_for):
    page = client_for(cast.clerk_a).get(url("council_people", cast.council_a.pk)).content.decode()
    for person in (cast.clerk_a, cast.rfo_a, cast.councillor_a):
        assert person.email in page
    assert cast.clerk_b.email not in page
    assert client_for(cast.councillor_a).get(url("council_people", cast.council_a.pk)).status_code == 403


def test_the_clerk_invites_and_an_email_goes_out(cast, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cast.clerk_a).post(
            url("council_invite", cast.council_a.pk),
            {"email": "new@example.org", "role": "rfo", "name": "Nia"},
        )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["new@example.org"]
    assert "Hello Nia" in mail.outbox[-1].body
    assert Invitation.objects.get().role == "rfo"


def test_bad_invitations_are_explained(cast, client_for):
    client = client_for(cast.clerk_a)
    response = client.post(url("council_invite", cast.council_a.pk), {"email": "nope", "role": "officer"})
    assert set(response.context["form"].errors) == {"email", "role"}
    response = client.post(
        url("council_invite", cast.council_a.pk), {"email": cast.clerk_a.email, "role": "clerk"}
    )
    assert "already holds that role" in response.content.decode()
    assert not Invitation.objects.exists()
    assert (
        client_for(cast.councillor_a)
        .post(url("council_invite", cast.council_a.pk), {"email": "x@example.org", "role": "clerk"})
        .status_code
        == 403
    )


def test_ending_a_role(cast, client_for):
    role = CouncilRole.objects.get(user=cast.councillor_a)
    client = client_for(cast.clerk_a)
    assert client.post(url("council_role_end", cast.council_a.pk, role.pk)).status_code == 302
    role.refresh_from_db()
    assert role.ended_on is not None
    assert client_for(cast.councillor_a).get(url("council", cast.council_a.pk)).status_code == 404


def test_ending_the_last_clerk_is_refused_with_a_message(cast, client_for):
    role = CouncilRole.objects.get(user=cast.clerk_a)
    response = client_for(cast.clerk_a).post(url("council_role_end", cast.council_a.pk, role.pk), follow=True)
    assert "A council needs a clerk" in response.content.decode()
    role.refresh_from_db()
    assert role.ended_on is None


def test_a_role_of_another_council_is_not_found(cast, client_for):
    other = CouncilRole.objects.get(user=cast.clerk_b)
    assert (
        client_for(cast.clerk_a).post(url("council_role_end", cast.council_a.pk, other.pk)).status_code == 404
    )
    assert (
        client_for(cast.clerk_a)
        .get(url("council_person_permissions", cast.council_a.pk, cast.clerk_b.pk))
        .status_code
        == 404
    )


def test_the_clerk_grants_and_removes_a_permission(cast, client_for):
    client = client_for(cast.clerk_a)
    target = url("council_person_permissions", cast.council_a.pk, cast.councillor_a.pk)
    assert client.post(target, {"permissions": ["view_council_audit"]}).status_code == 302
    assert client_for(cast.councillor_a).get(url("council_history", cast.council_a.pk)).status_code == 200
    client = client_for(cast.clerk_a)
    client.post(target, {})
    assert not CouncilPermissionGrant.objects.exists()
    assert client_for(cast.councillor_a).get(url("council_history", cast.council_a.pk)).status_code == 403


def test_an_unknown_permission_is_refused(cast, client_for):
    response = client_for(cast.clerk_a).post(
        url("council_person_permissions", cast.council_a.pk, cast.councillor_a.pk),
        {"permissions": ["delete_council"]},
    )
    assert "permissions" in response.context["form"].errors
    assert not CouncilPermissionGrant.objects.exists()


def test_the_history_shows_who_changed_what(cast, client_for):
    page = client_for(cast.clerk_a).get(url("council_history", cast.council_a.pk)).content.decode()
    assert "Councillor A became councillor" in page
    assert client_for(cast.rfo_a).get(url("council_history", cast.council_a.pk)).status_code == 403


def test_withdrawing_an_invitation(cast, client_for, django_capture_on_commit_callbacks):
    client = client_for(cast.clerk_a)
    client.post(url("council_invite", cast.council_a.pk), {"email": "new@example.org", "role": "rfo"})
    invitation = Invitation.objects.get()
    assert (
        client.post(url("council_invitation_withdraw", cast.council_a.pk, invitation.pk)).status_code == 302
    )
    invitation.refresh_from_db()
    assert invitation.withdrawn_at is not None
    response = client.post(url("council_invitation_withdraw", cast.council_a.pk, invitation.pk), follow=True)
    assert "can no longer be withdrawn" in response.content.decode()


def test_home_counts_the_councils_of_each_of_the_persons_areas(cast, client_for):
    # An officer of two areas keeps their home, which lists each with its number of councils.
    services.grant_area_role(acting_user=None, area=cast.south, user=cast.officer, kind=AreaRole.Kind.OFFICER)
    page = " ".join(client_for(cast.officer).get(url("home")).content.decode().split())
    assert 'North</a> <span class="govuk-body">– County officer, 3 councils</span>' in page
    assert 'South</a> <span class="govuk-body">– County officer, 1 council</span>' in page
