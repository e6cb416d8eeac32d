import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from config import pdf_jobs
from parishes.models import Area, Council, CouncilRole

User = settings.AUTH_USER_MODEL


class Cluster(models.Model):
    """Councils of one area working together."""

    class Formality(models.TextChoices):
        INFORMAL = "informal", "Informal arrangement"
        MOU = "mou", "Memorandum of understanding"
        CONSTITUTION = "constitution", "Constitution"
        CIC = "cic", "Community Interest Company"

    class Status(models.TextChoices):
        FORMING = "forming", "Forming"
        ACTIVE = "active", "Active"
        DISSOLVED = "dissolved", "Dissolved"

    class LeadershipModel(models.TextChoices):
        FIXED = "fixed", "Fixed positions (a chair and a secretary, or a co-ordinator)"
        ROTATING_CHAIR = "rotating_chair", "A rotating chair"

    class FinancialModel(models.TextChoices):
        GRANTS = "grants", "Grants"
        CONTRIBUTIONS = "contributions", "Member contributions"
        BOTH = "both", "Grants and member contributions"

    class Threshold(models.TextChoices):
        ALL = "all", "Every member council"
        MAJORITY = "majority", "A majority of member councils"

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="clusters")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    purpose = models.TextField(help_text="The reasons for clustering")
    priorities = models.TextField(blank=True)
    formality = models.CharField(max_length=20, choices=Formality.choices, default=Formality.INFORMAL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.FORMING)
    formed_on = models.DateField(default=timezone.localdate)
    active_since = models.DateField(null=True, blank=True)
    dissolved_on = models.DateField(null=True, blank=True)
    lead_council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    leadership_model = models.CharField(
        max_length=20, choices=LeadershipModel.choices, default=LeadershipModel.FIXED
    )
    financial_model = models.CharField(
        max_length=20, choices=FinancialModel.choices, default=FinancialModel.CONTRIBUTIONS
    )
    ratification_threshold = models.CharField(max_length=10, choices=Threshold.choices, default=Threshold.ALL)
    rota_term_months = models.PositiveSmallIntegerField(
        default=12, help_text="How long each council holds the rotating chair"
    )
    started_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="cluster_name_unique_in_area")]
        permissions = [
            ("manage_cluster_members", "Invite councils to the cluster"),
            ("decide_for_cluster", "Approve or reject decisions under delegated authority"),
            ("draft_for_cluster", "Draft decisions and documents, keep objectives"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("clusters:overview", args=[self.slug])


class Membership(models.Model):
    """One council's invitation to, and time in, a cluster. A new invitation is a new row: history."""

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        MEMBER = "member", "Member"
        DECLINED = "declined", "Declined"
        LEFT = "left", "Left"
        WITHDRAWN = "withdrawn", "Invitation withdrawn"

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="memberships")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="cluster_memberships")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.INVITED)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    invited_at = models.DateTimeField(default=timezone.now)
    # The council's resolution to join (or decline), and later to leave.
    joined_on = models.DateField(null=True, blank=True)
    join_minute_ref = models.CharField("minute reference", max_length=60, blank=True)
    join_resolution_on = models.DateField("date of the resolution", null=True, blank=True)
    answered_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    left_on = models.DateField(null=True, blank=True)
    leave_minute_ref = models.CharField(max_length=60, blank=True)
    leave_resolution_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["council__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "council"],
                condition=Q(status__in=["invited", "member"]),
                name="one_current_membership",
            )
        ]

    def __str__(self):
        return f"{self.council} in {self.cluster} ({self.get_status_display()})"


class PositionQuerySet(models.QuerySet):
    def current(self, today: date | None = None) -> "PositionQuerySet":
        """Positions that confer their office today: started, not ended, within their term, and
        held by an active person who still holds a role in a council that is still a member.

        Ending a role or a membership ends its positions at once (parishes' role-ended hooks, the
        leave service) and the daily job tidies the rest; checking the standing here as well means
        that neither a race with those nor a job yet to run leaves anyone power they no longer have.
        """
        today = today or timezone.localdate()
        role = CouncilRole.objects.filter(
            user=OuterRef("user"), council=OuterRef("council"), ended_on__isnull=True
        )
        member = Membership.objects.filter(
            cluster=OuterRef("cluster"), council=OuterRef("council"), status=Membership.Status.MEMBER
        )
        return self.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=today),
            Exists(role),
            Exists(member),
            ended_on__isnull=True,
            starts_on__lte=today,
            user__is_active=True,
        )


class Position(models.Model):
    """A person of a member council holding a cluster office for a term."""

    class Kind(models.TextChoices):
        CHAIR = "chair", "Chair"
        VICE_CHAIR = "vice_chair", "Vice-chair"
        SECRETARY = "secretary", "Secretary"
        TREASURER = "treasurer", "Treasurer"
        COORDINATOR = "coordinator", "Co-ordinator"

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="positions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="cluster_positions")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="The end of the term, if it has one")
    # Set when the position is actually handed on or ended, which may differ from ends_on.
    ended_on = models.DateField(null=True, blank=True)
    appointed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The resolution or meeting that chose the holder: required when a member council's clerk or the
    # area fills a vacant chair, since they act without the cluster's officers.
    chosen_at = models.CharField("resolution or meeting that chose them", max_length=120, blank=True)

    objects = PositionQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="position_term_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                fields=["cluster", "kind"],
                condition=Q(ended_on__isnull=True),
                name="one_holder_of_a_position",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.cluster}: {self.user}"


class RotaEntry(models.Model):
    """A council's turn in the rotating chair, in order."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="rota")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField()
    # The council's nominee for its turn; without one, the council's clerk takes the chair.
    nominee = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "order"], name="one_council_a_turn"),
            models.UniqueConstraint(fields=["cluster", "council"], name="one_turn_a_council"),
        ]

    def __str__(self):
        return f"{self.order}. {self.council}"


class GovernanceDocument(models.Model):
    class Kind(models.TextChoices):
        MOU = "mou", "Memorandum of understanding"
        CONSTITUTION = "constitution", "Constitution"
        TERMS_OF_REFERENCE = "terms_of_reference", "Terms of reference"
        CODE_OF_CONDUCT = "code_of_conduct", "Code of conduct"
        PROTOCOL = "protocol", "Protocol"
        SLA = "sla", "Service level agreement"
        CIC_ARTICLES = "cic_articles", "CIC articles"

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(max_length=200)
    review_on = models.DateField("review date", null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "title"]
        # The daily reminder scan looks documents up by review date across every cluster.
        indexes = [models.Index(fields=["review_on"])]

    def __str__(self):
        return self.title


def document_upload_to(version, filename):
    # Stored under a generated name: the uploaded name is kept in the row, never used as a path.
    return f"clusters/{version.document.cluster_id}/documents/{uuid.uuid4().hex}"


class DocumentVersion(models.Model):
    """One version of a document: an uploaded file or text written on the page. Never edited."""

    document = models.ForeignKey(GovernanceDocument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to=document_upload_to, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_type = models.CharField(
        max_length=10, blank=True, help_text="pdf, docx or odt, as checked on upload"
    )
    # Kept from the upload so that pages show it without asking the storage.
    file_size = models.PositiveIntegerField(null=True, blank=True, help_text="In bytes")
    text = models.TextField(blank=True)
    notes = models.CharField(max_length=300, blank=True, help_text="What changed")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="one_version_number"),
            models.CheckConstraint(condition=~Q(file="") | ~Q(text=""), name="version_has_a_file_or_text"),
        ]

    def __str__(self):
        return f"{self.document} v{self.number}"


class Adoption(models.Model):
    """A member council's resolution adopting one version of a document."""

    version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="adoptions")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    minute_ref = models.CharField("minute reference", max_length=60)
    resolved_on = models.DateField("date of the resolution")
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "council"], name="one_adoption_a_version")]

    def __str__(self):
        return f"{self.council} adopted {self.version}"


class Decision(models.Model):
    """A proposal of the cluster. Once decided it is never changed: a correction is a new decision."""

    class Method(models.TextChoices):
        CHAIR = "chair", "The chair, under delegated authority"
        RATIFICATION = "ratification", "Ratification by every member council"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="decisions")
    number = models.PositiveIntegerField(help_text="Numbered in order within the cluster")
    title = models.CharField(max_length=200)
    text = models.TextField()
    method = models.CharField(max_length=20, choices=Method.choices)
    # The threshold the cluster had chosen when the proposal was made; later changes do not apply.
    threshold = models.CharField(max_length=10, choices=Cluster.Threshold.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    proposing_council = models.ForeignKey(
        Council, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reasons = models.TextField(blank=True)
    # A withdrawn proposal was never decided: its closing is kept apart from decided_at/decided_by.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["cluster", "number"], name="one_decision_number")]
        indexes = [
            models.Index(fields=["cluster", "status"]),
            models.Index(fields=["cluster", "proposed_at"]),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    @property
    def is_decided(self):
        return self.status in (self.Status.APPROVED, self.Status.REJECTED)


def decision_upload_to(attachment, filename):
    return f"clusters/{attachment.decision.cluster_id}/decisions/{uuid.uuid4().hex}"


class DecisionAttachment(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=decision_upload_to)
    file_name = models.CharField(max_length=255)
    file_type = models.CharField(max_length=10)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.file_name


class Vote(models.Model):
    """A member council's resolution on a decision put to ratification."""

    class Choice(models.TextChoices):
        FOR = "for", "For"
        AGAINST = "against", "Against"
        ABSTAIN = "abstain", "Abstain"
        AGREE_TO_DIFFER = "agree_to_differ", "Agree to differ"

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="votes")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=20, choices=Choice.choices)
    minute_ref = models.CharField("minute reference", max_length=60)
    resolved_on = models.DateField("date of the resolution")
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["decision", "council"], name="one_vote_a_council")]

    def __str__(self):
        return f"{self.council}: {self.get_choice_display()} on {self.decision}"


class Objective(models.Model):
    """A priority made measurable."""

    class Status(models.TextChoices):
        RED = "red", "Red"
        AMBER = "amber", "Amber"
        GREEN = "green", "Green"
        DONE = "done", "Done"

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner_council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    measure = models.CharField(max_length=200)
    target = models.CharField(max_length=200)
    due_on = models.DateField("due date")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.GREEN)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent")
    review_every_months = models.PositiveSmallIntegerField(default=3)
    next_review_on = models.DateField()
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "title"]
        indexes = [models.Index(fields=["next_review_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="progress_is_a_percentage")
        ]

    def __str__(self):
        return self.title


class ObjectiveUpdate(models.Model):
    """A progress report on an objective: the objective's history."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=10, choices=Objective.Status.choices)
    progress = models.PositiveSmallIntegerField()
    note = models.TextField()
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.objective}: {self.get_status_display()} {self.progress}%"


class Reminder(models.Model):
    """One reminder: the unique key makes reruns, retries and a second worker record it once.

    Recorded unsent by the daily scan, then claimed (sent_on and claim set by one conditional
    update) by the run that emails it, so a run that stops between the two loses nothing.
    """

    # Unique by a constraint rather than unique=True, which on PostgreSQL adds a second index for
    # LIKE that nothing uses: every index is written for each of the daily scan's many inserts.
    key = models.CharField(max_length=200, help_text="kind:object id:due date:recipient id")
    # Without a constraint in the database: its check, a locking read of the person and the cluster
    # for each row, cost the daily scan 40% of its inserts. The scan writes only rows it has just
    # joined to both; deleting either still deletes their reminders (Django's cascade), and a row
    # left by a deletion during the scan matches no person or cluster, so is never sent or shown.
    # Looked up through the indexes below, which start with it.
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    # None for a reminder of no cluster (a higher app's: a volunteer's training belongs to their
    # council), which the digest lists under its `heading` (the council's or area's name) instead.
    cluster = models.ForeignKey(
        Cluster, on_delete=models.CASCADE, related_name="+", null=True, blank=True, db_constraint=False
    )
    heading = models.CharField(max_length=200, blank=True, db_default="")
    subject = models.CharField(max_length=300)
    # Where the item is, relative to the site, for the digest's links.
    path = models.CharField(max_length=300, blank=True)
    due_on = models.DateField()
    sent_on = models.DateField(null=True, blank=True)
    # The run that claimed it for its digest.
    claim = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["user"], condition=Q(sent_on__isnull=True), name="reminder_unsent"),
            models.Index(fields=["user", "sent_on"], name="reminder_sent"),
        ]
        constraints = [models.UniqueConstraint(fields=["key"], name="one_reminder_a_key")]

    def __str__(self):
        return self.key


class ClusterEvent(models.Model):
    """The cluster's audit trail: who changed what, when, and from what."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=60)
    summary = models.CharField(max_length=300)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["cluster", "-created_at"])]

    def __str__(self):
        return self.summary


def report_upload_to(report, filename):
    return f"clusters/{report.cluster_id}/reports/{uuid.uuid4().hex}.pdf"


class ClusterReport(models.Model):
    """The annual report PDF: asked for on a page, rendered by a worker, served when ready."""

    Status = pdf_jobs.Status

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="reports")
    year = models.PositiveSmallIntegerField(help_text="The financial year it covers, by its starting year")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to=report_upload_to, blank=True)
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    # When a worker claimed it: a report rendering for longer than the task's hard time limit was
    # abandoned by a killed worker, and the next delivery of the task may claim it again.
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.cluster} report {self.year_label}"

    @property
    def year_label(self):
        return f"{self.year}–{(self.year + 1) % 100:02d}"


class ClusterUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Cluster, on_delete=models.CASCADE)


class ClusterGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Cluster, on_delete=models.CASCADE)
