"""The download page (the record, or part of it, as a PDF or a FHIR R4 Bundle) and the documents a report
or note carries (a PDF, an image), downloaded as the files they are."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header

from portal.access import Access, Action
from portal.models import AuditEvent
from portal.views.decorators import patient_view
from records import downloads
from records.forms.patient_sharing import FHIR, DownloadForm
from records.selectors import patient


@patient_view(Action.RECORDS)
def download(request: HttpRequest, access: Access) -> HttpResponse:
    form = DownloadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        build = downloads.fhir_export if form.cleaned_data["format"] == FHIR else downloads.pdf_export
        export = build(access=access, actor=request.user, options=form.options())  # type: ignore[arg-type]
        response = HttpResponse(export.content, content_type=export.content_type)
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=export.filename)
        patch_cache_control(response, private=True, no_store=True)
        return response
    context = {
        "access": access,
        "form": form,
        "can_share": access.acting_as == AuditEvent.ActingAs.SELF,
    }
    return render(request, "records/share/download.html", context, status=400 if form.errors else 200)


@patient_view(Action.RECORDS)
def attachment(request: HttpRequest, access: Access, item_id: int, attachment_id: int) -> HttpResponse:
    document = patient.attachment_for_download(
        access=access,
        actor=request.user,  # type: ignore[arg-type]
        item_id=item_id,
        attachment_id=attachment_id,
    )
    if document is None or not document.size:  # a file the source keeps (only its address) is not here
        raise Http404
    # Served with the type its bytes show (sniffed at import: a PDF is one only if it starts as one).
    # A PDF or a picture opens in the browser's own viewer, in a sandbox where nothing of it runs as
    # the portal; anything else downloads, so a source's file never renders as one of our pages.
    response = HttpResponse(bytes(document.data), content_type=document.content_type)
    response["Content-Disposition"] = str(
        content_disposition_header(as_attachment=not document.opens_in_browser, filename=document.filename)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if document.opens_in_browser:
        # Nothing runs as the portal: a picture is sandboxed; a PDF only gets the browser's viewer
        # (a sandbox would refuse it one), with no script or request of the portal's origin.
        response["Content-Security-Policy"] = (
            "default-src 'none'; object-src 'self'; frame-ancestors 'none'"
            if document.content_type == "application/pdf"
            else "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"
        )
    return response
