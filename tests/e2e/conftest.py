"""Real browser journeys: Playwright's sync API driving the system's Chromium against live_server.

One Chromium serves all the journeys of a run; every test gets a fresh context (no cookies carried
over). Without /usr/bin/chromium the journeys are skipped locally and fail in CI (DESIGN.md §4).

Screenshots of the pages a journey names land in artifacts/screenshots/ (gitignored): one per
named step (<test>--<step>.png) and the page as the test left it (<test>.png), pass or fail.

Every page a journey visits is scanned with axe-core (npm's axe-core, see AxeScan), and any
violation fails the journey: accessibility is checked wherever the journeys go, not page by page.
"""

import os
import re
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(django_settings.BASE_DIR) / "artifacts" / "screenshots"
TIMEOUT_MS = 10_000
AXE_SCRIPT = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


class _Chromium:
    """One Chromium for a run of consecutive journeys, stopped as soon as they are over.

    Playwright's sync API runs an asyncio loop in the test thread from start() to stop(), and
    Django refuses ORM calls from a thread with a running loop unless DJANGO_ALLOW_ASYNC_UNSAFE is
    set. So the variable is set only while Playwright runs, and Playwright stops after the last
    journey (pytest_runtest_teardown below): the tests that follow keep Django's async-safety check,
    and subprocesses they start (manage.py check --deploy) do not inherit the variable. The live
    server's own thread has no loop either way.
    """

    ENV = "DJANGO_ALLOW_ASYNC_UNSAFE"

    def __init__(self):
        self.playwright = self.browser = None
        self.saved_env = None

    def get(self):
        if self.browser is None:
            from playwright.sync_api import sync_playwright

            self.saved_env = os.environ.get(self.ENV)
            os.environ[self.ENV] = "true"
            self.playwright = sync_playwright().start()
            self.browser = self.playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        return self.browser

    def stop(self) -> None:
        if self.browser is None:
            return
        try:
            self.browser.close()
            self.playwright.stop()
        finally:
            self.playwright = self.browser = None
            if self.saved_env is None:
                os.environ.pop(self.ENV, None)
            else:
                os.environ[self.ENV] = self.saved_env


_chromium = _Chromium()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    # Called for the journeys only (a hook in this conftest); runs after their fixtures' teardown.
    try:
        return (yield)
    finally:
        if nextitem is None or nextitem.get_closest_marker("e2e") is None:
            _chromium.stop()


@pytest.fixture
def browser():
    """The shared Chromium (started by the first journey of a run, see _Chromium)."""
    if not CHROMIUM.exists():
        # In CI a skip fails the run (tests/plugins/no_skips_in_ci.py).
        pytest.skip(f"{CHROMIUM} is missing: the browser journeys need Debian's chromium package")
    return _chromium.get()


class AxeScan:
    """axe-core over every document of every journey (axe_scan.js does the scanning in the page).

    Each document reports once it has loaded, with every rule axe runs by default (WCAG 2.0 to 2.2
    A and AA, and its best practices, such as content outside a landmark). Links and forms wait
    for that report in the page; a journey's own page.goto waits for it here (wait_for_report).
    A document that loaded but never reported (left mid-scan) is a failure too, never a pass.
    """

    SCRIPTS = (AXE_SCRIPT, Path(__file__).with_name("axe_scan.js"))

    def __init__(self):
        self.violations: list[str] = []
        self.loaded: dict = {}  # page -> the URL of its document loaded and not yet reported

    def watch(self, context) -> None:
        if not AXE_SCRIPT.exists():
            pytest.fail(f"{AXE_SCRIPT} is missing: run npm ci (axe-core is a devDependency)")
        context.expose_binding("__axeReport", self._report)
        for script in self.SCRIPTS:
            context.add_init_script(path=str(script))
        context.on("page", self._watch_page)

    def _watch_page(self, page) -> None:
        page.on("load", lambda page: self._loaded(page))
        goto = page.goto

        def goto_after_report(*args, **kwargs):
            self.wait_for_report(page)
            return goto(*args, **kwargs)

        page.goto = goto_after_report

    def _loaded(self, page) -> None:
        if page.url.startswith("http"):
            self.loaded[page] = page.url

    def _report(self, source, violations, error=None) -> None:
        url = source["frame"].url
        self.loaded.pop(source["page"], None)
        if error is not None:
            self.violations.append(f"{url}: axe-core could not run: {error}")
        for violation in violations or ():
            targets = "; ".join(violation["targets"][:5])
            rule = f"{violation['id']} ({violation['impact']}, {violation['help']})"
            self.violations.append(f"{url}: {rule} at {targets}")

    def wait_for_report(self, page) -> None:
        if page in self.loaded and not page.is_closed():
            page.wait_for_function("() => window.__axeReported === true")

    def assert_clean(self) -> None:
        unscanned = [f"{url}: left before axe-core had scanned it" for url in self.loaded.values()]
        problems = self.violations + unscanned
        assert not problems, "axe-core found accessibility problems:\n" + "\n".join(problems)


@pytest.fixture
def new_context(browser, live_server):
    """Open a fresh browser context (its own cookies) on the live server; closed after the test,
    once every page still open has been scanned and axe-core's findings asserted (AxeScan)."""
    contexts = []
    axe = AxeScan()

    def open_context():
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        axe.watch(context)
        contexts.append(context)
        return context

    yield open_context
    try:
        for context in contexts:
            for page in context.pages:
                axe.wait_for_report(page)
    finally:
        for context in contexts:
            context.close()
    axe.assert_clean()


@pytest.fixture
def browser_problems():
    """What the browser complained about: script errors, console errors (CSP refusals among them)
    and static files that failed to load. Checked after every journey."""
    return []


def watch(page, problems: list) -> None:
    def on_console(message) -> None:
        # A page answered 403, 404 or 410 on purpose is not a problem ("Failed to load resource");
        # a static file that fails to load is caught by its response below.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console error on {page.url}: {message.text}")

    def on_response(response) -> None:
        if response.status >= 400 and "/static/" in response.url:
            problems.append(f"{response.status} for {response.url}")

    page.on("pageerror", lambda error: problems.append(f"script error on {page.url}: {error}"))
    page.on("console", on_console)
    page.on("response", on_response)


@pytest.fixture
def new_page(new_context, browser_problems):
    """A page in a fresh context of its own: another browser, another person."""

    def open_page():
        page = new_context().new_page()
        watch(page, browser_problems)
        return page

    return open_page


@pytest.fixture
def page(request, new_page, browser_problems):
    page = new_page()
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if not page.is_closed():
        page.screenshot(path=SCREENSHOTS / f"{request.node.name}.png", full_page=True)
    assert not browser_problems, "the browser reported problems:\n" + "\n".join(browser_problems)


@pytest.fixture
def screenshot(request):
    """screenshot(page, "step") saves artifacts/screenshots/<test>--<step>.png."""

    def take(page, step: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{request.node.name}--{step}.png", full_page=True)

    return take


@pytest.fixture
def sign_in():
    """sign_in(page, user): the real sign-in form, email and password; waits for the next page."""

    def submit(page, user, password: str = PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(user.email)
        page.locator("input[name=password]").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in", exact=True).click()
        # Still on the sign-in page means the form refused: say so rather than time out later.
        assert not re.search(r"/accounts/login/(\?|$)", page.url), f"sign-in refused for {user.email}"

    return submit


@pytest.fixture
def sign_out():
    def submit(page) -> None:
        with page.expect_navigation():
            page.get_by_role("button", name="Sign out", exact=True).click()

    return submit


def totp_code(secret: str, *, margin: float = 3.0) -> str:
    """The code an authenticator app shows now for the secret, by allauth's own algorithm.

    A code is valid for one TOTP period (allauth's tolerance is 0 by default): when less than
    margin seconds of the period remain, wait for the next one so the code is still valid when
    the server checks it. That wait (at most margin seconds) is the only sleep in the journeys.
    """
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < margin:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def fill_date(scope, legend: str, day) -> None:
    """Type a date into a GOV.UK date input: its three boxes, in the group its legend names."""
    group = scope.get_by_role("group", name=legend)
    group.get_by_label("Day", exact=True).fill(str(day.day))
    group.get_by_label("Month", exact=True).fill(str(day.month))
    group.get_by_label("Year", exact=True).fill(str(day.year))
