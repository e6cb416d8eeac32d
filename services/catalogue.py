"""The area's service catalogue: the usual devolved services, and the administrators' changes."""

from django.db import transaction

from parishes.models import Area

from .models import Service, TrainingCourse

Unit = Service.Unit

# How this module's audit records read (parishes.audit_display.describe's keyword arguments).
AUDIT: dict = {}

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
