"""Forms of the arrangement pages; every choice scoped to the cluster the arrangement is in. The rules
of an arrangement's terms are services.arrangements' (term_problems, check_agreement_date,
check_end_date), asked here so that each message stands next to its field."""

from decimal import Decimal

from django import forms

from clusters.council_rows import CouncilRow
from clusters.forms import ResolutionFields, date_field
from config.money import PLACES, DecimalTextField, MoneyField, decimal_places
from parishes.models import CouncilRole

from .arrangements import (
    AGREED_MONEY,
    MONTHS,
    ArrangementError,
    check_agreement_date,
    check_end_date,
    term_problems,
)
from .models import MONEY_CEILING, QUANTITY_CEILING, Arrangement, Site

TEXT_MAX_LENGTH = 20_000
# Beyond this many choices, a drop-down list is shorter to scan than radios.
MAX_RADIOS = 6


class QuantityField(DecimalTextField):
    """What a served council is to receive each season, in the service's unit; its places counted
    as the delivery log counts them (config.money.decimal_places)."""

    def __init__(self, **kwargs):
        super().__init__(
            width=5,
            min_value=Decimal("0.01"),
            max_value=QUANTITY_CEILING,
            error_messages={
                "invalid": "Enter the quantity each season as a number, like 6",
                "min_value": "The quantity must be more than 0",
                "max_value": f"The quantity must be at most {QUANTITY_CEILING:,}",
            },
            **kwargs,
        )

    def validate(self, value):
        super().validate(value)
        if value is not None and value.is_finite() and decimal_places(value) > PLACES:
            raise forms.ValidationError("The quantity can have 2 decimal places at most", code="places")


def money_field(what: str, **kwargs) -> MoneyField:
    return MoneyField(what=what, ceiling=MONEY_CEILING, required=False, **kwargs)


def _add_problems(form: forms.Form, problems: list[ArrangementError]) -> None:
    for problem in problems:
        if problem.field in form.fields and problem.field not in form.errors:
            form.add_error(problem.field, str(problem))


class KeepFields(forms.Form):
    """The terms that may change while an arrangement runs (services.arrangements.EDITABLE) and its
    sites: proposing asks them too."""

    specification = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What is done, how often and where: for example, 6 cuts a season of the named greens",
        error_messages={
            "required": "Enter the specification",
            "max_length": f"The specification must be {TEXT_MAX_LENGTH:,} characters or fewer",
        },
    )
    sites = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Sites of the councils served, as each council keeps them",
        error_messages={"invalid_choice": "Select sites of the councils the arrangement serves"},
    )
    review_on = date_field("Review date", help_text="When the councils will look at it again")
    ends_on = date_field("End date", required=False, help_text="Leave empty if it runs until it is ended")
    annual_value = money_field("the annual value", label="Annual value (£)", help_text="What it costs a year")
    charging = forms.ChoiceField(
        label="How it is charged",
        choices=Arrangement.Charging.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how it is charged"},
    )
    rate = money_field(
        "the rate", label="Rate (£)", help_text="Only for a rate per unit delivered or per hour"
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.site_choices = {str(site.pk): site for site in sites}
        self.fields["sites"].choices = [
            (pk, f"{site.name} ({site.council.name})") for pk, site in self.site_choices.items()
        ]
        if not self.site_choices:
            self.fields["sites"].help_text = "None of the member councils has recorded a site yet"

    def clean_sites(self):
        return [self.site_choices[pk] for pk in self.cleaned_data["sites"]]

    def clean(self):
        cleaned = super().clean()
        _add_problems(self, term_problems(self.terms(cleaned)))
        return cleaned

    def terms(self, cleaned: dict) -> dict:
        return {
            name: cleaned[name] for name in ("charging", "rate", "review_on", "ends_on") if name in cleaned
        }


class EditForm(KeepFields):
    field_order = ["specification", "sites", "review_on", "ends_on", "annual_value", "charging", "rate"]

    def __init__(self, *args, arrangement: Arrangement, **kwargs):
        super().__init__(*args, **kwargs)
        self.arrangement = arrangement
        if arrangement.status != Arrangement.Status.PROPOSED:
            # Agreed to by every council served: a new arrangement changes them (AGREED_MONEY).
            for name in AGREED_MONEY:
                del self.fields[name]

    def terms(self, cleaned: dict) -> dict:
        return {**super().terms(cleaned), "starts_on": self.arrangement.starts_on}


class ProposeForm(KeepFields):
    service = forms.ChoiceField(
        label="Service",
        help_text="From the area's catalogue",
        error_messages={
            "required": "Select the service",
            "invalid_choice": "Select a service of the catalogue",
        },
    )
    lead_council = forms.ChoiceField(
        label="Service lead",
        help_text="The member council that delivers the service",
        error_messages={"required": "Select the service lead", "invalid_choice": "Select a member council"},
    )
    delivery_model = forms.ChoiceField(
        label="How is it delivered?",
        choices=Arrangement.DeliveryModel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the service is delivered"},
    )
    cic_name = forms.CharField(
        label="Company name",
        required=False,
        max_length=160,
        help_text="For a Community Interest Company",
        error_messages={"max_length": "The company name must be 160 characters or fewer"},
    )
    cic_number = forms.CharField(
        label="Company number",
        required=False,
        max_length=12,
        help_text="For a Community Interest Company: its Companies House number, like 09876543 or SC123456",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
        error_messages={"max_length": "The company number is 8 characters"},
    )
    contractor_name = forms.CharField(
        label="Contractor",
        required=False,
        max_length=160,
        help_text="For a commissioned contractor: its name",
        error_messages={"max_length": "The contractor's name must be 160 characters or fewer"},
    )
    coordinator_name = forms.CharField(
        label="Co-ordinator",
        required=False,
        max_length=150,
        help_text="For volunteers: the name of the person who co-ordinates them",
        error_messages={"max_length": "The co-ordinator's name must be 150 characters or fewer"},
    )
    coordinator = forms.ChoiceField(
        label="Co-ordinator who signs in",
        required=False,
        help_text="For volunteers, if the co-ordinator is a person of the lead council who uses Clusterwork: "
        "they then see the volunteers of this arrangement",
        error_messages={"invalid_choice": "Select a person of the lead council"},
    )
    legal_basis = forms.ChoiceField(
        label="Legal basis",
        choices=Arrangement.LegalBasis.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the legal basis"},
    )
    legal_basis_other = forms.CharField(
        label="The power, in words",
        required=False,
        max_length=200,
        help_text="Only for another power: for example, section 19 of the Local Government "
        "(Miscellaneous Provisions) Act 1976",
        error_messages={"max_length": "The power must be 200 characters or fewer"},
    )
    season_starts = forms.TypedChoiceField(
        label="Season starts in",
        coerce=int,
        choices=[("", "Select a month"), *MONTHS],
        error_messages={"required": "Select the month the season starts", "invalid_choice": "Select a month"},
    )
    season_ends = forms.TypedChoiceField(
        label="Season ends in",
        coerce=int,
        choices=[("", "Select a month"), *MONTHS],
        help_text="A season may run over the new year, like winter gritting from November to March",
        error_messages={"required": "Select the month the season ends", "invalid_choice": "Select a month"},
    )
    starts_on = date_field("Start date")

    field_order = [
        "service",
        "lead_council",
        "delivery_model",
        "cic_name",
        "cic_number",
        "contractor_name",
        "coordinator_name",
        "coordinator",
        "legal_basis",
        "legal_basis_other",
        "specification",
        "season_starts",
        "season_ends",
        "sites",
        "starts_on",
        "review_on",
        "ends_on",
        "annual_value",
        "charging",
        "rate",
    ]

    def __init__(self, *args, cluster, services, members, roles, **kwargs):
        """`members`: the cluster's member councils; `roles`: the current council roles of their
        people (for the co-ordinator who signs in)."""
        super().__init__(*args, **kwargs)
        self.services = {str(service.pk): service for service in services}
        self.members = {str(council.pk): council for council in members}
        self.fields["service"].choices = [("", "Select a service")] + [
            (pk, f"{service.name} ({service.get_unit_display()})") for pk, service in self.services.items()
        ]
        lead = self.fields["lead_council"]
        lead.choices = [(pk, council.name) for pk, council in self.members.items()]
        lead.initial = str(cluster.lead_council_id)
        if len(lead.choices) <= MAX_RADIOS:
            lead.widget = forms.RadioSelect(choices=lead.choices)
        self.holders = {f"{role.user_id}:{role.council_id}": role for role in roles}
        self.fields["coordinator"].choices = [("", "Nobody")] + [
            (key, f"{role.user.name} – {role.council.name}") for key, role in self.holders.items()
        ]
        # A row per member council: what it is to receive each season, blank for a council not served.
        self.served_fields = []
        for pk, council in self.members.items():
            name = f"served_{pk}"
            self.fields[name] = QuantityField(label=council.name, required=False)
            self.served_fields.append(name)

    @property
    def served_rows(self):
        return [self[name] for name in self.served_fields]

    def clean_service(self):
        return self.services[self.cleaned_data["service"]]

    def clean_lead_council(self):
        return self.members[self.cleaned_data["lead_council"]]

    def clean_coordinator(self):
        key = self.cleaned_data["coordinator"]
        return self.holders[key] if key else None

    def clean_cic_number(self):
        return self.cleaned_data["cic_number"].strip()

    def clean(self):
        cleaned = super().clean()
        lead = cleaned.get("lead_council")
        served = {}
        for pk, council in self.members.items():
            quantity = cleaned.get(f"served_{pk}")
            if quantity is None:
                continue
            if lead is not None and council.pk == lead.pk:
                self.add_error(f"served_{pk}", f"{council.name} leads the arrangement: leave its row empty")
            else:
                served[council] = quantity
        if not served and not any(name in self.errors for name in self.served_fields):
            self.add_error(
                None, "Enter what the arrangement delivers each season for at least one member council"
            )
        cleaned["served"] = served
        role = cleaned.get("coordinator")
        if role is not None:
            cleaned["coordinator"] = role.user
            if cleaned.get("delivery_model") != Arrangement.DeliveryModel.VOLUNTEERS:
                self.add_error("coordinator", "Only volunteers have a co-ordinator: choose Nobody")
            elif lead is not None and role.council_id != lead.pk:
                self.add_error("coordinator", f"Select a person of {lead.name}, the service lead")
        for site in cleaned.get("sites", []):
            if site.council not in served:
                self.add_error(
                    "sites", f"{site.name} is in {site.council.name}, which the arrangement does not serve"
                )
                break
        return cleaned

    def terms(self, cleaned: dict) -> dict:
        names = ("delivery_model", "cic_name", "cic_number", "contractor_name", "coordinator_name")
        return {
            **super().terms(cleaned),
            **{
                name: cleaned[name]
                for name in (*names, "legal_basis", "legal_basis_other")
                if name in cleaned
            },
            "starts_on": cleaned.get("starts_on"),
        }


def member_roles(member_ids):
    """The people of the member councils, for the co-ordinator's choice."""
    return (
        CouncilRole.objects.filter(council_id__in=member_ids, ended_on__isnull=True)
        .select_related("user", "council")
        .order_by("user__name", "council__name")
    )


def member_sites(member_ids):
    return Site.objects.filter(council_id__in=member_ids, retired_at__isnull=True).select_related("council")


class AgreementForm(CouncilRow, ResolutionFields):
    """A served council's row: the minute and date of its resolution to agree."""

    def __init__(self, *args, arrangement: Arrangement, **kwargs):
        super().__init__(*args, **kwargs)
        self.arrangement = arrangement

    def clean_resolved_on(self):
        resolved_on = super().clean_resolved_on()
        try:
            check_agreement_date(self.arrangement, resolved_on)
        except ArrangementError as error:
            raise forms.ValidationError(str(error)) from None
        return resolved_on


class ReasonFields(forms.Form):
    reason = forms.CharField(
        label="Why?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter the reason",
            "max_length": "The reason must be 300 characters or fewer",
        },
    )


class EndForm(ReasonFields):
    ended_on = date_field("Date it ends", subject="The date it ends", help_text="Today or a day in the past")
    field_order = ["ended_on", "reason"]

    def __init__(self, *args, arrangement: Arrangement, **kwargs):
        super().__init__(*args, **kwargs)
        self.arrangement = arrangement
        self.fields["reason"].label = "Why is the arrangement ending?"
        self.fields["reason"].error_messages["required"] = "Enter why the arrangement is ending"

    def clean_ended_on(self):
        ended_on = self.cleaned_data["ended_on"]
        try:
            check_end_date(self.arrangement, ended_on)
        except ArrangementError as error:
            raise forms.ValidationError(str(error)) from None
        return ended_on


class WithdrawForm(ReasonFields):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = "Why is the proposal withdrawn?"
        self.fields["reason"].error_messages["required"] = "Enter why the proposal is withdrawn"


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *Arrangement.Status.choices],
        error_messages={"invalid_choice": "Select a status from the list"},
    )

    def chosen(self) -> str:
        """The valid status only: a bad one is shown as an error and every arrangement listed."""
        return self.cleaned_data["status"] if self.is_valid() else ""
