"""Pages that belong to no app: the accessibility statement and the error pages."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseForbidden, HttpResponseNotFound, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token


@login_not_required
def accessibility(request):
    return render(request, "accessibility.html")


@login_not_required
@requires_csrf_token
def permission_denied(request, exception=None):
    # The header's sign-out form needs a CSRF token even on error pages.
    return HttpResponseForbidden(render_to_string("403.html", request=request))


@login_not_required
@requires_csrf_token
def page_not_found(request, exception=None):
    return HttpResponseNotFound(render_to_string("404.html", request=request))


@login_not_required
def server_error(request):
    # Rendered without the request: context processors (the user, messages) may touch the
    # database or the session, which may be what failed. The page shows no navigation then.
    return HttpResponseServerError(render_to_string("500.html"))
