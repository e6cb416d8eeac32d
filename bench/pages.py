"""What the benchmark measures: every page type, each as one person of one role.

Adding a page is one line in PAGES: its name, the role of the person who opens it (whose
fixtures fill the URL), the URL's name and the fixtures its URL takes; `kind` is "dashboard" for
the area dashboard's budget and "export" for a CSV export.
The area dashboard's lists (and their CSV exports) are found from the URL patterns under
DASHBOARD_ROUTE, so each new list is measured without a line here.

The fixtures of a person (bench.prepare): `council_id` (a council they act for, or the area's
council in most clusters), `area_slug`, `slug` (a cluster they chair, one of their councils is in, or
the area's cluster with most decisions) and `number` (that cluster's decision with most votes); for
the services pages, `services_slug` and `arrangement` (the area's arrangement with most delivery
lines, and its cluster), `statement_council_id` and `month` (its served council and month with most
lines), and a clerk's `volunteers_council_id` (their council with most volunteers). A URL argument
named otherwise than its fixture is written "argument=fixture", e.g. "number=arrangement".
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse

ROLES = ("clerk", "chair", "officer", "administrator")


@dataclass(frozen=True)
class Page:
    name: str
    role: str
    url_name: str
    kwargs: tuple[str, ...] = ()
    kind: str = "page"
    fixed: tuple[tuple[str, str], ...] = ()  # URL arguments that are no fixture, e.g. a chart's name


# The services pages' URL arguments, from the fixtures of their names.
ARRANGEMENT = ("slug=services_slug", "number=arrangement")
STATEMENT = ("council_id=statement_council_id", "month")

PAGES = [
    Page("home (clerk of many councils)", "clerk", "parishes:home"),
    Page("home (chair)", "chair", "parishes:home"),
    # An officer of one area (and no council) has the area's dashboard as their home: its budget.
    Page("home (officer)", "officer", "parishes:home", kind="dashboard"),
    Page("council", "clerk", "parishes:council", ("council_id",)),
    Page("council history", "clerk", "parishes:council_history", ("council_id",)),
    Page("area list", "officer", "parishes:area", ("area_slug",)),
    Page("area people", "administrator", "parishes:area_people", ("area_slug",)),
    Page("area dashboard", "officer", "parishes:area_dashboard", ("area_slug",), "dashboard"),
    # The dashboard's charts, images of their own addresses (the page only names them).
    *(
        Page(
            f"dashboard chart: {chart}",
            "officer",
            "clusters:dashboard_chart",
            ("area_slug",),
            fixed=(("name", chart),),
        )
        for chart in ("decisions", "objectives")
    ),
    Page("cluster list (clerk)", "clerk", "clusters:list"),
    Page("cluster list (officer)", "officer", "clusters:list"),
    Page("overview", "chair", "clusters:overview", ("slug",)),
    Page("members", "chair", "clusters:members", ("slug",)),
    Page("register", "chair", "clusters:decisions", ("slug",)),
    Page("register CSV", "chair", "clusters:decisions_csv", ("slug",), "export"),
    Page("decision", "chair", "clusters:decision", ("slug", "number")),
    Page("documents", "chair", "clusters:documents", ("slug",)),
    Page("objectives", "chair", "clusters:objectives", ("slug",)),
    Page("history", "chair", "clusters:history", ("slug",)),
    Page("services (cluster)", "officer", "services:cluster", ("slug=services_slug",)),
    Page("service arrangement", "officer", "services:arrangement", ARRANGEMENT),
    Page("delivery log", "officer", "services:log", ARRANGEMENT),
    Page("delivery log CSV", "officer", "services:log_csv", ARRANGEMENT, "export"),
    Page("delivery statement", "officer", "services:statement", (*ARRANGEMENT, *STATEMENT)),
    Page("volunteers register", "clerk", "services:volunteers", ("council_id=volunteers_council_id",)),
    Page("service catalogue", "officer", "services:catalogue", ("area_slug",)),
    Page("service requests (queue)", "officer", "services:request_queue", ("area_slug",)),
]

DASHBOARD_ROUTE = "areas/<slug:area_slug>/dashboard/"


def _routes(patterns, prefix="", namespace=""):
    """(route, URL name) of every named pattern, with its namespace."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, route, inner)
        elif pattern.name:
            yield route, namespace + pattern.name


def dashboard_lists() -> list[Page]:
    """The dashboard's lists and exports: every page under DASHBOARD_ROUTE that takes only the area
    (not the dashboard itself, nor its PDF, which bench.pdfs measures)."""
    found = []
    for route, name in _routes(get_resolver().url_patterns):
        rest = route.removeprefix(DASHBOARD_ROUTE)
        if rest == route or not rest or "<" in rest or "pdf" in rest.lower():
            continue
        kind = "export" if rest.endswith(".csv") else "page"
        found.append(Page(f"dashboard: {rest.rstrip('/')}", "officer", name, ("area_slug",), kind))
    return sorted(found, key=lambda page: page.name)


def all_pages() -> list[Page]:
    pages = list(PAGES)
    at = next(i for i, page in enumerate(pages) if page.url_name == "parishes:area_dashboard") + 1
    pages[at:at] = dashboard_lists()
    return pages


class Missing(Exception):
    """The page cannot be measured yet: its URL does not exist, or the data has nothing for it."""


def path_for(page: Page, fixtures: dict) -> str:
    names = {key.partition("=")[0]: key.partition("=")[2] or key for key in page.kwargs}
    kwargs = {name: fixtures.get(fixture) for name, fixture in names.items()}
    absent = [names[name] for name, value in kwargs.items() if value is None]
    if absent:
        raise Missing(f"the data has no {', '.join(absent)} for the {page.role}")
    try:
        return reverse(page.url_name, kwargs={**kwargs, **dict(page.fixed)})
    except NoReverseMatch as error:
        raise Missing(f"no URL {page.url_name}") from error
