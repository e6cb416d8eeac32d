"""Spreadsheets (CSV) streamed from a query: the decision register's and the area dashboard's lists."""

import csv
import itertools
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from parishes.models import Council


def cell(value) -> str:
    """A CSV cell that a spreadsheet cannot take for a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def with_councils(rows: QuerySet, field: str, *, area) -> Iterator:
    """Each row of `rows` with its council `field` (a foreign key to a council) set, streamed in
    chunks: the councils named read first, by primary key. Joined instead (select_related), or
    looked up by primary key alone, PostgreSQL reads every council in the country for a few hundred;
    prefetched, they would be read again for every chunk. So those of `area` (nearly all: a
    cluster's councils are its area's) come through the area's index, any others by their keys."""
    ids = {pk for pk in rows.order_by().values_list(field, flat=True).distinct() if pk is not None}
    named = Council.objects.only("name").order_by()
    councils = {council.pk: council for council in named.filter(area=area, pk__in=ids)}
    if others := ids - councils.keys():
        councils.update((council.pk, council) for council in named.filter(pk__in=others))
    for row in rows.prefetch_related(None).iterator(chunk_size=500):
        setattr(row, field, councils.get(getattr(row, f"{field}_id")))
        yield row


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
