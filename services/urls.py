from django.urls import path, register_converter

from .statements import MonthConverter
from .views import arrangements, catalogue, dashboard, deliveries, requests, sites, volunteers

register_converter(MonthConverter, "yyyy_mm")

app_name = "services"

C = "clusters/<slug:slug>/services/"
A = C + "<int:number>/"
V = "councils/<int:council_id>/volunteers/"

# Each concern's pages together, in the order of services/views/.
urlpatterns = [
    # Arrangements (views/arrangements.py)
    path(C, arrangements.cluster_services, name="cluster"),
    path(C + "propose/", arrangements.propose, name="propose"),
    path(A, arrangements.arrangement, name="arrangement"),
    path(A + "agree/", arrangements.agree, name="agree"),
    path(A + "edit/", arrangements.edit, name="arrangement_edit"),
    path(A + "end/", arrangements.end, name="arrangement_end"),
    path(A + "withdraw/", arrangements.withdraw, name="arrangement_withdraw"),
    # Delivery log and statements (views/deliveries.py)
    path(A + "log/", deliveries.log, name="log"),
    path(A + "log/export.csv", deliveries.log_csv, name="log_csv"),
    path(A + "log/record/", deliveries.record, name="record"),
    path(A + "log/<int:delivery_id>/reverse/", deliveries.reverse_line, name="reverse"),
    path(A + "log/<int:delivery_id>/photo/", deliveries.delivery_photo, name="delivery_photo"),
    path(A + "statements/<int:council_id>/<yyyy_mm:month>/", deliveries.statement, name="statement"),
    path(
        A + "statements/<int:council_id>/<yyyy_mm:month>/export.csv",
        deliveries.statement_csv,
        name="statement_csv",
    ),
    path(
        A + "statements/<int:council_id>/<yyyy_mm:month>/pdf/", deliveries.statement_pdf, name="statement_pdf"
    ),
    path(
        A + "statements/<int:council_id>/<yyyy_mm:month>/pdf/<int:statement_id>/",
        deliveries.statement_job,
        name="statement_job",
    ),
    path(
        A + "statements/<int:council_id>/<yyyy_mm:month>/pdf/<int:statement_id>/download/",
        deliveries.statement_download,
        name="statement_download",
    ),
    # Volunteers and training (views/volunteers.py)
    path(V, volunteers.volunteer_register, name="volunteers"),
    path(V + "export.csv", volunteers.volunteer_register_csv, name="volunteers_csv"),
    path(V + "new/", volunteers.volunteer_new, name="volunteer_new"),
    path(V + "<int:volunteer_id>/", volunteers.volunteer_detail, name="volunteer"),
    path(V + "<int:volunteer_id>/edit/", volunteers.volunteer_edit, name="volunteer_edit"),
    path(V + "<int:volunteer_id>/leave/", volunteers.volunteer_leave, name="volunteer_leave"),
    path(V + "<int:volunteer_id>/training/new/", volunteers.training_new, name="training_new"),
    path(
        V + "<int:volunteer_id>/training/<int:record_id>/remove/",
        volunteers.training_remove,
        name="training_remove",
    ),
    path(V + "<int:volunteer_id>/assign/", volunteers.assign, name="volunteer_assign"),
    path(
        V + "<int:volunteer_id>/assignments/<int:assignment_id>/end/",
        volunteers.assignment_end,
        name="assignment_end",
    ),
    path(A + "volunteers/", volunteers.arrangement_volunteers, name="arrangement_volunteers"),
    # Catalogue and sites (views/catalogue.py, views/sites.py)
    path("areas/<slug:area_slug>/services/", catalogue.catalogue_page, name="catalogue"),
    path("areas/<slug:area_slug>/services/add/", catalogue.service_add, name="catalogue_add"),
    path("areas/<slug:area_slug>/services/usual/", catalogue.usual_services, name="catalogue_usual"),
    path("areas/<slug:area_slug>/services/<int:service_id>/", catalogue.service_edit, name="catalogue_edit"),
    path(
        "areas/<slug:area_slug>/services/<int:service_id>/retire/",
        catalogue.service_retire,
        name="catalogue_retire",
    ),
    path("councils/<int:council_id>/sites/", sites.site_list, name="sites"),
    path("councils/<int:council_id>/sites/add/", sites.site_add, name="site_add"),
    path("councils/<int:council_id>/sites/<int:site_id>/", sites.site_edit, name="site_edit"),
    path("councils/<int:council_id>/sites/<int:site_id>/retire/", sites.site_retire, name="site_retire"),
    # The area dashboard's list of arrangements (views/dashboard.py; the panel is services/dashboard.py)
    path(
        "areas/<slug:area_slug>/dashboard/services/",
        dashboard.arrangement_list,
        name="dashboard_arrangements",
    ),
    path(
        "areas/<slug:area_slug>/dashboard/services.csv",
        dashboard.arrangement_list_csv,
        name="dashboard_arrangements_csv",
    ),
    # Individual-model requests (views/requests.py)
    path("councils/<int:council_id>/service-requests/", requests.council_requests, name="council_requests"),
    path("councils/<int:council_id>/service-requests/new/", requests.request_new, name="request_new"),
    path("service-requests/<int:request_id>/", requests.request_detail, name="request"),
    path("service-requests/<int:request_id>/withdraw/", requests.request_withdraw, name="request_withdraw"),
    path("areas/<slug:area_slug>/service-requests/", requests.request_queue, name="request_queue"),
    path(
        "areas/<slug:area_slug>/service-requests/export.csv",
        requests.request_queue_csv,
        name="request_queue_csv",
    ),
]
