from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parishes.models import AreaRole, Council, Invitation, RegisterImport
from tests.factories import CouncilFactory


def url(name, *args):
    return reverse(f"parishes:{name}", args=args)


def test_officers_see_their_areas_councils(cast, client_for):
    page = client_for(cast.officer).get(url("area", "north")).content.decode()
    assert "Ashby" in page and "E04000103" in page
    assert "Dunmow" not in page
    assert url("area_import", "north") not in page


def test_clerks_do_not_see_the_area(cast, client_for):
    assert client_for(cast.clerk_a).get(url("area", "north")).status_code == 404


def test_search_and_filter_councils(cast, client_for):
    CouncilFactory(area=cast.north, name="Crosby Garrett", kind=Council.Kind.PARISH_MEETING)
    client = client_for(cast.officer)
    page = client.get(url("area", "north"), {"q": "bramp"})
    assert [c.gss_code for c in page.context["page_obj"]] == ["E04000102", "E04000103"]
    page = client.get(url("area", "north"), {"q": "E04000101"})
    assert [c.name for c in page.context["page_obj"]] == ["Ashby"]
    page = client.get(url("area", "north"), {"kind": "parish_meeting"})
    assert [c.name for c in page.context["page_obj"]] == ["Crosby Garrett"]
    page = client.get(url("area", "north"), {"kind": "castle", "page": "999"})
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
    page = client.get(url("area", "north"), {"q": "zzz"})
    assert "No council matches your search" in page.content.decode()


def test_councils_are_paginated(cast, client_for):
    CouncilFactory.create_batch(60, area=cast.north)
    client = client_for(cast.officer)
    first = client.get(url("area", "north"))
    assert len(first.context["page_obj"]) == 50
    second = client.get(url("area", "north"), {"page": 2})
    assert len(second.context["page_obj"]) == 13
    assert "?page=1" in second.content.decode()


def test_the_administrator_imports_a_register(cast, client_for):
    client = client_for(cast.admin)
    upload = SimpleUploadedFile(
        "register.csv", b"gss_code,name,kind\nE04009999,Newton,parish council\n", "text/csv"
    )
    response = client.post(url("area_import", "north"), {"file": upload})
    result = RegisterImport.objects.get()
    assert response.url == url("area_import_result", "north", result.pk)
    page = client.get(response.url).content.decode()
    assert "Register imported" in page and "Newton" in page
    assert Council.objects.filter(gss_code="E04009999", area=cast.north).exists()


def test_a_refused_register_lists_the_reasons_and_imports_nothing(cast, client_for):
    client = client_for(cast.admin)
    upload = SimpleUploadedFile(
        "register.csv", b"gss_code,name,kind\nE04009999,Newton,parish council\nE04,Bad,parish council\n"
    )
    response = client.post(url("area_import", "north"), {"file": upload}, follow=True)
    page = response.content.decode()
    assert "Nothing was imported" in page and "not a parish or community code" in page
    assert not Council.objects.filter(gss_code="E04009999").exists()


def test_a_missing_or_wrong_file_is_explained(cast, client_for):
    client = client_for(cast.admin)
    response = client.post(url("area_import", "north"), {})
    assert "file" in response.context["form"].errors
    exe = SimpleUploadedFile("register.exe", b"MZ\x90\x00", "application/octet-stream")
    response = client.post(url("area_import", "north"), {"file": exe})
    assert "must be a CSV" in response.content.decode()
    assert not RegisterImport.objects.exists()


def test_officers_may_not_import(cast, client_for):
    client = client_for(cast.officer)
    assert client.get(url("area_import", "north")).status_code == 403
    assert client.post(url("area_import", "north"), {}).status_code == 403
    assert client.get(url("area_people", "north")).status_code == 403


def test_the_administrator_invites_an_officer_and_ends_a_role(cast, client_for):
    client = client_for(cast.admin)
    response = client.post(
        url("area_invite", "north"), {"email": "new.officer@example.org", "role": "officer"}
    )
    assert response.status_code == 302
    assert Invitation.objects.get(council=None).role == "officer"
    role = AreaRole.objects.get(user=cast.officer)
    client.post(url("area_role_end", "north", role.pk))
    role.refresh_from_db()
    assert role.ended_on is not None
    assert client_for(cast.officer).get(url("area", "north")).status_code == 404


def test_area_invitations_offer_only_area_roles(cast, client_for):
    response = client_for(cast.admin).post(
        url("area_invite", "north"), {"email": "x@example.org", "role": "clerk"}
    )
    assert "role" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_the_administrator_can_invite_a_councils_first_clerk(cast, client_for):
    response = client_for(cast.admin).post(
        url("council_invite", cast.council_c.pk), {"email": "first.clerk@example.org", "role": "clerk"}
    )
    assert response.status_code == 302
    assert Invitation.objects.get().council == cast.council_c
