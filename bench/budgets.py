"""The budgets of issue 8 and the checks of a run's figures against them.

Every check is a row of RESULTS.md; the run fails when any check does. Figures without a budget in
the issue (CSV exports' times, PDFs, the load's p95) are recorded, not checked.
"""

from dataclasses import asdict, dataclass

PAGE_P95_MS = 150
DASHBOARD_P95_MS = 300
# A page's p95 against the bare view's p95, measured in the same run (interleaved with the page).
BARE_RATIO = 6
# Rows read must grow only with what a page shows, not with the national data: no single scan may
# read more than this share of a table that holds at least NATIONAL_TABLE_ROWS rows. (The largest
# area holds about 6% of the councils of England and Wales, so an area's page passes; a scan of
# every membership, position or overdue objective in the country does not.)
NATIONAL_TABLE_ROWS = 5000
MAX_TABLE_SHARE = 0.2
LOAD_ERRORS = 0
REMINDER_SECONDS = 10
REMINDER_RERUN_SECONDS = 2

KINDS = ("page", "dashboard", "export")


@dataclass(frozen=True)
class Check:
    subject: str
    figure: str
    value: object
    budget: str
    ok: bool


def page_budget_ms(kind: str) -> int | None:
    """A CSV export is aside from the time and ratio budgets (the issue's "CSV exports and PDFs aside")."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of page: {kind}")
    return {"page": PAGE_P95_MS, "dashboard": DASHBOARD_P95_MS, "export": None}[kind]


def widest_scan(scans, table_rows: dict[str, float]) -> dict | None:
    """Of scan nodes (table, rows read), the one reading the largest share of a national-size table."""
    widest = None
    for table, rows in scans:
        size = table_rows.get(table, 0)
        if size < NATIONAL_TABLE_ROWS:
            continue
        share = rows / size
        if widest is None or share > widest["share"]:
            widest = {"table": table, "rows": rows, "table_rows": int(size), "share": round(share, 3)}
    return widest


def page_checks(page: dict, *, allow_missing: bool = False) -> list[Check]:
    subject = f"{page['name']} ({page['role']})"
    if page["status"] == "missing":
        return [Check(subject, "page exists", page.get("error", "missing"), "built", allow_missing)]
    if page["status"] != "measured":
        return [Check(subject, "answers 200", page.get("error"), "200", False)]
    checks = []
    budget = page_budget_ms(page["kind"])
    if budget is not None:
        p95 = page["server"]["p95_ms"]
        checks.append(Check(subject, "server p95 ms", p95, f"≤ {budget}", p95 <= budget))
        checks.append(
            Check(subject, "p95 ÷ bare p95", page["ratio"], f"≤ {BARE_RATIO}", page["ratio"] <= BARE_RATIO)
        )
    widest = page.get("widest_scan")
    share = widest["share"] if widest else 0
    checks.append(
        Check(
            subject,
            "widest scan of a national table",
            share,
            f"≤ {MAX_TABLE_SHARE}",
            share <= MAX_TABLE_SHARE,
        )
    )
    return checks


def load_checks(load: dict) -> list[Check]:
    return [
        Check("concurrent load", "errors", load["errors"], f"= {LOAD_ERRORS}", load["errors"] <= LOAD_ERRORS)
    ]


def reminder_checks(reminders: dict, *, allow_missing: bool = False) -> list[Check]:
    subject = "reminder scan"
    if reminders.get("status") != "measured":
        excused = allow_missing and reminders.get("status") != "failed"
        return [Check(subject, "measured", reminders.get("error", "missing"), "measured", excused)]
    return [
        Check(
            subject,
            "seconds",
            reminders["seconds"],
            f"≤ {REMINDER_SECONDS}",
            reminders["seconds"] <= REMINDER_SECONDS,
        ),
        Check(
            subject,
            "rerun seconds",
            reminders["rerun_seconds"],
            f"≤ {REMINDER_RERUN_SECONDS}",
            reminders["rerun_seconds"] <= REMINDER_RERUN_SECONDS,
        ),
    ]


def pdf_checks(pdf: dict, *, allow_missing: bool = False) -> list[Check]:
    """PDFs have no time budget; one that is not built yet (unless allowed), or fails to render, fails."""
    subject = f"PDF: {pdf['name']}"
    if pdf["status"] == "missing":
        return [Check(subject, "renders", pdf.get("error", "missing"), "built", allow_missing)]
    return [Check(subject, "renders", pdf["status"], "measured", pdf["status"] == "measured")]


def as_rows(checks: list[Check]) -> list[dict]:
    return [asdict(check) for check in checks]


def passed(checks: list[Check]) -> bool:
    return all(check.ok for check in checks)
