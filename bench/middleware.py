"""Server-side figures of each request, for the benchmark's server only (bench.settings).

Every response carries `Server-Timing: app;dur=<ms>, db;dur=<ms>` (from entering this middleware,
outermost, to the last byte of the body) and `X-Bench-Queries`. A request with `X-Bench-Explain: 1`
also has each of its SELECTs run again under EXPLAIN (ANALYZE, FORMAT JSON) once its response is
built, outside the timed span, and gets `X-Bench-Explain`: its rows read (bench.explain), the
largest single scan of each table it read, and the size of those tables (pg_class.reltuples).
"""

import json
import time

from django.db import DatabaseError, connection

from .explain import rows_read, scans


class BenchMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        explain = request.headers.get("X-Bench-Explain") == "1" and connection.vendor == "postgresql"
        queries, db_seconds, selects = 0, 0.0, []

        def measure(execute, sql, params, many, context):
            nonlocal queries, db_seconds
            queries += 1
            if explain and not many and sql.lstrip()[:6].upper() in ("SELECT", "WITH "):
                selects.append((sql, params))
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                db_seconds += time.perf_counter() - started

        started = time.perf_counter()
        with connection.execute_wrapper(measure):
            response = self.get_response(request)
            if response.streaming:
                # A streamed body (a CSV export) is built as it is sent: build it here, so that the
                # time and the queries are the whole response's.
                response.streaming_content = [b"".join(response.streaming_content)]
        elapsed = time.perf_counter() - started
        response["Server-Timing"] = f"app;dur={elapsed * 1000:.2f}, db;dur={db_seconds * 1000:.2f}"
        response["X-Bench-Queries"] = str(queries)
        if explain:
            response["X-Bench-Explain"] = json.dumps(_explain(selects), separators=(",", ":"))
        return response


def _explain(selects) -> dict:
    plans, errors = [], 0
    with connection.cursor() as cursor:
        for sql, params in selects:
            try:
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
            except DatabaseError:
                errors += 1
                continue
            plan = cursor.fetchone()[0]
            plans.append(json.loads(plan) if isinstance(plan, str) else plan)
        # Of each table, the largest single scan: the one that decides the share of it a page reads.
        largest: dict[str, int] = {}
        for plan in plans:
            for table, rows in scans(plan):
                largest[table] = max(rows, largest.get(table, 0))
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND relname = ANY(%s)",
            [list(largest)],
        )
        table_rows = {name: max(int(rows), 0) for name, rows in cursor.fetchall()}
    return {
        "selects": len(selects),
        "errors": errors,
        "rows_read": sum(rows_read(plan) for plan in plans),
        "scans": sorted(largest.items()),
        "table_rows": table_rows,
    }
