"""The council register import: a CSV of councils, imported whole or not at all."""

import csv
import io
import logging
import re

from django.conf import settings
from django.db import DatabaseError, transaction

from config.text import CONTROL_CHARACTERS

from . import audit, districts
from .models import GSS_CODE_RE, Area, Council, RegisterImport

COLUMNS = ("gss_code", "name", "kind", "population", "electorate", "district")
REQUIRED_COLUMNS = ("gss_code", "name", "kind")
MAX_ROWS = 20_000
# More people than any parish or community has (the largest town councils serve about 200,000),
# and far inside what the database's integer columns hold, so no number can fail the import.
MAX_PEOPLE = 10_000_000
# What a refused row's values are cut to in the import record.
_SHOWN_MAX = 200
_WHOLE_NUMBER_RE = re.compile(r"[0-9]+")
# "parish_council", "Parish council" and "parish-council" all name the same kind.
_KINDS = {
    **{value.replace("_", " "): value for value in Council.Kind.values},
    **{label.lower(): value for value, label in Council.Kind.choices},
}


logger = logging.getLogger(__name__)


class RegisterFileError(Exception):
    """The file as a whole cannot be read; the message is shown to the person."""


def _column_key(header: str) -> str:
    return re.sub(r"[^a-z]+", "_", header.strip().lower()).strip("_")


def _read_rows(content: bytes) -> list[dict]:
    if len(content) > settings.REGISTER_IMPORT_MAX_BYTES:
        raise RegisterFileError(
            f"The file is larger than {settings.REGISTER_IMPORT_MAX_BYTES // (1024 * 1024)} MB."
        )
    if b"\x00" in content:
        raise RegisterFileError("The file is not a CSV file: save it from your spreadsheet as CSV (UTF-8).")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RegisterFileError("The file is not UTF-8 text: save it as CSV (UTF-8).") from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise RegisterFileError("The file is empty.") from None
    keys = [_column_key(h) for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in keys]
    if missing:
        raise RegisterFileError(
            "The first row must name the columns gss_code, name, kind, population and electorate; "
            f"missing: {', '.join(missing)}."
        )
    rows = []
    try:
        for line, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            rows.append(
                {"line": line, **{k: v.strip() for k, v in zip(keys, values, strict=False) if k in COLUMNS}}
            )
            if len(rows) > MAX_ROWS:
                raise RegisterFileError(f"The file has more than {MAX_ROWS:,} rows: split it.")
    except csv.Error as error:
        raise RegisterFileError(f"The file could not be read as CSV: {error}.") from None
    if not rows:
        raise RegisterFileError("The file has no councils in it.")
    return rows


def _whole_number(value: str, label: str) -> tuple[int | None, str]:
    if not value:
        return None, ""
    cleaned = value.replace(",", "")
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not _WHOLE_NUMBER_RE.fullmatch(cleaned):
        return None, f"{label} must be a whole number from 0 to {MAX_PEOPLE:,}"
    number = int(cleaned)
    if number > MAX_PEOPLE:
        return None, f"{label} must be a whole number from 0 to {MAX_PEOPLE:,}"
    return number, ""


def _check_row(row: dict, seen: set[str], elsewhere: set[str]) -> tuple[dict, str]:
    """The council's fields from one row, or the reason the row is refused."""
    code = row.get("gss_code", "").upper()
    name = row.get("name", "")
    if not code:
        return {}, "GSS code is missing"
    if not re.fullmatch(GSS_CODE_RE, code):
        return {}, f"GSS code {code[:20]} is not a parish or community code (E04… or W04… and 6 digits)"
    if code in seen:
        return {}, f"GSS code {code} appears more than once in the file"
    seen.add(code)
    if code in elsewhere:
        # Which area holds it is that area's business: say only that it is not this one's.
        return {}, f"GSS code {code} is registered to a council of another area"
    if not name:
        return {}, "Name is missing"
    if len(name) > Council._meta.get_field("name").max_length:
        return {}, "Name is longer than 120 characters"
    if CONTROL_CHARACTERS.search(name):
        return {}, "Name contains a line break or another control character"
    kind = _KINDS.get(re.sub(r"[\s_\-]+", " ", row.get("kind", "").lower()).strip())
    if not kind:
        return {}, f"Kind “{row.get('kind', '')[:40]}” is not one of: {', '.join(Council.Kind.labels)}"
    population, error = _whole_number(row.get("population", ""), "Population")
    if error:
        return {}, error
    electorate, error = _whole_number(row.get("electorate", ""), "Electorate")
    if error:
        return {}, error
    district, error = _district(code, row.get("district", ""))
    if error:
        return {}, error
    return {
        "gss_code": code,
        "name": name,
        "kind": kind,
        "population": population,
        "electorate": electorate,
        "district": district,
    }, ""


def _district(code: str, value: str) -> tuple[str | None, str]:
    """The district's code: from the ONS data where it knows the parish, else from the district
    column (a name or a GSS code); None when neither gives one."""
    known = districts.district_code_for_parish(code)
    given = None
    if value:
        try:
            given = districts.resolve_district(value)
        except districts.UnknownDistrict as error:
            return None, str(error)
    if known and given and given != known:
        return None, (
            f"District “{value[:60]}” is not the district {code} lies in: the ONS data gives "
            f"{districts.district_name(known)} ({known})"
        )
    return known or given, ""


@transaction.atomic
def import_register(*, acting_user, area: Area, file_name: str, content: bytes) -> RegisterImport:
    """Check every row; import them all if none is refused, else import nothing. Always recorded."""
    result = RegisterImport(area=area, uploaded_by=acting_user, file_name=file_name[:255])
    try:
        rows = _read_rows(content)
    except RegisterFileError as error:
        result.outcome = RegisterImport.Outcome.REFUSED
        result.error = str(error)
        result.save()
        return result

    codes = {row.get("gss_code", "").upper() for row in rows}
    existing = {c.gss_code: c for c in Council.objects.select_related("area").filter(gss_code__in=codes)}
    elsewhere = {code for code, c in existing.items() if c.area_id != area.pk}
    seen: set[str] = set()
    checked = []
    for row in rows:
        fields, reason = _check_row(row, seen, elsewhere)
        outcome = "refused" if reason else ("updated" if fields["gss_code"] in existing else "created")
        checked.append((row, fields, outcome, reason))

    result.rows = [
        {
            "line": row["line"],
            "gss_code": row.get("gss_code", "")[:_SHOWN_MAX],
            "name": row.get("name", "")[:_SHOWN_MAX],
            "result": outcome,
            "reason": reason,
        }
        for row, _, outcome, reason in checked
    ]
    result.refused_count = sum(1 for *_, outcome, _ in checked if outcome == "refused")
    if result.refused_count:
        result.outcome = RegisterImport.Outcome.REFUSED
        result.save()
        return result

    district_rows = districts.districts_by_code(fields["district"] for _, fields, *_ in checked)
    to_create, to_update = [], []
    for _, fields, outcome, _ in checked:
        code = fields.pop("district")
        if code:
            fields["district"] = district_rows[code]
        if outcome == "created":
            to_create.append(Council(area=area, **fields))
        else:
            council = existing[fields["gss_code"]]
            for name, value in fields.items():
                setattr(council, name, value)
            to_update.append(council)
    try:
        # A savepoint of its own: if the database still refuses (another import added the same GSS
        # code a moment ago), the councils roll back but the record of the refusal is kept.
        with transaction.atomic():
            Council.objects.bulk_create(to_create, batch_size=1000)
            Council.objects.bulk_update(
                to_update, ["name", "kind", "population", "electorate", "district"], batch_size=1000
            )
    except DatabaseError:
        logger.exception("Register import %s into %s refused by the database", file_name, area.slug)
        result.outcome = RegisterImport.Outcome.REFUSED
        result.error = (
            "The register changed while the file was being imported, or a value did not fit: "
            "nothing was imported. Try again."
        )
        result.save()
        return result
    result.outcome = RegisterImport.Outcome.IMPORTED
    result.created_count, result.updated_count = len(to_create), len(to_update)
    result.save()
    audit.record(
        actor=acting_user,
        action="register.imported",
        area=area,
        summary=f"Register {result.file_name} imported: {len(to_create)} added, {len(to_update)} updated",
        after={"import": result.pk, "created": len(to_create), "updated": len(to_update)},
    )
    return result
