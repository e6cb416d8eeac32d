"""A served council's monthly statement (issue 9 part 4): who reads it, what it shows, its CSV, and its
PDF written by the worker (its text checked with pdftotext)."""

import datetime
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clusters.models import ClusterEvent
from services import statements
from services.deliveries import reverse_delivery
from services.models import Delivery, ServedCouncil, Statement
from services.seasons import season_of

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
# A day of the grass-cutting season (March to October): today, or the last day of the one just ended.
WORK_DAY = min(TODAY, season_of(TODAY, 3, 10).ends_on)
MONTH = WORK_DAY.replace(day=1)


def url(name, arrangement, council, month=MONTH, *args):
    return reverse(
        f"services:{name}",
        args=[arrangement.cluster.slug, arrangement.number, council.pk, f"{month:%Y-%m}", *args],
    )


def line(arrangement, council, quantity="1", on=WORK_DAY, **fields):
    return Delivery.objects.create(
        arrangement=arrangement, council=council, done_on=on, quantity=Decimal(quantity), **fields
    )


@pytest.fixture
def serves_a_too(cast, arrangement):
    return ServedCouncil.objects.create(
        arrangement=arrangement, council=cast.council_a, agreed_quantity=Decimal("4")
    )


@pytest.fixture
def month_of_work(cast, arrangement, site_b):
    line(arrangement, cast.council_b, "1", site=site_b, hours=Decimal("2"), done_by="Grounds team")
    wrong = line(arrangement, cast.council_b, "3", done_by="Grounds team")
    reverse_delivery(acting_user=cast.clerk_a, delivery=wrong, reason="Entered for the wrong council")
    line(arrangement, cast.council_b, "1", on=MONTH - datetime.timedelta(days=1), done_by="Month before")
    return arrangement


@pytest.mark.parametrize("who", ["clerk_b", "clerk_a", "officer", "chair"])
def test_the_statement_shows_the_month_to_its_readers(cast, month_of_work, client_for, who):
    response = client_for(getattr(cast, who)).get(url("statement", month_of_work, cast.council_b))

    assert response.status_code == 200
    page = response.content.decode()
    assert f"Brampton: statement for {MONTH:%B %Y}" in page
    assert "Church green" in page and "Entered for the wrong council" in page
    assert "Month before" not in page
    assert response.context["totals"]["quantity"] == Decimal("1")
    assert response.context["totals"]["hours"] == Decimal("2")


def test_another_councils_statement_is_404(cast, month_of_work, serves_a_too, client_for):
    client = client_for(cast.clerk_b)
    for name in ("statement", "statement_csv", "statement_pdf"):
        assert client.get(url(name, month_of_work, cast.council_a)).status_code == 404
    assert client.post(url("statement_pdf", month_of_work, cast.council_a)).status_code == 404
    assert not Statement.objects.exists()


@pytest.mark.parametrize("who", ["clerk_c", "clerk_d", "south_officer"])
def test_outsiders_get_404(cast, month_of_work, client_for, who):
    client = client_for(getattr(cast, who))
    assert client.get(url("statement", month_of_work, cast.council_b)).status_code == 404
    assert client.post(url("statement_pdf", month_of_work, cast.council_b)).status_code == 404
    assert not Statement.objects.exists()


def test_a_council_not_served_or_a_month_outside_the_arrangement_is_404(cast, arrangement, client_for):
    client = client_for(cast.clerk_a)
    assert client.get(url("statement", arrangement, cast.council_c)).status_code == 404
    before_start = arrangement.starts_on.replace(day=1) - datetime.timedelta(days=1)
    next_month = (TODAY.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    for month in (before_start.replace(day=1), next_month):
        assert client.get(url("statement", arrangement, cast.council_b, month)).status_code == 404
    bad = f"/clusters/{arrangement.cluster.slug}/services/1/statements/{cast.council_b.pk}/2026-13/"
    assert client.get(bad).status_code == 404


def test_the_csv_lists_the_month_with_its_total(cast, month_of_work, client_for):
    response = client_for(cast.clerk_b).get(url("statement_csv", month_of_work, cast.council_b))

    text = b"".join(response.streaming_content).decode()
    assert response["Content-Disposition"].endswith(f'brampton-urban-grass-cutting-{MONTH:%Y-%m}.csv"')
    rows = text.strip("\ufeff").splitlines()
    assert rows[0].startswith("Date done,Site,Quantity (cuts),Hours")
    assert rows[-1].startswith("Total,,1")
    assert any("'-3" in row for row in rows)  # the reversal, made safe for a spreadsheet
    assert "Month before" not in text


def test_the_statement_reads_as_many_queries_for_2_lines_as_for_60(cast, arrangement, client_for):
    client = client_for(cast.clerk_b)
    client.get(url("statement", arrangement, cast.council_b))  # the session's first request records it
    counts = []
    for total in (2, 60):
        for _ in range(total - Delivery.objects.count()):
            line(arrangement, cast.council_b)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("statement", arrangement, cast.council_b)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_asking_for_the_pdf_queues_one_job(
    cast, month_of_work, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(statements, "render_statement_pdf", lambda statement: b"%PDF-1.7 stand-in")
    client = client_for(cast.clerk_b)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("statement_pdf", month_of_work, cast.council_b))

    job = Statement.objects.get()
    assert response.status_code == 302
    assert response.url == url("statement_job", month_of_work, cast.council_b, MONTH, job.pk)
    assert (job.council, job.month, job.status) == (cast.council_b, MONTH, Statement.Status.READY)
    assert ClusterEvent.objects.filter(action="statement.requested").count() == 1
    page = client.get(response.url)
    assert "Download the statement (PDF)" in page.content.decode()
    download = client.get(url("statement_download", month_of_work, cast.council_b, MONTH, job.pk))
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == b"%PDF-1.7 stand-in"
    # Its page and file belong to its council and month.
    assert (
        client.get(
            url("statement_job", month_of_work, cast.council_b, MONTH.replace(year=2000), job.pk)
        ).status_code
        == 404
    )
    assert client.get(url("statement_pdf", month_of_work, cast.council_b)).status_code == 302


def test_a_job_on_its_way_is_not_queued_twice(cast, month_of_work):
    queued = Statement.objects.create(arrangement=month_of_work, council=cast.council_b, month=MONTH)
    again = statements.request_statement(
        acting_user=cast.clerk_b, arrangement=month_of_work, council=cast.council_b, month=MONTH
    )
    assert again == queued and Statement.objects.count() == 1


@pytest.mark.slow
def test_the_pdf_lists_the_months_work(cast, month_of_work, tmp_path):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext is not installed (Debian package poppler-utils)")
    job = Statement.objects.create(arrangement=month_of_work, council=cast.council_b, month=MONTH)

    statements.build_statement(job.pk)

    job.refresh_from_db()
    assert job.status == Statement.Status.READY, job.error
    path = tmp_path / "statement.pdf"
    path.write_bytes(job.file.read())
    text = subprocess.run(  # noqa: S603 (a fixed command line, no outside input)
        [pdftotext, "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(text.split())
    assert f"Brampton: statement for {MONTH:%B %Y}" in flat
    assert "Urban grass cutting (cuts)" in flat
    assert "Church green" in flat and "Grounds team" in flat
    assert "Reverses the line of" in flat and "Entered for the wrong council" in flat
    assert "Month before" not in flat
    assert f"{WORK_DAY.day} {WORK_DAY:%b %Y}" in flat
    assert "of 6 cuts done" in flat
