"""A statement as PDF (WeasyPrint), in the patient's language, dates in the clinic's time zone."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from billing.models import Statement
from portal.links import absolute
from portal.models import Patient

# WeasyPrint reports each layout step at INFO; the request log already says a download happened.
logging.getLogger("weasyprint").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)


def render(*, statement: Statement, patient: Patient, now: datetime) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango costs time every other page can skip

    zone = ZoneInfo(statement.account.organization.time_zone)
    with translation.override(patient.preferred_language), timezone.override(zone):
        html = render_to_string(
            "billing/pdf/statement.html",
            {
                "statement": statement,
                "patient": patient,
                "generated": timezone.localtime(now),
                "language": translation.get_language(),
                "guest_url": absolute(reverse("billing_guest")),
            },
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
