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
    if document is None:
        raise Http404
    # Served with the type its bytes show (sniffed at import), always as a download: a source's
    # file never renders inside the portal's pages.
    response = HttpResponse(bytes(document.data), content_type=document.content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=document.filename)
    response["Cache-Control"] = "private, no-store"
    return response
