"""Rows read, as PostgreSQL counts them: from the plans of EXPLAIN (ANALYZE, FORMAT JSON).

A scan node is a plan node that reads a table (SCAN_NODES). The rows it read are the rows it
returned plus those it read and threw away (Rows Removed by Filter, and by Index Recheck for a
lossy bitmap), times its loops: PostgreSQL reports both counts as averages per loop. A Bitmap Index
Scan is not counted (its Bitmap Heap Scan reads the rows), nor are nodes that read other nodes'
output (joins, sorts, CTE and subquery scans). A page's rows read are the sum over the scan nodes
of every SELECT it ran.
"""

from collections.abc import Iterator

SCAN_NODES = frozenset(
    {
        "Seq Scan",
        "Index Scan",
        "Index Only Scan",
        "Bitmap Heap Scan",
        "Tid Scan",
        "Tid Range Scan",
        "Sample Scan",
    }
)


def _nodes(plan) -> Iterator[dict]:
    stack = [plan]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.get("Plans", ()))


def scans(explained) -> Iterator[tuple[str, int]]:
    """(table, rows read) of each scan node of one EXPLAIN (ANALYZE, FORMAT JSON) result: the list
    PostgreSQL returns (one item per statement) or one of its items."""
    for statement in explained if isinstance(explained, list) else [explained]:
        for node in _nodes(statement["Plan"]):
            if node.get("Node Type") not in SCAN_NODES:
                continue
            per_loop = (
                node.get("Actual Rows", 0)
                + node.get("Rows Removed by Filter", 0)
                + node.get("Rows Removed by Index Recheck", 0)
            )
            yield node["Relation Name"], round(per_loop * node.get("Actual Loops", 0))


def rows_read(explained) -> int:
    return sum(rows for _, rows in scans(explained))
