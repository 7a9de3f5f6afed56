"""Share links: the patient's page to make, list and turn off links (the page a link opens is views/public.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.access import Access, Action
from portal.models import AuditEvent
from portal.services.errors import ServiceError
from portal.views.decorators import patient_view
from records.downloads import clinic_zone
from records.forms.patient_sharing import ShareLinkForm
from records.services import sharing


def _patient_only(access: Access) -> None:
    """Share links are the patient's own act: caregivers and staff get the same 404 as strangers."""
    if access.acting_as != AuditEvent.ActingAs.SELF:
        raise Http404


@patient_view(Action.RECORDS)
def share_links(request: HttpRequest, access: Access) -> HttpResponse:
    _patient_only(access)
    form = ShareLinkForm(request.POST or None)
    new_link = None
    if request.method == "POST" and form.is_valid():
        try:
            link, token = sharing.share_link_create(
                access=access,
                actor=request.user,  # type: ignore[arg-type]
                label=form.cleaned_data["label"],
                sections=form.chosen_sections(),
                days=form.cleaned_data["days"],
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            # Shown on this response only (no redirect): the token is never stored, not even in the session.
            new_link = {"link": link, "url": settings.SITE_URL + reverse("shared_record", kwargs={"token": token})}
            form = ShareLinkForm()
    rows = sharing.share_links_for(access=access, actor=request.user)  # type: ignore[arg-type]
    context = {
        "access": access,
        "form": form,
        "new_link": new_link,
        "active": [row for row in rows if row.status == sharing.Status.ACTIVE],
        "ended": [row for row in rows if row.status != sharing.Status.ACTIVE],
    }
    with timezone.override(clinic_zone(access.patient)):
        response = render(request, "records/share/links.html", context, status=400 if form.errors else 200)
    if new_link:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@patient_view(Action.RECORDS)
def revoke(request: HttpRequest, access: Access, link_id: int) -> HttpResponse:
    _patient_only(access)
    try:
        link = sharing.share_link_revoke(access=access, actor=request.user, link_id=link_id)  # type: ignore[arg-type]
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The link for %(label)s no longer works.") % {"label": link.label})
    return redirect("record_share", patient_id=access.patient.pk)
