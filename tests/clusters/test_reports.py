"""The annual report: asking for it, the job that writes it, its pages, its contents and its PDF."""

import datetime
import re
import shutil
import subprocess
import zlib

import pytest
from celery.exceptions import Retry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clusters import reports
from clusters.models import (
    Adoption,
    ClusterEvent,
    ClusterReport,
    Decision,
    DocumentVersion,
    GovernanceDocument,
    Membership,
    Objective,
    ObjectiveUpdate,
)
from clusters.reports import ReportError
from clusters.tasks_reports import build_cluster_report
from parishes.models import Council

YEAR = reports.financial_year_of(timezone.localdate())
FIRST_DAY, LAST_DAY = reports.financial_year_bounds(YEAR)
FAKE_PDF = b"%PDF-1.7 a report"


@pytest.fixture
def renders(monkeypatch):
    """Stands in for WeasyPrint (the slow test at the end renders for real); counts the renders."""
    calls = []

    def render(cluster, year):
        calls.append((cluster.pk, year))
        return FAKE_PDF

    monkeypatch.setattr(reports, "render_cluster_report_pdf", render)
    return calls


def url(name, cast, report=None):
    return reverse(f"clusters:{name}", args=[cast.cluster.slug] + ([report.pk] if report else []))


def queued(cast, **fields):
    return ClusterReport.objects.create(
        cluster=cast.cluster, year=YEAR, requested_by=cast.secretary, **fields
    )


def decision(cast, number, title, **fields):
    return Decision.objects.create(
        cluster=cast.cluster, number=number, title=title, text="…", method="chair", threshold="all", **fields
    )


def objective(cast, title, **fields):
    values = {
        "owner_council": cast.council_a,
        "measure": "Verges cut",
        "target": "4 cuts",
        "due_on": LAST_DAY,
        "next_review_on": LAST_DAY,
        **fields,
    }
    return Objective.objects.create(cluster=cast.cluster, title=title, **values)


def document(cast, title, versions=1, adopted_by=()):
    doc = GovernanceDocument.objects.create(cluster=cast.cluster, kind="mou", title=title)
    for number in range(1, versions + 1):
        version = DocumentVersion.objects.create(document=doc, number=number, text=f"Version {number}")
    for council in adopted_by:
        Adoption.objects.create(version=version, council=council, minute_ref="7/26", resolved_on=FIRST_DAY)
    return doc


# Asking for a report


def test_asking_queues_a_report_that_the_task_writes_after_commit(
    cast, renders, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = reports.request_report(acting_user=cast.secretary, cluster=cast.cluster, year=YEAR)
        assert report.status == ClusterReport.Status.QUEUED
        assert renders == []  # nothing is written before the request's transaction commits

    assert len(callbacks) == 1
    report.refresh_from_db()
    assert report.status == ClusterReport.Status.READY
    assert report.file.read() == FAKE_PDF
    assert report.file.name.startswith(f"clusters/{cast.cluster.pk}/reports/")
    assert report.started_at <= report.finished_at
    assert renders == [(cast.cluster.pk, YEAR)]
    actions = list(ClusterEvent.objects.filter(cluster=cast.cluster).values_list("action", flat=True))
    assert {"report.requested", "report.ready"} <= set(actions)


def test_asking_twice_while_the_report_is_on_its_way_gives_the_same_report(cast, renders):
    first = reports.request_report(acting_user=cast.secretary, cluster=cast.cluster, year=YEAR)
    second = reports.request_report(acting_user=cast.chair, cluster=cast.cluster, year=YEAR)
    assert second == first
    assert cast.cluster.reports.count() == 1


def test_a_stuck_report_is_abandoned_when_asked_again(cast, renders):
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    stuck = queued(cast, status=ClusterReport.Status.RENDERING, started_at=long_ago)

    fresh = reports.request_report(acting_user=cast.secretary, cluster=cast.cluster, year=YEAR)

    assert fresh != stuck
    stuck.refresh_from_db()
    assert stuck.status == ClusterReport.Status.FAILED and "too long" in stuck.error


def test_a_year_before_the_cluster_formed_or_still_to_come_is_refused(cast):
    for year in (reports.financial_year_of(cast.cluster.formed_on) - 1, YEAR + 1):
        with pytest.raises(ReportError, match="Choose a financial year"):
            reports.request_report(acting_user=cast.secretary, cluster=cast.cluster, year=year)
    assert not cast.cluster.reports.exists()


# The job that writes it


def test_building_twice_renders_once(cast, renders):
    report = queued(cast)
    reports.build_report(report.pk)
    file_name = ClusterReport.objects.get(pk=report.pk).file.name

    again = reports.build_report(report.pk)

    assert renders == [(cast.cluster.pk, YEAR)]
    assert again.status == ClusterReport.Status.READY and again.file.name == file_name


def test_a_report_another_worker_holds_is_left_to_it_until_its_claim_goes_stale(cast, renders, settings):
    report = queued(cast, status=ClusterReport.Status.RENDERING, started_at=timezone.now())

    left = reports.build_report(report.pk)
    assert left.status == ClusterReport.Status.RENDERING and renders == []
    assert (
        settings.CELERY_TASK_TIME_LIMIT - 5
        <= reports.seconds_until_stale(left)
        <= settings.CELERY_TASK_TIME_LIMIT + 1
    )
    # Its worker was killed at the hard time limit: the next delivery takes the report over.
    stale = timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1)
    ClusterReport.objects.filter(pk=report.pk).update(started_at=stale)
    assert reports.build_report(report.pk).status == ClusterReport.Status.READY
    assert len(renders) == 1


def test_the_task_looks_again_later_while_another_worker_holds_the_report(cast, renders):
    report = queued(cast, status=ClusterReport.Status.RENDERING, started_at=timezone.now())
    with pytest.raises(Retry):
        build_cluster_report(report.pk)
    assert renders == []
    # A finished report needs nothing more.
    ClusterReport.objects.filter(pk=report.pk).update(status=ClusterReport.Status.READY)
    build_cluster_report(report.pk)
    assert renders == []


def test_a_worker_whose_report_was_taken_over_drops_its_result(cast, monkeypatch, settings):
    report = queued(cast)

    def slow_render(cluster, year):
        # While this worker renders, its claim goes stale and another worker takes the report over.
        ClusterReport.objects.filter(pk=report.pk).update(started_at=timezone.now() + datetime.timedelta(1))
        return FAKE_PDF

    monkeypatch.setattr(reports, "render_cluster_report_pdf", slow_render)
    left = reports.build_report(report.pk)

    assert left.status == ClusterReport.Status.RENDERING and not left.file
    stored = settings.MEDIA_ROOT / f"clusters/{cast.cluster.pk}/reports"
    assert not stored.exists() or not any(stored.iterdir())


def test_a_failure_sets_failed_with_a_short_message_and_logs_the_error(cast, monkeypatch, caplog):
    report = queued(cast)

    def broken(cluster, year):
        raise RuntimeError("no such column: secret_internal_detail")

    monkeypatch.setattr(reports, "render_cluster_report_pdf", broken)
    left = reports.build_report(report.pk)

    assert left.status == ClusterReport.Status.FAILED and left.finished_at
    assert left.error == "Something went wrong on our side while writing it."
    assert "secret_internal_detail" in caplog.text
    assert ClusterEvent.objects.filter(cluster=cast.cluster, action="report.failed").exists()
    # A failed report stays failed: asking again makes a new one.
    assert reports.build_report(report.pk).status == ClusterReport.Status.FAILED


def test_a_report_that_no_longer_exists_is_nothing_to_do(db, renders):
    assert reports.build_report(999_999) is None
    build_cluster_report(999_999)
    assert renders == []


# What it holds


def test_the_report_holds_the_years_members_officers_decisions_objectives_and_documents(cast):
    joined = Council.objects.create(area=cast.north, name="Crosby", gss_code="E04000150")
    Membership.objects.create(
        cluster=cast.cluster,
        council=joined,
        status=Membership.Status.LEFT,
        joined_on=FIRST_DAY,
        left_on=FIRST_DAY,
    )
    gone = Council.objects.create(area=cast.north, name="Gone Before", gss_code="E04000151")
    before = FIRST_DAY - datetime.timedelta(days=30)
    Membership.objects.create(
        cluster=cast.cluster, council=gone, status=Membership.Status.LEFT, joined_on=before, left_on=before
    )
    last_year = timezone.make_aware(
        datetime.datetime.combine(FIRST_DAY, datetime.time())
    ) - datetime.timedelta(1)
    decision(cast, 1, "Decided last year", status="approved", proposed_at=last_year, decided_at=last_year)
    decision(cast, 2, "Buy a mower", status="approved", decided_at=timezone.now())
    decision(cast, 3, "Hire a hall")
    done_long_ago = objective(cast, "Done long ago", status="done", due_on=FIRST_DAY - datetime.timedelta(1))
    Objective.objects.filter(pk=done_long_ago.pk).update(created_at=last_year)
    verges = objective(cast, "Cut the verges", status="green", progress=10)
    ObjectiveUpdate.objects.create(objective=verges, status="amber", progress=40, note="Second cut done")
    document(cast, "Memorandum", versions=2, adopted_by=[cast.council_a])

    context = reports.report_context(cast.cluster, YEAR)

    assert [row.membership.council.name for row in context["members"]] == ["Ashby", "Brampton", "Crosby"]
    assert [c.name for c in context["left"]] == ["Crosby"]
    assert {p.kind for p in context["officers"]} == {"chair", "secretary"}
    assert [d.title for d in context["decisions"]] == ["Buy a mower", "Hire a hall"]
    assert context["decided"] == 1
    [row] = context["objectives"]
    assert (row.objective.title, row.status, row.progress, row.latest.note) == (
        "Cut the verges",
        "amber",
        40,
        "Second cut done",
    )
    [doc] = context["documents"]
    assert (doc.version.number, doc.superseded, doc.adopted, doc.members) == (2, 1, 1, 2)
    assert doc.not_adopted == ["Brampton"]
    assert context["year_label"] == reports.financial_year_label(YEAR)


def _grow(cast, size):
    for n in range(size):
        council = Council.objects.create(
            area=cast.north, name=f"Member {size}-{n}", gss_code=f"E04{size:03d}{n:03d}"
        )
        Membership.objects.create(
            cluster=cast.cluster, council=council, status=Membership.Status.MEMBER, joined_on=FIRST_DAY
        )
        decision(cast, 1000 * size + n, f"Decision {n}")
        item = objective(cast, f"Objective {n}", owner_council=council)
        ObjectiveUpdate.objects.create(objective=item, status="green", progress=n, note="On track")
        document(cast, f"Document {size}-{n}", versions=2, adopted_by=[council, cast.council_a])


def test_the_reports_queries_do_not_grow_with_the_cluster(cast):
    counts = []
    for size in (2, 12):
        _grow(cast, size)
        with CaptureQueriesContext(connection) as captured:
            reports.report_context(cast.cluster, YEAR)
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


# The pages


def test_everyone_who_sees_the_cluster_sees_its_reports_but_only_officers_may_ask(cast, client_for):
    queued(cast, status=ClusterReport.Status.READY, file="clusters/x.pdf")
    for person in (cast.councillor_a, cast.rfo_a, cast.clerk_b, cast.officer):
        page = client_for(person).get(url("reports", cast)).content.decode()
        assert reports.financial_year_label(YEAR) in page and "Download" in page
        assert "Write the report" not in page
    page = client_for(cast.secretary).get(url("reports", cast)).content.decode()
    assert "Write the report" in page and f'<option value="{YEAR}"' in page


def test_an_officer_asks_for_a_report_and_is_shown_it(
    cast, client_for, renders, django_capture_on_commit_callbacks
):
    client = client_for(cast.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("reports", cast), {"year": str(YEAR)})

    report = cast.cluster.reports.get()
    assert response.status_code == 302 and response.url == url("report", cast, report)
    page = client.get(response.url)
    assert "Refresh" not in page
    assert "Download the report (PDF)" in page.content.decode()


def test_the_page_of_a_report_being_written_refreshes_itself(cast, client_for):
    report = queued(cast, status=ClusterReport.Status.RENDERING, started_at=timezone.now())
    response = client_for(cast.councillor_a).get(url("report", cast, report))
    assert response["Refresh"] == "3"
    page = response.content.decode()
    assert "Being written" in page and "govuk-tag" in page and "being written" in page
    assert "Download the report" not in page


def test_a_failed_report_shows_its_message_and_lets_officers_try_again(cast, client_for):
    report = queued(cast, status=ClusterReport.Status.FAILED, error="It took too long to write.")
    page = client_for(cast.secretary).get(url("report", cast, report))
    assert "Refresh" not in page
    text = page.content.decode()
    assert "It took too long to write." in text and "Try again" in text
    assert f'name="year" value="{YEAR}"' in text
    text = client_for(cast.councillor_a).get(url("report", cast, report)).content.decode()
    assert "It took too long to write." in text and "Try again" not in text


def test_a_stuck_report_offers_to_try_again(cast, client_for):
    report = queued(
        cast, status=ClusterReport.Status.RENDERING, started_at=timezone.now() - datetime.timedelta(1)
    )
    response = client_for(cast.secretary).get(url("report", cast, report))
    assert "Refresh" not in response
    assert "Taking too long" in response.content.decode() and "Try again" in response.content.decode()
    assert "Taking too long" in client_for(cast.secretary).get(url("reports", cast)).content.decode()


def test_read_only_people_may_not_ask_for_a_report(cast, client_for):
    for person in (cast.councillor_a, cast.rfo_a, cast.officer):
        assert client_for(person).post(url("reports", cast), {"year": str(YEAR)}).status_code == 403
    assert not cast.cluster.reports.exists()


@pytest.mark.parametrize(
    "year, message",
    [
        ("", "Select a financial year"),
        ("1990", "Select a financial year from the list"),
        ("x", "Select a financial year from the list"),
    ],
)
def test_a_bad_year_is_answered_with_a_clear_error_and_nothing_queued(cast, client_for, year, message):
    response = client_for(cast.secretary).post(url("reports", cast), {"year": year})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert not cast.cluster.reports.exists()


def test_the_report_downloads_as_a_named_pdf(cast, client_for, renders):
    report = queued(cast)
    reports.build_report(report.pk)

    response = client_for(cast.councillor_a).get(url("report_download", cast, report))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == FAKE_PDF
    assert response["Content-Type"] == "application/pdf"
    label = reports.financial_year_label(YEAR).replace("–", "-")
    assert response["Content-Disposition"] == f'attachment; filename="eden-valley-annual-report-{label}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_report_not_ready_or_missing_its_file_does_not_download(cast, client_for):
    client = client_for(cast.secretary)
    assert client.get(url("report_download", cast, queued(cast))).status_code == 404
    lost = queued(cast, status=ClusterReport.Status.READY, file="clusters/gone.pdf")
    assert client.get(url("report_download", cast, lost)).status_code == 404


def test_outsiders_find_no_reports(cast, client_for):
    report = queued(cast, status=ClusterReport.Status.READY, file="clusters/x.pdf")
    other = ClusterReport.objects.create(cluster=cast.other_cluster, year=YEAR)
    for person in (cast.clerk_c, cast.clerk_d, cast.south_officer, cast.south_admin):
        client = client_for(person)
        for name in ("report", "report_download"):
            assert client.get(url(name, cast, report)).status_code == 404
        assert client.get(url("reports", cast)).status_code == 404
        assert client.post(url("reports", cast), {"year": str(YEAR)}).status_code == 404
    # A report is found only through its own cluster.
    response = client_for(cast.secretary).get(reverse("clusters:report", args=[cast.cluster.slug, other.pk]))
    assert response.status_code == 404
    assert cast.cluster.reports.count() == 1


def test_the_list_of_reports_keeps_its_query_count(cast, client_for):
    client = client_for(cast.councillor_a)
    client.get(url("reports", cast))  # the first request of a session does some once-only work
    counts = []
    for size in (2, 30):
        ClusterReport.objects.bulk_create(
            ClusterReport(cluster=cast.cluster, year=YEAR, requested_by=cast.secretary) for _ in range(size)
        )
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("reports", cast)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


# The PDF itself


@pytest.mark.slow
def test_the_report_renders_as_a_pdf_with_the_clusters_data(cast, tmp_path):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext is not installed (Debian package poppler-utils)")
    decision(cast, 1, "Buy a ride-on mower for the verges", status="approved", decided_at=timezone.now())
    objective(cast, "Train two volunteers in first aid", status="amber", progress=50)
    document(cast, "Memorandum of understanding", adopted_by=[cast.council_a])
    report = queued(cast)

    reports.build_report(report.pk)

    report.refresh_from_db()
    assert report.status == ClusterReport.Status.READY, report.error
    path = tmp_path / "report.pdf"
    path.write_bytes(report.file.read())
    text = subprocess.run(  # noqa: S603 (a fixed command line, no outside input)
        [pdftotext, "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(text.split())
    assert f"Eden Valley: annual report {reports.financial_year_label(YEAR)}" in flat
    assert "Brampton" in flat and "Ashby" in flat
    assert "Buy a ride-on mower for the verges" in flat
    assert "Train two volunteers in first aid" in flat
    assert "Adopted by 1 of 2" in flat
    assert "Page 1 of" in flat


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF's objects as text: the file itself and every stream it compresses.

    WeasyPrint packs the catalog (where /Lang, /MarkInfo and /StructTreeRoot live) into compressed
    object streams, so they are read after inflating each stream rather than with a PDF library.
    """
    parts = [pdf]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            parts.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue  # not a Flate stream (a font subset, say): nothing of the catalog in it
    return b"\n".join(parts)


@pytest.mark.slow
def test_the_report_is_a_tagged_pdf_with_its_title_and_language(cast, tmp_path):
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        pytest.skip("pdfinfo is not installed (Debian package poppler-utils)")
    pdf = reports.render_cluster_report_pdf(cast.cluster, YEAR)
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)

    def run(*options):
        return subprocess.run(  # noqa: S603 (a fixed command line, no outside input)
            [pdfinfo, *options, str(path)], check=True, capture_output=True, text=True
        ).stdout

    info = dict(line.split(":", 1) for line in run().splitlines() if ":" in line)
    title = f"Eden Valley: annual report {reports.financial_year_label(YEAR)}"
    assert info["Title"].strip() == title
    assert info["Tagged"].strip() == "yes"
    # The XMP metadata claims PDF/UA-1, which a checker such as PAC or veraPDF then holds it to.
    assert 'pdfuaid:part="1"' in run("-meta")
    objects = pdf_objects(pdf)
    assert b"/Lang (en-GB)" in objects
    assert re.search(rb"/MarkInfo\s*<<\s*/Marked true", objects)
    assert re.search(rb"/DisplayDocTitle true", objects)
    # The structure tree holds the report's headings and tables, not just an empty root.
    assert b"/StructTreeRoot" in objects
    assert b"/S /H1" in objects and b"/S /Table" in objects and b"/S /TH" in objects
