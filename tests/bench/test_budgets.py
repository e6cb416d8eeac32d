"""The benchmark's budget checks: what passes and what fails a run."""

from bench import budgets
from bench.report import markdown


def _page(**changes):
    page = {
        "name": "register",
        "role": "chair",
        "kind": "page",
        "path": "/clusters/x/decisions/",
        "status": "measured",
        "server": {"n": 30, "p50_ms": 40.0, "p95_ms": 60.0, "max_ms": 70.0},
        "bare": {"n": 30, "p50_ms": 8.0, "p95_ms": 12.0, "max_ms": 14.0},
        "ratio": 5.0,
        "queries": 12,
        "rows_read": 900,
        "widest_scan": {"table": "clusters_decision", "rows": 300, "table_rows": 50000, "share": 0.006},
    }
    return page | changes


def _failed(checks):
    return [(check.figure, check.value) for check in checks if not check.ok]


def test_a_page_within_every_budget_passes():
    assert _failed(budgets.page_checks(_page())) == []


def test_page_over_time_ratio_or_scan_fails():
    slow = _page(server={"n": 30, "p50_ms": 100.0, "p95_ms": 150.1, "max_ms": 200.0}, ratio=12.5)
    assert _failed(budgets.page_checks(slow)) == [("server p95 ms", 150.1), ("p95 ÷ bare p95", 12.5)]
    national = _page(
        widest_scan={"table": "clusters_membership", "rows": 7638, "table_rows": 7638, "share": 1.0}
    )
    assert _failed(budgets.page_checks(national)) == [("widest scan of a national table", 1.0)]


def test_the_dashboard_has_300_ms_and_exports_no_time_budget():
    dashboard = _page(kind="dashboard", server={"n": 30, "p50_ms": 200.0, "p95_ms": 290.0, "max_ms": 300.0})
    assert _failed(budgets.page_checks(dashboard)) == []
    assert _failed(budgets.page_checks(dashboard | {"kind": "page"})) == [("server p95 ms", 290.0)]
    export = _page(
        kind="export", server={"n": 30, "p50_ms": 900.0, "p95_ms": 2000.0, "max_ms": 2100.0}, ratio=160
    )
    assert [check.figure for check in budgets.page_checks(export)] == ["widest scan of a national table"]


def test_missing_or_failing_pages():
    missing = _page(status="missing", error="no URL parishes:nowhere")
    assert _failed(budgets.page_checks(missing)) == [("page exists", "no URL parishes:nowhere")]
    assert _failed(budgets.page_checks(missing, allow_missing=True)) == []
    failed = _page(status="failed", error="answered 500 ×30")
    assert _failed(budgets.page_checks(failed, allow_missing=True)) == [("answers 200", "answered 500 ×30")]


def test_widest_scan_counts_only_national_size_tables():
    table_rows = {"parishes_area": 119, "parishes_council": 11341, "clusters_membership": 7638}
    scans = [("parishes_area", 119), ("parishes_council", 725), ("clusters_membership", 7638)]
    assert budgets.widest_scan(scans, table_rows) == {
        "table": "clusters_membership",
        "rows": 7638,
        "table_rows": 7638,
        "share": 1.0,
    }
    # Every area is read (119 of 119), but that table does not grow with the councils.
    assert budgets.widest_scan(scans[:1], table_rows) is None


def test_load_and_reminder_checks():
    assert _failed(budgets.load_checks({"errors": 0})) == []
    assert _failed(budgets.load_checks({"errors": 3})) == [("errors", 3)]
    scan = {"status": "measured", "seconds": 9.5, "rerun_seconds": 2.5}
    assert _failed(budgets.reminder_checks(scan)) == [("rerun seconds", 2.5)]
    assert _failed(budgets.reminder_checks({"status": "missing", "error": "no clusters.bench"})) == [
        ("measured", "no clusters.bench")
    ]
    assert _failed(budgets.reminder_checks({"status": "missing"}, allow_missing=True)) == []
    # A scan stopped at its timeout fails however the run was started.
    stopped = {"status": "failed", "error": "stopped after 300 s"}
    assert _failed(budgets.reminder_checks(stopped, allow_missing=True)) == [
        ("measured", "stopped after 300 s")
    ]


def test_results_table_marks_each_failing_row():
    page, slow = (
        _page(),
        _page(name="overview", server={"n": 30, "p50_ms": 150.0, "p95_ms": 400.0, "max_ms": 1}),
    )
    checks = budgets.page_checks(page) + budgets.page_checks(slow)
    results = {
        "machine": {
            "date": "2026-12-02",
            "commit": "abc",
            "cpu": "CPU",
            "cores": 2,
            "ram_gb": 8,
            "postgres": "15",
            "python": "3.11",
        },
        "settings": {"workers": 5, "requests": 30, "warmup": 5},
        "data": {"councils": 11341},
        "pages": [page, slow],
        "load": {"status": "skipped", "error": "skipped"},
        "pdfs": [],
        "reminders": {"status": "skipped", "error": "skipped"},
        "checks": budgets.as_rows(checks),
        "passed": budgets.passed(checks),
        "durations": {"total": 1.0},
    }
    text = markdown(results)
    rows = {line.split(" | ")[0]: line for line in text.splitlines() if line.startswith("| ")}
    assert rows["| register"].endswith("| pass |")
    assert rows["| overview"].endswith("| **FAIL** |")
    assert "overview (chair): server p95 ms 400.0 (budget ≤ 150)" in text
    assert "over budget" in text
