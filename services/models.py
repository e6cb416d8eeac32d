"""Services one council delivers for others: the area's catalogue, arrangements in a cluster, sites,
the delivery log, volunteers and their training, and councils' requests to deliver for themselves.

What a season is, how far behind an arrangement is and whether a volunteer may do a job are rules
in `services/delivery.py` and `services/training.py`; who may see and change what is in
`services/access.py`.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from clusters.models import Cluster
from config import pdf_jobs
from parishes.models import Area, Council

from .grid_references import validate_grid_reference

User = settings.AUTH_USER_MODEL

# Money: pounds and pence, never a float; a ceiling no parish arrangement comes near.
MONEY = {"max_digits": 10, "decimal_places": 2}
MONEY_CEILING = Decimal("10000000.00")
# Quantities (cuts, signs, hours, kilometres…) to two places; a record of more than this is a slip.
QUANTITY = {"max_digits": 9, "decimal_places": 2}
QUANTITY_CEILING = Decimal("100000")


class TrainingCourse(models.Model):
    """A course volunteers take (strimmer and brushcutter use, chapter 8 traffic management…): one
    list for the installation, seeded by a migration, so that a service's requirement and a
    volunteer's record name the same course."""

    name = models.CharField(max_length=120, unique=True)
    # How long a certificate lasts when the record gives no expiry of its own; none for a course
    # that does not expire.
    valid_for_months = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Service(models.Model):
    """An entry of an area's service catalogue, kept by the area's administrators."""

    class Unit(models.TextChoices):
        CUTS = "cuts", "cuts"
        SIGNS = "signs", "signs"
        ITEMS = "items", "items"
        VISITS = "visits", "visits"
        HOURS = "hours", "hours"
        KILOMETRES = "km", "kilometres"
        BAGS = "bags", "bags"
        INSPECTIONS = "inspections", "inspections"
        JOURNEYS = "journeys", "journeys"

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="services")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    unit = models.CharField("unit of delivery", max_length=20, choices=Unit.choices)
    required_training = models.ManyToManyField(TrainingCourse, blank=True, related_name="services")
    # Retired entries stay on the arrangements that use them; no new arrangement may choose one.
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="service_name_unique_in_area")]

    def __str__(self):
        return self.name


class Site(models.Model):
    """A place work is done (a verge, a green, a run of signs), in the council it lies in."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="service_sites")
    name = models.CharField(max_length=120)
    what_is_there = models.CharField(max_length=300, blank=True)
    where = models.TextField("where it is", blank=True)
    grid_reference = models.CharField(
        "OS grid reference", max_length=20, blank=True, validators=[validate_grid_reference]
    )
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="site_name_unique_in_council")
        ]

    def __str__(self):
        return self.name


class Arrangement(models.Model):
    """One council (the service lead) delivering one service for other members of its cluster."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        AGREED = "agreed", "Agreed"
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"
        # A proposal (or an agreed arrangement not yet started) taken back: it never ran.
        WITHDRAWN = "withdrawn", "Withdrawn"

    # No longer current: never changed again, left out of current lists, panels and progress.
    CLOSED = (Status.ENDED, Status.WITHDRAWN)

    class DeliveryModel(models.TextChoices):
        OWN_STAFF = "own_staff", "The lead council's own employees"
        CIC = "cic", "A Community Interest Company"
        CONTRACTOR = "contractor", "A commissioned contractor"
        VOLUNTEERS = "volunteers", "Volunteers under a co-ordinator"

    class LegalBasis(models.TextChoices):
        S101 = "s101", "Arrangements under section 101 of the Local Government Act 1972"
        JOINT_COMMITTEE = "joint_committee", "A joint committee"
        GENERAL_POWER = "general_power", "The general power of competence"
        S137 = "s137", "Section 137 of the Local Government Act 1972"
        OTHER = "other", "Another power"

    class Charging(models.TextChoices):
        FIXED = "fixed", "A fixed annual sum"
        PER_UNIT = "per_unit", "A rate per unit delivered"
        PER_HOUR = "per_hour", "A rate per hour"
        COUNTY_GRANT = "county_grant", "Funded by a county grant"

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="arrangements")
    # Numbered in order within the cluster, for its addresses and the minutes that cite it.
    number = models.PositiveIntegerField()
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="arrangements")
    lead_council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="services_led")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)

    delivery_model = models.CharField(max_length=20, choices=DeliveryModel.choices)
    # Only the fields of the chosen model are kept (see services/arrangements.py).
    cic_name = models.CharField("company name", max_length=160, blank=True)
    cic_number = models.CharField("company number", max_length=8, blank=True)
    contractor_name = models.CharField("contractor", max_length=160, blank=True)
    coordinator_name = models.CharField("co-ordinator", max_length=150, blank=True)
    # The co-ordinator when they sign in: they then see the volunteers of this arrangement.
    coordinator = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    legal_basis = models.CharField(max_length=20, choices=LegalBasis.choices)
    legal_basis_other = models.CharField("the power, in words", max_length=200, blank=True)

    specification = models.TextField(help_text="What is done, how often and where")
    # The season in which the agreed quantity is delivered, by month (1-12); a season may run over
    # the new year (winter gritting, November to March) and is then named by the year it starts.
    season_starts = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(12)])
    season_ends = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(12)])
    sites = models.ManyToManyField(Site, blank=True, related_name="arrangements")

    starts_on = models.DateField()
    review_on = models.DateField("review date")
    ends_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)

    annual_value = models.DecimalField(**MONEY, null=True, blank=True)
    charging = models.CharField("how it is charged", max_length=20, choices=Charging.choices)
    rate = models.DecimalField(**MONEY, null=True, blank=True, help_text="Per unit or per hour")

    proposed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["cluster", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "number"], name="arrangement_number_unique_in_cluster"
            ),
        ]
        indexes = [
            models.Index(fields=["lead_council", "status"]),
            models.Index(fields=["status", "review_on"]),
        ]

    def __str__(self):
        return f"{self.service.name} led by {self.lead_council.name}"

    def get_absolute_url(self):
        return reverse("services:arrangement", args=[self.cluster.slug, self.number])


class ServedCouncil(models.Model):
    """A member council an arrangement serves, what it is to receive each season, and its agreement
    (by resolution) once recorded."""

    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="served")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="services_received")
    # In the service's unit, each season (6 cuts; 40 signs).
    agreed_quantity = models.DecimalField(**QUANTITY)
    minute_ref = models.CharField("minute reference", max_length=60, blank=True)
    resolved_on = models.DateField("date of the resolution", null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["council__name"]
        constraints = [
            models.UniqueConstraint(fields=["arrangement", "council"], name="served_once_by_arrangement"),
        ]
        indexes = [models.Index(fields=["council", "arrangement"])]

    def __str__(self):
        return f"{self.council} served by {self.arrangement}"

    @property
    def has_agreed(self) -> bool:
        return self.resolved_on is not None


class Volunteer(models.Model):
    """A person on a council's volunteer register. Personal data: seen only by the council's people
    and the co-ordinators of the arrangements the volunteer is assigned to."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="volunteers")
    name = models.CharField(max_length=150)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    skills = models.CharField(max_length=300, blank=True)
    joined_on = models.DateField(default=timezone.localdate)
    # Leaving keeps the row, so that the records of what they did keep their name.
    left_on = models.DateField(null=True, blank=True)
    arrangements = models.ManyToManyField(Arrangement, through="Assignment", related_name="volunteers")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class TrainingRecord(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="training")
    course = models.ForeignKey(TrainingCourse, on_delete=models.PROTECT, related_name="+")
    completed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True, help_text="None: does not expire")
    provider = models.CharField(max_length=150, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["course__name", "-completed_on"]
        indexes = [models.Index(fields=["expires_on"])]

    def __str__(self):
        return f"{self.course} ({self.volunteer})"


class Assignment(models.Model):
    """A volunteer assigned to help deliver an arrangement."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="assignments")
    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="assignments")
    assigned_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)
    assigned_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "arrangement"],
                condition=Q(ended_on__isnull=True),
                name="one_current_assignment",
            ),
        ]

    def __str__(self):
        return f"{self.volunteer} on {self.arrangement}"


def delivery_photo_upload_to(record, filename):
    # Stored under a generated name: the uploaded name is never used as a path.
    return f"services/{record.arrangement_id}/photos/{uuid.uuid4().hex}"


class Delivery(models.Model):
    """One line of the delivery log: work done for one served council. Never edited: a mistake is
    put right by a record that reverses it (its quantity and hours negated, `reverses` set), and a
    new one if needed."""

    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="deliveries")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    done_on = models.DateField("date done")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    hours = models.DecimalField(**QUANTITY, null=True, blank=True)
    done_by = models.CharField("who did it", max_length=150, blank=True)
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notes = models.CharField(max_length=500, blank=True)
    photo = models.FileField(upload_to=delivery_photo_upload_to, blank=True)
    photo_type = models.CharField(max_length=10, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-done_on", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["arrangement", "council", "done_on"]),
            models.Index(fields=["council", "done_on"]),
        ]

    def __str__(self):
        return f"{self.quantity} on {self.done_on:%d %b %Y}"


class IndividualRequest(models.Model):
    """The individual model: a council asks its area's officers to let it deliver a service for its
    own area alone, making its case; the officers approve or decline with reasons."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for a decision"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="individual_requests")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="individual_requests")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="individual_requests")
    # The case for viability and sustainability, in the council's words.
    capacity = models.TextField("staff and capacity")
    equipment = models.TextField()
    insurance = models.TextField()
    annual_cost = models.DecimalField("estimated annual cost", **MONEY)
    starts_on = models.DateField("proposed start")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING)
    submitted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reasons = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["area", "status", "submitted_at"])]

    def __str__(self):
        return f"{self.council} to deliver {self.service}"


def statement_upload_to(statement, filename):
    return f"services/statements/{uuid.uuid4().hex}.pdf"


class Statement(models.Model):
    """A served council's monthly statement of an arrangement's deliveries as a PDF: asked for on a
    page, rendered by a worker (a job of config/pdf_jobs.py), served when ready."""

    Status = pdf_jobs.Status

    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="statements")
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month it covers")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to=statement_upload_to, blank=True)
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.council} statement for {self.month:%B %Y}"
