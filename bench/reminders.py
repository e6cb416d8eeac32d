"""The daily reminder scan over many due items (`python -m bench.inside reminders N`), through
clusters.bench.reminder_scan, which builds the items in a transaction it rolls back, runs the scan
and its rerun, and gives their time, queries and memory."""

import json
import sys


def main(argv) -> None:
    items = int(argv[0])
    try:
        from clusters.bench import reminder_scan
    except ImportError as error:
        json.dump({"status": "missing", "error": f"no clusters.bench.reminder_scan: {error}"}, sys.stdout)
        return
    json.dump(
        {"status": "measured", "requested_items": items, **reminder_scan(items)}, sys.stdout, default=str
    )
