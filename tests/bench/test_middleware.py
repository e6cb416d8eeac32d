"""The bench's middleware and bare view, as the bench's server runs them (bench.settings adds them
to the site's own middleware and URLs; nothing else serves them)."""

import json

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.protocol import parse_server_timing
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench_server(settings):
    settings.MIDDLEWARE = ["bench.middleware.BenchMiddleware", *settings.MIDDLEWARE]
    settings.ROOT_URLCONF = "bench.urls"


def test_bare_view_needs_a_sign_in(client, bench_server):
    response = client.get("/bench/bare/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_each_response_carries_its_server_time_and_queries(client, bench_server):
    client.force_login(UserFactory())
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/bench/bare/")
    assert response.status_code == 200
    timing = parse_server_timing(response["Server-Timing"])
    assert timing["app"] > 0 and 0 <= timing["db"] <= timing["app"]
    # Every query of the request, the session's and the person's included.
    assert int(response["X-Bench-Queries"]) == len(queries) > 0
    assert "X-Bench-Explain" not in response


def test_site_pages_are_measured_too(client, bench_server):
    client.force_login(UserFactory())
    response = client.get("/")
    assert response.status_code == 200
    assert int(response["X-Bench-Queries"]) > 0


def test_the_bench_is_not_part_of_the_site():
    assert "bench.middleware.BenchMiddleware" not in settings.MIDDLEWARE
    assert settings.ROOT_URLCONF == "config.urls"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN (ANALYZE, FORMAT JSON) needs PostgreSQL"
)
def test_explain_counts_the_rows_the_request_read(client, bench_server):
    user = UserFactory()
    client.force_login(user)
    response = client.get("/bench/bare/", HTTP_X_BENCH_EXPLAIN="1")
    explained = json.loads(response["X-Bench-Explain"])
    assert explained["errors"] == 0
    assert explained["selects"] >= 2  # the session and the person
    tables = dict(explained["scans"])
    assert tables["django_session"] == 1 and tables["accounts_user"] == 1
    assert explained["rows_read"] >= 2
    assert set(explained["table_rows"]) == set(tables)
