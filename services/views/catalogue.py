"""The area's service catalogue: the list (officers and administrators), and the administrators' changes:
add, change, retire and bring back an entry, and the usual devolved services for an empty catalogue.
The catalogue's panel on the area dashboard links here."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse

from config.text import CONTROL_CHARACTERS
from parishes.access import get_area_for_user
from parishes.forms import form_data

from .. import catalogue
from ..access import may_keep_catalogue, may_read_catalogue, require
from ..catalogue import CatalogueError
from ..models import Service, TrainingCourse

DESCRIPTION_MAX_LENGTH = 1_000


class ServiceForm(forms.Form):
    name = forms.CharField(
        max_length=Service._meta.get_field("name").max_length,
        help_text="As councils know it, for example Urban grass cutting",
        error_messages={
            "required": "Enter the service's name",
            "max_length": "The name must be 120 characters or fewer",
        },
    )
    unit = forms.ChoiceField(
        label="Unit of delivery",
        choices=Service.Unit.choices,
        help_text="What is counted when the work is recorded, and agreed per season",
        error_messages={
            "required": "Select the unit of delivery",
            "invalid_choice": "Select a unit from the list",
        },
    )
    description = forms.CharField(
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": f"The description must be {DESCRIPTION_MAX_LENGTH:,} characters or fewer"
        },
    )
    # Choices checked against the courses' ids before any query: a model field would look up any
    # number sent, and the database refuses one beyond its integers.
    required_training = forms.TypedMultipleChoiceField(
        label="Training required",
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="A volunteer must hold each course, current on the day, to do the work",
        error_messages={"invalid_choice": "Select courses from the list"},
    )

    def __init__(self, *args, service: Service | None = None, **kwargs):
        if service is not None:
            kwargs["initial"] = {
                "name": service.name,
                "unit": service.unit,
                "description": service.description,
                "required_training": [course.pk for course in service.required_training.all()],
            }
        super().__init__(*args, **kwargs)
        self.courses = {course.pk: course for course in TrainingCourse.objects.all()}
        self.fields["required_training"].choices = [(pk, course.name) for pk, course in self.courses.items()]

    def clean_required_training(self):
        return [self.courses[pk] for pk in self.cleaned_data["required_training"]]

    def clean_name(self):
        name = self.cleaned_data["name"]
        if CONTROL_CHARACTERS.search(name):
            raise forms.ValidationError("The name must be one line of text")
        return name


def catalogue_page(request, area_slug):
    area, _ = get_area_for_user(request.user, area_slug)
    require(may_read_catalogue(request.user, area.pk))
    services = list(catalogue.catalogue_of(area))
    return render(
        request,
        "services/catalogue/list.html",
        {
            "area": area,
            "live": [s for s in services if s.retired_at is None],
            "retired": [s for s in services if s.retired_at is not None],
            "may_keep": may_keep_catalogue(request.user, area.pk),
        },
    )


def _keeper_area(request, area_slug):
    area, _ = get_area_for_user(request.user, area_slug)
    require(may_keep_catalogue(request.user, area.pk))
    return area


def _save(request, area, form, change) -> bool:
    """Call the service with the form's data; its refusal goes by the field it is about."""
    if not (request.method == "POST" and form.is_valid()):
        return False
    try:
        change(**form.cleaned_data)
    except CatalogueError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return False
    return True


def service_add(request, area_slug):
    area = _keeper_area(request, area_slug)
    form = ServiceForm(*form_data(request))

    def add(**data):
        catalogue.add_service(acting_user=request.user, area=area, **data)

    if _save(request, area, form, add):
        messages.success(request, f"{form.cleaned_data['name'].strip()} has been added to the catalogue.")
        return redirect("services:catalogue", area.slug)
    return render(
        request,
        "services/catalogue/form.html",
        {"area": area, "form": form, "heading": "Add a service", "button": "Add the service"},
    )


def service_edit(request, area_slug, service_id):
    area = _keeper_area(request, area_slug)
    service = get_object_or_404(Service.objects.filter(area=area), pk=service_id)
    form = ServiceForm(*form_data(request), service=service)

    def edit(**data):
        catalogue.edit_service(acting_user=request.user, service=service, **data)

    if _save(request, area, form, edit):
        messages.success(request, "The service has been saved.")
        return redirect("services:catalogue", area.slug)
    return render(
        request,
        "services/catalogue/form.html",
        {
            "area": area,
            "form": form,
            "service": service,
            "in_use": service.arrangements.exists(),
            "heading": f"Change {service.name}",
            "button": "Save",
        },
    )


def service_retire(request, area_slug, service_id):
    """A confirmation page, then retiring; a retired entry is brought back by the same address."""
    area = _keeper_area(request, area_slug)
    service = get_object_or_404(catalogue.catalogue_of(area), pk=service_id)
    if request.method == "POST":
        retire = service.retired_at is None
        catalogue.set_retired(acting_user=request.user, service=service, retired=retire)
        done = "retired: it stays on the arrangements that use it" if retire else "brought back"
        messages.success(request, f"{service.name} has been {done}.")
        return redirect("services:catalogue", area.slug)
    return render(request, "services/catalogue/retire.html", {"area": area, "service": service})


def usual_services(request, area_slug):
    area = _keeper_area(request, area_slug)
    if request.method == "POST":
        added = catalogue.add_usual_services_for(acting_user=request.user, area=area)
        messages.success(request, f"{added} usual service{'s' if added != 1 else ''} added to the catalogue.")
    return redirect("services:catalogue", area.slug)


def catalogue_panel(area, *, medium: str) -> str:
    """The area dashboard's link to the catalogue (on the page only: the PDF has no use for a link);
    one query. The services panel (services/dashboard.py) links to the requests."""
    if medium != "page":
        return ""
    counts = Service.objects.filter(area=area, retired_at__isnull=True).count()
    return render_to_string(
        "services/catalogue/panel.html",
        {
            "area": area,
            "live": counts,
            "catalogue_url": reverse("services:catalogue", args=[area.slug]),
        },
    )
