"""The upload checker: files are accepted by what they contain, within the size limit, under a safe name."""

import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from clusters.uploads import WRONG_TYPE, UploadError, check_upload, file_response, safe_file_name

DOCX_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    b"</Types>"
)


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _zip(members: list[tuple[str, bytes]], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(name, data, compress_type=compression)
    return buffer.getvalue()


def docx_bytes(content_types: bytes = DOCX_CONTENT_TYPES, extra=()) -> bytes:
    return _zip(
        [
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", b"<Relationships/>"),
            ("word/document.xml", b"<w:document><w:body><w:p/></w:body></w:document>"),
            *extra,
        ]
    )


def odt_bytes(mimetype: bytes = b"application/vnd.oasis.opendocument.text") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # As the OpenDocument standard requires: first, and stored uncompressed.
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", b"<office:document-content/>", compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", b"<manifest:manifest/>", compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def exe_bytes() -> bytes:
    return (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
        + b"\x00" * 48
        + b"PE\x00\x00"
        + b"\x00" * 64
    )


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(
    ("name", "content", "kind", "file_name"),
    [
        ("MoU 2026.pdf", pdf_bytes(), "pdf", "MoU 2026.pdf"),
        ("Terms of reference.docx", docx_bytes(), "docx", "Terms of reference.docx"),
        ("Constitution.odt", odt_bytes(), "odt", "Constitution.odt"),
    ],
)
def test_documents_are_accepted_by_their_content(name, content, kind, file_name):
    checked = check_upload(upload(name, content))
    assert checked == (kind, file_name)
    assert (checked.kind, checked.file_name) == (kind, file_name)


def test_the_type_comes_from_the_content_and_the_name_gets_its_extension():
    assert check_upload(upload("minutes.docx", pdf_bytes())) == ("pdf", "minutes.pdf")
    assert check_upload(upload("protocol", odt_bytes())) == ("odt", "protocol.odt")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("minutes.pdf", exe_bytes()),  # an executable renamed
        ("setup.docx", exe_bytes() + docx_bytes()),  # a self-extracting archive is a valid zip too
        ("page.pdf", b"<html><script>alert(1)</script></html>"),
        ("notes.pdf", b"Just some text that says %PDF-1.4 later on"),
        ("archive.docx", _zip([("readme.txt", b"hello")])),  # a zip, but not a document
        ("broken.docx", b"PK\x03\x04" + b"\x00" * 200),  # a damaged archive
        ("sheet.odt", odt_bytes(b"application/vnd.oasis.opendocument.spreadsheet")),
        ("undeclared.docx", docx_bytes(content_types=b"<Types/>")),
        (
            "late-mimetype.odt",
            _zip([("content.xml", b"<x/>"), ("mimetype", b"application/vnd.oasis.opendocument.text")]),
        ),
        ("image.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
    ],
)
def test_anything_else_is_refused_whatever_its_name(name, content):
    with pytest.raises(UploadError) as refused:
        check_upload(upload(name, content))
    assert str(refused.value) == WRONG_TYPE == "The selected file must be a PDF, DOCX or ODT"


def test_a_word_document_with_macros_is_refused_with_its_own_reason():
    macro_types = DOCX_CONTENT_TYPES.replace(
        b"officedocument.wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
    )
    for content in (
        docx_bytes(content_types=macro_types),
        docx_bytes(extra=[("word/vbaProject.bin", b"\x00" * 32)]),
    ):
        with pytest.raises(UploadError, match="Word document with macros"):
            check_upload(upload("mou.docx", content))


def test_a_file_over_the_limit_is_refused(settings):
    settings.CLUSTER_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    big = pdf_bytes() + b"\x00" * (2 * 1024 * 1024)
    with pytest.raises(UploadError, match="^The selected file must be smaller than 2 MB$"):
        check_upload(upload("big.pdf", big))
    just_fits = pdf_bytes() + b"\x00" * (2 * 1024 * 1024 - len(pdf_bytes()))
    assert check_upload(upload("fits.pdf", just_fits)).kind == "pdf"


def test_the_default_limit_is_ten_megabytes(settings):
    assert settings.CLUSTER_UPLOAD_MAX_BYTES == 10 * 1024 * 1024


def test_an_empty_file_is_refused():
    with pytest.raises(UploadError, match="The selected file is empty"):
        check_upload(upload("empty.pdf", b""))


def test_the_file_is_read_again_from_its_start_after_the_check():
    file = upload("mou.docx", docx_bytes())
    check_upload(file)
    assert file.read(4) == b"PK\x03\x04"


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("../../etc/passwd.pdf", "pdf", "passwd.pdf"),
        ("C:\\Users\\clerk\\Desktop\\MoU final.docx", "docx", "MoU final.docx"),
        ("report\u202efdp.exe", "pdf", "reportfdp.pdf"),  # the right-to-left override trick
        ("evil.exe", "pdf", "evil.pdf"),
        ("Terms v2.1", "odt", "Terms v2.1.odt"),
        ('a<b>:"c"|?*.pdf', "pdf", "a_b___c____.pdf"),
        ("  .hidden.pdf", "pdf", "hidden.pdf"),
        ("", "pdf", "document.pdf"),
        ("...", "docx", "document.docx"),
        ("tab\there\nnewline.pdf", "pdf", "tabherenewline.pdf"),
    ],
)
def test_the_uploaded_name_is_made_safe(name, kind, expected):
    assert safe_file_name(name, kind) == expected


def test_a_long_name_is_shortened_and_keeps_its_extension():
    name = safe_file_name("x" * 400 + ".pdf", "pdf")
    assert name.endswith(".pdf") and len(name) <= 160


def test_files_are_served_as_downloads_that_browsers_do_not_sniff(settings, tmp_path):
    from django.core.files.storage import default_storage

    stored = default_storage.save("clusters/test/abc", ContentFile(pdf_bytes()))

    class Stored:
        def open(self, mode):
            return default_storage.open(stored, mode)

    response = file_response(Stored(), kind="pdf", file_name="Memorandum “final”.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == pdf_bytes()
