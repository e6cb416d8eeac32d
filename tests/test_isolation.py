"""The isolation sweep: every URL pattern is classified, and no object-scoped page answers anyone
outside it with anything but 404, for GET and POST, leaving the database unchanged."""

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.isolation import accounts, clusters, parishes, services

# Pages anyone may open, signed in or not.
PUBLIC = {"healthz", "accessibility", "parishes:invitation_accept"}

# Pages of the signed-in person about themselves only: the home page.
SIGNED_IN = {"parishes:home", "clusters:list", "clusters:start", *accounts.SIGNED_IN}

# Everything under these prefixes belongs to a library that acts only on the signed-in person
# (django-allauth's account, MFA and session pages) or to Django's admin (site administrators).
LIBRARY_PREFIXES = {"accounts/": "allauth", "admin/": "django admin"}


# Object-scoped URLs, by app: name → a function of the cast giving the kwargs of an object that
# the outsiders (a clerk of council C, people of area South) must not reach.
OBJECT_SCOPED = {**parishes.OBJECT_SCOPED, **clusters.OBJECT_SCOPED, **services.OBJECT_SCOPED}


def all_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from all_patterns(entry, route, inner)
        elif isinstance(entry, URLPattern):
            yield route, f"{namespace}{entry.name}" if entry.name else None


def test_every_url_pattern_is_classified():
    unclassified = []
    for route, name in all_patterns():
        if any(route.startswith(prefix) for prefix in LIBRARY_PREFIXES):
            continue
        if name not in PUBLIC | SIGNED_IN | OBJECT_SCOPED.keys():
            unclassified.append(f"{route} ({name})")
    assert not unclassified, "Classify these URLs in tests/test_isolation.py: " + ", ".join(unclassified)


def test_the_classification_names_only_real_urls():
    names = {name for _, name in all_patterns()}
    assert (PUBLIC | SIGNED_IN | OBJECT_SCOPED.keys()) <= names


def snapshot():
    """Row counts of every table the project owns, and the permission tables. (Signing in records a
    session, so usersessions is left out.)"""
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label
        in {"accounts", "parishes", "clusters", "services", "guardian", "account", "mfa"}
    }


OUTSIDERS = ("clerk_c", "clerk_d", "south_officer", "south_admin")


@pytest.mark.parametrize("name", sorted(OBJECT_SCOPED))
def test_outsiders_get_404_and_change_nothing(cast, client, name):
    url = reverse(name, kwargs=OBJECT_SCOPED[name](cast))
    before = snapshot()
    for outsider in OUTSIDERS:
        client.force_login(getattr(cast, outsider))
        for method in (client.get, client.post):
            response = method(
                url, {"email": "x@example.org", "role": "clerk", "name": "X", "population": "1"}
            )
            assert response.status_code == 404, f"{outsider} {method.__name__.upper()} {url}"
    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(OBJECT_SCOPED))
def test_anonymous_people_are_sent_to_sign_in(cast, client, name):
    url = reverse(name, kwargs=OBJECT_SCOPED[name](cast))
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_signed_in_pages_need_a_sign_in(client, db):
    for name in SIGNED_IN:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_public_pages_answer_without_a_sign_in(client, db):
    assert client.get(reverse("accessibility")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("parishes:invitation_accept", args=["unknown"])).status_code == 410
