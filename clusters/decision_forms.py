"""Forms of the decisions pages; every choice scoped to the cluster and to what the person may act for."""

from django import forms

from .council_rows import CouncilRow
from .decisions import check_vote_date
from .forms import ResolutionFields, in_order
from .models import Decision, Vote
from .uploads import ACCEPT, UploadError, check_upload

MAX_ATTACHMENTS = 10
# Longer than any proposal or reasons a council writes; keeps one request from storing megabytes.
TEXT_MAX_LENGTH = 20_000
AS_OFFICER = "cluster"
# Beyond this many councils to choose from, a drop-down list is shorter to scan than radios.
MAX_RADIOS = 6


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Any number of files (up to MAX_ATTACHMENTS), each checked by content."""

    widget = MultipleFileInput(attrs={"accept": ACCEPT})

    def clean(self, data, initial=None):
        files = [f for f in (data or []) if f]
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(f"Select {MAX_ATTACHMENTS} files or fewer")
        for upload in files:
            super().clean(upload, initial)
            try:
                check_upload(upload)
            except UploadError as error:
                raise forms.ValidationError(f"{upload.name}: {error}") from error
        return files


class ProposeForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        error_messages={
            "required": "Enter a title",
            "max_length": "The title must be 200 characters or fewer",
        },
    )
    text = forms.CharField(
        label="What is proposed",
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="The wording the chair or the member councils will decide on",
        error_messages={
            "required": "Enter what is proposed",
            "max_length": f"What is proposed must be {TEXT_MAX_LENGTH:,} characters or fewer",
        },
    )
    proposer = forms.ChoiceField(
        label="Who is proposing it?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select who is proposing the decision",
            "invalid_choice": "Select a member council you act for",
        },
    )
    method = forms.ChoiceField(
        label="How will it be decided?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the decision will be made"},
    )
    attachments = AttachmentsField(
        required=False,
        help_text=f"PDF, DOCX or ODT files; you can select up to {MAX_ATTACHMENTS}",
        error_messages={"empty": "The selected file is empty"},
    )

    def __init__(self, *args, cluster, councils, as_officer: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.councils = {str(council.pk): council for council in councils}
        choices = [(pk, council.name) for pk, council in self.councils.items()]
        if as_officer:
            choices.append((AS_OFFICER, "The cluster, as one of its officers"))
        proposer = self.fields["proposer"]
        if len(choices) == 1:
            proposer.initial = choices[0][0]
        elif len(choices) > MAX_RADIOS:
            proposer.widget = forms.Select()
            choices = [("", "Select a council"), *choices]
        proposer.choices = choices
        self.fields["method"].choices = [
            (Decision.Method.CHAIR, "The chair, under delegated authority"),
            (
                Decision.Method.RATIFICATION,
                "Ratification by the member councils: it passes with the support of "
                f"{cluster.get_ratification_threshold_display().lower()}",
            ),
        ]

    def clean(self):
        cleaned = super().clean()
        if "proposer" in cleaned:
            cleaned["proposing_council"] = self.councils.get(cleaned["proposer"])
        return cleaned


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve"), ("reject", "Reject")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you approve or reject the decision"},
    )
    reasons = forms.CharField(
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Needed when you reject it; recorded in the register",
        error_messages={"max_length": f"The reasons must be {TEXT_MAX_LENGTH:,} characters or fewer"},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == "reject" and not cleaned.get("reasons", "").strip():
            self.add_error("reasons", "Enter the reasons for rejecting the decision")
        return cleaned


class VoteForm(CouncilRow, ResolutionFields):
    """A member council's row on the decision's page: its resolution, minute and date."""

    choice = forms.ChoiceField(
        label="What did the council resolve?",
        choices=Vote.Choice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the council resolved"},
    )
    field_order = ["choice", "minute_ref", "resolved_on"]

    def __init__(self, *args, decision: Decision, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision = decision

    def clean_resolved_on(self):
        return in_order(check_vote_date, self.decision, super().clean_resolved_on())


# The register's filters sit side by side in columns, each as wide as its column.
FULL_WIDTH_SELECT = forms.Select(attrs={"class": "govuk-!-width-full"})


class RegisterFilterForm(forms.Form):
    q = forms.CharField(
        label="Search titles and text",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "govuk-!-width-full"}),
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        widget=FULL_WIDTH_SELECT,
        choices=[("", "Any status"), *Decision.Status.choices],
        error_messages={"invalid_choice": "Select a status from the list"},
    )
    year = forms.TypedChoiceField(
        label="Year proposed",
        required=False,
        widget=FULL_WIDTH_SELECT,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Select a year from the list"},
    )

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "Any year"), *((y, str(y)) for y in years)]

    def filters(self) -> dict:
        """The valid filters only: a bad one is shown as an error and the others still apply."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})  # an unbound form (no query) has none
        return {"search": data.get("q", ""), "status": data.get("status", ""), "year": data.get("year")}
