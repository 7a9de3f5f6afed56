"""A payment receipt as PDF (WeasyPrint), in the patient's language, dates in the clinic's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from billing.models import Payment
from portal.models import Patient


def render(*, payment: Payment, patient: Patient, now: datetime) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango costs time every other page can skip

    zone = ZoneInfo(payment.account.organization.time_zone)
    with translation.override(patient.preferred_language), timezone.override(zone):
        html = render_to_string(
            "billing/pdf/receipt.html",
            {
                "payment": payment,
                "patient": patient,
                "generated": timezone.localtime(now),
                "language": translation.get_language(),
            },
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
