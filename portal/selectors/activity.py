"""How an audit event reads on the patient's activity page: one whole, translatable sentence."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import AuditEvent, User

A = AuditEvent.Action

# One sentence per (action, object type), so each reads naturally in every language.
SENTENCES: dict[tuple[str, str], Promise] = {
    (A.VIEW, "portal.Patient"): gettext_lazy("%(who)s viewed the profile."),
    (A.SEARCH, "portal.Patient"): gettext_lazy("%(who)s found this record in a staff search."),
    (A.VIEW, "portal.ActivityLog"): gettext_lazy("%(who)s viewed the activity history."),
    (A.VIEW, "records.RecordOverview"): gettext_lazy("%(who)s viewed the health record summary."),
    (A.VIEW, "records.Results"): gettext_lazy("%(who)s viewed the test results."),
    (A.VIEW, "records.Trend"): gettext_lazy("%(who)s viewed the history of one test or measurement."),
    (A.VIEW, "records.problem"): gettext_lazy("%(who)s viewed the list of health problems."),
    (A.VIEW, "records.medication"): gettext_lazy("%(who)s viewed the list of medicines."),
    (A.VIEW, "records.allergy"): gettext_lazy("%(who)s viewed the list of allergies."),
    (A.VIEW, "records.immunization"): gettext_lazy("%(who)s viewed the list of immunizations."),
    (A.VIEW, "records.visit"): gettext_lazy("%(who)s viewed the list of past visits."),
    (A.VIEW, "records.document"): gettext_lazy("%(who)s viewed the list of documents."),
    (A.VIEW, "records.HomeCard"): gettext_lazy("%(who)s saw the newest results on the home page."),
    (A.VIEW, "scheduling.HomeCard"): gettext_lazy("%(who)s saw the next appointment on the home page."),
    (A.VIEW, "portal.ProxyGrantList"): gettext_lazy("%(who)s viewed who has caregiver access."),
    (A.GRANT, "portal.ProxyGrant"): gettext_lazy("%(who)s gave a caregiver access."),
    (A.UPDATE, "portal.ProxyGrant"): gettext_lazy("%(who)s accepted an invitation to be a caregiver."),
    (A.REVOKE, "portal.ProxyGrant"): gettext_lazy("%(who)s ended a caregiver's access."),
    (A.CREATE, "portal.PatientInvitation"): gettext_lazy("%(who)s sent an invitation to open a portal account."),
    (A.UPDATE, "portal.PatientInvitation"): gettext_lazy("%(who)s linked a portal account to this record."),
    (A.DOWNLOAD, "records.PdfExport"): gettext_lazy("%(who)s downloaded the health record as a PDF."),
    (A.DOWNLOAD, "records.FhirExport"): gettext_lazy("%(who)s downloaded the health record as a FHIR file."),
    (A.SHARE, "records.ShareLink"): gettext_lazy("%(who)s made a link to share part of the health record."),
    (A.REVOKE, "records.ShareLink"): gettext_lazy("%(who)s turned off a share link."),
    (A.VIEW, "records.ShareLinkList"): gettext_lazy("%(who)s viewed the list of share links."),
    # A share link's visitor has no account: the event's actor is empty, so no %(who)s here.
    (A.VIEW, "records.ShareLink"): gettext_lazy("Someone with a share link viewed part of the health record."),
    (A.UPDATE, "records.RecordItem"): gettext_lazy("%(who)s released a test result after review."),
    (A.UPDATE, "records.Confidentiality"): gettext_lazy("%(who)s changed which items are kept confidential."),
    (A.VIEW, "records.ReleasePreference"): gettext_lazy("%(who)s viewed when new results are shown."),
    (A.UPDATE, "records.ReleasePreference"): gettext_lazy("%(who)s changed when new results are shown."),
    (A.VIEW, "records.ReviewQueue"): gettext_lazy("%(who)s looked at results waiting for review."),
    (A.CREATE, "records.HomeReading"): gettext_lazy("%(who)s added a home reading."),
    (A.CREATE, "records.CareTask"): gettext_lazy("%(who)s asked the care team to look at something."),
    (A.UPDATE, "records.CareTask"): gettext_lazy("%(who)s finished a care team task."),
    (A.UPDATE, "records.ReadingThreshold"): gettext_lazy("%(who)s changed the limits for home readings."),
    (A.VIEW, "messaging.ThreadList"): gettext_lazy("%(who)s viewed the list of messages."),
    (A.VIEW, "messaging.Thread"): gettext_lazy("%(who)s read a message conversation."),
    (A.SEND, "messaging.Message"): gettext_lazy("%(who)s sent a message."),
    (A.UPDATE, "messaging.Thread"): gettext_lazy(
        "%(who)s changed a message conversation: who answers it, or whether it is open."
    ),
    (A.CREATE, "messaging.InternalNote"): gettext_lazy("%(who)s added a care team note to a message conversation."),
    (A.DOWNLOAD, "messaging.Attachment"): gettext_lazy("%(who)s downloaded a file sent with a message."),
    (A.VIEW, "messaging.StaffInbox"): gettext_lazy("%(who)s saw a message in a care team inbox."),
    (A.VIEW, "messaging.ChartPanel"): gettext_lazy("%(who)s looked at the health summary while answering a message."),
    (A.VIEW, "messaging.EvisitTime"): gettext_lazy("%(who)s looked at the time spent on a message conversation."),
    (A.UPDATE, "messaging.TimeEntry"): gettext_lazy("%(who)s corrected the time spent on a message conversation."),
    (A.CREATE, "messaging.EvisitClaim"): gettext_lazy("%(who)s confirmed an online visit (e-visit) for billing."),
    (A.VIEW, "messaging.EvisitReport"): gettext_lazy(
        "%(who)s listed a message conversation in the e-visit billing report."
    ),
    (A.DOWNLOAD, "messaging.EvisitReport"): gettext_lazy(
        "%(who)s downloaded the e-visit billing report with a message conversation."
    ),
    (A.VIEW, "scheduling.AppointmentList"): gettext_lazy("%(who)s viewed the appointments."),
    (A.VIEW, "scheduling.VisitTypeList"): gettext_lazy("%(who)s looked at which visits can be booked."),
    (A.VIEW, "scheduling.VisitType"): gettext_lazy("%(who)s looked at open appointment times."),
    (A.VIEW, "scheduling.Appointment"): gettext_lazy("%(who)s viewed an appointment."),
    (A.VIEW, "scheduling.WaitlistEntryList"): gettext_lazy("%(who)s viewed the waiting lists."),
    (A.CREATE, "scheduling.Appointment"): gettext_lazy("%(who)s booked an appointment."),
    (A.UPDATE, "scheduling.Appointment"): gettext_lazy("%(who)s changed an appointment."),
    (A.CREATE, "scheduling.AppointmentRequest"): gettext_lazy("%(who)s asked for an appointment."),
    (A.UPDATE, "scheduling.AppointmentRequest"): gettext_lazy("%(who)s handled an appointment request."),
    (A.CREATE, "scheduling.WaitlistEntry"): gettext_lazy("%(who)s joined a waiting list for an earlier time."),
    (A.UPDATE, "scheduling.WaitlistEntry"): gettext_lazy("%(who)s changed a place on a waiting list."),
    (A.VIEW, "refills.RefillRequest"): gettext_lazy("%(who)s viewed a refill request."),
    (A.CREATE, "refills.RefillRequest"): gettext_lazy("%(who)s asked for a refill or renewal of a medicine."),
    (A.UPDATE, "refills.RefillReview"): gettext_lazy("%(who)s started reviewing a refill request."),
    (A.UPDATE, "refills.RefillToPrescriber"): gettext_lazy("%(who)s passed a refill request to the prescriber."),
    (A.UPDATE, "refills.RefillApproval"): gettext_lazy("%(who)s approved a refill request."),
    (A.UPDATE, "refills.RefillApprovalChanged"): gettext_lazy("%(who)s approved a refill request with changes."),
    (A.UPDATE, "refills.RefillDenial"): gettext_lazy("%(who)s denied a refill request."),
    (A.UPDATE, "refills.RefillNeedsVisit"): gettext_lazy("%(who)s answered a refill request: a visit is needed first."),
    (A.UPDATE, "refills.RefillCancel"): gettext_lazy("%(who)s cancelled a refill request."),
    # A pharmacy's system has no account: the event's actor is empty, so no %(who)s here.
    (A.CREATE, "refills.PharmacyRenewal"): gettext_lazy("A pharmacy asked the clinic to renew a prescription."),
    (A.VIEW, "refills.PreferredPharmacy"): gettext_lazy("%(who)s viewed the preferred pharmacy."),
    (A.UPDATE, "refills.PreferredPharmacy"): gettext_lazy("%(who)s changed the preferred pharmacy."),
    (A.CREATE, "refills.Pharmacy"): gettext_lazy("%(who)s added a pharmacy to choose from."),
    (A.VIEW, "billing.Account"): gettext_lazy("%(who)s viewed what is owed on the bills."),
    (A.VIEW, "billing.HomeCard"): gettext_lazy("%(who)s saw what is owed on the home page."),
    (A.UPDATE, "billing.Account"): gettext_lazy("%(who)s turned paperless statements on or off."),
    (A.UPDATE, "billing.Coverage"): gettext_lazy("%(who)s changed the insurance on file for billing."),
    (A.VIEW, "billing.Statement"): gettext_lazy("%(who)s viewed a statement."),
    (A.DOWNLOAD, "billing.Statement"): gettext_lazy("%(who)s downloaded a statement."),
    (A.CREATE, "billing.Payment"): gettext_lazy("%(who)s paid a bill."),
    (A.VIEW, "billing.Payment"): gettext_lazy("%(who)s viewed a payment or its receipt."),
    (A.DOWNLOAD, "billing.Payment"): gettext_lazy("%(who)s downloaded a payment receipt."),
    (A.CREATE, "billing.PaymentPlan"): gettext_lazy("%(who)s set up a payment plan."),
    (A.UPDATE, "billing.PaymentPlan"): gettext_lazy("%(who)s cancelled a payment plan."),
    (A.VIEW, "billing.PaymentPlan"): gettext_lazy("%(who)s viewed a payment plan."),
    (A.CREATE, "billing.EstimateDue"): gettext_lazy("%(who)s asked for an estimate of what a visit will cost."),
    (A.VIEW, "billing.EstimateDue"): gettext_lazy("%(who)s viewed an estimate of costs not issued yet."),
    # Issued by the portal when asked or booked, or by billing staff: the same news for the patient.
    (A.CREATE, "billing.GoodFaithEstimate"): gettext_lazy("An estimate of what a visit will cost was issued."),
    (A.VIEW, "billing.GoodFaithEstimate"): gettext_lazy("%(who)s viewed an estimate of what a visit will cost."),
    (A.DOWNLOAD, "billing.GoodFaithEstimate"): gettext_lazy(
        "%(who)s downloaded an estimate of what a visit will cost."
    ),
    (A.CREATE, "billing.AssistanceRequest"): gettext_lazy("%(who)s asked for financial assistance with a bill."),
    (A.CREATE, "billing.BillingQuestion"): gettext_lazy("%(who)s asked the billing office a question."),
    (A.CREATE, "billing.Adjustment"): gettext_lazy("%(who)s adjusted what is owed on a bill."),
    (A.CREATE, "billing.Refund"): gettext_lazy("%(who)s refunded a payment."),
    # Any FHIR API read ("fhir.Observation", "fhir.Bundle"...): an app the patient connected.
    (A.VIEW, "fhir.*"): gettext_lazy("%(who)s read part of the health record through a connected app."),
}
# Events whose sentence depends on who acted: no account behind them, so no %(who)s.
SENTENCES_AS: dict[tuple[str, str, str], Promise] = {
    # Guest pay: someone with a paper statement's code and the patient's date of birth.
    (AuditEvent.ActingAs.SHARE_LINK, A.VIEW, "billing.Statement"): gettext_lazy(
        "Someone with a paper statement's code and the date of birth opened it to pay (guest pay)."
    ),
    (AuditEvent.ActingAs.SHARE_LINK, A.CREATE, "billing.Payment"): gettext_lazy(
        "Someone with a paper statement's code paid it (guest pay)."
    ),
    (AuditEvent.ActingAs.SHARE_LINK, A.VIEW, "billing.Payment"): gettext_lazy(
        "Someone with a paper statement's code viewed the receipt of a payment (guest pay)."
    ),
    # A payment plan's instalment, charged by the portal on its day.
    (AuditEvent.ActingAs.SYSTEM, A.CREATE, "billing.Payment"): gettext_lazy(
        "The portal charged a payment plan's monthly payment."
    ),
}
# Anything else (later apps' records) falls back to the action alone.
FALLBACK: dict[str, Promise] = {
    A.VIEW: gettext_lazy("%(who)s viewed part of the record."),
    A.SEARCH: gettext_lazy("%(who)s found this record in a search."),
    A.CREATE: gettext_lazy("%(who)s added something to the record."),
    A.UPDATE: gettext_lazy("%(who)s changed something in the record."),
    A.DELETE: gettext_lazy("%(who)s removed something from the record."),
    A.DOWNLOAD: gettext_lazy("%(who)s downloaded part of the record."),
    A.SEND: gettext_lazy("%(who)s sent a message."),
    A.SHARE: gettext_lazy("%(who)s shared part of the record."),
    A.GRANT: gettext_lazy("%(who)s gave someone access."),
    A.REVOKE: gettext_lazy("%(who)s ended someone's access."),
}


def who(event: AuditEvent, viewer: User) -> str:
    if event.actor is None:
        return _("The portal")
    if event.actor_id == viewer.pk:
        return _("You")
    name = event.actor.full_name or _("Someone")
    roles: dict[str, str] = {
        AuditEvent.ActingAs.STAFF: _("%(name)s (clinic staff)"),
        AuditEvent.ActingAs.PROXY: _("%(name)s (caregiver)"),
    }
    return roles.get(event.acting_as, "%(name)s") % {"name": name}


def describe(event: AuditEvent, viewer: User) -> str:
    family = event.object_type.split(".", 1)[0] + ".*"
    sentence = (
        SENTENCES_AS.get((event.acting_as, event.action, event.object_type))
        or SENTENCES.get((event.action, event.object_type))
        or SENTENCES.get((event.action, family))
        or FALLBACK[event.action]
    )
    return str(sentence) % {"who": who(event, viewer)}


@dataclass(frozen=True)
class Line:
    """One line of the activity page: a sentence, how many times that day, and when last."""

    sentence: str
    times: int
    latest: datetime
    today: bool


def page_lines(rows: Iterable[dict[str, Any]], viewer: User, today: date) -> list[Line]:
    """The activity page's grouped rows (`selectors.activity_lines`) as sentences: one query
    for the people named, however many lines."""
    rows = list(rows)
    actors = User.objects.in_bulk({row["actor_id"] for row in rows if row["actor_id"] is not None})
    result = []
    for row in rows:
        event = AuditEvent(
            actor=actors.get(row["actor_id"]),
            acting_as=row["acting_as"],
            action=row["action"],
            object_type=row["object_type"],
        )
        result.append(Line(describe(event, viewer), row["times"], row["latest"], row["day"] == today))
    return result
