"""The register import with numbers the database could not hold, names that could reach an email
header, codes of another area, and a database that refuses at the last moment: each refused row by
row or whole, nothing imported, and the record of the refusal kept."""

import pytest
from django.db import DataError
from django.urls import reverse

from parishes import register
from parishes.models import AuditEvent, Council, RegisterImport
from parishes.register import import_register

HEADER = "gss_code,name,kind,population,electorate\n"


def run(cast, text, area=None):
    return import_register(
        acting_user=cast.admin, area=area or cast.north, file_name="register.csv", content=text.encode()
    )


def councils():
    return sorted(Council.objects.values_list("gss_code", "name", "population", "electorate"))


@pytest.mark.parametrize(
    ("population", "electorate", "reason"),
    [
        ("2147483648", "", "Population must be a whole number from 0 to 10,000,000"),
        ("99999999999999999999999", "", "Population must be a whole number from 0 to 10,000,000"),
        ("10000001", "", "Population must be a whole number from 0 to 10,000,000"),
        ("-1", "", "Population must be a whole number from 0 to 10,000,000"),
        ("", "9223372036854775808", "Electorate must be a whole number from 0 to 10,000,000"),
        ("", "-0", "Electorate must be a whole number from 0 to 10,000,000"),
        ("²", "", "Population must be a whole number from 0 to 10,000,000"),
        ("1e9", "", "Population must be a whole number from 0 to 10,000,000"),
        ("", "١٢٣", "Electorate must be a whole number from 0 to 10,000,000"),
    ],
)
def test_a_number_out_of_range_is_refused_on_its_row_and_nothing_is_imported(
    cast, population, electorate, reason
):
    before = councils()
    result = run(
        cast,
        HEADER
        + "E04002544,Kirkby Stephen,Town council,1832,1500\n"
        + f"E04002545,Winton,parish council,{population},{electorate}\n",
    )
    assert result.outcome == RegisterImport.Outcome.REFUSED
    assert [(row["line"], row["result"], row["reason"]) for row in result.rows] == [
        (2, "created", ""),
        (3, "refused", reason),
    ]
    assert result.refused_count == 1
    # The refusal is recorded and kept; nothing else changed.
    assert RegisterImport.objects.filter(pk=result.pk, outcome="refused").exists()
    assert councils() == before
    assert not AuditEvent.objects.filter(action="register.imported").exists()


def test_the_largest_allowed_numbers_are_imported(cast):
    result = run(cast, HEADER + 'E04002545,Winton,parish council,"10,000,000",10000000\n')
    assert result.outcome == RegisterImport.Outcome.IMPORTED
    winton = Council.objects.get(gss_code="E04002545")
    assert (winton.population, winton.electorate) == (10_000_000, 10_000_000)


def test_a_name_with_a_line_break_is_refused(cast):
    result = run(cast, HEADER + 'E04002545,"Winton\nBcc: everyone@example.org",parish council,,\n')
    assert result.outcome == RegisterImport.Outcome.REFUSED
    assert result.rows[0]["reason"] == "Name contains a line break or another control character"
    assert not Council.objects.filter(gss_code="E04002545").exists()


def test_a_code_of_another_area_is_refused_without_naming_that_area(cast):
    # W04000104 is council D's, in South; the north's administrator imports it.
    result = run(cast, HEADER + "W04000104,Dunmow,community council,,\n")
    assert result.outcome == RegisterImport.Outcome.REFUSED
    reason = result.rows[0]["reason"]
    assert reason == "GSS code W04000104 is registered to a council of another area"
    assert "South" not in reason
    cast.council_d.refresh_from_db()
    assert (cast.council_d.area, cast.council_d.name) == (cast.south, "Dunmow")


def test_the_result_page_of_such_a_refusal_does_not_name_the_other_area(cast, client_for):
    result = run(cast, HEADER + "W04000104,Dunmow,community council,,\n")
    page = client_for(cast.admin).get(reverse("parishes:area_import_result", args=["north", result.pk]))
    assert page.status_code == 200
    assert "another area" in page.content.decode()
    assert "South" not in page.content.decode()


def test_a_refusal_by_the_database_keeps_the_import_record_and_imports_nothing(cast, monkeypatch):
    before = councils()

    def refuse(*args, **kwargs):
        raise DataError("value out of range for type integer")

    monkeypatch.setattr(Council.objects, "bulk_update", refuse)
    # One row creates (runs before the refusal), one updates council A: both roll back.
    result = run(
        cast, HEADER + "E04002545,Winton,parish council,,\nE04000101,Ashby Renamed,parish council,,\n"
    )
    assert result.outcome == RegisterImport.Outcome.REFUSED
    assert "nothing was imported" in result.error
    assert RegisterImport.objects.get(pk=result.pk).outcome == RegisterImport.Outcome.REFUSED
    assert councils() == before
    assert not AuditEvent.objects.filter(action="register.imported").exists()


def test_refused_values_are_kept_short_in_the_record(cast):
    long_name = "N" * 5000
    result = run(cast, HEADER + f"E04002545,{long_name},parish council,,\n")
    assert result.rows[0]["reason"] == "Name is longer than 120 characters"
    assert len(result.rows[0]["name"]) <= 200


def test_the_upload_page_shows_an_out_of_range_row_and_changes_nothing(cast, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = councils()
    upload = SimpleUploadedFile(
        "register.csv", (HEADER + "E04002545,Winton,parish council,99999999999,\n").encode()
    )
    response = client_for(cast.admin).post(reverse("parishes:area_import", args=["north"]), {"file": upload})
    assert response.status_code == 302
    result = RegisterImport.objects.get()
    page = client_for(cast.admin).get(response["Location"]).content.decode()
    assert "Population must be a whole number from 0 to 10,000,000" in page
    assert result.outcome == RegisterImport.Outcome.REFUSED
    assert councils() == before


def test_the_limit_is_inside_what_the_column_holds():
    # PositiveIntegerField holds up to 2,147,483,647 on every database the project runs on.
    assert register.MAX_PEOPLE < 2_147_483_647
