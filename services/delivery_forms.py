"""Forms of the delivery log: recording a line, reversing one, and the log's filters. Every choice is
scoped to the arrangement; the rules of a line are services.deliveries' (line_problems), asked here
so that each message stands next to its field."""

import datetime

from django import forms
from django.utils import timezone

from clusters.forms import date_field
from config.money import DecimalTextField
from config.text import CONTROL_CHARACTERS
from parishes.models import Council

from .deliveries import REASON_MAX_LENGTH, DeliveryError, LogFilters, line_problems, unit_label
from .models import Arrangement, Delivery
from .photos import ACCEPT, PhotoError, check_photo

# Beyond this many choices, a drop-down list is shorter to scan than radios.
MAX_RADIOS = 6
NOTES_MAX_LENGTH = Delivery._meta.get_field("notes").max_length
DONE_BY_MAX_LENGTH = Delivery._meta.get_field("done_by").max_length


def _one_line(value: str, what: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise forms.ValidationError(f"{what} must be one line of text without special characters")
    return value


class CouncilField(forms.ChoiceField):
    """A served council, offered by name; any other council of the area is named in the refusal
    ("Brampton is not served by this arrangement", the line's rule) rather than turned away as an
    unknown choice."""

    def __init__(self, *, arrangement: Arrangement, served: list[Council], **kwargs):
        self.arrangement = arrangement
        self.served = {council.pk: council for council in served}
        choices = [(c.pk, c.name) for c in served]
        if len(served) > MAX_RADIOS:
            super().__init__(choices=[("", "Choose a council"), *choices], widget=forms.Select, **kwargs)
        else:
            super().__init__(choices=choices, widget=forms.RadioSelect, **kwargs)

    def valid_value(self, value):
        return True  # checked in clean(), by the council's name

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        council = None
        if value.isascii() and value.isdigit() and len(value) < 12:
            pk = int(value)
            council = (
                self.served.get(pk)
                or Council.objects.filter(area_id=self.arrangement.cluster.area_id, pk=pk).first()
            )
        if council is None:
            raise forms.ValidationError("Select a council this arrangement serves")
        return council


class RecordForm(forms.Form):
    done_on = date_field("Date the work was done", subject="The date the work was done")
    site = forms.ModelChoiceField(
        label="Site",
        queryset=None,
        required=False,
        empty_label="No particular site",
        error_messages={"invalid_choice": "Select one of the arrangement's sites"},
    )
    quantity = DecimalTextField(width=5, error_messages={"invalid": "Enter a number, like 1 or 2.5"})
    hours = DecimalTextField(
        width=4,
        label="Hours the work took",
        required=False,
        help_text="Up to 24, for example 3.5",
        error_messages={"invalid": "Enter the hours as a number, like 3.5"},
    )
    done_by = forms.CharField(
        label="Who did it",
        max_length=DONE_BY_MAX_LENGTH,
        required=False,
        help_text="A team or a person, for example “Grounds team” or “A. Smith”. "
        "Leave it empty when you choose a volunteer",
        error_messages={"max_length": f"Who did it must be {DONE_BY_MAX_LENGTH} characters or fewer"},
    )
    volunteer = forms.ModelChoiceField(
        label="Or a volunteer",
        queryset=None,
        required=False,
        empty_label="No volunteer",
        help_text="Volunteers assigned to this arrangement. "
        "They must hold current training for the work on the date it was done",
        error_messages={"invalid_choice": "Select a volunteer assigned to this arrangement"},
    )
    notes = forms.CharField(
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"Notes must be {NOTES_MAX_LENGTH} characters or fewer"},
    )
    photo = forms.FileField(
        required=False,
        widget=forms.FileInput(attrs={"accept": ACCEPT, "class": "govuk-file-upload"}),
        help_text="A JPEG, PNG or WebP photo of the work",
        error_messages={"empty": "The selected file is empty"},
    )

    def __init__(self, *args, arrangement: Arrangement, served: list[Council], sites, volunteers, **kwargs):
        super().__init__(*args, **kwargs)
        self.arrangement = arrangement
        unit = unit_label(arrangement)
        self.fields["council"] = CouncilField(
            arrangement=arrangement,
            served=served,
            label="Council the work was done for",
            error_messages={"required": "Select the council the work was done for"},
        )
        self.fields["site"].queryset = sites
        self.fields["site"].label_from_instance = lambda site: f"{site.name} ({site.council.name})"
        self.fields["volunteer"].queryset = volunteers
        quantity = self.fields["quantity"]
        quantity.label = f"How many {unit}"
        quantity.help_text = f"In the service's unit: {unit}. Up to 2 decimal places"
        quantity.error_messages["required"] = f"Enter how many {unit} were done"
        if not volunteers.exists():
            # No volunteer to choose: who did it is asked plainly (line_problems requires one or other).
            del self.fields["volunteer"]
            self.fields["done_by"].required = True
            self.fields["done_by"].help_text = "A team or a person, for example “Grounds team” or “A. Smith”"
            self.fields["done_by"].error_messages["required"] = "Enter who did the work"
        # Order: the questions as a clerk answers them from a worksheet.
        self.order_fields(
            ["done_on", "council", "site", "quantity", "hours", "done_by", "volunteer", "notes", "photo"]
        )

    def clean_done_by(self):
        return _one_line(self.cleaned_data["done_by"].strip(), "Who did it")

    def clean_notes(self):
        notes = self.cleaned_data["notes"].replace("\r\n", "\n").strip()
        if "\x00" in notes:
            raise forms.ValidationError("Notes must not contain special characters")
        return notes

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo:
            try:
                check_photo(photo)
            except PhotoError as error:
                raise forms.ValidationError(str(error)) from None
        return photo

    def clean(self):
        data = super().clean()
        for problem in line_problems(self.arrangement, data, timezone.localdate()):
            if problem.field in self.fields and problem.field not in self.errors:
                self.add_error(problem.field, str(problem))
        return data


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label="Why is this line being reversed?",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example “Entered for the wrong council” or “Cut on 3 June, not 2 June”",
        error_messages={
            "required": "Enter why the line is being reversed",
            "max_length": f"The reason must be {REASON_MAX_LENGTH} characters or fewer",
        },
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].replace("\r\n", "\n").strip()
        if "\x00" in reason:
            raise forms.ValidationError("The reason must not contain special characters")
        return reason


class LogFilterForm(forms.Form):
    council = forms.TypedChoiceField(label="Council", coerce=int, required=False)
    site = forms.TypedChoiceField(label="Site", coerce=int, required=False)
    volunteer = forms.TypedChoiceField(label="Volunteer", coerce=int, required=False)
    month = forms.ChoiceField(label="Month", required=False)
    since = date_field("From", subject="The first date", required=False)
    until = date_field("To", subject="The last date", required=False)

    def __init__(self, *args, councils, sites, volunteers, months: list[datetime.date], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["council"].choices = [("", "All councils"), *((c.pk, c.name) for c in councils)]
        self.fields["site"].choices = [
            ("", "All sites"),
            *((s.pk, f"{s.name} ({s.council.name})") for s in sites),
        ]
        if volunteers:
            self.fields["volunteer"].choices = [("", "Anyone"), *((v.pk, v.name) for v in volunteers)]
        else:
            del self.fields["volunteer"]
        if len(councils) < 2:
            del self.fields["council"]
        self.fields["month"].choices = [("", "Any month"), *((f"{m:%Y-%m}", f"{m:%B %Y}") for m in months)]
        for name in ("council", "site", "volunteer", "month"):
            if name in self.fields:
                self.fields[name].error_messages["invalid_choice"] = f"Choose a {name} from the list"

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The last date must be the same as or after the first date")
        return data

    def filters(self) -> LogFilters:
        """The filters to apply: none of a field the person got wrong (its message says so)."""
        if not self.is_bound:
            return LogFilters()
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors and v not in (None, "")}
        since, until = data.get("since"), data.get("until")
        if month := data.get("month"):
            first = datetime.date.fromisoformat(f"{month}-01")
            last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
            since, until = max(since or first, first), min(until or last, last)
        return LogFilters(
            council_id=data.get("council"),
            site_id=data.get("site"),
            volunteer_id=data.get("volunteer"),
            since=since,
            until=until,
        )


def problem_field(error: DeliveryError, form: forms.Form) -> str | None:
    """Where a service's refusal is shown: next to its field when the form has it."""
    return error.field if error.field in form.fields else None
