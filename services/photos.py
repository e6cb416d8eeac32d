"""Photos of work done, attached to a line of the delivery log: what is accepted, and how a stored
photo is served back.

A photo is accepted by what it contains, never by its name or the type the browser claims: Pillow
(WeasyPrint's own image library) must recognise it as a JPEG, PNG or WebP image and find it whole
(a PDF or a script renamed .jpg, a truncated file, a picture of absurd size are refused with a
message shown next to the field). It is stored under a generated name (services.models
.delivery_photo_upload_to) with the type found, and served only through a view that checks who may
read the line.

What is stored is not the file uploaded but the picture in it, written afresh (without_metadata):
a phone's photo carries EXIF with the place it was taken (GPS), the time, the phone's make and
serial number, and the log is read by people of other councils. It is turned upright first, by the
EXIF orientation it loses.
"""

import io
import warnings
from typing import NamedTuple

from django.conf import settings
from django.core.files.base import ContentFile
from django.http import FileResponse
from PIL import Image, ImageOps, UnidentifiedImageError

from clusters.uploads import size_label

CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
ACCEPT = ".jpg,.jpeg,.png,.webp," + ",".join(CONTENT_TYPES.values())
WRONG_TYPE = "The selected file must be a photo: a JPEG, PNG or WebP image"
TOO_LARGE = "The selected photo has too many pixels: use one of 80 megapixels or fewer"
DAMAGED = "The selected photo is damaged: choose another"


class PhotoError(Exception):
    """A file the rules refuse; its message is shown next to the field."""


class PhotoCheck(NamedTuple):
    kind: str  # "jpeg", "png" or "webp"


def check_photo(file) -> PhotoCheck:
    """The kind of an uploaded photo, judged by its content; or PhotoError."""
    max_bytes = settings.CLUSTER_UPLOAD_MAX_BYTES
    # A file stopped while it streamed (config.uploads.RefusedUpload) is over the limit whatever size
    # it says it has.
    if getattr(file, "refused", False) or file.size > max_bytes:
        raise PhotoError(f"The selected photo must be smaller than {size_label(max_bytes)}")
    if not file.size:
        raise PhotoError("The selected file is empty")
    try:
        file.seek(0)
        with warnings.catch_warnings():
            # Pillow warns, then raises, past its pixel limit (about 89 megapixels; a phone's photo
            # is 12-50): a decompression bomb, refused either way.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file, formats=["JPEG", "PNG", "WEBP"]) as image:
                kind = image.format.lower()
                # Checks what the format allows without decoding the picture (PNG's checksums).
                image.verify()
    except UnidentifiedImageError:
        raise PhotoError(WRONG_TYPE) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(TOO_LARGE) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # What Pillow raises for a file that starts like an image and is not one.
        raise PhotoError(DAMAGED) from None
    finally:
        file.seek(0)
    return PhotoCheck(kind)


# What a stored photo keeps of the original's metadata: its colours (an ICC profile says how to show
# them, nothing of who or where) and a palette PNG's transparent colour.
KEPT_INFO = ("icc_profile", "transparency")


def without_metadata(file, kind: str) -> ContentFile:
    """The picture of a photo check_photo accepted, upright, re-encoded in its own format with none
    of the original's metadata (EXIF, XMP, comments, text chunks): what is stored."""
    file.seek(0)
    try:
        with Image.open(file, formats=[kind.upper()]) as image:
            upright = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, EOFError):
        # Decoding finds what check_photo's verify does not look at (a JPEG cut short).
        raise PhotoError(DAMAGED) from None
    finally:
        file.seek(0)
    # Pillow writes some metadata from the image's info when saving (a JPEG's comment): only what
    # KEPT_INFO names is left there, and no exif/xmp is passed to save.
    upright.info = {key: upright.info[key] for key in KEPT_INFO if key in upright.info}
    out = io.BytesIO()
    # 90: a JPEG or WebP decoded and encoded again loses next to nothing a log photo needs.
    options = {"quality": 90} if kind in ("jpeg", "webp") else {}
    upright.save(out, format=kind.upper(), icc_profile=upright.info.get("icc_profile"), **options)
    return ContentFile(out.getvalue())


def photo_response(stored_file, *, kind: str, name: str) -> FileResponse:
    """Serve a stored photo inline under a name of our making; views check access first."""
    response = FileResponse(
        stored_file.open("rb"),
        filename=f"{name}.{'jpg' if kind == 'jpeg' else kind}",
        content_type=CONTENT_TYPES.get(kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    # The photo belongs to the council's records: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response
