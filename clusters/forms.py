"""Forms of the cluster itself, its membership and its leadership; every choice scoped to the cluster."""

from django import forms
from django.utils import timezone

from config.date_input import GovukDateField
from config.dates import check_year, not_before
from parishes.models import Council, CouncilRole

from .council_rows import CouncilRow
from .decisions import DecisionError
from .documents import DocumentError
from .leadership import VACANCY_KINDS, LeadershipError, check_term
from .membership import MembershipError, check_answer_date, check_leave_date
from .models import Cluster, Membership, Position


def date_field(label, **kwargs):
    """Every date of the cluster forms: GOV.UK's date input (config/date_input.py); `subject` names
    the date in its messages where the label does not read well there."""
    # Only the years a council can mean: far-past and far-future dates break pages that show them.
    validators = [check_year, *kwargs.pop("validators", [])]
    return GovukDateField(label=label, validators=validators, **kwargs)


def in_order(check, record, resolved_on):
    """A service's order-of-dates rule (check_vote_date, check_answer_date …) asked by the form, so
    that its message stands next to the date; the service asks again when it records."""
    try:
        check(record, resolved_on)
    except (DecisionError, DocumentError, MembershipError) as error:
        raise forms.ValidationError(str(error)) from None
    return resolved_on


class ResolutionFields(forms.Form):
    """A council's resolution: its minute reference and date."""

    minute_ref = forms.CharField(
        label="Minute reference",
        max_length=60,
        help_text="As in the council's minutes, for example 23/145",
        error_messages={"required": "Enter the minute reference"},
    )
    resolved_on = date_field(
        "Date of the resolution", error_messages={"required": "Enter the date of the resolution"}
    )

    def clean_resolved_on(self):
        resolved_on = self.cleaned_data["resolved_on"]
        if resolved_on > timezone.localdate():
            raise forms.ValidationError("The date of the resolution must be today or in the past")
        return resolved_on


CLUSTER_FIELDS = [
    "name",
    "purpose",
    "priorities",
    "formality",
    "lead_council",
    "financial_model",
    "ratification_threshold",
]
CLUSTER_ERRORS = {
    "name": {"required": "Enter the cluster's name"},
    "purpose": {"required": "Enter the reasons for clustering"},
    "lead_council": {"required": "Select the lead council"},
}


class ClusterForm(forms.ModelForm):
    """Starting a cluster (lead council: one the person may act for) or changing it (a member)."""

    class Meta:
        model = Cluster
        fields = CLUSTER_FIELDS
        error_messages = CLUSTER_ERRORS
        labels = {"ratification_threshold": "Decisions put to the member councils pass with the support of"}
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 4}),
            "priorities": forms.Textarea(attrs={"rows": 4}),
            "formality": forms.RadioSelect,
            "financial_model": forms.RadioSelect,
            "ratification_threshold": forms.RadioSelect,
        }

    def __init__(self, *args, lead_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_council"].queryset = lead_choices
        self.fields["lead_council"].empty_label = None if len(lead_choices) == 1 else "Select a council"

    def clean(self):
        # The service refuses a taken name too (membership._refuse_taken_name); checked here so that
        # the message stands next to the name, whichever field the view puts the service's refusal on.
        cleaned = super().clean()
        name = (cleaned.get("name") or "").strip()
        lead = cleaned.get("lead_council")
        area = self.instance.area if self.instance.pk else getattr(lead, "area", None)
        if name and area:
            taken = Cluster.objects.filter(area=area, name__iexact=name).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error("name", f"{area} already has a cluster called {name}: choose another name")
        return cleaned


class InviteCouncilForm(forms.Form):
    council = forms.ModelChoiceField(
        queryset=Council.objects.none(),
        label="Council to invite",
        empty_label="Select a council",
        error_messages={"required": "Select a council", "invalid_choice": "Select a council of the area"},
    )

    def __init__(self, *args, cluster: Cluster, **kwargs):
        super().__init__(*args, **kwargs)
        current = cluster.memberships.filter(
            status__in=[Membership.Status.INVITED, Membership.Status.MEMBER]
        ).values("council_id")
        self.fields["council"].queryset = (
            Council.objects.filter(area=cluster.area).exclude(pk__in=current).order_by("name", "gss_code")
        )
        self.fields["council"].label_from_instance = lambda c: (
            f"{c.name} ({c.gss_code or c.get_kind_display()})"
        )


class AnswerForm(CouncilRow, ResolutionFields):
    """An invited council's row on the invitation's page: whether it joins, its minute and date."""

    answer = forms.ChoiceField(
        label="What did the council resolve?",
        choices=[("join", "To join the cluster"), ("decline", "Not to join")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the council resolved"},
    )
    field_order = ["answer", "minute_ref", "resolved_on"]

    def __init__(self, *args, invitations: dict[int, Membership], **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitations[self.council.pk]  # invitations by council id

    def clean_resolved_on(self):
        return in_order(check_answer_date, self.invitation, super().clean_resolved_on())


class LeaveForm(ResolutionFields):
    def __init__(self, *args, membership: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership

    def clean_resolved_on(self):
        return in_order(check_leave_date, self.membership, super().clean_resolved_on())


class DissolveForm(ResolutionFields):
    """Dissolving cannot be undone: its reason, and the resolution that decided it."""

    reason = forms.CharField(
        label="Why is the cluster being dissolved?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why the cluster is being dissolved"},
    )
    minute_ref = forms.CharField(
        label="Resolution reference",
        max_length=60,
        help_text="The decision or minute that resolved to dissolve it, for example decision 14",
        error_messages={"required": "Enter the reference of the resolution to dissolve the cluster"},
    )
    field_order = ["reason", "minute_ref", "resolved_on"]

    def __init__(self, *args, cluster: Cluster, **kwargs):
        super().__init__(*args, **kwargs)
        self.cluster = cluster

    def clean_resolved_on(self):
        resolved_on = super().clean_resolved_on()
        if message := not_before(resolved_on, self.cluster.formed_on, "when the cluster was formed"):
            raise forms.ValidationError(message)
        return resolved_on


class AppointForm(forms.Form):
    """An officer's appointment; `filling_vacancy` when a member council's clerk or the area's
    administrator appoints the chair or co-ordinator of a cluster that has neither."""

    kind = forms.ChoiceField(
        label="Position", choices=Position.Kind.choices, error_messages={"required": "Select a position"}
    )
    holder = forms.ChoiceField(
        label="Person",
        help_text="People who hold a role in a member council",
        error_messages={"required": "Select a person"},
    )
    starts_on = date_field("Term starts", subject="The date the term starts")
    ends_on = date_field(
        "Term ends",
        subject="The date the term ends",
        required=False,
        help_text="Leave empty for a term without an end date; at most 5 years",
    )
    chosen_at = forms.CharField(
        label="The resolution or meeting that chose them",
        max_length=120,
        required=False,
        help_text="For example: Kirkby Stephen minute 24/118, or the cluster meeting of 3 March",
        error_messages={"required": "Enter the resolution or meeting that chose them"},
    )

    def __init__(self, *args, cluster: Cluster, filling_vacancy: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if filling_vacancy:
            self.fields["kind"].choices = [(k, Position.Kind(k).label) for k in VACANCY_KINDS]
            self.fields["chosen_at"].required = True
        members = cluster.memberships.filter(status=Membership.Status.MEMBER).values("council_id")
        roles = (
            CouncilRole.objects.filter(council_id__in=members, ended_on__isnull=True)
            .select_related("user", "council")
            .order_by("user__name", "council__name")
        )
        self.holders = {f"{r.user_id}:{r.council_id}": (r.user, r.council) for r in roles}
        self.fields["holder"].choices = [("", "Select a person")] + [
            (key, f"{user.name} – {council.name}") for key, (user, council) in self.holders.items()
        ]

    def clean(self):
        cleaned = super().clean()
        starts_on = cleaned.get("starts_on")
        if starts_on and "ends_on" not in self.errors:
            try:
                check_term(starts_on, cleaned.get("ends_on"))
            except LeadershipError as error:
                self.add_error(error.field, str(error))
        if cleaned.get("holder"):
            cleaned["user"], cleaned["council"] = self.holders[cleaned["holder"]]
        return cleaned


class RotaForm(forms.Form):
    """The rotating chair's order: a number for each member council that takes a turn."""

    term_months = forms.IntegerField(
        label="Length of each turn, in months",
        min_value=1,
        max_value=60,
        error_messages={"required": "Enter how many months each turn lasts"},
    )

    def __init__(self, *args, councils, **kwargs):
        super().__init__(*args, **kwargs)
        self.councils = list(councils)
        for council in self.councils:
            self.fields[f"order_{council.pk}"] = forms.IntegerField(
                label=council.name,
                required=False,
                min_value=1,
                max_value=len(self.councils),
                widget=forms.NumberInput(attrs={"class": "govuk-input--width-2"}),
            )

    def clean(self):
        cleaned = super().clean()
        chosen = {c: cleaned.get(f"order_{c.pk}") for c in self.councils if cleaned.get(f"order_{c.pk}")}
        if not chosen and not self.errors:
            raise forms.ValidationError("Give at least one council a turn (1 for the first)")
        if len(set(chosen.values())) != len(chosen):
            raise forms.ValidationError("Give each council a different place in the order")
        cleaned["rota"] = sorted(chosen, key=chosen.get)
        return cleaned
