"""Districts and counties from the ONS lookups in parishes/data, made into rows when first needed.

The JSON is read once per process; a District row is created the first time a council lies in it,
so the database holds only the districts its councils use."""

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .models import District

DATA = Path(__file__).resolve().parent / "data"


class UnknownDistrict(ValueError):
    """A district named or coded that the ONS data does not know; the message is shown."""


@dataclass(frozen=True)
class _Lookups:
    parish_district: dict[str, str]  # parish GSS code → district GSS code
    district_name: dict[str, str]  # district GSS code → name
    district_county: dict[str, str]  # two-tier district GSS code → county GSS code
    county_name: dict[str, str]  # county GSS code → name
    by_name: dict[str, list[str]]  # lower-cased district name → its codes, current ones first


def _load(name: str) -> dict[str, str]:
    return json.loads((DATA / name).read_text())


@functools.cache
def _lookups() -> _Lookups:
    parish_district = _load("ons_parish_districts.json")
    district_name = _load("ons_districts.json")
    current = set(parish_district.values())
    by_name: dict[str, list[str]] = {}
    # A name used by an old and a current code (Barnsley, Sheffield) means the current one.
    for code in sorted(district_name, key=lambda c: (c not in current, c)):
        by_name.setdefault(district_name[code].casefold(), []).append(code)
    return _Lookups(
        parish_district=parish_district,
        district_name=district_name,
        district_county=_load("ons_district_counties.json"),
        county_name=_load("ons_counties.json"),
        by_name=by_name,
    )


def district_code_for_parish(gss_code: str) -> str | None:
    """The code of the district a parish or community lies in, where the ONS data knows it."""
    return _lookups().parish_district.get((gss_code or "").upper())


def resolve_district(value: str) -> str:
    """A district's code from its GSS code or its name, or UnknownDistrict saying why not."""
    data = _lookups()
    text = " ".join(value.split())
    if text.upper() in data.district_name:
        return text.upper()
    codes = data.by_name.get(text.casefold(), [])
    if not codes:
        raise UnknownDistrict(
            f"District “{text[:60]}” is not a district in the ONS list: give its name or GSS code (E07…)"
        )
    return codes[0]


def district_name(code: str) -> str:
    return _lookups().district_name[code]


def _fields(code: str) -> dict[str, str]:
    data = _lookups()
    county = data.district_county.get(code, "")
    return {
        "name": data.district_name[code],
        "county_gss_code": county,
        "county_name": data.county_name.get(county, ""),
    }


def districts_by_code(codes: Iterable[str]) -> dict[str, District]:
    """The District rows of these known codes, creating those not yet made: two queries at most."""
    wanted = {code for code in codes if code}
    unknown = wanted - _lookups().district_name.keys()
    if unknown:
        raise UnknownDistrict(f"Not a district in the ONS list: {', '.join(sorted(unknown))}")
    found = {d.gss_code: d for d in District.objects.filter(gss_code__in=wanted)}
    missing = wanted - found.keys()
    if missing:
        # Another request may make the same row at the same moment: the unique code settles it.
        District.objects.bulk_create(
            [District(gss_code=code, **_fields(code)) for code in sorted(missing)], ignore_conflicts=True
        )
        found = {d.gss_code: d for d in District.objects.filter(gss_code__in=wanted)}
    return found


def district_by_code(code: str) -> District:
    return districts_by_code([code])[code]


def district_for_parish(gss_code: str) -> District | None:
    """The District row a parish or community lies in, made from the data when first needed; None
    where the data does not know it (parishes created since 2019, codes of no parish)."""
    code = district_code_for_parish(gss_code)
    return district_by_code(code) if code else None
