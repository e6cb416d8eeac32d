from django.contrib import admin
from django.urls import include, path

from . import health, views

urlpatterns = [
    path("", include("parishes.urls")),
    path("", include("clusters.urls")),
    path("accounts/", include("allauth.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("admin/", admin.site.urls),
]

handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
