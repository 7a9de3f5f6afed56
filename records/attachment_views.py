"""The documents a report or note carries (a PDF, an image), downloaded as the files they are."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

from portal.access import Access, Action
from portal.views.decorators import patient_view
from records import selectors


@patient_view(Action.RECORDS)
def attachment(request: HttpRequest, access: Access, item_id: int, attachment_id: int) -> HttpResponse:
    document = selectors.attachment_for_download(
        access=access,
        actor=request.user,  # type: ignore[arg-type]
        item_id=item_id,
        attachment_id=attachment_id,
    )
    if document is None:
        raise Http404
    # Served with the type its bytes show (sniffed at import), always as a download: a source's
    # file never renders inside the portal's pages.
    response = HttpResponse(bytes(document.data), content_type=document.content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=document.filename)
    response["Cache-Control"] = "private, no-store"
    return response
