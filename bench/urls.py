"""The site's URLs and the bare view, for the benchmark's server only (bench.settings)."""

from django.urls import path

from config.urls import handler403, handler404, handler500
from config.urls import urlpatterns as site_urlpatterns

from . import views

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]

urlpatterns = [path("bench/bare/", views.bare, name="bench_bare"), *site_urlpatterns]
