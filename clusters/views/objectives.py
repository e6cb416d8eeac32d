"""Objectives: the list, one objective with its history, setting and changing one, progress updates."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from parishes.forms import form_data
from parishes.models import Council

from .. import objectives
from ..access import get_cluster_for_user
from ..forms import date_field
from ..models import Cluster, Membership, Objective
from ..objectives import ObjectiveError

OBJECTIVES_PER_PAGE = 25
UPDATES_PER_PAGE = 20
# Longer than any description or progress note; keeps one request from storing megabytes.
TEXT_MAX_LENGTH = 5_000


class ObjectiveForm(forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title"})
    description = forms.CharField(
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Which priority it serves, and how",
        error_messages={"max_length": f"The description must be {TEXT_MAX_LENGTH:,} characters or fewer"},
    )
    owner_council = forms.ModelChoiceField(
        queryset=Council.objects.none(),
        label="Owner council",
        empty_label="Select a council",
        help_text="The member council responsible for it",
        error_messages={"required": "Select the owner council", "invalid_choice": "Select a member council"},
    )
    measure = forms.CharField(
        max_length=200,
        help_text="What is counted, for example verges cut",
        error_messages={"required": "Enter the measure"},
    )
    target = forms.CharField(
        max_length=200,
        help_text="For example 4 cuts a season",
        error_messages={"required": "Enter the target"},
    )
    due_on = date_field("Due date", error_messages={"required": "Enter the due date"})
    review_every_months = forms.TypedChoiceField(
        label="Review every",
        coerce=int,
        choices=[(1, "Month"), (3, "3 months"), (6, "6 months"), (12, "12 months")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select how often it is reviewed"},
    )
    next_review_on = date_field(
        "Next review",
        subject="The date of the next review",
        required=False,
        help_text="Leave empty to review it one review period from today",
    )

    def __init__(self, *args, cluster: Cluster, objective: Objective | None = None, **kwargs):
        if objective is not None:
            kwargs["initial"] = {field: getattr(objective, field) for field in objectives.EDITABLE_FIELDS}
        super().__init__(*args, **kwargs)
        members = cluster.memberships.filter(status=Membership.Status.MEMBER).values("council_id")
        self.fields["owner_council"].queryset = Council.objects.filter(pk__in=members).order_by(
            "name", "gss_code"
        )
        self.fields["owner_council"].label_from_instance = lambda c: c.name
        if objective is not None:
            review = self.fields["next_review_on"]
            review.required = True
            review.help_text = "Recording progress also moves it on, by one review period from that day"
            review.error_messages["required"] = "Enter the date of the next review"

    def _not_past(self, field: str, message: str):
        """A new date must not be in the past; one already past may stay as it is."""
        value = self.cleaned_data[field]
        if value and value < timezone.localdate() and value != self.initial.get(field):
            raise forms.ValidationError(message)
        return value

    def clean_due_on(self):
        return self._not_past("due_on", "The due date must be today or in the future")

    def clean_next_review_on(self):
        return self._not_past("next_review_on", "The next review must be today or in the future")


class ProgressForm(forms.Form):
    status = forms.ChoiceField(
        choices=Objective.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the status"},
    )
    progress = forms.IntegerField(
        label="Progress (per cent)",
        min_value=0,
        max_value=100,
        error_messages={
            "required": "Enter the progress as a per cent",
            "invalid": "Progress must be a whole number, like 40",
            "min_value": "Progress must be between 0 and 100",
            "max_value": "Progress must be between 0 and 100",
        },
    )
    note = forms.CharField(
        label="What has happened since the last update",
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "Say what has happened since the last update",
            "max_length": f"The update must be {TEXT_MAX_LENGTH:,} characters or fewer",
        },
    )


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "All statuses"), *Objective.Status.choices])


def objective_list(request, slug):
    cluster, permissions = get_cluster_for_user(request.user, slug)
    search = StatusFilterForm(request.GET or None)
    status = search.cleaned_data["status"] if search.is_valid() else ""
    page = Paginator(objectives.objectives_of(cluster, status=status), OBJECTIVES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "clusters/objectives/list.html",
        {
            "cluster": cluster,
            "may": permissions.flags(),
            "search": search,
            "status": status,
            "page_obj": page,
        },
    )


def objective_detail(request, slug, objective_id):
    cluster, permissions = get_cluster_for_user(request.user, slug)
    objective = get_object_or_404(objectives.objectives_of(cluster), pk=objective_id)
    updates = objective.updates.select_related("created_by").order_by("-created_at", "-id")
    page = Paginator(updates, UPDATES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "clusters/objectives/detail.html",
        {
            "cluster": cluster,
            "objective": objective,
            "page_obj": page,
            "may": permissions.flags(),
            "may_update": permissions.may_update_progress(objective),
        },
    )


def objective_new(request, slug):
    cluster, _ = get_cluster_for_user(request.user, slug, perm="draft_for_cluster")
    form = ObjectiveForm(*form_data(request), cluster=cluster, initial={"review_every_months": 3})
    if request.method == "POST" and form.is_valid():
        try:
            objective = objectives.create_objective(
                acting_user=request.user, cluster=cluster, **form.cleaned_data
            )
        except ObjectiveError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The objective “{objective.title}” has been set.")
            return redirect("clusters:objective", cluster.slug, objective.pk)
    back = reverse("clusters:objectives", args=[cluster.slug])
    return render(
        request,
        "clusters/objectives/form.html",
        {"cluster": cluster, "form": form, "back": back, "heading": "Set an objective"},
    )


def objective_edit(request, slug, objective_id):
    cluster, _ = get_cluster_for_user(request.user, slug, perm="draft_for_cluster")
    objective = get_object_or_404(cluster.objectives, pk=objective_id)
    form = ObjectiveForm(*form_data(request), cluster=cluster, objective=objective)
    if request.method == "POST" and form.is_valid():
        try:
            objectives.edit_objective(
                acting_user=request.user, objective=objective, changes=form.cleaned_data
            )
        except ObjectiveError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The objective has been saved.")
            return redirect("clusters:objective", cluster.slug, objective.pk)
    back = reverse("clusters:objective", args=[cluster.slug, objective.pk])
    return render(
        request,
        "clusters/objectives/form.html",
        {
            "cluster": cluster,
            "objective": objective,
            "form": form,
            "back": back,
            "heading": "Change the objective",
        },
    )


def objective_update(request, slug, objective_id):
    cluster, permissions = get_cluster_for_user(request.user, slug)
    objective = get_object_or_404(cluster.objectives.select_related("owner_council"), pk=objective_id)
    if not permissions.may_update_progress(objective):
        raise PermissionDenied
    form = ProgressForm(
        *form_data(request), initial={"status": objective.status, "progress": objective.progress}
    )
    if request.method == "POST" and form.is_valid():
        try:
            objectives.record_progress(acting_user=request.user, objective=objective, **form.cleaned_data)
        except ObjectiveError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The progress update has been recorded.")
            return redirect("clusters:objective", cluster.slug, objective.pk)
    return render(
        request, "clusters/objectives/update.html", {"cluster": cluster, "objective": objective, "form": form}
    )
