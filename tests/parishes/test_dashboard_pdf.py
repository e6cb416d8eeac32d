"""The area dashboard as a PDF: asked for on the dashboard and written by a worker, its progress and
download pages and who may reach them, the monthly email to the people who asked for it, and the
PDF itself (text and inline SVG charts)."""

import datetime
import re
import shutil
import subprocess

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from parishes import dashboard_pdf, panels, services
from parishes.models import AreaRole, DashboardEmail, DashboardPdf
from parishes.tasks import email_area_dashboard, send_monthly_dashboards
from tests.factories import UserFactory

FAKE_PDF = b"%PDF-1.7 a dashboard"
MONTH = datetime.date(2026, 5, 1)


@pytest.fixture
def renders(monkeypatch):
    """Stands in for WeasyPrint (the slow tests render for real); records the areas rendered."""
    calls = []

    def render(area):
        calls.append(area.slug)
        return FAKE_PDF

    monkeypatch.setattr(dashboard_pdf, "render_area_dashboard_pdf", render)
    return calls


def url(name, cast, pdf=None, area=None):
    return reverse(f"parishes:{name}", args=[(area or cast.north).slug] + ([pdf.pk] if pdf else []))


def pdf_of(cast, **fields):
    return DashboardPdf.objects.create(area=cast.north, requested_by=cast.officer, **fields)


# Asking for it


def test_the_dashboard_offers_the_pdf_with_a_posted_button(cast, client):
    client.force_login(cast.officer)
    html = client.get(url("area_dashboard", cast)).content.decode()
    assert f'action="{url("area_dashboard_pdf_request", cast)}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert reverse("accounts:email_settings") in html


def test_asking_queues_a_pdf_that_the_worker_writes_after_commit(
    cast, client, renders, django_capture_on_commit_callbacks
):
    client.force_login(cast.officer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url("area_dashboard_pdf_request", cast))
    pdf = cast.north.dashboard_pdfs.get()
    assert response.status_code == 302
    assert response.url == url("area_dashboard_pdf", cast, pdf)
    assert len(callbacks) == 1
    pdf.refresh_from_db()
    assert pdf.status == DashboardPdf.Status.READY
    assert pdf.requested_by == cast.officer
    assert pdf.file.read() == FAKE_PDF
    assert pdf.file.name.startswith(f"areas/{cast.north.pk}/dashboards/")
    assert renders == ["north"]


def test_nothing_is_rendered_in_the_request(cast, client, renders):
    client.force_login(cast.admin)
    # Without the commit callbacks running, the task is not even queued: the page only records.
    response = client.post(url("area_dashboard_pdf_request", cast))
    assert response.status_code == 302
    assert renders == []
    assert cast.north.dashboard_pdfs.get().status == DashboardPdf.Status.QUEUED


def test_asking_twice_while_one_is_on_its_way_gives_the_same_pdf(cast, renders):
    first = dashboard_pdf.request_dashboard_pdf(acting_user=cast.officer, area=cast.north)
    second = dashboard_pdf.request_dashboard_pdf(acting_user=cast.admin, area=cast.north)
    assert second == first
    assert cast.north.dashboard_pdfs.count() == 1


def test_a_stuck_pdf_is_abandoned_when_asked_again(cast, renders):
    stuck = pdf_of(
        cast, status=DashboardPdf.Status.RENDERING, started_at=timezone.now() - datetime.timedelta(hours=2)
    )
    fresh = dashboard_pdf.request_dashboard_pdf(acting_user=cast.officer, area=cast.north)
    assert fresh != stuck
    stuck.refresh_from_db()
    assert stuck.status == DashboardPdf.Status.FAILED


def test_a_get_of_the_request_url_asks_for_nothing(cast, client):
    client.force_login(cast.officer)
    response = client.get(url("area_dashboard_pdf_request", cast))
    assert response.status_code == 302
    assert response.url == url("area_dashboard", cast)
    assert not DashboardPdf.objects.exists()


def test_a_render_that_fails_is_shown_as_failed_with_a_way_to_try_again(cast, client, monkeypatch):
    def broken(area):
        raise RuntimeError("WeasyPrint fell over")

    monkeypatch.setattr(dashboard_pdf, "render_area_dashboard_pdf", broken)
    pdf = pdf_of(cast)
    assert dashboard_pdf.build_dashboard_pdf(pdf.pk).status == DashboardPdf.Status.FAILED
    client.force_login(cast.officer)
    html = client.get(url("area_dashboard_pdf", cast, pdf)).content.decode()
    assert "Something went wrong on our side while writing it." in html
    assert "WeasyPrint" not in html
    assert "Try again" in html and f'action="{url("area_dashboard_pdf_request", cast)}"' in html


# Its pages


def test_the_progress_page_reloads_itself_while_the_pdf_is_written(cast, client):
    pdf = pdf_of(cast, status=DashboardPdf.Status.RENDERING, started_at=timezone.now())
    client.force_login(cast.officer)
    response = client.get(url("area_dashboard_pdf", cast, pdf))
    assert response.status_code == 200
    assert response["Refresh"] == "3"
    html = response.content.decode()
    assert "The PDF is being written" in html and "Being written" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # strict CSP: no inline script
    assert url("area_dashboard_pdf_download", cast, pdf) not in html


def test_the_progress_page_offers_the_download_once_ready(cast, client, renders):
    pdf = pdf_of(cast)
    dashboard_pdf.build_dashboard_pdf(pdf.pk)
    client.force_login(cast.admin)
    response = client.get(url("area_dashboard_pdf", cast, pdf))
    assert "Refresh" not in response
    assert url("area_dashboard_pdf_download", cast, pdf) in response.content.decode()


def test_the_download_is_the_pdf_as_an_attachment(cast, client, renders):
    pdf = pdf_of(cast)
    dashboard_pdf.build_dashboard_pdf(pdf.pk)
    client.force_login(cast.officer)
    response = client.get(url("area_dashboard_pdf_download", cast, pdf))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        f'filename="north-dashboard-{timezone.localdate().isoformat()}.pdf"'
        in response["Content-Disposition"]
    )
    assert b"".join(response.streaming_content) == FAKE_PDF


def test_a_pdf_not_ready_or_of_another_area_is_not_found(cast, client, renders):
    queued = pdf_of(cast)
    south = DashboardPdf.objects.create(area=cast.south, requested_by=cast.south_officer)
    dashboard_pdf.build_dashboard_pdf(south.pk)
    client.force_login(cast.officer)
    assert client.get(url("area_dashboard_pdf_download", cast, queued)).status_code == 404
    # North's officer, with South's PDF id under North's address: looked up through the area.
    assert client.get(url("area_dashboard_pdf", cast, south)).status_code == 404
    assert client.get(url("area_dashboard_pdf_download", cast, south)).status_code == 404


@pytest.mark.parametrize("person", ["south_officer", "south_admin", "clerk_a", "councillor_a", "chair"])
def test_other_areas_people_and_council_people_get_404(cast, client, renders, person):
    pdf = pdf_of(cast)
    dashboard_pdf.build_dashboard_pdf(pdf.pk)
    client.force_login(getattr(cast, person))
    for name, target in [
        ("area_dashboard_pdf_request", None),
        ("area_dashboard_pdf", pdf),
        ("area_dashboard_pdf_download", pdf),
    ]:
        assert client.get(url(name, cast, target)).status_code == 404
        assert client.post(url(name, cast, target)).status_code == 404
    assert cast.north.dashboard_pdfs.count() == 1


def test_signed_out_people_are_sent_to_sign_in(cast, client):
    pdf = pdf_of(cast, status=DashboardPdf.Status.READY)
    for name, target in [
        ("area_dashboard_pdf_request", None),
        ("area_dashboard_pdf", pdf),
        ("area_dashboard_pdf_download", pdf),
    ]:
        response = client.post(url(name, cast, target))
        assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert cast.north.dashboard_pdfs.count() == 1


def test_an_ended_role_ends_access(cast, client, renders):
    pdf = pdf_of(cast)
    dashboard_pdf.build_dashboard_pdf(pdf.pk)
    services.end_area_role(acting_user=cast.admin, role=AreaRole.objects.get(user=cast.officer))
    client.force_login(cast.officer)
    assert client.get(url("area_dashboard_pdf_download", cast, pdf)).status_code == 404


def test_the_progress_and_download_pages_read_a_fixed_number_of_queries(cast, client, renders):
    client.force_login(cast.officer)
    counts = []
    for others in (0, 25):
        DashboardPdf.objects.bulk_create(
            DashboardPdf(area=cast.north, status=DashboardPdf.Status.READY) for _ in range(others)
        )
        pdf = pdf_of(cast)
        dashboard_pdf.build_dashboard_pdf(pdf.pk)
        for name in ("area_dashboard_pdf", "area_dashboard_pdf_download"):
            client.get(url(name, cast, pdf))  # a session's page may write its activity: not counted
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url(name, cast, pdf)).status_code == 200
            counts.append(len(queries))
    assert counts[:2] == counts[2:], counts
    assert max(counts) <= 10


# Each month by email


def _reader(area, kind, email, **fields):
    user = UserFactory(email=email, email_area_dashboards=True, **fields)
    services.grant_area_role(acting_user=None, area=area, user=user, kind=kind)
    return user


@pytest.fixture
def readers(cast):
    """Who asked for the email, and who did not or may not have it."""
    cast.officer.email_area_dashboards = True
    cast.officer.save()
    cast.south_admin.email_area_dashboards = True
    cast.south_admin.save()
    ended = _reader(cast.north, AreaRole.Kind.OFFICER, "ended@north.example.org")
    services.end_area_role(acting_user=cast.admin, role=AreaRole.objects.get(user=ended))
    _reader(cast.north, AreaRole.Kind.OFFICER, "inactive@north.example.org", is_active=False)
    # A council person who asked (the preference was offered while they held an area role).
    cast.clerk_a.email_area_dashboards = True
    cast.clerk_a.save()
    # cast.admin did not ask.
    return {"officer@north.example.org": "North", "admin@south.example.org": "South"}


def test_the_monthly_job_emails_exactly_the_people_who_asked_once(cast, readers, renders):
    send_monthly_dashboards.delay(MONTH.isoformat())

    got = {message.to[0]: message for message in mail.outbox}
    assert got.keys() == readers.keys()
    assert sorted(renders) == ["north", "south"]  # each area once, whatever its number of readers
    message = got["officer@north.example.org"]
    assert message.subject == "Clusterwork: North dashboard for May 2026"
    assert "http://testserver" not in message.body
    assert reverse("parishes:area_dashboard", args=["north"]) in message.body
    assert reverse("accounts:email_settings") in message.body
    ((name, content, mimetype),) = message.attachments
    assert name == f"north-dashboard-{timezone.localdate().isoformat()}.pdf"
    assert (content, mimetype) == (FAKE_PDF, "application/pdf")
    assert DashboardEmail.objects.filter(month=MONTH, sent_at__isnull=False).count() == 2

    # Run again for the same month (a rerun, a retry, a second beat): nobody is emailed twice, and
    # nothing is rendered for nobody.
    send_monthly_dashboards.delay(MONTH.replace(day=17).isoformat())
    assert len(mail.outbox) == 2
    assert sorted(renders) == ["north", "south"]

    # Next month, again.
    send_monthly_dashboards.delay("2026-06-01")
    assert len(mail.outbox) == 4


def test_areas_nobody_asked_for_are_not_rendered(cast, renders):
    assert send_monthly_dashboards.delay(MONTH.isoformat()).get() == 0
    assert renders == [] and mail.outbox == []


def test_someone_who_asks_later_in_the_month_gets_it_on_the_next_run(cast, readers, renders):
    send_monthly_dashboards.delay(MONTH.isoformat())
    cast.admin.email_area_dashboards = True
    cast.admin.save()
    send_monthly_dashboards.delay(MONTH.isoformat())
    assert [m.to[0] for m in mail.outbox].count("admin@north.example.org") == 1
    assert len(mail.outbox) == 3


def test_a_person_the_email_could_not_reach_is_tried_again_alone(cast, readers, renders, monkeypatch):
    cast.admin.email_area_dashboards = True
    cast.admin.save()
    real = dashboard_pdf.send_templated_email_now

    def flaky(*, to, **kwargs):
        if to == "admin@north.example.org":
            raise OSError("connection refused")
        real(to=to, **kwargs)

    monkeypatch.setattr(dashboard_pdf, "send_templated_email_now", flaky)
    outcome = dashboard_pdf.email_area_dashboard(cast.north.pk, MONTH)
    assert (outcome.sent, outcome.failed) == (1, 1)
    assert not DashboardEmail.objects.get(user=cast.admin, month=MONTH).sent_at

    monkeypatch.setattr(dashboard_pdf, "send_templated_email_now", real)
    outcome = dashboard_pdf.email_area_dashboard(cast.north.pk, MONTH)
    assert (outcome.sent, outcome.failed) == (1, 0)
    assert [m.to[0] for m in mail.outbox] == ["officer@north.example.org", "admin@north.example.org"]


def test_a_render_that_fails_gives_the_month_back_for_the_next_run(cast, readers, monkeypatch):
    def broken(area):
        raise RuntimeError("WeasyPrint fell over")

    monkeypatch.setattr(dashboard_pdf, "render_area_dashboard_pdf", broken)
    with pytest.raises(RuntimeError):
        email_area_dashboard.delay(cast.north.pk, MONTH.isoformat())
    assert not DashboardEmail.objects.filter(sent_at__isnull=False).exists()
    assert mail.outbox == []


@pytest.mark.parametrize("more", [0, 6])
def test_the_monthly_email_of_an_area_takes_a_fixed_number_of_queries(cast, readers, renders, more):
    for n in range(more):
        _reader(cast.north, AreaRole.Kind.ADMINISTRATOR, f"reader{n}@north.example.org")
    with CaptureQueriesContext(connection) as queries:
        outcome = dashboard_pdf.email_area_dashboard(cast.north.pk, MONTH)
    assert outcome.sent == 1 + more
    # Area, readers, record, claim, claimed records: the same for 1 reader or 7.
    assert len(queries) == 5


# The PDF itself

SAMPLE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" width="400" height="200" role="img">'
    '<title>Decisions per month</title><rect x="0" y="0" width="200" height="100" fill="#d4351c"/>'
    '<text x="10" y="50" font-size="12" fill="#ffffff">Chart label 42</text></svg>'
)


@pytest.fixture
def sample_panel(monkeypatch):
    """A panel as the apps register them: a heading, a figure, and an inline SVG chart."""

    def panel(area, *, medium):
        assert medium == "pdf"
        return format_html(
            "<h2>Coverage of {}</h2><p>Councils in a cluster: 37 of 50</p>" + SAMPLE_SVG, area.name
        )

    monkeypatch.setattr(panels, "area_panels", [*panels.area_panels, panel])


def _tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package poppler-utils)")
    return path


@pytest.mark.slow
def test_the_worker_renders_a_pdf_with_the_area_and_its_panels(cast, sample_panel, tmp_path):
    pdftotext = _tool("pdftotext")
    pdf = pdf_of(cast)
    dashboard_pdf.build_dashboard_pdf(pdf.pk)
    pdf.refresh_from_db()
    assert pdf.status == DashboardPdf.Status.READY, pdf.error
    path = tmp_path / "dashboard.pdf"
    path.write_bytes(pdf.file.read())
    text = subprocess.run(  # noqa: S603 (a fixed command line, no outside input)
        [pdftotext, "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    flat = " ".join(text.stdout.split())
    assert "North: dashboard" in flat
    assert f"As it stood on {timezone.localdate():%-d %B %Y}" in flat
    assert "Coverage of North" in flat and "Councils in a cluster: 37 of 50" in flat
    # The SVG's text is drawn as text.
    assert "Chart label 42" in flat


@pytest.mark.slow
def test_weasyprint_draws_inline_svg(cast, sample_panel, tmp_path):
    """The chart's red rectangle is painted on the page: WeasyPrint draws inline <svg>, and the
    print stylesheet keeps it on the page."""
    from PIL import Image

    pdftoppm = _tool("pdftoppm")
    path = tmp_path / "dashboard.pdf"
    path.write_bytes(dashboard_pdf.render_area_dashboard_pdf(cast.north))
    subprocess.run(  # noqa: S603 (a fixed command line, no outside input)
        [pdftoppm, "-png", "-r", "40", str(path), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page*.png"))
    red = 0
    for page in pages:
        image = Image.open(page).convert("RGB")
        red += sum(1 for r, g, b in image.get_flattened_data() if r > 190 and g < 80 and b < 60)
    # 400 × 200 CSS px at 40 dpi is about 167 × 83 pixels; the label's text covers a little of it.
    assert red > 8_000
