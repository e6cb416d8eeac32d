import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from config import pdf_jobs

GSS_CODE_RE = r"^[EW]04\d{6}$"
gss_code_validator = RegexValidator(
    GSS_CODE_RE, "Enter an ONS GSS code of a parish or community, like E04002544 or W04000123"
)


class Area(models.Model):
    """The tenant: a county or unitary area with its councils, clusters and officers."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(
        max_length=80, blank=True, help_text="For example: county association of local councils"
    )

    class Meta:
        ordering = ["name"]
        permissions = [("manage_area", "Keep the area's register and invite its people")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("parishes:area", args=[self.slug])


class District(models.Model):
    """A local authority district (ONS), and the two-tier county it lies in where there is one.

    National reference data: a row is made from parishes/data the first time a council needs it
    (see parishes.districts), never edited by hand."""

    gss_code = models.CharField("GSS code", max_length=9, unique=True)
    name = models.CharField(max_length=120)
    county_gss_code = models.CharField("county GSS code", max_length=9, blank=True)
    county_name = models.CharField("county", max_length=120, blank=True)

    class Meta:
        ordering = ["name", "gss_code"]

    def __str__(self):
        return f"{self.name}, {self.county_name}" if self.county_name else self.name


class Council(models.Model):
    class Kind(models.TextChoices):
        PARISH_COUNCIL = "parish_council", "Parish council"
        TOWN_COUNCIL = "town_council", "Town council"
        CITY_COUNCIL = "city_council", "City council"
        PARISH_MEETING = "parish_meeting", "Parish meeting"
        COMMUNITY_COUNCIL = "community_council", "Community council"
        NEIGHBOURHOOD_COUNCIL = "neighbourhood_council", "Neighbourhood council"
        VILLAGE_COUNCIL = "village_council", "Village council"

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="councils")
    # The identity of a council: names repeat (there are six Bramptons), codes do not.
    gss_code = models.CharField(
        "GSS code", max_length=9, unique=True, null=True, blank=True, validators=[gss_code_validator]
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.PARISH_COUNCIL)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="councils"
    )
    population = models.PositiveIntegerField(null=True, blank=True)
    electorate = models.PositiveIntegerField(null=True, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["name", "gss_code"]
        indexes = [models.Index(fields=["area", "name"]), models.Index(fields=["area", "kind"])]
        permissions = [
            ("manage_council_people", "Invite the council's people, end roles, grant permissions"),
            ("view_council_audit", "See the council's audit history"),
            ("act_for_council", "Record the council's resolutions and act for it in clusters"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("parishes:council", args=[self.pk])


class CouncilTaxBase(models.Model):
    """The council tax base in Band D equivalents, as published by the billing authority."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="tax_bases")
    financial_year = models.PositiveSmallIntegerField(
        help_text="The year the financial year starts (1 April)"
    )
    band_d = models.DecimalField("Band D equivalents", max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["-financial_year"]
        constraints = [
            models.UniqueConstraint(fields=["council", "financial_year"], name="one_tax_base_a_year"),
            models.CheckConstraint(condition=Q(band_d__gte=0), name="tax_base_not_negative"),
        ]

    def __str__(self):
        return f"{self.council} {self.financial_year_label}: {self.band_d}"

    @property
    def financial_year_label(self):
        return f"{self.financial_year}–{(self.financial_year + 1) % 100:02d}"


class CouncilRole(models.Model):
    """A person's role in a council, held from a date until it is ended."""

    class Kind(models.TextChoices):
        CLERK = "clerk", "Clerk"
        RFO = "rfo", "Responsible Financial Officer"
        COUNCILLOR = "councillor", "Councillor"

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="council_roles")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["council", "kind", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "user", "kind"],
                condition=Q(ended_on__isnull=True),
                name="one_current_council_role",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.council}: {self.user}"


class AreaRole(models.Model):
    class Kind(models.TextChoices):
        OFFICER = "officer", "County officer"
        ADMINISTRATOR = "administrator", "Area administrator"

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="area_roles")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["area", "kind", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "user", "kind"],
                condition=Q(ended_on__isnull=True),
                name="one_current_area_role",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.area}: {self.user}"


class CouncilPermissionGrant(models.Model):
    """A permission on a council given to one person by its clerk, beyond what their role carries."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="permission_grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    codename = models.CharField(max_length=100)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["council", "user", "codename"], name="one_grant_a_permission")
        ]

    def __str__(self):
        return f"{self.codename} on {self.council} for {self.user}"


class Invitation(models.Model):
    """An emailed, single-use link that grants one role in a council or an area when accepted."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="invitations")
    council = models.ForeignKey(
        Council, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    # A council role when the invitation is to a council, an area role when it is to the area.
    role = models.CharField(max_length=20, choices=CouncilRole.Kind.choices + AreaRole.Kind.choices)
    email = models.EmailField()
    name = models.CharField(max_length=150, blank=True)
    # Only a hash of the token is stored: the link itself exists only in the email.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(council__isnull=False, role__in=CouncilRole.Kind.values)
                    | Q(council__isnull=True, role__in=AreaRole.Kind.values)
                ),
                name="invitation_role_fits_its_place",
            )
        ]

    def __str__(self):
        return f"{self.get_role_display()} of {self.council or self.area}: {self.email}"

    @property
    def place(self):
        return self.council or self.area

    @property
    def is_pending(self):
        return not self.accepted_at and not self.withdrawn_at and self.expires_at > timezone.now()


class AuditEvent(models.Model):
    """Who changed what, when, and from what: written by the services, never edited."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="audit_events")
    council = models.ForeignKey(
        Council, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=60)
    summary = models.CharField(max_length=300)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["council", "-created_at"]),
            models.Index(fields=["area", "-created_at"]),
        ]

    def __str__(self):
        return self.summary


class RegisterImport(models.Model):
    """One upload of the council register: every row's outcome, and whether the file was imported."""

    class Outcome(models.TextChoices):
        IMPORTED = "imported", "Imported"
        REFUSED = "refused", "Nothing imported"

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="register_imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    refused_count = models.PositiveIntegerField(default=0)
    # [{"line": 2, "gss_code": "E04…", "name": "…", "result": "created|updated|refused", "reason": "…"}]
    rows = models.JSONField(default=list)
    error = models.CharField(max_length=300, blank=True, help_text="Why the whole file was refused")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} ({self.get_outcome_display()})"


def dashboard_pdf_upload_to(pdf, filename):
    # A generated name: nothing of the person's input reaches the file system.
    return f"areas/{pdf.area_id}/dashboards/{uuid.uuid4().hex}.pdf"


class DashboardPdf(models.Model):
    """The area's dashboard as a PDF: asked for on the dashboard, rendered by a worker, served when
    ready (config.pdf_jobs)."""

    Status = pdf_jobs.Status

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="dashboard_pdfs")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to=dashboard_pdf_upload_to, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    # When a worker claimed it (see config.pdf_jobs.run).
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = "dashboard PDF"

    def __str__(self):
        return f"{self.area} dashboard of {self.requested_at:%Y-%m-%d %H:%M}"


class DashboardEmail(models.Model):
    """One month's dashboard emailed to one person of the area: unique, so that a rerun of the
    monthly job, a retry or a second worker emails nobody twice (parishes.dashboard_pdf)."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month it was sent for")
    # Set, with the run's claim, by the run that sends it; empty while recorded and not yet sent.
    sent_at = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "user", "month"], name="one_dashboard_email_a_month")
        ]

    def __str__(self):
        return f"{self.area} dashboard of {self.month:%B %Y} to {self.user}"


# django-guardian's direct foreign-key permission tables: one pair per permission-bearing model.
class AreaUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Area, on_delete=models.CASCADE)


class AreaGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Area, on_delete=models.CASCADE)


class CouncilUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Council, on_delete=models.CASCADE)


class CouncilGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Council, on_delete=models.CASCADE)
