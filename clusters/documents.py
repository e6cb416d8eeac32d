"""Governance documents: versions (an uploaded file or text written on the page), member councils'
adoption of a version by resolution, and review dates.

Versions are never edited: a change is a new version, and every older version is superseded (the
one with the highest number is current). Adoptions are resolutions of a council and are never
edited or removed either.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from config.dates import not_before
from parishes.models import Council

from . import audit
from .access import ClusterPermissions
from .models import Adoption, Cluster, DocumentVersion, GovernanceDocument, Membership
from .uploads import UploadError, check_upload

REVIEW_YEARS_AHEAD = 10


class DocumentError(Exception):
    """A change the rules refuse; its message is shown to the person, next to the field it is about
    when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _check_open(cluster: Cluster) -> None:
    if cluster.status == Cluster.Status.DISSOLVED:
        raise DocumentError("The cluster has been dissolved: its documents can no longer change")


def check_adoption_date(version: DocumentVersion, resolved_on: date) -> None:
    """A council cannot have adopted a version before it was added (AdoptForm asks this too)."""
    added = timezone.localdate(version.created_at)
    if message := not_before(resolved_on, added, f"when version {version.number} was added"):
        raise DocumentError(message, "resolved_on")


def check_review_date(review_on: date | None) -> None:
    if review_on is None:
        return
    today = timezone.localdate()
    if review_on < today:
        raise DocumentError("The review date must be today or in the future", "review_on")
    if review_on.year > today.year + REVIEW_YEARS_AHEAD:
        raise DocumentError(f"The review date must be within {REVIEW_YEARS_AHEAD} years", "review_on")


def _new_version(*, acting_user, document: GovernanceDocument, number: int, upload, text: str, notes: str):
    text = text.strip()
    if upload is not None and text:
        raise DocumentError("Either upload a file or write the text, not both", "text")
    if upload is None and not text:
        raise DocumentError("Upload a file or write the text of the document", "file")
    fields = {"text": text}
    if upload is not None:
        try:
            checked = check_upload(upload)
        except UploadError as error:
            raise DocumentError(str(error), "file") from None
        fields = {
            "file": upload,
            "file_name": checked.file_name,
            "file_type": checked.kind,
            "file_size": upload.size,
        }
    return DocumentVersion.objects.create(
        document=document, number=number, notes=notes.strip(), created_by=acting_user, **fields
    )


@transaction.atomic
def create_document(
    *,
    acting_user,
    cluster: Cluster,
    kind: str,
    title: str,
    review_on: date | None = None,
    upload=None,
    text: str = "",
    notes: str = "",
) -> GovernanceDocument:
    """A new document with its first version."""
    _check_open(cluster)
    if kind not in GovernanceDocument.Kind.values:
        raise DocumentError("Select the kind of document", "kind")
    if not title.strip():
        raise DocumentError("Enter a title", "title")
    check_review_date(review_on)
    document = GovernanceDocument.objects.create(
        cluster=cluster, kind=kind, title=title.strip(), review_on=review_on, created_by=acting_user
    )
    version = _new_version(
        acting_user=acting_user, document=document, number=1, upload=upload, text=text, notes=notes
    )
    audit.record(
        actor=acting_user,
        cluster=cluster,
        action="document.created",
        summary=f"{document.get_kind_display()} “{document.title}” added",
        after={
            "title": document.title,
            "kind": document.get_kind_display(),
            "version": 1,
            "content": version.file_name or "text",
            "review_on": review_on.isoformat() if review_on else "",
        },
    )
    return document


@transaction.atomic
def add_version(*, acting_user, document: GovernanceDocument, upload=None, text: str = "", notes: str = ""):
    """A new current version; the earlier ones stay, superseded, with their adoptions."""
    # Locking the document numbers versions one after another when two people add one at once.
    document = (
        GovernanceDocument.objects.select_for_update(of=("self",))
        .select_related("cluster")
        .get(pk=document.pk)
    )
    _check_open(document.cluster)
    number = (document.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = _new_version(
        acting_user=acting_user, document=document, number=number, upload=upload, text=text, notes=notes
    )
    audit.record(
        actor=acting_user,
        cluster=document.cluster,
        action="document.version_added",
        summary=f"Version {number} of “{document.title}” added",
        before={"version": number - 1},
        after={"version": number, "content": version.file_name or "text", "notes": version.notes},
    )
    return version


@transaction.atomic
def record_adoption(
    *, acting_user, version: DocumentVersion, council: Council, minute_ref: str, resolved_on: date
) -> Adoption:
    """A member council's resolution adopting the current version of a document."""
    version = (
        DocumentVersion.objects.select_for_update().select_related("document__cluster").get(pk=version.pk)
    )
    document = version.document
    cluster = document.cluster
    _check_open(cluster)
    if not cluster.memberships.filter(council=council, status=Membership.Status.MEMBER).exists():
        raise DocumentError(f"{council} is not a member of the cluster", "council")
    if not ClusterPermissions(acting_user, cluster).may_act_for(council):
        raise DocumentError(f"You cannot record resolutions for {council}", "council")
    current = document.versions.aggregate(n=Max("number"))["n"]
    if version.number != current:
        raise DocumentError(
            f"Version {version.number} has been superseded by version {current}: "
            "record the adoption of the current version"
        )
    if not minute_ref.strip():
        raise DocumentError("Enter the minute reference", "minute_ref")
    if resolved_on > timezone.localdate():
        raise DocumentError("The date of the resolution must be today or in the past", "resolved_on")
    check_adoption_date(version, resolved_on)
    if version.adoptions.filter(council=council).exists():
        raise DocumentError(f"{council} has already adopted version {version.number}", "council")
    try:
        with transaction.atomic():
            adoption = Adoption.objects.create(
                version=version,
                council=council,
                minute_ref=minute_ref.strip(),
                resolved_on=resolved_on,
                recorded_by=acting_user,
            )
    except IntegrityError:
        # Another person recorded the same resolution a moment ago.
        raise DocumentError(f"{council} has already adopted version {version.number}", "council") from None
    audit.record(
        actor=acting_user,
        cluster=cluster,
        action="document.adopted",
        summary=(
            f"{council} adopted version {version.number} of “{document.title}” (minute {adoption.minute_ref})"
        ),
        after={
            "council": council.name,
            "version": version.number,
            "minute_ref": adoption.minute_ref,
            "resolved_on": resolved_on.isoformat(),
        },
    )
    return adoption


@dataclass(frozen=True)
class CouncilAdoption:
    """One row of a submission for several councils."""

    council: Council
    minute_ref: str
    resolved_on: date


class AdoptionRefused(DocumentError):
    """One council's adoption of a submission for several, refused: nothing of the submission is
    kept, and the message is shown in that council's row."""

    def __init__(self, message: str, field: str | None, council: Council):
        super().__init__(message, field)
        self.council = council


@transaction.atomic
def record_adoptions(
    *, acting_user, version: DocumentVersion, adoptions: Sequence[CouncilAdoption]
) -> list[Adoption]:
    """The adoptions of one version by several member councils, recorded together by a person who
    acts for them all, each by record_adoption (its rules and audit record); all or none."""
    if not adoptions:
        raise DocumentError("Record the adoption of at least one council")
    # What refuses the whole submission is said once, not as the first row's fault.
    version = (
        DocumentVersion.objects.select_for_update().select_related("document__cluster").get(pk=version.pk)
    )
    _check_open(version.document.cluster)
    if not is_current(version):
        raise DocumentError(
            f"Version {version.number} has been superseded: record the adoption of the current version"
        )
    recorded = []
    for adoption in adoptions:
        try:
            recorded.append(
                record_adoption(
                    acting_user=acting_user,
                    version=version,
                    council=adoption.council,
                    minute_ref=adoption.minute_ref,
                    resolved_on=adoption.resolved_on,
                )
            )
        except DocumentError as error:
            raise AdoptionRefused(str(error), error.field, adoption.council) from error
    return recorded


@transaction.atomic
def set_review_date(*, acting_user, document: GovernanceDocument, review_on: date) -> None:
    document = (
        GovernanceDocument.objects.select_for_update(of=("self",))
        .select_related("cluster")
        .get(pk=document.pk)
    )
    _check_open(document.cluster)
    check_review_date(review_on)
    before = document.review_on
    if before == review_on:
        return
    document.review_on = review_on
    document.save(update_fields=["review_on"])
    audit.record(
        actor=acting_user,
        cluster=document.cluster,
        action="document.review_set",
        summary=f"Review date of “{document.title}” set to {review_on.day} {review_on:%B %Y}",
        before={"review_on": before.isoformat() if before else ""},
        after={"review_on": review_on.isoformat()},
    )


# Reads


def documents_due_for_review(today: date, within_days: int = 0) -> QuerySet[GovernanceDocument]:
    """Documents of clusters still working whose review date is on or before today + within_days."""
    return (
        GovernanceDocument.objects.filter(review_on__lte=today + timedelta(days=within_days))
        .exclude(cluster__status=Cluster.Status.DISSOLVED)
        .select_related("cluster")
        .order_by("review_on", "pk")
    )


def is_current(version: DocumentVersion) -> bool:
    return not DocumentVersion.objects.filter(
        document_id=version.document_id, number__gt=version.number
    ).exists()


def member_councils(cluster: Cluster) -> list[Council]:
    return [
        m.council
        for m in cluster.memberships.filter(status=Membership.Status.MEMBER)
        .select_related("council")
        .order_by("council__name", "council__gss_code")
    ]


def cluster_documents(cluster: Cluster) -> QuerySet[GovernanceDocument]:
    """The cluster's documents, each with its current version's number and id."""
    current = DocumentVersion.objects.filter(document=OuterRef("pk")).order_by("-number")
    return cluster.documents.annotate(
        current_number=Subquery(current.values("number")[:1]),
        current_version_id=Subquery(current.values("pk")[:1]),
    ).order_by("kind", "title", "pk")


def adoption_counts(version_ids, member_ids) -> dict[int, int]:
    """How many of the member councils adopted each version: one query for a page of documents."""
    rows = (
        Adoption.objects.filter(version_id__in=version_ids, council_id__in=member_ids)
        .values("version_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["version_id"]: row["n"] for row in rows}


@dataclass
class DocumentStatus:
    """What a document's page shows: its versions, newest first, and who has adopted the current one."""

    document: GovernanceDocument
    versions: list[DocumentVersion]
    members: list[Council]
    adoptions: list[Adoption] = field(default_factory=list)

    @property
    def current(self) -> DocumentVersion | None:
        return self.versions[0] if self.versions else None

    @property
    def superseded(self) -> list[DocumentVersion]:
        return self.versions[1:]

    @property
    def adopted_ids(self) -> set[int]:
        return {adoption.council_id for adoption in self.adoptions}

    @property
    def adopted_count(self) -> int:
        return len(self.adopted_ids & {council.pk for council in self.members})

    @property
    def not_adopted(self) -> list[Council]:
        return [council for council in self.members if council.pk not in self.adopted_ids]


def document_status(document: GovernanceDocument, members: list[Council]) -> DocumentStatus:
    member_ids = [council.pk for council in members]
    versions = list(
        document.versions.select_related("created_by")
        .annotate(member_adoptions=Count("adoptions", filter=Q(adoptions__council_id__in=member_ids)))
        .order_by("-number")
    )
    status = DocumentStatus(document=document, versions=versions, members=members)
    if status.current is not None:
        status.adoptions = list(
            status.current.adoptions.select_related("council", "recorded_by").order_by("resolved_on", "pk")
        )
    return status
