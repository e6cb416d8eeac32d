import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connection
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_answers_anonymous_callers_with_json_that_is_never_cached(client):
    response = client.get(reverse("healthz"))

    # A poller has no session: it gets the check itself, not a redirect to sign in.
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "cache": "ok",
            # CI sets REDIS_URL (a real broker); the quick start has none.
            "broker": "ok" if settings.REDIS_URL else "not configured",
        },
    }


def test_refuses_other_methods(client):
    assert client.post(reverse("healthz")).status_code == 405


def test_a_failing_database_gives_503_with_the_kind_of_failure_only(client, monkeypatch):
    def refuse():
        raise OperationalError("connection to server at 10.0.0.5 failed: password authentication")

    monkeypatch.setattr(connection, "cursor", refuse)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    # The endpoint is public: no host names or messages from the exception.
    assert body["checks"]["database"] == "error: OperationalError"
    assert body["checks"]["cache"] == "ok"


def test_a_cache_that_loses_values_gives_503(client, monkeypatch):
    monkeypatch.setattr(cache, "get", lambda key, default=None: default)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "error: LookupError"


def test_an_unreachable_broker_gives_503_quickly(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    started = time.monotonic()
    response = client.get(reverse("healthz"))

    assert time.monotonic() - started < 2
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["broker"] == "error: ConnectionError"
    assert body["checks"]["database"] == "ok"
