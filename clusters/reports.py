"""The cluster's annual report: what it holds for a financial year, its PDF, and the job that writes it.

A report is asked for on a page (request_report), which returns at once; a Celery task
(tasks_reports.build_cluster_report) then claims it, renders it with WeasyPrint and stores the file.
"""

import logging
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.text import slugify

from config import pdf_jobs
from config.pdf import render_pdf

# The task module imports this one too; binding the module (not its task) keeps either import order working.
from . import audit, tasks_reports
from .models import (
    Adoption,
    Cluster,
    ClusterReport,
    DocumentVersion,
    Membership,
    Objective,
    ObjectiveUpdate,
    Position,
)

logger = logging.getLogger(__name__)

IN_FLIGHT = pdf_jobs.IN_FLIGHT


class ReportError(Exception):
    """A request the rules refuse; its message is shown to the person."""


# Financial years (1 April to 31 March), named by the year they start in.


def financial_year_of(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def financial_year_label(year: int) -> str:
    return f"{year}–{(year + 1) % 100:02d}"


def financial_year_bounds(year: int) -> tuple[date, date]:
    return date(year, 4, 1), date(year + 1, 3, 31)


def report_years(cluster: Cluster) -> list[int]:
    """The years a report can be asked for, newest first: from the year the cluster formed to this one."""
    current = financial_year_of(timezone.localdate())
    first = min(financial_year_of(cluster.formed_on), current)
    return list(range(current, first - 1, -1))


def report_file_name(report: ClusterReport) -> str:
    """The name a download is saved under, e.g. eden-valley-annual-report-2026-27.pdf."""
    label = financial_year_label(report.year).replace("–", "-")
    return f"{slugify(report.cluster.name) or 'cluster'}-annual-report-{label}.pdf"


# What the report holds.


@dataclass
class MemberRow:
    membership: Membership
    joined_in_year: bool
    left_in_year: bool


@dataclass
class ObjectiveRow:
    objective: Objective
    status: str
    status_label: str
    progress: int
    latest: ObjectiveUpdate | None


@dataclass
class DocumentRow:
    document: object
    version: DocumentVersion
    superseded: int
    adopted: int
    members: int
    not_adopted: list[str]


def report_context(cluster: Cluster, year: int) -> dict:
    """Everything the report shows, in a fixed number of queries whatever the size of the cluster.

    The year's records are taken as they stood at its end (or today, for the year in progress):
    objectives by their latest update until then, documents by the versions and adoptions until then.
    """
    first, last = financial_year_bounds(year)
    today = timezone.localdate()
    as_at = min(last, today)
    in_year = (first, last)

    memberships = list(
        cluster.memberships.filter(
            status__in=[Membership.Status.MEMBER, Membership.Status.LEFT], joined_on__lte=last
        )
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=first))
        .select_related("council")
        .order_by("council__name", "council__gss_code")
    )
    members = [
        MemberRow(
            membership=m,
            joined_in_year=first <= m.joined_on <= last,
            left_in_year=m.left_on is not None and first <= m.left_on <= last,
        )
        for m in memberships
    ]
    members_at_end = {
        m.council_id: m.council
        for m in memberships
        if m.joined_on <= as_at and (m.left_on is None or m.left_on > as_at)
    }

    kinds = list(Position.Kind.values)
    officers = sorted(
        cluster.positions.filter(starts_on__lte=last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .select_related("user", "council"),
        key=lambda p: (kinds.index(p.kind), p.starts_on),
    )

    decisions = list(
        cluster.decisions.filter(Q(proposed_at__date__range=in_year) | Q(decided_at__date__range=in_year))
        .select_related("proposing_council", "corrects")
        .order_by("number")
    )

    updates_until_then = ObjectiveUpdate.objects.filter(created_at__date__lte=as_at).order_by(
        "-created_at", "-id"
    )
    objectives = (
        cluster.objectives.filter(created_at__date__lte=last)
        # Still open, due in the year, or reported on in it: an objective done in an earlier year is not.
        .filter(
            ~Q(status=Objective.Status.DONE)
            | Q(due_on__gte=first)
            | Q(updates__created_at__date__range=in_year)
        )
        .distinct()
        .select_related("owner_council")
        .prefetch_related(Prefetch("updates", queryset=updates_until_then, to_attr="updates_until_then"))
        .order_by("due_on", "title")
    )
    status_labels = dict(Objective.Status.choices)
    objective_rows = []
    for objective in objectives:
        latest = objective.updates_until_then[0] if objective.updates_until_then else None
        status = latest.status if latest else objective.status
        objective_rows.append(
            ObjectiveRow(
                objective=objective,
                status=status,
                status_label=status_labels.get(status, status),
                progress=latest.progress if latest else objective.progress,
                latest=latest,
            )
        )

    versions_until_then = (
        DocumentVersion.objects.filter(created_at__date__lte=as_at)
        .order_by("-number")
        .prefetch_related(Prefetch("adoptions", queryset=Adoption.objects.filter(resolved_on__lte=as_at)))
    )
    documents = cluster.documents.filter(created_at__date__lte=as_at).prefetch_related(
        Prefetch("versions", queryset=versions_until_then, to_attr="versions_until_then")
    )
    document_rows = []
    for document in documents:
        if not document.versions_until_then:
            continue
        version = document.versions_until_then[0]
        adopters = {adoption.council_id for adoption in version.adoptions.all()} & members_at_end.keys()
        document_rows.append(
            DocumentRow(
                document=document,
                version=version,
                superseded=len(document.versions_until_then) - 1,
                adopted=len(adopters),
                members=len(members_at_end),
                not_adopted=sorted(c.name for pk, c in members_at_end.items() if pk not in adopters),
            )
        )

    return {
        "cluster": cluster,
        "year": year,
        "year_label": financial_year_label(year),
        "document_title": f"{cluster.name}: annual report {financial_year_label(year)}",
        "first_day": first,
        "last_day": last,
        "as_at": as_at,
        "written_on": today,
        "members": members,
        "member_count": len(members_at_end),
        "joined": [row.membership.council for row in members if row.joined_in_year],
        "left": [row.membership.council for row in members if row.left_in_year],
        "officers": officers,
        "decisions": decisions,
        "decided": sum(1 for d in decisions if d.is_decided),
        "objectives": objective_rows,
        "documents": document_rows,
    }


def render_cluster_report_pdf(cluster: Cluster, year: int) -> bytes:
    return render_pdf("pdf/cluster_report.html", report_context(cluster, year))


# Asking for a report, and the job that writes it.


# What the pages and the task ask of a report, as of any file a worker writes on request.
is_stuck = pdf_jobs.is_stuck
seconds_until_stale = pdf_jobs.seconds_until_stale


@transaction.atomic
def request_report(*, acting_user, cluster: Cluster, year: int) -> ClusterReport:
    """Queue the report of a financial year; a report of that year already on its way is returned instead."""
    years = report_years(cluster)
    if year not in years:
        first, last = financial_year_label(years[-1]), financial_year_label(years[0])
        raise ReportError(f"Choose a financial year from {first} to {last}.")
    # Two clicks at once queue one report: the second waits here, then finds the first.
    Cluster.objects.select_for_update().filter(pk=cluster.pk).first()
    if report := pdf_jobs.on_its_way(cluster.reports.filter(year=year)):
        return report
    report = ClusterReport.objects.create(cluster=cluster, year=year, requested_by=acting_user)
    audit.record(
        actor=acting_user,
        cluster=cluster,
        action="report.requested",
        summary=f"Annual report for {financial_year_label(year)} asked for",
        after={"report": report.pk, "year": year},
    )
    transaction.on_commit(lambda: tasks_reports.build_cluster_report.delay(report.pk))
    return report


def build_report(report_id: int) -> ClusterReport | None:
    """Claim a queued report, render it and store it (config.pdf_jobs.run: safe to run twice, by two
    workers, or after a crash). Returns the report as it was left, None if it no longer exists."""

    def ready(report):
        audit.record(
            actor=None,
            cluster=report.cluster,
            action="report.ready",
            summary=f"Annual report for {financial_year_label(report.year)} written",
            after={"report": report.pk},
        )

    def failed(report):
        audit.record(
            actor=None,
            cluster=report.cluster,
            action="report.failed",
            summary=f"Annual report for {financial_year_label(report.year)} could not be written",
        )

    return pdf_jobs.run(
        ClusterReport.objects.select_related("cluster__area", "cluster__lead_council"),
        report_id,
        # Looked up when called, so that tests may stand in for WeasyPrint.
        render=lambda report: render_cluster_report_pdf(report.cluster, report.year),
        file_name="report.pdf",
        on_ready=ready,
        on_failed=failed,
    )
