"""OS grid references: the form checked, the 100 km square checked against the National Grid, and one
stored form for every way of writing the same reference."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from services.grid_references import SQUARES, normalise_grid_reference, validate_grid_reference


@pytest.mark.parametrize(
    "reference",
    [
        "SU 12345 67890",
        "NY7208",
        "ny 72 08",
        "TQ 3 8",
        "SV 0000000000",
        "HP 6 1",
        "NY 77200 08700",
        " sk 1234 5678 ",
    ],
)
def test_references_of_real_squares_are_valid(reference):
    validate_grid_reference(reference)


@pytest.mark.parametrize(
    "reference", ["NY720", "SU 12345 6789", "TQ 1", "SU 1234567", "NY 12345678901", "NY"]
)
def test_an_odd_number_of_digits_or_too_many_is_refused(reference):
    with pytest.raises(ValidationError) as error:
        validate_grid_reference(reference)
    assert "even number of digits" in error.value.messages[0]


@pytest.mark.parametrize("reference", ["XX 1234 5678", "SI 1234 5678", "ZZ12", "AB 12 34", "IA 1 1"])
def test_letters_that_name_no_square_of_the_grid_are_refused(reference):
    with pytest.raises(ValidationError) as error:
        validate_grid_reference(reference)
    assert "not a square of the National Grid" in error.value.messages[0]


@pytest.mark.parametrize(
    "reference", ["", "12345678", "N 1234 5678", "NY 12a4", "NY-1234-5678", "😀", "NY\x001234"]
)
def test_anything_else_is_refused(reference):
    with pytest.raises(ValidationError):
        validate_grid_reference(reference)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("su1234567890", "SU 12345 67890"),
        ("NY 7208", "NY 72 08"),
        ("  ny  77 20 08 70 ", "NY 7720 0870"),
        ("tq\t38", "TQ 3 8"),
    ],
)
def test_a_reference_is_stored_in_one_form(written, stored):
    assert normalise_grid_reference(written) == stored


def test_the_grid_has_its_91_squares():
    assert len(SQUARES) == 91
    assert {"SV", "TV", "HL", "JM", "NY", "SU"} <= SQUARES
    assert not {"SI", "XX", "NI"} & SQUARES


@given(
    square=st.sampled_from(sorted(SQUARES)),
    digits=st.integers(min_value=1, max_value=5).flatmap(
        lambda n: st.text(alphabet="0123456789", min_size=2 * n, max_size=2 * n)
    ),
    spacing=st.lists(st.sampled_from(["", " ", "  ", "\t"]), min_size=3, max_size=3),
    lower=st.booleans(),
)
def test_any_valid_reference_normalises_to_a_valid_one_that_stays_the_same(square, digits, spacing, lower):
    half = len(digits) // 2
    written = f"{spacing[0]}{square}{spacing[1]}{digits[:half]}{spacing[2]}{digits[half:]}"
    written = written.lower() if lower else written
    validate_grid_reference(written)
    stored = normalise_grid_reference(written)
    validate_grid_reference(stored)
    assert stored == f"{square} {digits[:half]} {digits[half:]}"
    assert normalise_grid_reference(stored) == stored
