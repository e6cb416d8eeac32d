"""RESULTS.md from the figures of a run (results.json)."""

from .budgets import DASHBOARD_P95_MS, PAGE_P95_MS, page_budget_ms


def _mark(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def _cell(value) -> str:
    return "—" if value is None else str(value)


def markdown(results: dict) -> str:
    machine = results["machine"]
    verdict = (
        "**every figure within its budget**" if results["passed"] else "**over budget: see the FAIL rows**"
    )
    lines = [
        "# Benchmark results",
        "",
        f"`make bench` on {machine['date']}, commit `{machine['commit']}`: {verdict}.",
        "",
        "## Machine and data",
        "",
        f"- CPU: {machine['cpu']}, {machine['cores']} cores; RAM {machine['ram_gb']} GB",
        f"- PostgreSQL {machine['postgres']}, Python {machine['python']}",
        f"- Served by gunicorn, {results['settings']['workers']} sync workers, production settings "
        "(bench.settings: plain HTTP on 127.0.0.1, the timing middleware, the bare view)",
        "- Data: " + ", ".join(f"{count:,} {label}" for label, count in results["data"].items()),
        f"- {results['settings']['requests']} timed requests a page after {results['settings']['warmup']} "
        "warm-up ones, each followed by a request to the bare view; times are the server's (Server-Timing)",
        "",
        "## Pages",
        "",
        f"Budgets: server p95 ≤ {PAGE_P95_MS} ms ({DASHBOARD_P95_MS} ms for the area dashboard) and ≤ 6× the "
        "bare view's p95 measured beside it, CSV exports aside; no scan reads more than a fifth of a "
        "national-size table (see bench/README.md for rows read).",
        "",
        "| page | as | p50 ms | p95 ms | budget | bare p95 | ratio | queries | rows read | widest scan "
        "| result |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for page in results["pages"]:
        ok = all(c["ok"] for c in results["checks"] if c["subject"] == f"{page['name']} ({page['role']})")
        if page["status"] != "measured":
            lines.append(
                f"| {page['name']} | {page['role']} | | | | | | | | {page.get('error', '')} | {_mark(ok)} |"
            )
            continue
        widest = page.get("widest_scan")
        widest_text = f"{widest['table']} {widest['rows']:,}/{widest['table_rows']:,}" if widest else "—"
        budget = page_budget_ms(page["kind"])
        lines.append(
            f"| {page['name']} | {page['role']} | {page['server']['p50_ms']} | {page['server']['p95_ms']} "
            f"| {_cell(budget)} | {page['bare']['p95_ms']} | {page['ratio']} | {page['queries']} "
            f"| {page['rows_read']:,} | {widest_text} | {_mark(ok)} |"
        )
    load = results["load"]
    lines += ["", "## Concurrent load", ""]
    if load.get("status") == "measured":
        roles = ", ".join(f"{n} {role}s" for role, n in load["by_role"].items())
        lines += [
            f"{load['users']} signed-in people ({roles}) each walking their pages for {load['seconds']} s, "
            f"pausing 0–{2 * load['think_seconds']} s "
            "between pages.",
            "",
            "| requests | errors | throughput | server p50 | server p95 | client p95 | result |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | --- |",
            f"| {load['requests']} | {load['errors']} | {load['throughput_rps']} req/s | "
            f"{load['server']['p50_ms']} ms | {load['server']['p95_ms']} ms | "
            f"{load['client']['p95_ms']} ms | {_mark(load['errors'] == 0)} |",
        ]
        if load["error_examples"]:
            lines += ["", "Errors, first few: " + "; ".join(load["error_examples"])]
    else:
        lines.append(f"Not measured: {load.get('error', 'skipped')}.")
    lines += ["", "## PDFs", "", "| PDF | first render s | second render s | size | peak memory | result |"]
    lines.append("| --- | ---: | ---: | ---: | ---: | --- |")
    for pdf in results["pdfs"]:
        if pdf["status"] == "measured":
            lines.append(
                f"| {pdf['name']} | {pdf['first_seconds']} | {pdf['second_seconds']} | {pdf['bytes']:,} B "
                f"| {pdf['peak_rss_mb']} MB ({pdf['rss_before_mb']} MB before) | pass |"
            )
        else:
            lines.append(f"| {pdf['name']} | | | | | {pdf.get('error', pdf['status'])} |")
    reminders = results["reminders"]
    lines += ["", "## Reminder scan", ""]
    if reminders.get("status") == "measured":
        lines += [
            "| due items | seconds (≤ 10) | queries | rerun seconds (≤ 2) | rerun queries | peak memory "
            "| result |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | --- |",
            f"| {reminders['items']:,} | {reminders['seconds']} | {reminders['queries']} "
            f"| {reminders['rerun_seconds']} | {reminders['rerun_queries']} "
            f"| {reminders.get('peak_mb')} MB traced, {reminders.get('max_rss_mb')} MB RSS | "
            f"{_mark(all(c['ok'] for c in results['checks'] if c['subject'] == 'reminder scan'))} |",
        ]
    else:
        lines.append(f"Not measured: {reminders.get('error', 'skipped')}.")
    failed = [c for c in results["checks"] if not c["ok"]]
    lines += ["", "## Over budget", ""]
    lines += [f"- {c['subject']}: {c['figure']} {c['value']} (budget {c['budget']})" for c in failed] or [
        "Nothing."
    ]
    lines += ["", "## How long it took", ""]
    lines += [f"- {step}: {seconds} s" for step, seconds in results["durations"].items()]
    return "\n".join(lines) + "\n"
