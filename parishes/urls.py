from django.urls import path

from . import views

app_name = "parishes"

urlpatterns = [
    path("", views.home, name="home"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("councils/<int:council_id>/", views.council_detail, name="council"),
    path("councils/<int:council_id>/edit/", views.council_edit, name="council_edit"),
    path("councils/<int:council_id>/tax-base/", views.council_tax_base, name="council_tax_base"),
    path("councils/<int:council_id>/people/", views.council_people, name="council_people"),
    path("councils/<int:council_id>/people/invite/", views.council_invite, name="council_invite"),
    path(
        "councils/<int:council_id>/people/<int:user_id>/permissions/",
        views.council_person_permissions,
        name="council_person_permissions",
    ),
    path(
        "councils/<int:council_id>/roles/<int:role_id>/end/", views.council_role_end, name="council_role_end"
    ),
    path(
        "councils/<int:council_id>/invitations/<int:invitation_id>/withdraw/",
        views.council_invitation_withdraw,
        name="council_invitation_withdraw",
    ),
    path("councils/<int:council_id>/history/", views.council_history, name="council_history"),
    path("areas/<slug:area_slug>/", views.area_detail, name="area"),
    path("areas/<slug:area_slug>/dashboard/", views.area_dashboard, name="area_dashboard"),
    path(
        "areas/<slug:area_slug>/dashboard/pdf/",
        views.area_dashboard_pdf_request,
        name="area_dashboard_pdf_request",
    ),
    path(
        "areas/<slug:area_slug>/dashboard/pdf/<int:pdf_id>/",
        views.area_dashboard_pdf,
        name="area_dashboard_pdf",
    ),
    path(
        "areas/<slug:area_slug>/dashboard/pdf/<int:pdf_id>/download/",
        views.area_dashboard_pdf_download,
        name="area_dashboard_pdf_download",
    ),
    path("areas/<slug:area_slug>/people/", views.area_people, name="area_people"),
    path("areas/<slug:area_slug>/people/invite/", views.area_invite, name="area_invite"),
    path("areas/<slug:area_slug>/roles/<int:role_id>/end/", views.area_role_end, name="area_role_end"),
    path(
        "areas/<slug:area_slug>/invitations/<int:invitation_id>/withdraw/",
        views.area_invitation_withdraw,
        name="area_invitation_withdraw",
    ),
    path("areas/<slug:area_slug>/import/", views.area_import, name="area_import"),
    path(
        "areas/<slug:area_slug>/imports/<int:import_id>/", views.area_import_result, name="area_import_result"
    ),
]
