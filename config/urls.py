from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from . import health, views

# The admin signs in through allauth's sign-in, so its rate limits and two-factor apply (allauth's
# documented way); staff must use two-factor where MFA_REQUIRED is on (accounts.two_factor).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", include("parishes.urls")),
    path("", include("clusters.urls")),
    path("", include("services.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("admin/", admin.site.urls),
]

handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
