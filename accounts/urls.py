from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("email-settings/", views.email_settings, name="email_settings"),
]
