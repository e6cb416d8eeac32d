"""Spreadsheets (CSV) streamed from a query: the decision register's and the area dashboard's lists."""

import csv
import itertools
from collections.abc import Iterable

from django.http import StreamingHttpResponse


def cell(value) -> str:
    """A CSV cell that a spreadsheet cannot take for a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value):
        return value


def csv_response(rows: Iterable[Iterable], filename: str) -> StreamingHttpResponse:
    """Rows (the first is the header) streamed as they are read, each value made safe by cell()."""
    writer = csv.writer(_Echo())
    lines = (writer.writerow([cell(value) for value in row]) for row in rows)
    # The byte order mark tells Excel the file is UTF-8 (titles hold £ signs and accents).
    response = StreamingHttpResponse(
        itertools.chain(["\ufeff"], lines), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
