"""The benchmark's pure parts: percentiles, rows read from EXPLAIN's JSON, TOTP codes, Server-Timing."""

import pytest

from bench.explain import rows_read, scans
from bench.protocol import parse_server_timing, totp
from bench.stats import percentile, summary


def test_percentile_interpolates_between_ranks():
    values = [5, 1, 4, 2, 3]  # unsorted on purpose
    assert percentile(values, 0) == 1
    assert percentile(values, 50) == 3
    assert percentile(values, 100) == 5
    assert percentile(values, 95) == pytest.approx(4.8)
    assert percentile([10, 20], 25) == pytest.approx(12.5)
    assert percentile([7], 95) == 7


def test_percentile_refuses_nothing_and_out_of_range():
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1], 101)


def test_summary_of_thirty_timings():
    figures = summary([float(ms) for ms in range(1, 31)])
    assert figures == {"n": 30, "p50_ms": 15.5, "p95_ms": 28.6, "max_ms": 30.0}


# A plan as PostgreSQL 15 gives it for a join whose inner side is looked up once per outer row,
# with a lossy bitmap scan and a subquery beside it.
PLAN = [
    {
        "Plan": {
            "Node Type": "Nested Loop",
            "Actual Rows": 40,
            "Actual Loops": 1,
            "Plans": [
                {
                    "Node Type": "Seq Scan",
                    "Relation Name": "parishes_area",
                    "Actual Rows": 1,
                    "Actual Loops": 1,
                    "Rows Removed by Filter": 118,
                },
                {
                    "Node Type": "Index Scan",
                    "Relation Name": "parishes_council",
                    "Actual Rows": 40,
                    "Actual Loops": 1,
                },
                {
                    "Node Type": "Index Only Scan",
                    "Relation Name": "clusters_membership",
                    "Actual Rows": 1.5,  # an average per loop, as PostgreSQL reports it
                    "Actual Loops": 40,
                    "Rows Removed by Filter": 0.5,
                },
                {
                    "Node Type": "Bitmap Heap Scan",
                    "Relation Name": "clusters_decision",
                    "Actual Rows": 10,
                    "Actual Loops": 1,
                    "Rows Removed by Index Recheck": 5,
                    "Plans": [{"Node Type": "Bitmap Index Scan", "Actual Rows": 15, "Actual Loops": 1}],
                },
                {
                    "Node Type": "Seq Scan",
                    "Relation Name": "clusters_vote",
                    "Actual Rows": 0,
                    "Actual Loops": 0,  # never executed
                },
                {"Node Type": "CTE Scan", "Actual Rows": 99, "Actual Loops": 1},
            ],
        }
    }
]


def test_rows_read_sums_scan_nodes_times_their_loops():
    assert dict(scans(PLAN)) == {
        "parishes_area": 119,
        "parishes_council": 40,
        "clusters_membership": 80,
        "clusters_decision": 15,
        "clusters_vote": 0,
    }
    # Joins, the bitmap's index scan and the CTE scan read no table rows of their own.
    assert rows_read(PLAN) == 119 + 40 + 80 + 15
    assert rows_read(PLAN[0]) == rows_read(PLAN)


def test_totp_matches_rfc_6238():
    # RFC 6238's SHA-1 test vectors (its key "12345678901234567890", the last six digits).
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert totp(secret, at=59) == "287082"
    assert totp(secret, at=1111111109) == "081804"
    assert totp(secret, at=2000000000) == "279037"


def test_server_timing_header():
    assert parse_server_timing("app;dur=12.5, db;dur=3") == {"app": 12.5, "db": 3.0}
    assert parse_server_timing('cache;desc="hit", app;dur=1') == {"app": 1.0}
    assert parse_server_timing("") == {}
