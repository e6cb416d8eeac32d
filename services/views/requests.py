"""Individual-model requests: a council's list and its new request (whoever acts for it), the request's
page with the officers' decision, withdrawing, and the officers' queue with its spreadsheet. The
council page's panel of its requests is here too."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone

from clusters.csv_export import csv_response
from clusters.decision_forms import FULL_WIDTH_SELECT
from clusters.forms import date_field
from config.money import MoneyField
from parishes.access import get_area_for_user, get_council_for_user
from parishes.forms import form_data
from parishes.queries import area_districts

from .. import requests as services
from ..access import (
    get_request_for_user,
    may_decide_request,
    may_decide_requests,
    may_request_for,
    may_withdraw_request,
    require,
)
from ..catalogue import live_services
from ..models import IndividualRequest, Service
from ..requests import RequestError

REQUESTS_PER_PAGE = 25
CASE_MAX_LENGTH = 5_000
# The council page's panel shows the latest few and links to the rest.
PANEL_SHOWN = 5


def _case_field(label: str, help_text: str, required: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=CASE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=help_text,
        error_messages={
            "required": required,
            "max_length": f"{label} must be {CASE_MAX_LENGTH:,} characters or fewer",
        },
    )


class RequestForm(forms.Form):
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(),
        empty_label="Select a service",
        help_text="From the area's service catalogue",
        error_messages={
            "required": "Select the service",
            "invalid_choice": "Select a service of the area's catalogue",
        },
    )
    capacity = _case_field(
        "Staff and capacity",
        "Who will do the work, how many hours they have for it, and who covers absence",
        "Describe the staff and capacity",
    )
    equipment = _case_field(
        "Equipment",
        "What the council has or will buy, and how it is stored and maintained",
        "Describe the equipment",
    )
    insurance = _case_field(
        "Insurance",
        "The council's public liability and employer's liability cover for this work",
        "Describe the insurance",
    )
    annual_cost = MoneyField(
        **services.COST,
        label="Estimated annual cost (£)",
        help_text="In pounds and pence, for example 1200.50",
    )
    starts_on = date_field(
        "Proposed start",
        subject="The proposed start",
        error_messages={"required": "Enter the proposed start"},
    )

    def __init__(self, *args, council, **kwargs):
        super().__init__(*args, **kwargs)
        self.council = council
        service = self.fields["service"]
        service.queryset = live_services(council.area_id).prefetch_related("required_training")
        service.label_from_instance = lambda s: f"{s.name} (counted in {s.get_unit_display()})"
        # The date input's own example is a past date, which this field refuses.
        self.fields["starts_on"].help_text = f"For example, 1 4 {timezone.localdate().year + 1}"

    def _checked(self, field: str, check):
        value = self.cleaned_data[field]
        try:
            check(value)
        except RequestError as error:
            raise forms.ValidationError(str(error)) from None
        return value

    def clean_starts_on(self):
        return self._checked("starts_on", services.check_start)


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve the request"), ("decline", "Decline the request")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you approve or decline the request"},
    )
    reasons = forms.CharField(
        required=False,
        max_length=CASE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Needed to decline. The council's clerks are sent them with your decision",
        error_messages={"max_length": f"The reasons must be {CASE_MAX_LENGTH:,} characters or fewer"},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == "decline" and not (cleaned.get("reasons") or "").strip():
            self.add_error("reasons", "Enter the reasons for declining the request")
        return cleaned


class QueueFilterForm(forms.Form):
    """The queue's filters; a bad value is shown by its field and filters nothing."""

    status = forms.ChoiceField(
        label="Status",
        required=False,
        widget=FULL_WIDTH_SELECT,
        choices=[("", "Any status"), *IndividualRequest.Status.choices],
        error_messages={"invalid_choice": "Select a status from the list"},
    )
    district = forms.ChoiceField(
        label="District",
        required=False,
        widget=FULL_WIDTH_SELECT,
        error_messages={"invalid_choice": "Select a district from the list"},
    )
    service = forms.TypedChoiceField(
        label="Service",
        required=False,
        coerce=int,
        empty_value=None,
        widget=FULL_WIDTH_SELECT,
        error_messages={"invalid_choice": "Select a service from the list"},
    )

    def __init__(self, *args, area, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [
            ("", "All districts"),
            *((district.gss_code, str(district)) for district in area_districts(area)),
            (services.NO_DISTRICT, "District not known"),
        ]
        self.fields["service"].choices = [
            ("", "All services"),
            *Service.objects.filter(area=area).order_by("name", "pk").values_list("pk", "name"),
        ]

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})  # an unbound form (no query) has none
        return {
            "status": data.get("status", ""),
            "district": data.get("district", ""),
            "service": data.get("service"),
        }


# A council's requests


def council_requests(request, council_id):
    council, _ = get_council_for_user(request.user, council_id)
    page = Paginator(services.requests_of(council), REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "services/requests/council_list.html",
        {"council": council, "page_obj": page, "may_request": may_request_for(request.user, council.pk)},
    )


def request_new(request, council_id):
    council, _ = get_council_for_user(request.user, council_id)
    require(may_request_for(request.user, council.pk))
    form = RequestForm(*form_data(request), council=council)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.submit_request(acting_user=request.user, council=council, **form.cleaned_data)
        except RequestError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, "Your request has been sent to the area's officers.")
            return redirect("services:request", made.pk)
    return render(
        request,
        "services/requests/new.html",
        {"council": council, "form": form, "services": form.fields["service"].queryset},
    )


# One request


def request_detail(request, request_id):
    """The request and, for the area's officers while it waits, their decision."""
    individual = get_request_for_user(request.user, request_id)
    may_decide = may_decide_request(request.user, individual)
    form = DecideForm(*form_data(request)) if may_decide else None
    if request.method == "POST":
        require(may_decide_requests(request.user, individual.area_id))
        if form is None:  # decided meanwhile: the page says so
            messages.error(request, "This request has already been decided: the decision is final.")
            return redirect("services:request", individual.pk)
        if form.is_valid():
            try:
                services.decide_request(
                    acting_user=request.user,
                    request=individual,
                    approve=form.cleaned_data["outcome"] == "approve",
                    reasons=form.cleaned_data["reasons"],
                )
            except RequestError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
            else:
                messages.success(
                    request,
                    f"The request has been decided. {individual.council.name}'s clerks have been told.",
                )
                return redirect("services:request", individual.pk)
    return render(
        request,
        "services/requests/detail.html",
        {
            "individual": individual,
            "form": form,
            "days": services.days_waiting(individual),
            "may_withdraw": may_withdraw_request(request.user, individual),
            "officer": may_decide_requests(request.user, individual.area_id),
            "may_request": may_request_for(request.user, individual.council_id),
        },
    )


def request_withdraw(request, request_id):
    individual = get_request_for_user(request.user, request_id)
    require(may_request_for(request.user, individual.council_id))
    if not may_withdraw_request(request.user, individual):
        messages.error(request, "This request has already been decided: the decision is final.")
        return redirect("services:request", individual.pk)
    if request.method == "POST":
        try:
            services.withdraw_request(acting_user=request.user, request=individual)
        except RequestError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "The request has been withdrawn.")
        return redirect("services:council_requests", individual.council_id)
    return render(request, "services/requests/withdraw.html", {"individual": individual})


# The officers' queue


def _queue(request, area_slug):
    area, _ = get_area_for_user(request.user, area_slug)
    require(may_decide_requests(request.user, area.pk))
    search = QueueFilterForm(request.GET or None, area=area)
    filters = search.filters()
    return area, search, filters, services.queue(area, **filters)


def request_queue(request, area_slug):
    area, search, filters, requests = _queue(request, area_slug)
    page = Paginator(requests, REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for individual in page.object_list:
        individual.days = services.days_waiting(individual, today)
    return render(
        request,
        "services/requests/queue.html",
        {"area": area, "search": search, "filtered": any(filters.values()), "page_obj": page},
    )


def _queue_rows(requests, today):
    yield [
        "Submitted on",
        "Council",
        "District",
        "Service",
        "Estimated annual cost (£)",
        "Proposed start",
        "Status",
        "Decided on",
        "Decided by",
        "Reasons",
        "Days waited",
    ]
    for r in requests:
        yield [
            timezone.localdate(r.submitted_at).isoformat(),
            r.council.name,
            r.council.district.name if r.council.district else "",
            r.service.name,
            f"{r.annual_cost:.2f}",
            r.starts_on.isoformat(),
            r.get_status_display(),
            timezone.localdate(r.decided_at).isoformat() if r.decided_at else "",
            r.decided_by.name if r.decided_by else "",
            r.reasons,
            "" if r.status == r.Status.WITHDRAWN else services.days_waiting(r, today),
        ]


def request_queue_csv(request, area_slug):
    area, _, _, requests = _queue(request, area_slug)
    return csv_response(
        _queue_rows(requests.iterator(chunk_size=500), timezone.localdate()),
        f"{area.slug}-service-requests.csv",
    )


# The council page's panel


def council_requests_panel(request, council, permissions) -> str:
    """The council's latest requests and their outcomes, and the way to its sites; one query. Shown
    to whoever sees the council page: its people and the area's officers, who see its requests too."""
    requests = list(services.requests_of(council)[: PANEL_SHOWN + 1])
    return render_to_string(
        "services/requests/council_panel.html",
        {
            "council": council,
            "requests": requests[:PANEL_SHOWN],
            "more": len(requests) > PANEL_SHOWN,
            # may_request_for's rule (act_for_council on the council itself), read from the
            # permissions the council page has already looked up rather than by another query.
            "may_request": permissions.has("act_for_council"),
        },
        request=request,
    )
