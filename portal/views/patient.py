"""The patient's pages in the portal shell: where "/" sends each person, the sections later apps
fill, activity. The patient's home page itself is the summaries app's (summaries/views/patient.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.access import Access, Action, is_staff_user
from portal.models import AuditEvent
from portal.selectors import patient as patient_selectors
from portal.selectors.activity import page_lines
from portal.views.decorators import patient_view

# The sections of the patient's navigation that later apps own, and what each will hold.
SECTIONS = {
    "record": (
        Action.RECORDS,
        _("Health record"),
        _(
            "Your results, problems, medications, allergies, immunizations, visits and documents "
            "from every clinic, lab and hospital that holds a piece of your care, each with its source."
        ),
    ),
    "messages": (
        Action.MESSAGING,
        _("Messages"),
        _("Write to your care team. Every message will show who is answering it and by when."),
    ),
    "appointments": (
        Action.SCHEDULING,
        _("Appointments"),
        _("Book, change or cancel visits where your clinic allows it, or ask for one where it does not."),
    ),
    "medications": (
        Action.REFILLS,
        _("Medications"),
        _("Your medicines and refill requests, with each step of a refill shown as it happens."),
    ),
    "billing": (
        Action.BILLING,
        _("Billing"),
        _("Your statements in plain words, payments, payment plans and receipts."),
    ),
}

# The same, for someone acting for the patient (a caregiver, staff): the patient's name, not "your".
FOR_OTHERS = {
    "record": _(
        "%(name)s's results, problems, medications, allergies, immunizations, visits and documents "
        "from every clinic, lab and hospital that holds a piece of their care, each with its source."
    ),
    "messages": _("Write to %(name)s's care team. Every message will show who is answering it and by when."),
    "appointments": _(
        "Book, change or cancel %(name)s's visits where the clinic allows it, or ask for one where it does not."
    ),
    "medications": _("%(name)s's medicines and refill requests, with each step of a refill shown as it happens."),
    "billing": _("%(name)s's statements in plain words, payments, payment plans and receipts."),
}


def section_text(slug: str, access: Access) -> str:
    """What a section holds, said to the reader: "Your results..." to the patient, "Ana's
    results..." to anyone acting for her."""
    if access.acting_as == AuditEvent.ActingAs.SELF:
        return str(SECTIONS[slug][2])
    return str(FOR_OTHERS[slug] % {"name": access.patient.preferred_name or access.patient.given_name})


# Sections whose app has arrived under another path: the navigation's link goes there (by URL
# name, so the portal imports no app), after the access check, so a stranger still gets 404.
LIVE_PAGES = {"medications": "refills_home"}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to where their work is: staff to their queues, patients to their home."""
    people = patient_selectors.people_i_act_for(request.user)  # type: ignore[arg-type]
    chosen = request.session.get("acting_for")
    for person in people:
        if str(person.pk) == chosen:
            return redirect("patient_home", patient_id=person.pk)
    if people:
        return redirect("patient_home", patient_id=people[0].pk)
    if is_staff_user(request.user):
        return redirect("staff_home")
    return redirect("welcome")


def section(request: HttpRequest, patient_id: object, slug: str) -> HttpResponse:
    """A section of the patient's navigation whose content arrives with its own app."""
    if slug not in SECTIONS:
        raise Http404
    action, title, _text = SECTIONS[slug]

    @patient_view(action)
    def show(request: HttpRequest, access: Access) -> HttpResponse:
        if slug in LIVE_PAGES:
            return redirect(LIVE_PAGES[slug], patient_id=access.patient.pk)
        context = {"access": access, "title": title, "text": section_text(slug, access)}
        return render(request, "portal/section.html", context)

    return show(request, patient_id)


@patient_view(Action.ACTIVITY)
def activity(request: HttpRequest, access: Access) -> HttpResponse:
    rows = patient_selectors.activity_lines(access=access, actor=request.user)  # type: ignore[arg-type]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    lines = page_lines(page.object_list, request.user, timezone.localdate())  # type: ignore[arg-type]
    return render(request, "portal/activity.html", {"access": access, "page": page, "lines": lines})
