from django.http import HttpResponse


def bare(request):
    """What every page costs before its own work: the same middleware (the session, the signed-in
    person, two-factor), and a response of two bytes. Signed-in only, like every page."""
    return HttpResponse(b"ok", content_type="text/plain")
