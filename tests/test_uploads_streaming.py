"""Uploads over the limit are refused while they stream, before the rest of the body is read, and
the form says so next to its field; request bodies have a cap (400, never 500)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from clusters.models import DocumentVersion, GovernanceDocument
from config.uploads import RefusedUpload
from parishes.models import Council, RegisterImport
from tests.clusters.test_uploads import pdf_bytes

MB = 1024 * 1024


@pytest.fixture
def limits(settings):
    """Small limits, so that the tests send a few megabytes rather than tens."""
    settings.UPLOAD_MAX_BYTES = MB
    settings.REGISTER_IMPORT_MAX_BYTES = MB
    settings.CLUSTER_UPLOAD_MAX_BYTES = MB
    settings.UPLOAD_REQUEST_MAX_BYTES = 20 * MB
    return settings


def big_pdf(size):
    return pdf_bytes() + b"0" * (size - len(pdf_bytes()))


def test_a_file_over_the_limit_stops_being_read_at_the_limit(limits):
    request = RequestFactory().post(
        "/anywhere/",
        {"title": "Before the file", "file": SimpleUploadedFile("big.pdf", big_pdf(8 * MB))},
    )
    total = int(request.META["CONTENT_LENGTH"])

    upload = request.FILES["file"]

    assert isinstance(upload, RefusedUpload) and upload.refused
    assert upload.name == "big.pdf"
    assert MB < upload.size <= MB + 64 * 1024
    assert upload.read() == b""
    assert request.POST["title"] == "Before the file"
    # Only about the limit was read of the eight megabytes sent.
    assert request._stream._pos < 2 * MB < total


def test_a_file_under_the_limit_arrives_whole(limits):
    content = big_pdf(MB - 1000)
    request = RequestFactory().post("/anywhere/", {"file": SimpleUploadedFile("fits.pdf", content)})
    upload = request.FILES["file"]
    assert not getattr(upload, "refused", False)
    assert upload.read() == content


def test_the_register_form_says_the_file_is_too_large_and_nothing_is_imported(cast, client_for, limits):
    csv = b"gss_code,name,kind\n" + b"E04002545,Winton,parish council\n" * (4 * MB // 32)
    response = client_for(cast.admin).post(
        reverse("parishes:area_import", args=["north"]), {"file": SimpleUploadedFile("register.csv", csv)}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["The file must be smaller than 1 MB"]
    assert "There is a problem" in response.content.decode()
    assert not RegisterImport.objects.exists()
    assert not Council.objects.filter(gss_code="E04002545").exists()


def test_a_document_over_the_limit_is_explained_next_to_its_field_and_nothing_kept(cast, client_for, limits):
    response = client_for(cast.secretary).post(
        reverse("clusters:document_new", args=[cast.cluster.slug]),
        {"kind": "mou", "title": "MoU", "file": SimpleUploadedFile("MoU.pdf", big_pdf(3 * MB))},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["The selected file must be smaller than 1 MB"]
    assert not GovernanceDocument.objects.exists() and not DocumentVersion.objects.exists()


def test_a_body_declared_larger_than_any_form_wants_is_refused_before_it_is_read(cast, client_for, limits):
    limits.UPLOAD_REQUEST_MAX_BYTES = 2 * MB
    response = client_for(cast.admin).post(
        reverse("parishes:area_import", args=["north"]),
        {"file": SimpleUploadedFile("register.csv", b"gss_code,name,kind\n" + b"x" * (3 * MB))},
    )
    assert response.status_code == 400
    assert not RegisterImport.objects.exists()


def test_a_form_body_over_the_cap_answers_400(cast, client_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client_for(cast.chair).post(
        reverse("clusters:edit", args=[cast.cluster.slug]),
        {"name": "Eden Valley", "purpose": "x" * 20_000, "lead_council": cast.council_a.pk},
    )
    assert response.status_code == 400
    cast.cluster.refresh_from_db()
    assert cast.cluster.purpose != "x" * 20_000


def test_too_many_fields_answer_400(cast, client_for, settings):
    response = client_for(cast.chair).post(
        reverse("clusters:edit", args=[cast.cluster.slug]),
        {f"field{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)},
    )
    assert response.status_code == 400


def test_too_many_files_answer_400(cast, client_for, settings):
    files = [
        SimpleUploadedFile(f"{i}.pdf", pdf_bytes()) for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)
    ]
    response = client_for(cast.chair).post(
        reverse("clusters:document_new", args=[cast.cluster.slug]),
        {"kind": "mou", "title": "MoU", "file": files},
    )
    assert response.status_code == 400
    assert not GovernanceDocument.objects.exists()


def test_the_limits_are_set_for_every_request(settings):
    assert settings.FILE_UPLOAD_HANDLERS[0] == "config.uploads.UploadLimitHandler"
    assert (
        max(settings.CLUSTER_UPLOAD_MAX_BYTES, settings.REGISTER_IMPORT_MAX_BYTES)
        <= settings.UPLOAD_MAX_BYTES
    )
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE and settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
