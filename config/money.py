"""Amounts typed into forms, for every app: money in pounds and pence, and the text box that numbers
with decimals are typed in.

Money is a Decimal with at most 2 decimal places, never a float. What is refused, and how it is
said (GOV.UK's "Enter the annual value in pounds and pence, like 1250.00"), is written once here:
money_problem for the services that check what they are given, MoneyField for the forms, which
shows the same message next to the field. Each app gives its own ceiling (what no parish amount
comes near) and says whether a negative amount makes sense (a refund, a correction).
"""

from decimal import Decimal

from django import forms

PLACES = 2
EXAMPLE = "1250.00"


def pounds(value) -> str:
    """£1,250.00: how an amount reads in messages, audit records and tables."""
    return f"£{Decimal(value):,.2f}"


def _sentence(what: str) -> str:
    return what[0].upper() + what[1:]


def money_problem(value: Decimal, *, what: str, ceiling: Decimal, negative: bool = False) -> str | None:
    """Why `value` is not an amount of money for `what` ("the annual value"), or None if it is one:
    a finite number of pounds and pence (2 places at most), no more than `ceiling` either way, and
    not below £0 unless `negative`."""
    in_pounds_and_pence = f"Enter {what} in pounds and pence, like {EXAMPLE}"
    if not value.is_finite():
        return in_pounds_and_pence
    if value < 0 and not negative:
        return f"{_sentence(what)} must be £0 or more"
    if abs(value) > ceiling:
        if negative:
            return f"{_sentence(what)} must be between -{pounds(ceiling)} and {pounds(ceiling)}"
        return f"{_sentence(what)} must be {pounds(ceiling)} or less"
    if decimal_places(value) > PLACES:
        return in_pounds_and_pence
    return None


def decimal_places(value: Decimal) -> int:
    """The places a finite number needs: "12.50" and "12.500" need 2, "12.505" needs 3. From the
    exponent, not by rounding: rounding 1E+30 to pennies overflows Decimal's precision."""
    return max(0, -value.normalize().as_tuple().exponent)


class DecimalTextField(forms.DecimalField):
    """A number typed in a text box, as GOV.UK asks for numbers with decimals and amounts (no
    spinner, no step to fight); "1,200" is read as 1200. Ranges and places are the caller's, so that
    each message says what is wrong in words."""

    def __init__(self, *, width: int, **kwargs):
        attrs = {"class": f"govuk-input--width-{width}", "inputmode": "decimal", "spellcheck": "false"}
        super().__init__(widget=forms.TextInput(attrs=attrs), **kwargs)

    def widget_attrs(self, widget):
        # Not the min/max/step attributes of a number input: the messages say the limits.
        return {}

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", "")
        return super().to_python(value)


class MoneyField(DecimalTextField):
    """Pounds and pence: "1250", "1,250.50" or "£1,250.50"; refused as money_problem says, with its
    message next to the field. `what` names the amount in a sentence: "the annual value"."""

    def __init__(self, *, what: str, ceiling: Decimal, negative: bool = False, **kwargs):
        self.what, self.ceiling, self.negative = what, ceiling, negative
        error_messages = {
            "required": f"Enter {what}",
            "invalid": f"Enter {what} in pounds and pence, like {EXAMPLE}",
            **kwargs.pop("error_messages", {}),
        }
        super().__init__(width=10, error_messages=error_messages, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().removeprefix("£")
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        if value is not None and (
            problem := money_problem(value, what=self.what, ceiling=self.ceiling, negative=self.negative)
        ):
            raise forms.ValidationError(problem, code="money")
