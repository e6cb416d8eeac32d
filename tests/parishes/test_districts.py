"""Districts: looked up from the ONS data, filled by the register import (or its district column),
shown on the council page, and a filter of the area's council list."""

import pytest
from django.urls import reverse

from parishes import districts
from parishes.models import Council, District, RegisterImport
from parishes.register import import_register
from tests.parishes.test_query_counts import build, queries_for

HEADER = "gss_code,name,kind,district\n"
# Kirkby Stephen (Westmorland and Furness, unitary); Witney (West Oxfordshire, in Oxfordshire);
# E04012990 was created after 2019, so the data does not know its district.
KIRKBY_STEPHEN, WITNEY, NEW_PARISH = "E04002544", "E04008335", "E04012990"


def run(cast, text):
    return import_register(
        acting_user=cast.admin, area=cast.north, file_name="register.csv", content=text.encode()
    )


# The lookup


def test_a_parish_district_and_county_come_from_the_data(db):
    witney = districts.district_for_parish(WITNEY)
    assert (witney.gss_code, witney.name, witney.county_gss_code, witney.county_name) == (
        "E07000181",
        "West Oxfordshire",
        "E10000025",
        "Oxfordshire",
    )
    assert str(witney) == "West Oxfordshire, Oxfordshire"
    unitary = districts.district_for_parish(KIRKBY_STEPHEN.lower())
    assert (unitary.name, unitary.county_gss_code, unitary.county_name) == ("Westmorland and Furness", "", "")
    # Made once, then found.
    assert districts.district_for_parish(WITNEY) == witney
    assert District.objects.count() == 2
    assert districts.district_for_parish(NEW_PARISH) is None
    assert districts.district_for_parish("") is None


def test_a_district_is_named_by_code_or_name(db):
    assert districts.resolve_district("e07000181") == "E07000181"
    assert districts.resolve_district("  west   oxfordshire ") == "E07000181"
    # Barnsley has an old and a current code: the name means the one parishes lie in now.
    assert districts.resolve_district("Barnsley") in set(districts._lookups().parish_district.values())
    for unknown in ("Eden", "E07999999", "Narnia"):
        with pytest.raises(districts.UnknownDistrict, match="not a district in the ONS list"):
            districts.resolve_district(unknown)


# The register import


def test_the_import_fills_the_district_from_the_gss_code(cast):
    result = run(
        cast, HEADER + f"{KIRKBY_STEPHEN},Kirkby Stephen,town council,\n{WITNEY},Witney,town council,\n"
    )
    assert result.outcome == RegisterImport.Outcome.IMPORTED
    assert Council.objects.get(gss_code=KIRKBY_STEPHEN).district.name == "Westmorland and Furness"
    assert Council.objects.get(gss_code=WITNEY).district.county_name == "Oxfordshire"


def test_the_district_column_gives_one_the_data_does_not_know(cast):
    result = run(
        cast,
        HEADER
        + f"{NEW_PARISH},Newtown,parish council,West Oxfordshire\nE04000101,Ashby,parish council,E06000064\n",
    )
    assert result.outcome == RegisterImport.Outcome.IMPORTED, result.rows
    assert Council.objects.get(gss_code=NEW_PARISH).district.gss_code == "E07000181"
    cast.council_a.refresh_from_db()
    assert cast.council_a.district.name == "Westmorland and Furness"
    # A later file without the column leaves the district as it was.
    run(cast, "gss_code,name,kind\nE04000101,Ashby,parish council\n")
    cast.council_a.refresh_from_db()
    assert cast.council_a.district.gss_code == "E06000064"


def test_an_unknown_or_contradicting_district_refuses_the_whole_file(cast):
    before = District.objects.count(), list(Council.objects.values_list("pk", "district"))
    result = run(
        cast,
        HEADER
        + f"{NEW_PARISH},Newtown,parish council,Eden\n"
        + f"{WITNEY},Witney,town council,Cherwell\n"
        + f"{KIRKBY_STEPHEN},Kirkby Stephen,town council,westmorland and furness\n",
    )
    assert result.outcome == RegisterImport.Outcome.REFUSED
    reasons = [row["reason"] for row in result.rows]
    assert "District “Eden” is not a district in the ONS list" in reasons[0]
    assert "not the district E04008335 lies in: the ONS data gives West Oxfordshire (E07000181)" in reasons[1]
    assert reasons[2] == ""
    assert (District.objects.count(), list(Council.objects.values_list("pk", "district"))) == before


# The pages


def test_the_council_page_shows_its_district_and_county(cast, client_for):
    witney = districts.district_for_parish(WITNEY)
    Council.objects.filter(pk=cast.council_a.pk).update(district=witney)
    page = (
        client_for(cast.clerk_a).get(reverse("parishes:council", args=[cast.council_a.pk])).content.decode()
    )
    assert "West Oxfordshire" in page and "E07000181" in page
    assert '<dt class="govuk-summary-list__key">County</dt>' in page and "Oxfordshire" in page
    other = (
        client_for(cast.clerk_b).get(reverse("parishes:council", args=[cast.council_b.pk])).content.decode()
    )
    assert "Not known" in other and ">County<" not in other


def _set_districts(cast):
    west_oxon = districts.district_by_code("E07000181")
    cumbrian = districts.district_by_code("E06000064")
    Council.objects.filter(pk=cast.council_a.pk).update(district=west_oxon)
    Council.objects.filter(pk=cast.council_b.pk).update(district=cumbrian)
    # A district only another area's councils lie in is not offered.
    Council.objects.filter(pk=cast.council_d.pk).update(district=districts.district_by_code("E07000177"))


def test_the_area_list_filters_by_the_districts_its_councils_lie_in(cast, client_for):
    _set_districts(cast)
    client = client_for(cast.officer)
    url = reverse("parishes:area", args=[cast.north.slug])
    page = client.get(url).content.decode()
    assert 'value="E07000181"' in page and 'value="E06000064"' in page
    assert 'value="E07000177"' not in page
    filtered = client.get(url, {"district": "E06000064"})
    councils = [c.pk for c in filtered.context["page_obj"]]
    assert councils == [cast.council_b.pk]
    assert "1 council found" in filtered.content.decode()
    # Another area's district is not a choice: the filter is ignored, as any invalid value is.
    other = client.get(url, {"district": "E07000177"})
    assert other.status_code == 200
    assert other.context["search"].errors
    assert len(other.context["page_obj"].object_list) == 3


def test_an_outsider_still_gets_404_for_the_filtered_list(cast, client_for):
    _set_districts(cast)
    for person in (cast.south_officer, cast.clerk_c):
        response = client_for(person).get(
            reverse("parishes:area", args=[cast.north.slug]), {"district": "E06000064"}
        )
        assert response.status_code == 404


def test_the_area_list_query_count_does_not_grow_with_councils_or_districts(client, db):
    counts = []
    codes = sorted(set(districts._lookups().parish_district.values()))
    for size in (5, 500):
        area, _, officer = build(size)
        for index, council in enumerate(area.councils.all()):
            council.district = districts.district_by_code(codes[index % 40])
            council.save(update_fields=["district"])
        client.force_login(officer)
        url = reverse("parishes:area", args=[area.slug])
        counts.append((queries_for(client, url), queries_for(client, url + "?district=" + codes[1])))
        counts.append(queries_for(client, reverse("parishes:council", args=[area.councils.first().pk])))
    assert counts[0] == counts[2] and counts[1] == counts[3], counts


def test_the_demo_councils_lie_in_their_districts(cast):
    from parishes import demo

    witney = demo.ensure_council(cast.north, WITNEY, "Witney", Council.Kind.TOWN_COUNCIL)
    assert witney.district.name == "West Oxfordshire"
    assert Council.objects.get(pk=witney.pk).district.county_name == "Oxfordshire"
    # Run again: nothing changes.
    assert (
        demo.ensure_council(cast.north, WITNEY, "Witney", Council.Kind.TOWN_COUNCIL).district
        == witney.district
    )
    assert District.objects.filter(gss_code="E07000181").count() == 1
