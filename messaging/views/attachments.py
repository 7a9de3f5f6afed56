"""The one way an attachment leaves the portal, for the patient's pages and staff's alike."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header

from messaging.models import Attachment


def attachment_response(attachment: Attachment) -> HttpResponse:
    """The file as a download (never shown inline: a PDF or image opened in the portal's origin
    could run script), of the type its content was checked to be. Files are at most 10 MB, so
    they are read whole."""
    try:
        with attachment.file.open("rb") as file:
            content = file.read()
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = HttpResponse(content, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
