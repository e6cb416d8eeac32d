"""The area's service catalogue: the usual devolved services, and the administrators' changes.

An entry's name is unique in its area (compared without regard to case or spaces around it). A retired
entry stays on the arrangements and requests that name it, but no new arrangement or request may
choose it; it can be brought back. Its unit cannot change while arrangements use it: their agreed
quantities and delivery records are counted in it ("6 cuts" must not become "6 signs").
"""

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from parishes import audit
from parishes.models import Area

from .access import may_keep_catalogue
from .models import Service, TrainingCourse

Unit = Service.Unit

# How this module's audit records read (parishes.audit_display.describe's keyword arguments).
AUDIT: dict = {
    "labels": {
        "service": "Service",
        "service_unit": "Unit of delivery",
        "service_description": "Description",
        "required_training": "Training required",
        "services_added": "Services added",
    },
    "values": {"service_unit": dict(Unit.choices)},
    "kinds": {"service": "Service catalogue"},
}


class CatalogueError(Exception):
    """A change the rules refuse; its message is shown next to `field` when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# (name, unit, courses required, description): the services counties usually devolve to parish and
# town councils, from the seed documents' examples.
USUAL_SERVICES = [
    (
        "Urban grass cutting",
        Unit.CUTS,
        ["Strimmer and brushcutter use"],
        "Verges and greens in built-up areas",
    ),
    (
        "Rural verge cutting",
        Unit.CUTS,
        ["Strimmer and brushcutter use", "Chapter 8 traffic management"],
        "Visibility splays and verges of rural roads",
    ),
    (
        "Hedge and vegetation cutting",
        Unit.KILOMETRES,
        ["Chapter 8 traffic management"],
        "Overhanging vegetation on footways and roads",
    ),
    ("Sign cleaning", Unit.SIGNS, ["Chapter 8 traffic management"], "Road signs and bollards cleaned"),
    ("Small street furniture cleaning", Unit.ITEMS, [], "Benches, bollards, railings and notice boards"),
    ("Litter picking", Unit.BAGS, [], "Litter picked from verges, lay-bys and open spaces"),
    ("Dog and litter bin emptying", Unit.VISITS, ["Manual handling"], "Bins emptied on a round"),
    (
        "Footway weed control",
        Unit.KILOMETRES,
        ["Safe use of pesticides (PA1 and PA6)"],
        "Weeds treated or removed from footways",
    ),
    ("Bus shelter cleaning", Unit.VISITS, [], "Shelters washed and glazing checked"),
    ("Play area inspection", Unit.INSPECTIONS, ["Play area inspection (routine)"], "Routine inspections"),
    ("Public footpath clearance", Unit.KILOMETRES, ["Strimmer and brushcutter use"], "Rights of way cleared"),
    ("Winter gritting of footways", Unit.HOURS, ["Manual handling"], "Footways gritted in frost and snow"),
    (
        "Community transport",
        Unit.JOURNEYS,
        ["Minibus driving (MiDAS)"],
        "Journeys for residents without transport",
    ),
]


@transaction.atomic
def add_usual_services(*, area: Area) -> int:
    """Adds to the area's catalogue each usual service it does not have by name; returns how many.
    (The demo, the national data and the catalogue page's empty state call it.)"""
    courses = {course.name: course for course in TrainingCourse.objects.all()}
    have = set(Service.objects.filter(area=area).values_list("name", flat=True))
    added = 0
    for name, unit, training, description in USUAL_SERVICES:
        if name in have:
            continue
        service = Service.objects.create(area=area, name=name, unit=unit, description=description)
        service.required_training.set([courses[course] for course in training if course in courses])
        added += 1
    return added


# Reads


def catalogue_of(area: Area) -> QuerySet[Service]:
    """The area's entries, live and retired, with their training and `arrangement_count`: three
    queries however many entries."""
    return (
        Service.objects.filter(area=area)
        .annotate(arrangement_count=Count("arrangements"))
        .prefetch_related("required_training")
        .order_by("name", "pk")
    )


def live_services(area_id: int) -> QuerySet[Service]:
    """The entries a new arrangement or request may choose: not retired."""
    return Service.objects.filter(area_id=area_id, retired_at__isnull=True).order_by("name", "pk")


# Changes


def _check_keeper(acting_user, area: Area) -> None:
    if not may_keep_catalogue(acting_user, area.pk):
        raise CatalogueError("Only the area's administrators keep its service catalogue.")


def _check_name(area: Area, name: str, *, exclude_pk: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise CatalogueError("Enter the service's name", "name")
    taken = Service.objects.filter(area=area, name__iexact=name).exclude(pk=exclude_pk)
    if taken.exists():
        raise CatalogueError(
            f"The catalogue already has a service called {name}: choose another name", "name"
        )
    return name


def _training_names(courses) -> list[str]:
    return sorted(course.name for course in courses)


@transaction.atomic
def add_service(
    *, acting_user, area: Area, name: str, unit: str, description: str = "", required_training=()
) -> Service:
    _check_keeper(acting_user, area)
    name = _check_name(area, name)
    service = Service.objects.create(area=area, name=name, unit=unit, description=description.strip())
    service.required_training.set(required_training)
    audit.record(
        actor=acting_user,
        area=area,
        action="service.added",
        summary=f"{name} added to the service catalogue",
        after={
            "service": name,
            "service_unit": unit,
            "service_description": service.description,
            "required_training": _training_names(required_training),
        },
    )
    return service


@transaction.atomic
def edit_service(
    *, acting_user, service: Service, name: str, unit: str, description: str, required_training
) -> Service:
    """Rename the entry or change its unit, description or training; only what changed is recorded."""
    service = Service.objects.select_for_update().select_related("area").get(pk=service.pk)
    _check_keeper(acting_user, service.area)
    name = _check_name(service.area, name, exclude_pk=service.pk)
    if unit != service.unit and service.arrangements.exists():
        raise CatalogueError(
            "The unit cannot change while arrangements use the service: their quantities are counted "
            "in it. Retire it and add a new service instead",
            "unit",
        )
    old = {
        "service": service.name,
        "service_unit": service.unit,
        "service_description": service.description,
        "required_training": _training_names(service.required_training.all()),
    }
    new = {
        "service": name,
        "service_unit": unit,
        "service_description": description.strip(),
        "required_training": _training_names(required_training),
    }
    changed = [key for key in old if old[key] != new[key]]
    if not changed:
        return service
    service.name, service.unit, service.description = name, unit, new["service_description"]
    service.save(update_fields=["name", "unit", "description"])
    service.required_training.set(required_training)
    audit.record(
        actor=acting_user,
        area=service.area,
        action="service.changed",
        summary=f"{old['service']} changed in the service catalogue"
        + (f": now called {name}" if "service" in changed else ""),
        before={key: old[key] for key in changed},
        after={key: new[key] for key in changed},
    )
    return service


@transaction.atomic
def set_retired(*, acting_user, service: Service, retired: bool) -> Service:
    """Retire the entry (it stays on what uses it) or bring it back."""
    service = Service.objects.select_for_update().select_related("area").get(pk=service.pk)
    _check_keeper(acting_user, service.area)
    if (service.retired_at is not None) == retired:
        return service
    service.retired_at = timezone.now() if retired else None
    service.save(update_fields=["retired_at"])
    audit.record(
        actor=acting_user,
        area=service.area,
        action="service.retired" if retired else "service.restored",
        summary=f"{service.name} {'retired from' if retired else 'brought back into'} the service catalogue",
        before={"service": service.name},
    )
    return service


@transaction.atomic
def add_usual_services_for(*, acting_user, area: Area) -> int:
    """The catalogue page's empty state: the usual services added by an administrator, recorded."""
    _check_keeper(acting_user, area)
    before = set(Service.objects.filter(area=area).values_list("name", flat=True))
    added = add_usual_services(area=area)
    if added:
        audit.record(
            actor=acting_user,
            area=area,
            action="service.usual_added",
            summary=f"The usual devolved services added to the catalogue ({added})",
            after={
                "services_added": [name for name, *_ in USUAL_SERVICES if name not in before],
            },
        )
    return added
