"""Photos of work done, attached to a line of the delivery log: what is accepted, and how a stored
photo is served back.

A photo is accepted by what it contains, never by its name or the type the browser claims: Pillow
(WeasyPrint's own image library) must recognise it as a JPEG, PNG or WebP image and find it whole
(a PDF or a script renamed .jpg, a truncated file, a picture of absurd size are refused with a
message shown next to the field). It is stored under a generated name (services.models
.delivery_photo_upload_to) with the type found, and served only through a view that checks who may
read the line.
"""

import warnings
from typing import NamedTuple

from django.conf import settings
from django.http import FileResponse
from PIL import Image, UnidentifiedImageError

from clusters.uploads import size_label

CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
ACCEPT = ".jpg,.jpeg,.png,.webp," + ",".join(CONTENT_TYPES.values())
WRONG_TYPE = "The selected file must be a photo: a JPEG, PNG or WebP image"
TOO_LARGE = "The selected photo has too many pixels: use one of 80 megapixels or fewer"


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
        raise PhotoError("The selected photo is damaged: choose another") from None
    finally:
        file.seek(0)
    return PhotoCheck(kind)


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
