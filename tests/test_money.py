"""config/money.py: one rule for amounts of money, in the services' checks and in form fields."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from config.money import MoneyField, decimal_places, money_problem, pounds

CEILING = Decimal("10000000.00")
PENCE = "Enter the annual value in pounds and pence, like 1250.00"


@pytest.mark.parametrize(
    ("value", "negative", "problem"),
    [
        ("1250", False, None),
        ("1250.5", False, None),
        ("0", False, None),
        ("10000000.00", False, None),
        ("-20.00", True, None),
        ("12.345", False, PENCE),
        ("12.340", False, None),
        ("NaN", False, PENCE),
        ("Infinity", True, PENCE),
        ("-0.01", False, "The annual value must be £0 or more"),
        ("10000000.01", False, "The annual value must be £10,000,000.00 or less"),
        ("1E+30", False, "The annual value must be £10,000,000.00 or less"),
        ("-10000000.01", True, "The annual value must be between -£10,000,000.00 and £10,000,000.00"),
    ],
)
def test_money_problem(value, negative, problem):
    found = money_problem(Decimal(value), what="the annual value", ceiling=CEILING, negative=negative)
    assert found == problem


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [("1250", Decimal("1250")), (" £1,250.50 ", Decimal("1250.50")), ("0.5", Decimal("0.5"))],
)
def test_the_field_reads_pounds_as_people_type_them(typed, cleaned):
    assert MoneyField(what="the annual value", ceiling=CEILING).clean(typed) == cleaned


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the annual value"),
        ("abc", PENCE),
        ("1,250.505", PENCE),
        ("-5", "The annual value must be £0 or more"),
        ("£20,000,000", "The annual value must be £10,000,000.00 or less"),
    ],
)
def test_the_field_says_what_is_wrong(typed, message):
    field = MoneyField(what="the annual value", ceiling=CEILING)
    with pytest.raises(ValidationError) as refused:
        field.clean(typed)
    assert refused.value.messages == [message]


def test_a_field_that_allows_negative_amounts():
    field = MoneyField(what="the correction", ceiling=CEILING, negative=True, required=False)
    assert field.clean("-12.50") == Decimal("-12.50")
    assert field.clean("") is None


def test_pounds():
    assert pounds(Decimal("1250.5")) == "£1,250.50"


@pytest.mark.parametrize(
    ("value", "places"), [("12", 0), ("12.50", 1), ("12.500", 1), ("12.505", 3), ("1E+30", 0)]
)
def test_decimal_places(value, places):
    assert decimal_places(Decimal(value)) == places
