"""Error pages and the accessibility statement: public, in the service's design, and the 500 page
renders without the database."""

import pytest
from django.test import RequestFactory

from config import views


def test_server_error_renders_without_the_database():
    # No django_db mark: pytest-django fails the test on any database access.
    response = views.server_error(RequestFactory().get("/anything/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert "Sign out" not in html and "Sign in" not in html


@pytest.mark.django_db
def test_not_found_is_public_and_in_the_design(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in response.content.decode()


@pytest.mark.django_db
def test_accessibility_statement_is_public(client):
    response = client.get("/accessibility/")
    assert response.status_code == 200
    assert "Accessibility statement for Clusterwork" in response.content.decode()


@pytest.mark.django_db
def test_permission_denied_page(rf):
    response = views.permission_denied(rf.get("/"))
    assert response.status_code == 403
    assert "You do not have permission to do this" in response.content.decode()
