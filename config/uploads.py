"""Uploads refused while they stream: a file stops being read once it passes the largest size any
form accepts (settings.UPLOAD_MAX_BYTES), so a 2 GB upload costs 10 MB of reading, not 2 GB of disk.

The refused file is not simply dropped: a ``RefusedUpload`` stands in its place in ``request.FILES``,
with no content and a size over the limit, so that the form it was meant for answers with its usual
"The file must be smaller than …" next to the field rather than "Select a file".
"""

import io

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http.multipartparser import MultiPartParser


class RefusedUpload(UploadedFile):
    """A file that passed the limit while it streamed: its name and how much of it arrived."""

    refused = True

    def __init__(self, name, content_type, size, charset=None):
        super().__init__(io.BytesIO(), name=name, content_type=content_type, size=size, charset=charset)


class UploadLimitHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: passes each chunk on to the handlers that store it until the
    file passes the limit, then stops the upload (the rest of the body is not read)."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = settings.UPLOAD_MAX_BYTES
        self.refused: list[tuple[str, RefusedUpload]] = []
        self._parsing = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # A body declared larger than any form could want is refused before a byte of it is read.
        if content_length > settings.UPLOAD_REQUEST_MAX_BYTES:
            raise RequestDataTooBig("The request is larger than UPLOAD_REQUEST_MAX_BYTES.")
        if self._parsing:
            return None
        # Parse here, with every handler (this one included), so that the refused files can be put
        # into FILES afterwards: Django's parser keeps no file it stopped.
        self._parsing = True
        post, files = MultiPartParser(META, input_data, self.request.upload_handlers, encoding).parse()
        for field_name, placeholder in self.refused:
            files.appendlist(field_name, placeholder)
        return post, files

    def receive_data_chunk(self, raw_data, start):
        received = start + len(raw_data)
        if received > self.limit:
            self.refused.append(
                (self.field_name, RefusedUpload(self.file_name, self.content_type, received, self.charset))
            )
            # connection_reset: the rest of the body is left unread.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        # The handlers after this one store the file.
        return None
