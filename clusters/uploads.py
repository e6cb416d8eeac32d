"""Files people upload to a cluster (governance documents, decision attachments): what is accepted,
and how a stored file is served back.

A file is accepted by what it contains, never by its name: a PDF starts with ``%PDF-``; a DOCX is a
zip archive holding ``[Content_Types].xml`` that declares ``word/document.xml`` as a Word document;
an ODT is a zip archive whose first member, ``mimetype``, says it is OpenDocument text. Anything else
(an executable renamed ``.pdf``, a macro-enabled Word file, a damaged archive) is refused with a
message that can be shown next to the form field. The uploaded name is cleaned and kept for display
and as the name of the download only; files are stored under generated names (see upload_to in
clusters.models).
"""

import re
import unicodedata
import zipfile
import zlib
from typing import NamedTuple

from django.conf import settings
from django.http import FileResponse

KIND_LABELS = {"pdf": "PDF", "docx": "Word document (DOCX)", "odt": "OpenDocument text (ODT)"}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}
ACCEPT = ".pdf,.docx,.odt," + ",".join(CONTENT_TYPES.values())

WRONG_TYPE = "The selected file must be a PDF, DOCX or ODT"
_ZIP_MAGIC = b"PK\x03\x04"
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_DOCX_MAIN_PART = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
# Generous limits on the small members read to tell the type, so a crafted archive cannot make
# the check decompress much.
_CONTENT_TYPES_MAX = 256 * 1024
_NAME_STEM_MAX = 150
# What zipfile raises for a damaged or encrypted archive, or one compressed in a way it cannot read.
_UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    RuntimeError,
    NotImplementedError,
    EOFError,
    ValueError,
    zlib.error,
)


class UploadError(Exception):
    """A file the rules refuse; its message is shown next to the field."""


class UploadCheck(NamedTuple):
    kind: str  # "pdf", "docx" or "odt"
    file_name: str  # cleaned, with the extension of its checked kind: for display and download only


def size_label(size: int) -> str:
    mb = 1024 * 1024
    if size >= mb:
        return f"{size / mb:.0f} MB" if size % mb == 0 else f"{size / mb:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def check_upload(file) -> UploadCheck:
    """The kind of an uploaded file, judged by its content, and its cleaned name; or UploadError."""
    max_bytes = settings.CLUSTER_UPLOAD_MAX_BYTES
    # A file stopped while it streamed (config.uploads.RefusedUpload) is over the limit whatever size
    # it says it has.
    if getattr(file, "refused", False) or file.size > max_bytes:
        raise UploadError(f"The selected file must be smaller than {size_label(max_bytes)}")
    if not file.size:
        raise UploadError("The selected file is empty")
    try:
        file.seek(0)
        head = file.read(8)
        if head.startswith(b"%PDF-"):
            kind = "pdf"
        elif head.startswith(_ZIP_MAGIC):
            # Checked from its first bytes too: a self-extracting executable is also a valid zip.
            kind = _zip_kind(file)
        else:
            raise UploadError(WRONG_TYPE)
    finally:
        file.seek(0)
    return UploadCheck(kind, safe_file_name(file.name, kind))


def _zip_kind(file) -> str:
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            first = members[0] if members else None
            if first is not None and first.filename == "mimetype":
                if first.file_size <= len(_ODT_MIMETYPE) and archive.read(first) == _ODT_MIMETYPE:
                    return "odt"
            elif {"[Content_Types].xml", "word/document.xml"} <= names:
                content_types = archive.getinfo("[Content_Types].xml")
                if content_types.file_size <= _CONTENT_TYPES_MAX:
                    declared = archive.read(content_types)
                    if b"macroEnabled" in declared or "word/vbaProject.bin" in names:
                        raise UploadError(
                            "The selected file is a Word document with macros: "
                            "save it as a DOCX without macros, or as a PDF"
                        )
                    if _DOCX_MAIN_PART in declared:
                        return "docx"
    except _UNREADABLE:
        pass
    raise UploadError(WRONG_TYPE)


def safe_file_name(name: str | None, kind: str) -> str:
    """The uploaded name made safe to show and to offer as a download name: no path, no control or
    direction-changing characters, and the extension of what the file really is."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    # Category C holds control and format characters, such as the right-to-left override that
    # makes "report\u202efdp.exe" look like "reportexe.pdf".
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(re.sub(r'[<>:"|?*]', "_", name).split())
    stem, dot, suffix = name.rpartition(".")
    if not dot or not (suffix.isalpha() and len(suffix) <= 5):
        stem = name
    stem = stem.strip(" .")[:_NAME_STEM_MAX].strip(" .") or "document"
    return f"{stem}.{kind}"


def file_response(stored_file, *, kind: str, file_name: str) -> FileResponse:
    """Serve a stored upload as a download under its display name; views check access first."""
    response = FileResponse(
        stored_file.open("rb"),
        as_attachment=True,
        filename=file_name,
        content_type=CONTENT_TYPES.get(kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    # The files belong to the cluster: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response
