"""The GOV.UK date input: a date entered in three boxes (day, month, year), with GOV.UK's messages.

The pattern (https://design-system.service.gov.uk/components/date-input/) asks for a date as three
numeric boxes rather than the browser's picker, which is hard to use for dates years away and with
assistive technology. A message names what is wrong ("… must include a month") and only the boxes
at fault are marked; a problem with the date as a whole (in the future, before the event it follows)
marks all three.
"""

import calendar
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from django.utils import timezone

PARTS = ("day", "month", "year")
# GOV.UK asks services to accept month names too ("March", "mar") as people type them.
MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name} | {
    abbr.lower(): number for number, abbr in enumerate(calendar.month_abbr) if abbr
}
WIDTHS = {"day": 2, "month": 2, "year": 4}


def box_id(widget_id: str, part: str) -> str:
    return f"{widget_id}-{part}"


def hint_with_example(help_text: str) -> str:
    """The field's own hint followed by GOV.UK's example of how to write a date."""
    today = timezone.localdate()
    example = f"For example, 27 3 {today.year}"
    return f"{help_text.rstrip('.')}. {example}" if help_text else example


def boxes_at_fault(errors: ErrorList) -> list[str]:
    """The boxes to mark: those an error names in its params (an incomplete date, a day that cannot
    be), or all three for an error about the date as a whole."""
    at_fault = set()
    for error in errors.as_data():
        at_fault.update((error.params or {}).get("parts", PARTS))
    return [part for part in PARTS if part in at_fault]


class GovukDateInput(forms.MultiWidget):
    template_name = "forms/date_input.html"
    # GovukBoundField passes the boxes to mark under this key; get_context takes it out of the
    # attributes, so it never reaches the HTML.
    AT_FAULT = "boxes_at_fault"

    def __init__(self, attrs=None):
        boxes = {
            part: forms.TextInput(
                attrs={
                    "class": f"govuk-input govuk-date-input__input govuk-input--width-{WIDTHS[part]}",
                    "inputmode": "numeric",
                }
            )
            for part in PARTS
        }
        super().__init__(boxes, attrs)
        self.widgets_names = [f"-{part}" for part in PARTS]  # GOV.UK's names: resolved_on-day …

    def get_context(self, name, value, attrs):
        attrs = dict(attrs or {})
        at_fault = attrs.pop(self.AT_FAULT, ())
        attrs.pop("aria-invalid", None)  # set below on the boxes at fault only
        # No `required` on the boxes: a browser would stop a half-entered date from reaching the
        # server, which answers with GOV.UK's message saying what is missing.
        attrs.pop("required", None)
        context = super().get_context(name, value, attrs)
        for part, box in zip(PARTS, context["widget"]["subwidgets"], strict=True):
            box["label"] = part.capitalize()
            if attrs.get("id"):
                box["attrs"]["id"] = box_id(attrs["id"], part)
            if part in at_fault:
                box["attrs"]["class"] += " govuk-input--error"
                box["attrs"]["aria-invalid"] = "true"
        return context

    def decompress(self, value):
        if isinstance(value, str):  # one ISO value posted (see value_from_datadict)
            try:
                value = date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
        return [value.day, value.month, value.year] if value else [None, None, None]

    def value_from_datadict(self, data, files, name):
        # Scripts and tests post one ISO value (resolved_on=2026-04-01); the page always sends the
        # three boxes. The single value is parsed as any DateField parses it.
        if name in data and not any(f"{name}-{part}" in data for part in PARTS):
            return data.get(name)
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)


class GovukDateField(forms.DateField):
    """A date from the three boxes (or one ISO value), with GOV.UK's messages about `subject`: by
    default the label, which reads well for labels such as "Date of the resolution"; pass a noun
    phrase ("The date the term starts") where the label does not."""

    widget = GovukDateInput

    def __init__(self, *, subject: str | None = None, **kwargs):
        subject = subject or kwargs.get("label") or "The date"
        subject = subject[0].upper() + subject[1:]
        kwargs["error_messages"] = {
            "required": f"Enter {subject[0].lower()}{subject[1:]}",
            "invalid": f"{subject} must be a real date",
            "incomplete": f"{subject} must include a %(missing)s",
            "year_digits": "Year must include 4 numbers",
            **kwargs.get("error_messages", {}),
        }
        super().__init__(**kwargs)

    def to_python(self, value):
        if not isinstance(value, list | tuple):
            return super().to_python(value)  # a date, or one ISO value
        entered = dict(zip(PARTS, (str(v or "").strip() for v in value), strict=True))
        missing = [part for part in PARTS if not entered[part]]
        if len(missing) == len(PARTS):
            return None  # nothing entered: "required" says so, if it is
        if missing:
            raise ValidationError(
                self.error_messages["incomplete"],
                code="incomplete",
                params={"missing": " and ".join(missing), "parts": missing},
            )
        numbers = {**entered, "month": str(MONTHS.get(entered["month"].lower(), entered["month"]))}
        # Digits only; a day or month of more than 2 cannot be, and a year of other than 4 has its own
        # message. No int() of a thousand digits, no date arithmetic overflowing.
        wrong = [
            part
            for part in PARTS
            if not (numbers[part].isascii() and numbers[part].isdigit())
            or (part != "year" and len(numbers[part]) > WIDTHS[part])
        ]
        if wrong:
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"parts": wrong})
        if len(numbers["year"]) != WIDTHS["year"]:
            raise ValidationError(
                self.error_messages["year_digits"], code="year_digits", params={"parts": ["year"]}
            )
        day, month, year = (int(numbers[part]) for part in PARTS)
        try:
            return date(year, month, day)
        except ValueError:
            at_fault = ["day"] if 1 <= month <= 12 else ["month"]  # 31 2, or a 13th month
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"parts": at_fault}
            ) from None
