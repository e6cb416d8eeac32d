"""Volunteers and training: a council's register (and its CSV), a volunteer with their training and
assignments, the forms that change them, the volunteers of an arrangement for its co-ordinator, and
the register's panel on the council page."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clusters.csv_export import csv_response
from clusters.forms import date_field
from config.text import CONTROL_CHARACTERS
from parishes.forms import PersonNameField, form_data

from .. import volunteers
from ..access import get_arrangement_for_user, get_register_for_user, require, volunteer_council_ids
from ..models import Assignment, TrainingCourse, Volunteer
from ..training import EXPIRING_SOON_DAYS, STANDING_LABELS, Standing, courses_held
from ..volunteers import VolunteerError

VOLUNTEERS_PER_PAGE = 50


def _asked(check, *args):
    """A service's check asked by a form, so that its message stands by the field."""
    try:
        check(*args)
    except VolunteerError as error:
        raise forms.ValidationError(str(error)) from None


def _one_line(value: str, what: str) -> str:
    value = " ".join(value.split())
    if CONTROL_CHARACTERS.search(value):
        raise forms.ValidationError(f"Enter {what} on one line, without control characters")
    return value


class VolunteerForm(forms.Form):
    name = PersonNameField(label="Full name", error_messages={"required": "Enter the volunteer's name"})
    email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=254,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "The email address must be 254 characters or fewer",
        },
    )
    phone = forms.CharField(
        label="Phone number",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        error_messages={"max_length": "The phone number must be 40 characters or fewer"},
    )
    skills = forms.CharField(
        required=False,
        max_length=300,
        help_text="For example: strimmer user, first aider, holds a minibus licence",
        error_messages={"max_length": "Skills must be 300 characters or fewer"},
    )
    joined_on = date_field("Date they joined", subject="The date they joined")

    def __init__(self, *args, volunteer: Volunteer | None = None, **kwargs):
        if volunteer is not None:
            kwargs["initial"] = {field: getattr(volunteer, field) for field in volunteers.EDITABLE_FIELDS}
        super().__init__(*args, **kwargs)
        for field in ("email", "phone"):
            self.fields[field].widget.attrs["autocomplete"] = "off"
        self.fields["email"].widget.attrs["spellcheck"] = "false"

    def clean_phone(self):
        phone = " ".join(self.cleaned_data["phone"].split())
        if phone and (
            not all(ch.isdigit() or ch in " +()-" for ch in phone) or sum(ch.isdigit() for ch in phone) < 6
        ):
            raise forms.ValidationError("Enter a phone number, like 01632 960 001 or +44 7700 900 982")
        return phone

    def clean_skills(self):
        return _one_line(self.cleaned_data["skills"], "the skills")

    def clean_joined_on(self):
        joined_on = self.cleaned_data["joined_on"]
        _asked(volunteers.check_not_future, joined_on, "The date they joined", "joined_on")
        return joined_on


class LeaveForm(forms.Form):
    left_on = date_field("Date they left", subject="The date they left")

    def __init__(self, *args, volunteer: Volunteer, **kwargs):
        super().__init__(*args, initial={"left_on": timezone.localdate()}, **kwargs)
        self.volunteer = volunteer

    def clean_left_on(self):
        left_on = self.cleaned_data["left_on"]
        _asked(volunteers.check_leaving, self.volunteer, left_on)
        return left_on


def _validity(course: TrainingCourse) -> str:
    if course.valid_for_months is None:
        return f"{course.name}: does not expire"
    years, months = divmod(course.valid_for_months, 12)
    period = f"{years} year{'s' if years != 1 else ''}" if not months else f"{course.valid_for_months} months"
    return f"{course.name}: {period}"


class TrainingForm(forms.Form):
    course = forms.ModelChoiceField(
        queryset=TrainingCourse.objects.all(),
        empty_label="Select a course",
        error_messages={"required": "Select the course", "invalid_choice": "Select a course from the list"},
    )
    completed_on = date_field("Date completed", subject="The date the course was completed")
    expires_on = date_field(
        "Expiry date",
        subject="The expiry date",
        required=False,
        help_text="As on the certificate. Leave empty for the course's usual period from the date completed",
    )
    provider = forms.CharField(
        required=False,
        max_length=150,
        help_text="Who ran the course, for example St John Ambulance",
        error_messages={"max_length": "The provider must be 150 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.courses = list(self.fields["course"].queryset)

    def clean_completed_on(self):
        completed_on = self.cleaned_data["completed_on"]
        _asked(volunteers.check_not_future, completed_on, "The date the course was completed", "completed_on")
        return completed_on

    def clean_provider(self):
        return _one_line(self.cleaned_data["provider"], "the provider")

    def clean(self):
        data = super().clean()
        if data.get("completed_on") and data.get("expires_on"):
            try:
                volunteers.check_expiry(data["completed_on"], data["expires_on"])
            except VolunteerError as error:
                self.add_error("expires_on", str(error))
        return data


class AssignForm(forms.Form):
    arrangement = forms.ModelChoiceField(
        queryset=None,
        widget=forms.RadioSelect,
        label="Which arrangement will they help deliver?",
        error_messages={
            "required": "Select an arrangement",
            "invalid_choice": "Select an arrangement from the list",
        },
    )

    def __init__(self, *args, volunteer: Volunteer, **kwargs):
        super().__init__(*args, **kwargs)
        self.volunteer = volunteer
        field = self.fields["arrangement"]
        field.queryset = volunteers.assignable_arrangements(volunteer)
        field.label_from_instance = volunteers.arrangement_label

    def clean_arrangement(self):
        arrangement = self.cleaned_data["arrangement"]
        if refusal := volunteers.assignment_refusal(self.volunteer, arrangement, timezone.localdate()):
            raise forms.ValidationError(refusal)
        return arrangement


class RegisterFilterForm(forms.Form):
    show = forms.ChoiceField(
        required=False,
        choices=[
            (volunteers.SHOW_CURRENT, "Volunteers on the register"),
            (volunteers.SHOW_LEFT, "Volunteers who have left"),
            (volunteers.SHOW_ALL, "Everyone"),
        ],
        error_messages={"invalid_choice": "Select who to show from the list"},
    )
    training = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any training"),
            (Standing.EXPIRING, f"Training expiring within {EXPIRING_SOON_DAYS} days"),
            (Standing.EXPIRED, "Training expired"),
        ],
        error_messages={"invalid_choice": "Select a training status from the list"},
    )

    def filters(self) -> dict:
        if not self.is_valid():
            return {"show": volunteers.SHOW_CURRENT, "training": ""}
        return {
            "show": self.cleaned_data["show"] or volunteers.SHOW_CURRENT,
            "training": self.cleaned_data["training"],
        }


def _with_courses(people, today):
    for volunteer in people:
        volunteer.courses = courses_held(volunteer.training.all(), today)
    return people


# The register


def volunteer_register(request, council_id):
    council, keeps = get_register_for_user(request.user, council_id)
    search = RegisterFilterForm(request.GET or None)
    filters = search.filters()
    page = Paginator(volunteers.register(council, **filters), VOLUNTEERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    _with_courses(page.object_list, timezone.localdate())
    return render(
        request,
        "services/volunteers/register.html",
        {
            "council": council,
            "may_keep": keeps,
            "search": search,
            "filtered": filters != {"show": volunteers.SHOW_CURRENT, "training": ""},
            "page_obj": page,
            "expiring_days": EXPIRING_SOON_DAYS,
        },
    )


def _register_rows(people, today):
    yield ["Name", "Email", "Phone", "Skills", "Joined", "Left", "Arrangements", "Training"]
    for volunteer in people:
        courses = courses_held(volunteer.training.all(), today)
        yield [
            volunteer.name,
            volunteer.email,
            volunteer.phone,
            volunteer.skills,
            volunteer.joined_on.isoformat(),
            volunteer.left_on.isoformat() if volunteer.left_on else "",
            "; ".join(volunteers.arrangement_label(a.arrangement) for a in volunteer.current_assignments),
            "; ".join(
                f"{held.record.course.name}: {held.label}"
                + (f" (expires {held.record.expires_on.isoformat()})" if held.record.expires_on else "")
                for held in courses
            ),
        ]


def volunteer_register_csv(request, council_id):
    """The register as a spreadsheet, with the page's filters: the council's own people only."""
    council, _ = get_register_for_user(request.user, council_id)
    filters = RegisterFilterForm(request.GET or None).filters()
    people = volunteers.register(council, **filters).iterator(chunk_size=500)
    return csv_response(_register_rows(people, timezone.localdate()), f"volunteers-{council.pk}.csv")


# A volunteer


def _volunteer(council, volunteer_id) -> Volunteer:
    volunteer = get_object_or_404(council.volunteers, pk=volunteer_id)
    volunteer.council = council
    return volunteer


def volunteer_detail(request, council_id, volunteer_id):
    council, keeps = get_register_for_user(request.user, council_id)
    volunteer = _volunteer(council, volunteer_id)
    today = timezone.localdate()
    records = list(volunteer.training.select_related("course"))
    held = courses_held(records, today)
    best = {h.record.pk: h for h in held}
    return render(
        request,
        "services/volunteers/detail.html",
        {
            "council": council,
            "volunteer": volunteer,
            "may_keep": keeps,
            "courses": held,
            "records": [(record, best.get(record.pk)) for record in records],
            "assignments": volunteer.assignments.select_related(
                "arrangement__service", "arrangement__cluster"
            )
            .order_by("ended_on", "-assigned_on", "pk")
            .all(),
            "labels": STANDING_LABELS,
        },
    )


def volunteer_new(request, council_id):
    council, _ = get_register_for_user(request.user, council_id, change=True)
    form = VolunteerForm(*form_data(request), initial={"joined_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            volunteer = volunteers.add_volunteer(
                acting_user=request.user, council=council, **form.cleaned_data
            )
        except VolunteerError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, f"{volunteer.name} has been added to the register.")
            return redirect("services:volunteer", council.pk, volunteer.pk)
    back = reverse("services:volunteers", args=[council.pk])
    return render(
        request,
        "services/volunteers/form.html",
        {
            "council": council,
            "form": form,
            "back": back,
            "heading": "Add a volunteer",
            "button": "Add the volunteer",
        },
    )


def volunteer_edit(request, council_id, volunteer_id):
    council, _ = get_register_for_user(request.user, council_id, change=True)
    volunteer = _volunteer(council, volunteer_id)
    form = VolunteerForm(*form_data(request), volunteer=volunteer)
    if request.method == "POST" and form.is_valid():
        try:
            volunteers.edit_volunteer(
                acting_user=request.user, volunteer=volunteer, changes=form.cleaned_data
            )
        except VolunteerError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, f"{volunteer.name}'s details have been saved.")
            return redirect("services:volunteer", council.pk, volunteer.pk)
    back = reverse("services:volunteer", args=[council.pk, volunteer.pk])
    return render(
        request,
        "services/volunteers/form.html",
        {
            "council": council,
            "volunteer": volunteer,
            "form": form,
            "back": back,
            "heading": "Change the volunteer's details",
            "button": "Save",
        },
    )


def volunteer_leave(request, council_id, volunteer_id):
    council, _ = get_register_for_user(request.user, council_id, change=True)
    volunteer = _volunteer(council, volunteer_id)
    form = LeaveForm(*form_data(request), volunteer=volunteer)
    if request.method == "POST" and form.is_valid():
        try:
            ended = volunteers.leave_register(
                acting_user=request.user, volunteer=volunteer, left_on=form.cleaned_data["left_on"]
            )
        except VolunteerError as error:
            form.add_error(error.field, str(error))
        else:
            also = f" and {ended} assignment{'s' if ended != 1 else ''} ended" if ended else ""
            messages.success(request, f"{volunteer.name} has left the register{also}.")
            return redirect("services:volunteer", council.pk, volunteer.pk)
    return render(
        request,
        "services/volunteers/leave.html",
        {
            "council": council,
            "volunteer": volunteer,
            "form": form,
            "current": volunteer.assignments.filter(ended_on__isnull=True).select_related(
                "arrangement__service", "arrangement__cluster"
            ),
            "back": reverse("services:volunteer", args=[council.pk, volunteer.pk]),
        },
    )


# Training


def training_new(request, council_id, volunteer_id):
    council, _ = get_register_for_user(request.user, council_id, change=True)
    volunteer = _volunteer(council, volunteer_id)
    form = TrainingForm(*form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            record = volunteers.record_training(
                acting_user=request.user, volunteer=volunteer, **form.cleaned_data
            )
        except VolunteerError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, f"{record.course.name} has been recorded for {volunteer.name}.")
            return redirect("services:volunteer", council.pk, volunteer.pk)
    return render(
        request,
        "services/volunteers/training.html",
        {
            "council": council,
            "volunteer": volunteer,
            "form": form,
            "validities": [_validity(course) for course in form.courses],
            "back": reverse("services:volunteer", args=[council.pk, volunteer.pk]),
        },
    )


def training_remove(request, council_id, volunteer_id, record_id):
    council, _ = get_register_for_user(request.user, council_id, change=True)
    volunteer = _volunteer(council, volunteer_id)
    record = get_object_or_404(volunteer.training.select_related("course"), pk=record_id)
    record.volunteer = volunteer
    back = reverse("services:volunteer", args=[council.pk, volunteer.pk])
    if request.method == "POST":
        volunteers.remove_training(acting_user=request.user, record=record)
        messages.success(request, f"The {record.course.name} record has been removed.")
        return redirect(back)
    return render(
        request,
        "services/volunteers/training_remove.html",
        {"council": council, "volunteer": volunteer, "record": record, "back": back},
    )


# Assignments


def assign(request, council_id, volunteer_id):
    council, _ = get_register_for_user(request.user, council_id, change=True)
    volunteer = _volunteer(council, volunteer_id)
    form = AssignForm(*form_data(request), volunteer=volunteer)
    if request.method == "POST" and form.is_valid():
        arrangement = form.cleaned_data["arrangement"]
        try:
            volunteers.assign(acting_user=request.user, volunteer=volunteer, arrangement=arrangement)
        except VolunteerError as error:
            form.add_error(error.field, str(error))
        else:
            label = volunteers.arrangement_label(arrangement)
            messages.success(request, f"{volunteer.name} has been assigned to {label}.")
            return redirect("services:volunteer", council.pk, volunteer.pk)
    return render(
        request,
        "services/volunteers/assign.html",
        {
            "council": council,
            "volunteer": volunteer,
            "form": form,
            "back": reverse("services:volunteer", args=[council.pk, volunteer.pk]),
        },
    )


def assignment_end(request, council_id, volunteer_id, assignment_id):
    council, _ = get_register_for_user(request.user, council_id, change=True)
    volunteer = _volunteer(council, volunteer_id)
    assignment: Assignment = get_object_or_404(
        volunteer.assignments.filter(ended_on__isnull=True).select_related(
            "arrangement__service", "arrangement__cluster"
        ),
        pk=assignment_id,
    )
    assignment.volunteer = volunteer
    label = volunteers.arrangement_label(assignment.arrangement)
    back = reverse("services:volunteer", args=[council.pk, volunteer.pk])
    if request.method == "POST":
        volunteers.end_assignment(acting_user=request.user, assignment=assignment)
        messages.success(request, f"{volunteer.name} is no longer assigned to {label}.")
        return redirect(back)
    return render(
        request,
        "services/volunteers/assignment_end.html",
        {"council": council, "volunteer": volunteer, "label": label, "back": back},
    )


# An arrangement's volunteers, for its co-ordinator


def arrangement_volunteers(request, slug, number):
    """The volunteers assigned to an arrangement: all of them for its co-ordinator; for the people
    of a council, that council's; nobody else (the area's officers too: personal data)."""
    arrangement, permissions = get_arrangement_for_user(request.user, slug, number)
    require(permissions.may_see_volunteers())
    council_ids = None if permissions.coordinates_it else permissions.visible_volunteer_council_ids()
    people = _with_courses(
        list(volunteers.arrangement_volunteers(arrangement, council_ids)), timezone.localdate()
    )
    return render(
        request,
        "services/volunteers/arrangement.html",
        {
            "arrangement": arrangement,
            "label": volunteers.arrangement_label(arrangement),
            "volunteers": people,
            "all_of_them": council_ids is None,
            "expiring_days": EXPIRING_SOON_DAYS,
        },
    )


# The council page's panel (registered in ServicesConfig.ready)


def council_volunteers_panel(request, council, permissions) -> str:
    """How many volunteers the council has and how their training stands, for the council's own
    people only (not its area's officers: the register is personal data); two queries."""
    if council.pk not in volunteer_council_ids(request.user):
        return ""
    return render_to_string(
        "services/volunteers/panel.html",
        {
            "council": council,
            "counts": volunteers.register_counts(council),
            "expiring_days": EXPIRING_SOON_DAYS,
        },
        request=request,
    )
