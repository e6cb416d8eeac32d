import pytest
from django.core.management import CommandError, call_command

from parishes.models import AuditEvent, Council, RegisterImport
from parishes.register import import_register

GOOD = (
    "gss_code,name,kind,population,electorate\n"
    "E04002544,Kirkby Stephen,Town council,1832,1500\n"
    "E04002513,Asby,parish_meeting,,\n"
    'W04000999,Llan,Community council,"1,200",950\n'
)


def run(cast, text, name="register.csv"):
    content = text.encode() if isinstance(text, str) else text
    return import_register(acting_user=cast.admin, area=cast.north, file_name=name, content=content)


def test_a_good_file_is_imported_whole(cast):
    result = run(cast, GOOD)
    assert result.outcome == RegisterImport.Outcome.IMPORTED
    assert (result.created_count, result.updated_count, result.refused_count) == (3, 0, 0)
    llan = Council.objects.get(gss_code="W04000999")
    assert (llan.area, llan.kind, llan.population, llan.electorate) == (
        cast.north,
        "community_council",
        1200,
        950,
    )
    assert Council.objects.get(gss_code="E04002513").kind == Council.Kind.PARISH_MEETING
    assert AuditEvent.objects.filter(action="register.imported", area=cast.north).count() == 1


def test_the_gss_code_is_the_identity_and_names_may_repeat(cast):
    result = run(
        cast,
        "gss_code,name,kind\nE04000101,Ashby St Mary,parish council\nE04000555,Brampton,parish council\n",
    )
    assert (result.created_count, result.updated_count) == (1, 1)
    cast.council_a.refresh_from_db()
    assert cast.council_a.name == "Ashby St Mary"
    assert Council.objects.filter(name="Brampton").count() == 3


BAD = (
    "GSS code,Name,Kind,Population,Electorate\n"
    "E04002544,Kirkby Stephen,Town council,1832,1500\n"
    "X123,Nowhere,parish council,,\n"
    "E04002544,Twice,parish council,,\n"
    "W04000104,Dunmow,community council,,\n"
    "E04002600,,parish council,,\n"
    "E04002601,Oddly,castle,,\n"
    "E04002602,Minus,parish council,-5,\n"
    "E04002603,Halves,parish council,,12.5\n"
)


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_reason(cast):
    before = Council.objects.count()
    result = run(cast, BAD)
    assert result.outcome == RegisterImport.Outcome.REFUSED
    assert Council.objects.count() == before
    reasons = {row["line"]: row["reason"] for row in result.rows}
    assert reasons[2] == ""
    assert "not a parish or community code" in reasons[3]
    assert "more than once" in reasons[4]
    assert "registered to a council of another area" in reasons[5]
    assert reasons[6] == "Name is missing"
    assert "is not one of" in reasons[7]
    assert "whole number" in reasons[8]
    assert "Electorate must be a whole number" in reasons[9]
    assert result.refused_count == 7
    assert not AuditEvent.objects.filter(action="register.imported").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"name,kind\nAshby,parish council\n", "missing: gss_code"),
        (b"gss_code,name,kind\n", "no councils"),
        ("gss_code,name,kind\nE04000001,Caf\u00e9,parish council\n".encode("latin-1"), "not UTF-8"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "not a CSV"),
    ],
)
def test_an_unreadable_file_is_refused_whole(cast, content, message):
    result = run(cast, content)
    assert result.outcome == RegisterImport.Outcome.REFUSED
    assert message in result.error
    assert Council.objects.count() == 4


def test_a_file_too_large_is_refused(cast, settings):
    settings.REGISTER_IMPORT_MAX_BYTES = 100
    result = run(cast, GOOD * 5)
    assert "larger than" in result.error


def test_the_management_command_imports_and_refuses(cast, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    call_command("import_register", "north", str(good))
    assert "Imported: 3 added, 0 updated." in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD)
    with pytest.raises(CommandError, match="7 row"):
        call_command("import_register", "north", str(bad))
    assert "registered to a council of another area" in capsys.readouterr().out
    with pytest.raises(CommandError, match="no area"):
        call_command("import_register", "nowhere", str(good))
