"""The work: a `Thread` about one patient, its `Message`s (replies and staff-only internal
notes) and their `Attachment`s, its `OwnershipChange` history, and its `SlaEvent`s, the record
of the promise of a first answer kept or broken."""

from __future__ import annotations

from typing import ClassVar
from uuid import uuid4

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from messaging.models.routing import Category, Pool, Urgency


class Thread(models.Model):
    """A conversation between a patient (or their caregiver) and the clinic, with a named owner
    and a committed time for the first answer."""

    Category = Category
    Urgency = Urgency

    class Status(models.TextChoices):
        # Waiting for the clinic.
        OPEN = "open", _("Waiting for the clinic")
        # The clinic has answered; waiting for the patient, if anything.
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    class SlaState(models.TextChoices):
        ON_TRACK = "on_track", _("On track")
        AT_RISK = "at_risk", _("At risk")
        BREACHED = "breached", _("Late")

    class OwnerReason(models.TextChoices):
        """Why the owner owns the thread (the latest change); the patient is told in these terms."""

        POOL = "pool", _("answers messages like this one")
        PRIMARY_CARE = "primary_care", _("is the patient's primary care provider")
        POOL_LEAD = "pool_lead", _("leads the team that answers messages like this one")
        CLAIMED = "claimed", _("took the message")
        REASSIGNED = "reassigned", _("was asked by a colleague to answer")
        BREACH = "breach", _("took over because the answer was late")
        ESCALATED = "escalated", _("was asked by the care team for a physician's answer")
        SAFETY = "safety", _("answers urgent messages")

    class Outcome(models.TextChoices):
        """How staff closed a thread (a patient or caregiver closing it leaves this empty)."""

        ANSWERED = "answered", _("Answered")
        NEEDS_VISIT = "needs_visit", _("Needs a visit")
        REFILL_HANDLED = "refill_handled", _("Refill handled")
        EMERGENCY = "emergency", _("Sent to emergency care")

    # patient, pool and owner (db_index=False) have no index of their own: composite indexes
    # below lead with each (thread_patient_list, thread_pool_inbox, thread_owner_inbox) and answer
    # the same look-ups, and every index more is upkeep on each thread the SLA sweep moves.
    patient = models.ForeignKey(
        "portal.Patient", on_delete=models.PROTECT, related_name="message_threads", db_index=False
    )
    organization = models.ForeignKey("portal.Organization", on_delete=models.PROTECT, related_name="message_threads")
    category = models.CharField(max_length=16, choices=Category.choices)
    subject = models.CharField(max_length=200)
    urgency = models.CharField(max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="threads", db_index=False)
    owner = models.ForeignKey(
        "portal.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_threads",
        db_index=False,
    )
    owner_reason = models.CharField(max_length=16, choices=OwnerReason.choices, blank=True)
    # The promise: the first answer by `first_response_due_at`; the owner is warned at `at_risk_at`.
    first_response_due_at = models.DateTimeField()
    at_risk_at = models.DateTimeField()
    sla_state = models.CharField(max_length=8, choices=SlaState.choices, default=SlaState.ON_TRACK)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    # The safety screen's findings when the patient sent anyway (red-flag groups, e.g.
    # "chest_pain"): staff see why the thread is urgent. Empty when nothing matched.
    safety_flags = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    # Confidential care of a 12-17-year-old (one she started herself, or the clinic opened from
    # her own words or a mental-health questionnaire): her caregivers never see it. Set once at
    # creation by `messaging.services.threads.confidential_start`, never recomputed. The database
    # default lets set-based inserts (the SLA benchmark's INSERT ... SELECT) leave it out.
    confidential = models.BooleanField(default=False, db_default=False)
    # From the form that started the thread: a double click or a retry finds this thread again.
    idempotency_key = models.CharField(max_length=64)

    class Meta:
        ordering: ClassVar = ["-last_message_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["patient", "idempotency_key"], name="thread_idempotency_key_unique"),
            models.CheckConstraint(condition=~models.Q(idempotency_key=""), name="thread_idempotency_key_given"),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "answered", "closed"]), name="thread_status_valid"
            ),
            # The state machine's invariants (transitions: messaging.services.threads.TRANSITIONS):
            # answered means someone answered; closed, and only closed, has a closing time.
            models.CheckConstraint(
                condition=~models.Q(status="answered") | models.Q(first_responded_at__isnull=False),
                name="thread_answered_has_response",
            ),
            models.CheckConstraint(
                condition=models.Q(status="closed", closed_at__isnull=False)
                | (~models.Q(status="closed") & models.Q(closed_at__isnull=True)),
                name="thread_closed_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(sla_state__in=["on_track", "at_risk", "breached"]), name="thread_sla_state_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="") | models.Q(status="closed"), name="thread_outcome_only_when_closed"
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=["", "answered", "needs_visit", "refill_handled", "emergency"]),
                name="thread_outcome_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(at_risk_at__lte=models.F("first_response_due_at")),
                name="thread_at_risk_before_due",
            ),
        ]
        indexes: ClassVar = [
            # The SLA sweep's two questions, each answered by a partial index holding only the
            # threads that still need that step (so a backlog of late threads costs nothing).
            models.Index(
                fields=["at_risk_at"],
                condition=models.Q(status="open", first_responded_at__isnull=True, sla_state="on_track"),
                name="thread_sla_at_risk_due",
            ),
            models.Index(
                fields=["first_response_due_at"],
                condition=models.Q(
                    status="open", first_responded_at__isnull=True, sla_state__in=["on_track", "at_risk"]
                ),
                name="thread_sla_breach_due",
            ),
            # Inboxes (per pool, "mine") sorted by due time; the least-busy owner count.
            models.Index(fields=["pool", "status", "first_response_due_at"], name="thread_pool_inbox"),
            models.Index(fields=["owner", "status", "first_response_due_at"], name="thread_owner_inbox"),
            # The patient's thread list.
            models.Index(fields=["patient", "-last_message_at"], name="thread_patient_list"),
            # Response-time metrics: an organization's threads of a period.
            models.Index(fields=["organization", "created_at"], name="thread_org_period"),
        ]

    def __str__(self) -> str:
        return f"Thread {self.pk}"

    @property
    def sla_state_now(self) -> str:
        """The promise's state as of this moment: the stored state, or later if the clock has
        passed a milestone the sweep (every minute) has not recorded yet, so no page says "on
        track" about a late answer."""
        if self.status != self.Status.OPEN or self.first_responded_at is not None:
            return self.sla_state
        now = timezone.now()
        if now >= self.first_response_due_at:
            return self.SlaState.BREACHED
        if now >= self.at_risk_at and self.sla_state == self.SlaState.ON_TRACK:
            return self.SlaState.AT_RISK
        return self.sla_state

    @property
    def late(self) -> bool:
        """Still waiting for its first answer, and past the time promised (swept or not yet)."""
        return (
            self.status == self.Status.OPEN
            and self.first_responded_at is None
            and self.sla_state_now == self.SlaState.BREACHED
        )

    @property
    def sla_state_now_label(self) -> str:
        return str(self.SlaState(self.sla_state_now).label)


class Message(models.Model):
    """One message in a thread: from the patient, a caregiver or staff; or a staff-only note."""

    class ActingAs(models.TextChoices):
        """How the author wrote (the audit log's words for the same three)."""

        SELF = "self", _("the patient")
        PROXY = "proxy", _("a caregiver")
        STAFF = "staff", _("clinic staff")
        # No person wrote it: another system's words on the clinic's behalf (`sender` says whose).
        SYSTEM = "system", _("the portal")

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    acting_as = models.CharField(max_length=8, choices=ActingAs.choices)
    # For a system's message: whose words these are ("Main Street Pharmacy's system").
    sender = models.CharField(max_length=200, blank=True, default="")
    # The job the staff author wrote in, for the signature the patient reads ("Ana Lopez, RN").
    author_staff = models.ForeignKey(
        "portal.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField()
    # Staff only, never shown to the patient or a caregiver.
    is_internal_note = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # When the patient (or a caregiver) first saw a staff reply: the read receipt.
    patient_read_at = models.DateTimeField(null=True, blank=True)
    # From the form that sent it: a double click or a retry finds this message again. Empty for
    # messages written without a form of their own (a thread's first message: the thread holds
    # that key; demo and simulated data).
    idempotency_key = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering: ClassVar = ["created_at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(acting_as__in=["self", "proxy", "staff", "system"]), name="message_acting_as_valid"
            ),
            # A person writes every message but a system's, which names its sender instead.
            models.CheckConstraint(
                condition=(models.Q(acting_as="system", author__isnull=True) & ~models.Q(sender=""))
                | (~models.Q(acting_as="system") & models.Q(author__isnull=False, sender="")),
                name="message_author_or_system_sender",
            ),
            models.CheckConstraint(
                condition=models.Q(acting_as="staff", author_staff__isnull=False)
                | (~models.Q(acting_as="staff") & models.Q(author_staff__isnull=True)),
                name="message_staff_has_role",
            ),
            models.CheckConstraint(
                condition=~models.Q(is_internal_note=True) | models.Q(acting_as="staff"),
                name="message_internal_note_by_staff",
            ),
            models.CheckConstraint(
                condition=models.Q(patient_read_at__isnull=True) | models.Q(acting_as="staff", is_internal_note=False),
                name="message_read_receipt_on_staff_reply",
            ),
            models.CheckConstraint(condition=~models.Q(body=""), name="message_body_given"),
            models.UniqueConstraint(
                fields=["thread", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="message_idempotency_key_unique",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["thread", "created_at"], name="message_thread_time"),
            # Unread counts for the patient, derived from these rows (never a stored counter).
            models.Index(
                fields=["thread"],
                condition=models.Q(acting_as="staff", is_internal_note=False, patient_read_at__isnull=True),
                name="message_unread_by_patient",
            ),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk}"


class OwnershipChange(models.Model):
    """Who owned a thread, from when, and why: the history behind "now answered by ..."."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="ownership_changes")
    from_owner = models.ForeignKey(
        "portal.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_owner = models.ForeignKey(
        "portal.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=16, choices=Thread.OwnerReason.choices)
    # Set when the thread moved to another pool with its owner (an escalation to a physician).
    from_pool = models.ForeignKey(Pool, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_pool = models.ForeignKey(Pool, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Staff's own words for a reassignment (staff only; the patient is told `reason`).
    note = models.TextField(blank=True)
    # Who made the change; empty when the portal did (routing, a breach).
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["at", "pk"]
        indexes: ClassVar = [models.Index(fields=["thread", "at"], name="ownership_change_thread_time")]

    def __str__(self) -> str:
        return f"Ownership change {self.pk}"


class SlaEvent(models.Model):
    """A promise's milestone, recorded once per thread: warned (at risk), broken (breached), and
    handed to the pool lead (escalated). The owner and pool at that moment are kept for metrics."""

    class Kind(models.TextChoices):
        AT_RISK = "at_risk", _("At risk")
        BREACHED = "breached", _("Late")
        ESCALATED = "escalated", _("Escalated")

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="sla_events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey("portal.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering: ClassVar = ["at", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["thread", "kind"], name="sla_event_once_per_kind"),
        ]
        indexes: ClassVar = [models.Index(fields=["pool", "kind", "at"], name="sla_event_pool_metrics")]

    def __str__(self) -> str:
        return f"SLA event {self.pk}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Never the patient's file name on disk (it may hold PHI); a random name under the thread.
    return f"messaging/{instance.message.thread_id}/{uuid4().hex}"


class Attachment(models.Model):
    """A file sent with a message: an image or a PDF, its type checked from its content."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    # The name the sender gave it, shown to people who may read the thread.
    name = models.CharField(max_length=200)
    # What the content is (sniffed from its first bytes), not what the name or browser claimed.
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering: ClassVar = ["pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="attachment_not_empty"),
            models.CheckConstraint(
                condition=models.Q(
                    content_type__in=["image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"]
                ),
                name="attachment_type_allowed",
            ),
        ]

    def __str__(self) -> str:
        return f"Attachment {self.pk}"
