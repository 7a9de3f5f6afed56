"""Deciding an uncertain patient match: link to a patient, add a new patient, or dismiss."""

from __future__ import annotations

from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.models import AuditEvent, Patient, User
from portal.services.errors import ServiceError
from records.models import MatchReview, RecordItem, SourcePatientLink, SourceRecord


def _attach(review: MatchReview, patient: Patient, how: str) -> int:
    """Link the source's patient id and hand every waiting record to the patient."""
    SourcePatientLink.objects.create(
        source=review.source, source_patient_id=review.source_patient_id, patient=patient, matched_by=how
    )
    waiting = SourceRecord.objects.filter(source=review.source, subject_id=review.source_patient_id)
    RecordItem.objects.filter(record__in=waiting).update(patient=patient)
    return waiting.update(patient=patient)


@transaction.atomic
def match_review_decide(*, review_id: int, actor: User, decision: str, patient_id: UUID | None = None) -> MatchReview:
    """`decision` is "link" (to `patient_id`, one of the candidates), "create" or "dismiss"."""
    review = MatchReview.objects.select_for_update().select_related("source").filter(pk=review_id).first()
    if review is None or review.status != MatchReview.Status.PENDING:
        raise ServiceError(_("This match has already been decided."))
    if decision == "link":
        patient = review.candidates.filter(pk=patient_id).first() if patient_id else None
        if patient is None:
            raise ServiceError(_("Choose one of the suggested patients."), field="patient")
        moved = _attach(review, patient, "review")
        review.status = MatchReview.Status.LINKED
    elif decision == "create":
        patient = Patient.objects.create(
            home_organization=review.source,
            mrn=review.source_patient_id[:64],
            given_name=review.given_name,
            family_name=review.family_name,
            birth_date=review.birth_date,
            gender=review.gender if review.gender in Patient.Gender.values else Patient.Gender.UNKNOWN,
        )
        moved = _attach(review, patient, "created")
        review.status = MatchReview.Status.CREATED
    elif decision == "dismiss":
        patient, moved = None, 0
        review.status = MatchReview.Status.DISMISSED
    else:
        raise ServiceError(_("Choose what to do with this match."))
    review.decided_by, review.decided_at = actor, timezone.now()
    review.save(update_fields=["status", "decided_by", "decided_at"])
    if patient is not None:
        audit.record(
            actor=actor,
            patient=patient,
            action=AuditEvent.Action.UPDATE,
            obj=review,
            acting_as=AuditEvent.ActingAs.STAFF,
            object_id=f"{review.pk}:{moved}",
        )
    return review
