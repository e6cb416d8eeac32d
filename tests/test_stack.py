"""The real stack works: tasks through Redis and a worker process, PDFs through WeasyPrint.

Where a service or tool is missing these tests skip, and in CI a skip fails the run
(tests/plugins/no_skips_in_ci.py).
"""

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.contrib.staticfiles import finders

from config.celery_app import app as celery_app
from config.pdf import ForbiddenResource, StaticFilesFetcher, render_pdf
from config.tasks import echo

WORKER_START_TIMEOUT_SECONDS = 60


def _worker_command(queue: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "--app=config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        # Its own queue and name, so that no other worker on this Redis takes the task.
        f"--queues={queue}",
        f"--hostname={queue}@%h",
        # config is not an installed app, so autodiscovery does not import its tasks.
        "--include=config.tasks",
        # Talking to other workers only slows the start.
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]


def _stop(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


@pytest.mark.slow
def test_a_task_goes_through_redis_to_a_worker_process_and_its_result_comes_back(
    settings, monkeypatch, tmp_path
):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: there is no broker to send a task through")
    # The test settings run tasks in-process; this test is about not doing that.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    queue = f"stack-check-{uuid.uuid4().hex}"
    log_path = tmp_path / "worker.log"

    with log_path.open("wb") as log:
        worker = subprocess.Popen(  # noqa: S603 (a fixed command line, no outside input)
            _worker_command(queue),
            cwd=settings.BASE_DIR,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        # Sent before the worker is up: the message waits in Redis until the worker takes it.
        result = echo.apply_async(args=["across the stack"], queue=queue)
        deadline = time.monotonic() + WORKER_START_TIMEOUT_SECONDS
        while not result.ready():
            assert worker.poll() is None, f"the worker stopped:\n{log_path.read_text()}"
            assert time.monotonic() < deadline, f"no result in time:\n{log_path.read_text()}"
            time.sleep(0.1)
        answer = result.get(timeout=5)
        result.forget()
    finally:
        _stop(worker)
        # Leave the shared Redis as it was: kombu keeps a binding for every queue it declares, and
        # removes it only through a channel that declared the queue itself.
        with celery_app.connection_for_write() as connection:
            declared = celery_app.amqp.queues[queue].bind(connection.default_channel)
            declared.declare()
            declared.delete()

    assert answer == {"value": "across the stack", "pid": worker.pid}


@pytest.fixture
def stack_check_template(settings):
    """Adds tests/templates, which holds pdf/stack_check.html, a page made for this test only."""
    engine = settings.TEMPLATES[0]
    test_templates = Path(__file__).parent / "templates"
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], test_templates]}]


@pytest.mark.slow
def test_a_report_renders_from_its_template_with_the_print_stylesheet(stack_check_template, tmp_path, caplog):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext is not installed (Debian package poppler-utils)")

    pdf = render_pdf("pdf/stack_check.html", {"council": "Brampton (Eden)", "precept": "£12,345.67"})

    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(  # noqa: S603 (a fixed command line, no outside input)
        [pdftotext, "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Precept £12,345.67" in text
    # Once as the page's heading and once in the page header, where pdf/print.css puts the title;
    # the page number is also print.css's work: the stylesheet came through the URL fetcher.
    assert text.count("Stack check for Brampton (Eden)") == 2
    assert "Page 1 of 1" in text
    # The template's two outside images were refused, and the page rendered without them.
    refused = [record.getMessage() for record in caplog.records if "ForbiddenResource" in record.getMessage()]
    assert len(refused) == 2
    assert "file:///etc/passwd" in refused[0]
    assert "http://example.com/x.png" in refused[1]


def test_the_fetcher_gives_the_projects_static_files(settings):
    response = StaticFilesFetcher().fetch(urljoin(settings.SITE_URL, "/static/pdf/print.css"))

    assert response.content_type == "text/css"
    assert response.read() == Path(finders.find("pdf/print.css")).read_bytes()


def test_the_fetcher_reads_hashed_names_from_the_collected_static_files(settings, tmp_path):
    # In production {% static %} names the manifest's hashed copy, found only in STATIC_ROOT.
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "print.0123456789ab.css").write_bytes(b"@page { size: A4 }")

    response = StaticFilesFetcher().fetch(urljoin(settings.SITE_URL, "/static/pdf/print.0123456789ab.css"))

    assert response.read() == b"@page { size: A4 }"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/x.png",
        "https://example.com/static/pdf/print.css",
        "data:text/css,body{}",
        "{site}/media/councils/logo.png",
        "{site}/static/../../etc/passwd",
        "{site}/static/pdf/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "{site}/static//etc/passwd",
    ],
)
def test_the_fetcher_refuses_everything_else(settings, url):
    with pytest.raises(ForbiddenResource):
        StaticFilesFetcher().fetch(url.replace("{site}", settings.SITE_URL.rstrip("/")))


def test_the_fetcher_reports_a_missing_static_file(settings):
    with pytest.raises(FileNotFoundError):
        StaticFilesFetcher().fetch(urljoin(settings.SITE_URL, "/static/pdf/missing.css"))
