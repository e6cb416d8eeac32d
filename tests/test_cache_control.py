"""What a signed-in person is shown is not kept by any cache: pages, CSV exports and downloads carry
Cache-Control: private, no-store."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from clusters import documents, reports
from clusters.models import ClusterReport
from config.middleware import PrivateNoStoreMiddleware
from tests.clusters.test_uploads import pdf_bytes
from tests.factories import UserFactory


def cache_control(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


PRIVATE = {"private", "no-store"}


@pytest.mark.parametrize(
    "name",
    ["parishes:home", "clusters:list"],
)
def test_signed_in_pages_are_private_and_not_stored(cast, client_for, name):
    response = client_for(cast.clerk_a).get(reverse(name))
    assert response.status_code == 200
    assert cache_control(response) == PRIVATE


def test_a_cluster_page_and_a_form_are_private(cast, client_for):
    client = client_for(cast.chair)
    for url in (
        reverse("clusters:overview", args=[cast.cluster.slug]),
        reverse("clusters:edit", args=[cast.cluster.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert cache_control(response) == PRIVATE, url


def test_the_decision_register_csv_is_private(cast, client_for):
    response = client_for(cast.councillor_a).get(reverse("clusters:decisions_csv", args=[cast.cluster.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert cache_control(response) == PRIVATE


def test_a_document_download_is_private(cast, client_for):
    document = documents.create_document(
        acting_user=cast.chair,
        cluster=cast.cluster,
        kind="mou",
        title="Memorandum of understanding",
        upload=SimpleUploadedFile("MoU.pdf", pdf_bytes(), content_type="application/pdf"),
    )
    version = document.versions.get()
    response = client_for(cast.clerk_b).get(
        reverse("clusters:version_file", args=[cast.cluster.slug, document.pk, version.pk])
    )
    assert response.status_code == 200
    assert cache_control(response) == PRIVATE


def test_a_report_download_is_private(cast, client_for, monkeypatch):
    monkeypatch.setattr(reports, "render_cluster_report_pdf", lambda cluster, year: b"%PDF-1.7 a report")
    year = reports.financial_year_of(cast.cluster.formed_on)
    report = ClusterReport.objects.create(cluster=cast.cluster, year=year, requested_by=cast.secretary)
    reports.build_report(report.pk)
    response = client_for(cast.councillor_a).get(
        reverse("clusters:report_download", args=[cast.cluster.slug, report.pk])
    )
    assert response.status_code == 200
    assert cache_control(response) == PRIVATE


def test_not_found_for_a_signed_in_person_is_private_too(cast, client_for):
    response = client_for(cast.clerk_d).get(reverse("clusters:overview", args=[cast.cluster.slug]))
    assert response.status_code == 404
    assert cache_control(response) == PRIVATE


def test_pages_for_people_not_signed_in_are_left_alone(client, db):
    response = client.get(reverse("accessibility"))
    assert response.status_code == 200
    assert "no-store" not in cache_control(response)


def test_a_views_own_cache_control_is_kept(db):
    request = RequestFactory().get("/")
    request.user = UserFactory()

    def view(request):
        response = HttpResponse("static enough")
        response["Cache-Control"] = "max-age=60"
        return response

    assert PrivateNoStoreMiddleware(view)(request)["Cache-Control"] == "max-age=60"
    plain = PrivateNoStoreMiddleware(lambda request: HttpResponse("mine"))(request)
    assert cache_control(plain) == PRIVATE
