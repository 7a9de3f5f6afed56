"""Staff pages of the records app: the queue of results held for clinician review, and release."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from portal.access import Access, Action
from portal.forms import PortalForm
from portal.services.errors import ServiceError
from portal.views.decorators import patient_view, staff_view
from records.services import release

COMMENT_MAX = 2000


class ReleaseForm(PortalForm):
    comment = forms.CharField(
        label=gettext_lazy("Comment for the patient (optional)"),
        help_text=gettext_lazy("The patient sees it next to the result."),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX}),
    )


@staff_view
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    holds, total = release.review_queue(actor=request.user)  # type: ignore[arg-type]
    context = {"holds": holds, "total": total, "now": timezone.now(), "comment_max": COMMENT_MAX}
    return render(request, "records/staff/review_queue.html", context)


@staff_view
@require_GET
def review_count(request: HttpRequest) -> HttpResponse:
    """The staff home card's number (loaded in place by htmx; the card links to the queue without it)."""
    count = release.review_count(actor=request.user)  # type: ignore[arg-type]
    return render(request, "records/staff/_review_count.html", {"count": count})


@staff_view
@require_POST
@patient_view(Action.RECORDS)
def release_result(request: HttpRequest, access: Access, item_id: int) -> HttpResponse:
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The comment is too long. Keep it under %(n)s characters.") % {"n": COMMENT_MAX})
        return redirect("records_review_queue")
    try:
        hold = release.release_item(
            access=access,
            actor=request.user,  # type: ignore[arg-type]
            item_id=item_id,
            comment=form.cleaned_data["comment"],
        )
    except ServiceError as error:
        messages.info(request, error.message)
        return redirect("records_review_queue")
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "records/staff/_released.html", {"hold": hold})
    # No name or test in the message: messages may travel in a cookie.
    messages.success(request, _("Released to the patient."))
    return redirect("records_review_queue")
