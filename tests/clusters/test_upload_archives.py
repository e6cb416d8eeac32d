"""Archives (DOCX, ODT) whose small members declare a huge size are refused without being
decompressed; one that lies about a member's size is refused without being decompressed beyond the
size it declared."""

import io
import struct
import zipfile

import pytest

from clusters.uploads import WRONG_TYPE, UploadError, check_upload
from tests.clusters.test_uploads import DOCX_CONTENT_TYPES, docx_bytes, odt_bytes, upload

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
HUGE = 50 * 1024 * 1024


@pytest.fixture
def reads(monkeypatch):
    """Every member the check opens (ZipFile.read goes through ZipFile.open)."""
    opened = []
    real_open = zipfile.ZipFile.open

    def spy(self, name, mode="r", *args, **kwargs):
        if mode == "r":  # not the writes that build the test archives
            opened.append(getattr(name, "filename", name))
        return real_open(self, name, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    return opened


def _archive(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _declare_size(content: bytes, member: str, size: int) -> bytes:
    """The archive with `member`'s uncompressed size rewritten in its local and central headers."""
    data = bytearray(content)
    name = member.encode()
    local = data.find(b"PK\x03\x04")
    while local != -1:
        name_length = struct.unpack_from("<H", data, local + 26)[0]
        if bytes(data[local + 30 : local + 30 + name_length]) == name:
            struct.pack_into("<I", data, local + 22, size)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46 : central + 46 + name_length]) == name:
            struct.pack_into("<I", data, central + 24, size)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def test_an_odt_whose_mimetype_declares_a_huge_size_is_refused_unread(reads):
    # A real bomb: the first member decompresses to 50 MB of zeros after the expected text.
    bomb = _archive([("mimetype", ODT_MIMETYPE + b"\0" * HUGE), ("content.xml", b"<x/>")])
    assert len(bomb) < 100_000
    with pytest.raises(UploadError, match=WRONG_TYPE):
        check_upload(upload("bomb.odt", bomb))
    assert "mimetype" not in reads


def test_an_odt_whose_mimetype_only_claims_a_huge_size_is_refused_unread(reads):
    claimed = _declare_size(odt_bytes(), "mimetype", HUGE)
    with zipfile.ZipFile(io.BytesIO(claimed)) as archive:
        assert archive.getinfo("mimetype").file_size == HUGE
    with pytest.raises(UploadError, match=WRONG_TYPE):
        check_upload(upload("claims.odt", claimed))
    assert "mimetype" not in reads


def test_a_docx_whose_content_types_declares_a_huge_size_is_refused_unread(reads):
    padded = DOCX_CONTENT_TYPES.replace(b"</Types>", b"<!--" + b" " * HUGE + b"--></Types>")
    bomb = docx_bytes(content_types=padded)
    assert len(bomb) < 200_000
    with pytest.raises(UploadError, match=WRONG_TYPE):
        check_upload(upload("bomb.docx", bomb))
    assert "[Content_Types].xml" not in reads


def test_a_docx_whose_content_types_only_claims_a_huge_size_is_refused_unread(reads):
    claimed = _declare_size(docx_bytes(), "[Content_Types].xml", HUGE)
    with pytest.raises(UploadError, match=WRONG_TYPE):
        check_upload(upload("claims.docx", claimed))
    assert "[Content_Types].xml" not in reads


def test_a_member_that_hides_a_bomb_behind_a_small_declared_size_is_refused(reads):
    # The headers say the mimetype is the expected 39 bytes; the data inflates to 50 MB. Reading
    # stops at the declared size and the checksum no longer matches: refused, and quickly.
    bomb = _archive([("mimetype", ODT_MIMETYPE + b"\0" * HUGE), ("content.xml", b"<x/>")])
    lying = _declare_size(bomb, "mimetype", len(ODT_MIMETYPE))
    with pytest.raises(UploadError, match=WRONG_TYPE):
        check_upload(upload("lying.odt", lying))
    assert reads == ["mimetype"]


def test_the_honest_archives_are_still_read_and_accepted(reads):
    assert check_upload(upload("a.odt", odt_bytes())).kind == "odt"
    assert check_upload(upload("a.docx", docx_bytes())).kind == "docx"
    assert reads == ["mimetype", "[Content_Types].xml"]
