"""A session's "last seen" is written at most once a minute, not on every page (issue 8, part 6)."""

from allauth.usersessions.models import UserSession
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PASSWORD


def writes_to_sessions(queries) -> int:
    return sum(
        1
        for q in queries
        if q["sql"].startswith(("UPDATE", "INSERT")) and "usersessions_usersession" in q["sql"]
    )


def test_last_seen_is_written_once_a_minute_at_most(cast, client):
    client.post(reverse("account_login"), {"login": cast.clerk_a.email, "password": PASSWORD})
    key = client.session.session_key
    assert UserSession.objects.filter(session_key=key, user=cast.clerk_a).exists()  # made at sign-in
    cache.delete(f"session-seen:{key}")
    home = reverse("parishes:home")
    with CaptureQueriesContext(connection) as first:
        assert client.get(home).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get(home).status_code == 200
    assert (writes_to_sessions(first), writes_to_sessions(second)) == (1, 0)
    cache.delete(f"session-seen:{key}")  # a minute later
    with CaptureQueriesContext(connection) as later:
        client.get(home)
    assert writes_to_sessions(later) == 1
