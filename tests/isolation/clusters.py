"""Object-scoped URLs of clusters: name → kwargs of an object of the cluster Eden Valley (area North),
which neither the clerk of council C (in another cluster) nor anyone of area South may reach."""

import datetime

from django.core.files.base import ContentFile

from clusters.models import (
    ClusterReport,
    Decision,
    DecisionAttachment,
    DocumentVersion,
    GovernanceDocument,
    Membership,
    Objective,
)
from parishes.models import Council


def cluster(cast):
    return {"slug": cast.cluster.slug}


def _document(cast):
    document = GovernanceDocument.objects.create(cluster=cast.cluster, kind="mou", title="MoU")
    version = DocumentVersion.objects.create(document=document, number=1, text="We agree.")
    return {"slug": cast.cluster.slug, "document_id": document.pk, "version_id": version.pk}


def _decision(cast):
    decision = Decision.objects.create(
        cluster=cast.cluster, number=1, title="Buy a mower", text="…", method="chair", threshold="all"
    )
    attachment = DecisionAttachment.objects.create(
        decision=decision,
        file=ContentFile(b"%PDF-1.4", name="quote.pdf"),
        file_name="quote.pdf",
        file_type="pdf",
    )
    return {"slug": cast.cluster.slug, "number": decision.number, "attachment_id": attachment.pk}


def _objective(cast):
    objective = Objective.objects.create(
        cluster=cast.cluster,
        title="Cut verges",
        owner_council=cast.council_a,
        measure="Cuts",
        target="4",
        due_on=datetime.date(2027, 3, 31),
        next_review_on=datetime.date(2026, 12, 1),
    )
    return {"slug": cast.cluster.slug, "objective_id": objective.pk}


def _invited(cast):
    council = Council.objects.create(area=cast.north, name="Invited", gss_code="E04000199")
    return Membership.objects.create(cluster=cast.cluster, council=council)


def _only(keys):
    def pick(make):
        return lambda cast: {k: v for k, v in make(cast).items() if k in keys}

    return pick


document = _only({"slug", "document_id"})(_document)
version = _only({"slug", "document_id", "version_id"})(_document)
decision = _only({"slug", "number"})(_decision)
attachment = _only({"slug", "number", "attachment_id"})(_decision)

OBJECT_SCOPED = {
    "clusters:overview": cluster,
    "clusters:edit": cluster,
    "clusters:status": cluster,
    "clusters:history": cluster,
    "clusters:members": cluster,
    "clusters:invite": cluster,
    "clusters:membership_withdraw": lambda cast: {
        "slug": cast.cluster.slug,
        "membership_id": _invited(cast).pk,
    },
    "clusters:membership_leave": lambda cast: {
        "slug": cast.cluster.slug,
        "membership_id": cast.cluster.memberships.get(council=cast.council_b).pk,
    },
    "clusters:invitation_answer": lambda cast: {
        "council_id": cast.council_a.pk,
        "membership_id": Membership.objects.create(cluster=cast.other_cluster, council=cast.council_a).pk,
    },
    "clusters:invitation": lambda cast: {"slug": _invited(cast).cluster.slug},
    "clusters:officers": cluster,
    "clusters:appoint": cluster,
    "clusters:position_end": lambda cast: {
        "slug": cast.cluster.slug,
        "position_id": cast.cluster.positions.get(kind="secretary").pk,
    },
    "clusters:rota": cluster,
    "clusters:documents": cluster,
    "clusters:document_new": cluster,
    "clusters:document": document,
    "clusters:document_review": document,
    "clusters:version_new": document,
    "clusters:version_file": version,
    "clusters:version_adopt": version,
    "clusters:decisions": cluster,
    "clusters:decisions_csv": cluster,
    "clusters:decision_propose": cluster,
    "clusters:decision": decision,
    "clusters:decision_decide": decision,
    "clusters:decision_vote": decision,
    "clusters:decision_withdraw": decision,
    "clusters:decision_correct": decision,
    "clusters:decision_attachment": attachment,
    "clusters:objectives": cluster,
    "clusters:objective_new": cluster,
    "clusters:objective": _objective,
    "clusters:objective_edit": _objective,
    "clusters:objective_update": _objective,
    "clusters:reports": cluster,
    "clusters:report": lambda cast: {
        "slug": cast.cluster.slug,
        "report_id": ClusterReport.objects.create(cluster=cast.cluster, year=2026).pk,
    },
    "clusters:report_download": lambda cast: {
        "slug": cast.cluster.slug,
        "report_id": ClusterReport.objects.create(cluster=cast.cluster, year=2026).pk,
    },
    # The area dashboard's lists and their CSV, of area North.
    **{
        f"clusters:dashboard_{name}{export}": lambda cast: {"area_slug": cast.north.slug}
        for name in ("councils", "clusters", "decisions", "objectives")
        for export in ("", "_csv")
    },
    "clusters:dashboard_chart": lambda cast: {"area_slug": cast.north.slug, "name": "decisions"},
}
