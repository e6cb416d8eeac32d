"""Ordnance Survey National Grid references ("SU 12345 67890", "NY7208"): two letters naming a
100 km square of the grid, then an even number of digits (2 to 10), half eastings, half northings.

Hand-written rather than a library's: checking the form is all Clusterwork needs (it draws no maps),
and the grid's 91 squares are a fixed table.
"""

import re

from django.core.exceptions import ValidationError

# The National Grid's 100 km squares, 7 across by 13 up, south-west (SV) to north-east (JM).
_ROWS = (
    "SV SW SX SY SZ TV TW",
    "SQ SR SS ST SU TQ TR",
    "SL SM SN SO SP TL TM",
    "SF SG SH SJ SK TF TG",
    "SA SB SC SD SE TA TB",
    "NV NW NX NY NZ OV OW",
    "NQ NR NS NT NU OQ OR",
    "NL NM NN NO NP OL OM",
    "NF NG NH NJ NK OF OG",
    "NA NB NC ND NE OA OB",
    "HV HW HX HY HZ JV JW",
    "HQ HR HS HT HU JQ JR",
    "HL HM HN HO HP JL JM",
)
SQUARES = frozenset(" ".join(_ROWS).split())
_FORM = re.compile(r"([A-Z]{2})(\d{2}|\d{4}|\d{6}|\d{8}|\d{10})")
MESSAGE = (
    "Enter an OS grid reference as two letters and an even number of digits, like SU 12345 67890 or NY 72 08"
)


def normalise_grid_reference(value: str) -> str:
    """The reference as it is stored and shown: capitals, the square, then eastings and northings
    separated by spaces ("su1234567890" becomes "SU 12345 67890")."""
    compact = re.sub(r"\s+", "", value or "").upper()
    match = _FORM.fullmatch(compact)
    if not match:
        return value.strip()
    square, digits = match.groups()
    half = len(digits) // 2
    return f"{square} {digits[:half]} {digits[half:]}"


def validate_grid_reference(value: str) -> None:
    compact = re.sub(r"\s+", "", value or "").upper()
    match = _FORM.fullmatch(compact)
    if not match:
        raise ValidationError(MESSAGE, code="invalid")
    if match.group(1) not in SQUARES:
        raise ValidationError(
            f"{match.group(1)} is not a square of the National Grid: check the two letters", code="square"
        )
