"""Real concurrent transactions for the tests that show what row locks do: they need PostgreSQL
(CI sets DATABASE_URL), since SQLite serialises every write to the whole database."""

import threading

import pytest
from django.db import connection

postgresql_only = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL's row locks (set DATABASE_URL): SQLite serialises all writes",
    ),
]


def at_once(*calls):
    """Run the calls in threads released together; what each returned, or the exception it raised
    (the tests assert which)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as error:  # noqa: BLE001
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results
