"""A patient's request for more of one medicine, its status as data with the one transition map
beside it, its timeline as rows, and the message an approval sends to the pharmacy."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# The values the database accepts (the check constraints below; Meta cannot see the choices classes).
STATUS_VALUES = ["submitted", "in_review", "approved", "approved_changed", "denied", "needs_visit", "sent", "cancelled"]
EVENT_KINDS = [*STATUS_VALUES, "to_prescriber"]


class RefillRequest(models.Model):
    """One medicine asked for by the patient side. Several medicines sent together share a
    `submission` and one conversation (`thread`) with its named owner and answer time."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        APPROVED_WITH_CHANGES = "approved_changed", _("Approved with changes")
        DENIED = "denied", _("Denied")
        NEEDS_VISIT = "needs_visit", _("Needs a visit")
        SENT = "sent", _("Sent to the pharmacy")
        CANCELLED = "cancelled", _("Cancelled")

    class Kind(models.TextChoices):
        REFILL = "refill", _("Refill")
        RENEWAL = "renewal", _("Renewal")

    class DenialReason(models.TextChoices):
        NOT_TAKING = "not_taking", _("The care team's record says you should no longer take this medicine.")
        NEEDS_TESTS = "needs_tests", _("A test is needed first; we will tell you which one.")
        CHANGED = "changed", _("Your prescriber changed your treatment; ask them about the new plan.")
        OTHER_PRESCRIBER = "other_prescriber", _("Another prescriber manages this medicine; ask them for it.")
        TOO_SOON = "too_soon", _("It is too soon: your last supply should last longer.")

    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey("portal.Organization", on_delete=models.PROTECT, related_name="+")
    submission = models.UUIDField()
    # The medicine as the record's pages group it (records' dedup key) and names it.
    medication_key = models.CharField(max_length=300)
    medication_name = models.CharField(max_length=300)
    rxnorm_code = models.CharField(max_length=16, blank=True)
    # The prescription this asks to continue (the newest of this clinic for the medicine).
    prescription = models.ForeignKey("records.RecordItem", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # A teenager's confidential medicine: her caregivers never see the request (as the record item).
    confidential = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    pharmacy = models.ForeignKey("refills.Pharmacy", on_delete=models.PROTECT, related_name="+")
    days_supply = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(365)])
    note = models.TextField(blank=True)
    thread = models.ForeignKey("messaging.Thread", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    protocol = models.ForeignKey(
        "refills.RefillProtocol", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who must decide: a nurse or MA under protocol, or the prescriber.
    needs_prescriber = models.BooleanField(default=False)
    # Who asked: someone on the patient side, or a pharmacy's system (a renewal it sent, with its
    # own message id: the same message again finds this request).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pharmacy_client = models.ForeignKey(
        "refills.PharmacyClient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pharmacy_message_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    denial_reason = models.CharField(max_length=16, choices=DenialReason.choices, blank=True)
    change_note = models.CharField(max_length=500, blank=True)
    approved_days_supply = models.PositiveSmallIntegerField(null=True, blank=True)
    # The new prescription the approval wrote in the record (records.services.prescriptions).
    new_prescription = models.ForeignKey(
        "records.RecordItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64)
    # "Renew my long-term medicines to my annual visit": the day every aligned medicine should
    # last until, and the refills that carry it there (its days' supply a fill).
    align_to = models.DateField(null=True, blank=True)
    refills_asked = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(11)])
    # "Needs a visit" with a short bridge supply until then: written and sent like an approval.
    bridge_days_supply = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )

    class Meta:
        ordering: ClassVar = ["-created_at", "pk"]
        indexes: ClassVar = [models.Index(fields=["organization", "status", "created_at"], name="refill_queue")]
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(status__in=STATUS_VALUES), name="refill_status_known"),
            # At most one open request per medicine per patient: a race of two submits makes one.
            models.UniqueConstraint(
                fields=["patient", "medication_key"],
                condition=models.Q(status__in=["submitted", "in_review", "approved", "approved_changed"]),
                name="refill_one_open_per_medicine",
                violation_error_message=_("This medicine has already been requested."),
            ),
            models.UniqueConstraint(
                fields=["patient", "idempotency_key", "medication_key"], name="refill_idempotent_submission"
            ),
            models.CheckConstraint(
                condition=models.Q(requested_by__isnull=False, pharmacy_client__isnull=True, pharmacy_message_id="")
                | models.Q(requested_by__isnull=True, pharmacy_client__isnull=False)
                & ~models.Q(pharmacy_message_id=""),
                name="refill_requested_by_one",
            ),
            models.UniqueConstraint(
                fields=["pharmacy_client", "pharmacy_message_id", "medication_key"],
                condition=models.Q(pharmacy_client__isnull=False),
                name="refill_pharmacy_message_once",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="denied") | ~models.Q(denial_reason=""), name="refill_denial_has_reason"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved_changed") | ~models.Q(change_note=""),
                name="refill_change_is_described",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["submitted", "in_review", "cancelled"])
                | models.Q(decided_by__isnull=False, decided_at__isnull=False),
                name="refill_decision_is_signed",
            ),
            models.CheckConstraint(
                condition=models.Q(bridge_days_supply__isnull=True)
                | models.Q(status="needs_visit", bridge_days_supply__lte=90),
                name="refill_bridge_only_with_needs_visit",
            ),
            models.CheckConstraint(condition=models.Q(refills_asked__lte=11), name="refill_refills_asked_range"),
        ]

    def __str__(self) -> str:
        return f"{self.medication_name} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


Status = RefillRequest.Status
OPEN = frozenset({Status.SUBMITTED, Status.IN_REVIEW, Status.APPROVED, Status.APPROVED_WITH_CHANGES})
DECIDABLE = frozenset({Status.SUBMITTED, Status.IN_REVIEW})

# The only moves a request makes; the services refuse any other.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.SUBMITTED: frozenset(
        {
            Status.IN_REVIEW,
            Status.APPROVED,
            Status.APPROVED_WITH_CHANGES,
            Status.DENIED,
            Status.NEEDS_VISIT,
            Status.CANCELLED,
        }
    ),
    Status.IN_REVIEW: frozenset(
        {Status.APPROVED, Status.APPROVED_WITH_CHANGES, Status.DENIED, Status.NEEDS_VISIT, Status.CANCELLED}
    ),
    Status.APPROVED: frozenset({Status.SENT}),
    Status.APPROVED_WITH_CHANGES: frozenset({Status.SENT}),
    Status.DENIED: frozenset(),
    Status.NEEDS_VISIT: frozenset(),
    Status.SENT: frozenset(),
    Status.CANCELLED: frozenset(),
}


class RefillEvent(models.Model):
    """One step of a request's timeline, as it happened."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        TO_PRESCRIBER = "to_prescriber", _("Passed to the prescriber")
        APPROVED = "approved", _("Approved")
        APPROVED_WITH_CHANGES = "approved_changed", _("Approved with changes")
        DENIED = "denied", _("Denied")
        NEEDS_VISIT = "needs_visit", _("Needs a visit")
        SENT = "sent", _("Sent to the pharmacy")
        CANCELLED = "cancelled", _("Cancelled")

    request = models.ForeignKey(RefillRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering: ClassVar = ["at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(kind__in=EVENT_KINDS), name="refill_event_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class PharmacyMessage(models.Model):
    """The prescription an approval sends to the pharmacy: written in the approval's transaction,
    delivered after commit by a worker through the configured gateway, retried by a sweep, and
    sent at most once (the row is locked while sending and stamped in the same transaction)."""

    request = models.OneToOneField(RefillRequest, on_delete=models.CASCADE, related_name="pharmacy_message")
    pharmacy = models.ForeignKey("refills.Pharmacy", on_delete=models.PROTECT, related_name="+")
    payload = models.JSONField()
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    gateway_reference = models.CharField(max_length=100, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(sent_at__isnull=True), name="pharmacy_message_due"
            )
        ]

    def __str__(self) -> str:
        return f"pharmacy message {self.pk}"
