"""Messaging: threads and messages, who owns each thread, and the promise of when it is answered.

Configuration (administrators): each organization's `BusinessCalendar` (weekly `BusinessHours`,
`Holiday`s, the organization's time zone), its `Pool`s of staff, `RoutingRule`s from a
thread's category to a pool, and `SlaPolicy`s saying how many business minutes a first
answer may take.

The work: a `Thread` about one patient, its `Message`s (replies and staff-only internal
notes), its `OwnershipChange` history, and its `SlaEvent`s, the record of the promise of a
first answer kept or broken. A `SetupAlert` says where missing configuration made the portal
fall back (an unrouted category, no SLA policy, a pool nobody staffs), so nothing fails
silently.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import uuid4

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal.choices import Weekday

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

# -- configuration: calendar, pools, routing, SLA ------------------------------------------------


class BusinessCalendar(models.Model):
    """When an organization answers messages. Its time zone is the organization's."""

    organization = models.OneToOneField(
        "portal.Organization", on_delete=models.CASCADE, related_name="business_calendar"
    )

    class Meta:
        verbose_name = _("business calendar")

    def __str__(self) -> str:
        return f"Business calendar of organization {self.organization_id}"


class OpeningPeriod(models.Func):
    """[opens, closes) as a PostgreSQL tsrange on a fixed date, so the database can refuse two
    overlapping periods on one weekday (there is no built-in time range type). A period that
    closes at 00:00 runs to midnight at the end of its day."""

    output_field = DateTimeRangeField()

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        opens_sql, opens_params = compiler.compile(self.source_expressions[0])
        closes_sql, closes_params = compiler.compile(self.source_expressions[1])
        sql = (
            f"tsrange(DATE '2000-01-03' + {opens_sql}, DATE '2000-01-03' + {closes_sql} "
            f"+ CASE WHEN {closes_sql} = TIME '00:00' THEN INTERVAL '1 day' ELSE INTERVAL '0' END, '[)')"
        )
        return sql, [*opens_params, *closes_params, *closes_params]


class BusinessHours(models.Model):
    """One opening period on one weekday; a day may have several (a split shift)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"), help_text=_("00:00 means midnight at the end of the day."))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering: ClassVar = ["weekday", "opens"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="business_hours_weekday_valid"),
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")) | models.Q(closes=time(0)),
                name="business_hours_close_after_open",
            ),
            # Needs the btree_gist extension (for the equality parts), created by migration 0001.
            ExclusionConstraint(
                name="business_hours_no_overlap",
                expressions=[
                    ("calendar", RangeOperators.EQUAL),
                    ("weekday", RangeOperators.EQUAL),
                    (OpeningPeriod("opens", "closes"), RangeOperators.OVERLAPS),
                ],
                violation_error_message=_("These hours overlap other hours on the same day."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Holiday(models.Model):
    """A whole day the organization is closed: the SLA clock does not run."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("holiday")
        ordering: ClassVar = ["date"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_one_per_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class Pool(models.Model):
    """A group of staff who answer one kind of message together, with a lead who takes over
    when an answer is late."""

    class Kind(models.TextChoices):
        FRONT_DESK = "front_desk", _("Front desk")
        NURSE_TRIAGE = "nurse_triage", _("Nurse triage")
        PHYSICIAN_INBOX = "physician_inbox", _("Physician inbox")
        BILLING = "billing", _("Billing")
        SCHEDULING = "scheduling", _("Scheduling")
        FALLBACK = "fallback", _("Fallback (messages no rule routes)")
        # Clinicians who cover outside opening hours: safety-flagged messages sent while the
        # clinic is closed go here (messaging.services.routing), with a wall-clock promise.
        ON_CALL = "on_call", _("On call (urgent messages after hours)")

    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="message_pools")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    lead = models.ForeignKey(
        "portal.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("lead"),
        help_text=_("Takes over a thread whose first answer is late."),
    )
    members = models.ManyToManyField(
        "portal.StaffMember", blank=True, related_name="message_pools", verbose_name=_("members")
    )

    class Meta:
        verbose_name = _("pool")
        ordering: ClassVar = ["organization", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organization", "name"], name="pool_name_unique_per_org"),
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(kind="fallback"),
                name="pool_one_fallback_per_org",
                violation_error_message=_("This organization already has a fallback pool."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.TextChoices):
    """What a thread is about, as the patient chooses it. Each has one line of guidance."""

    APPOINTMENT = "appointment", _("Appointment question")
    REFILL = "refill", _("Prescription refill")
    BILLING = "billing", _("Billing question")
    TEST_RESULT = "test_result", _("Question about a test result")
    NEW_SYMPTOM = "new_symptom", _("New symptom or health problem")
    FORM_LETTER = "form_letter", _("Form or letter")
    OTHER = "other", _("Something else")

    @property
    def guidance(self) -> Promise:
        return CATEGORY_GUIDANCE[self]


# What the patient reads under each choice. Not an emergency channel: the safety screen says so too.
CATEGORY_GUIDANCE: dict[str, Promise] = {
    Category.APPOINTMENT: _("A visit you have booked, or want to book, change or cancel."),
    Category.REFILL: _("More of a medicine you already take. For a new problem, choose a new symptom."),
    Category.BILLING: _("A bill, a payment or your insurance."),
    Category.TEST_RESULT: _("A result you can see in your record and want explained."),
    Category.NEW_SYMPTOM: _("A new or changing health problem that is not an emergency. In an emergency, call 911."),
    Category.FORM_LETTER: _("A form to fill in or a letter from your care team, for work, school or insurance."),
    Category.OTHER: _("Anything else. We will pass it to the right person."),
}


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class RoutingRule(models.Model):
    """Which pool answers threads of one category at one organization."""

    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="routing_rules")
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="routing_rules", verbose_name=_("pool"))

    class Meta:
        verbose_name = _("routing rule")
        ordering: ClassVar = ["organization", "category"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organization", "category"],
                name="routing_rule_one_per_category",
                violation_error_message=_("This category already has a rule at this organization."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} -> {self.pool}"


class SlaPolicy(models.Model):
    """How many business minutes a first answer may take, for a category (empty: every category
    without a policy of its own) and an urgency."""

    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="sla_policies")
    category = models.CharField(
        _("category"),
        max_length=16,
        choices=Category.choices,
        null=True,
        blank=True,
        help_text=_("Empty: the default for every category without a policy of its own."),
    )
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    first_response_minutes = models.PositiveIntegerField(
        _("first answer within (business minutes)"),
        validators=[MinValueValidator(1)],
        help_text=_("Counted in opening hours only: 480 is one 8-hour business day."),
    )
    at_risk_fraction = models.DecimalField(
        _("at risk after (fraction of the time)"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.75"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("0.99"))],
        help_text=_("0.75: the owner is warned when three quarters of the time has gone."),
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering: ClassVar = ["organization", "category", "urgency"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organization", "category", "urgency"],
                nulls_distinct=False,
                name="sla_policy_one_per_category_urgency",
                violation_error_message=_("There is already a policy for this category and urgency."),
            ),
            models.CheckConstraint(
                condition=models.Q(first_response_minutes__gt=0), name="sla_policy_minutes_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(at_risk_fraction__gt=0, at_risk_fraction__lt=1), name="sla_policy_fraction_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"SLA policy {self.pk}"


# -- the work: threads, messages, ownership, promises --------------------------------------------


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

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acting_as = models.CharField(max_length=8, choices=ActingAs.choices)
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
                condition=models.Q(acting_as__in=["self", "proxy", "staff"]), name="message_acting_as_valid"
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


class SetupAlert(models.Model):
    """Configuration was missing and the portal fell back, so an administrator should look:
    a category no rule routes, no SLA policy, no business calendar, a pool with nobody in it,
    a late thread with no lead to take it over. Ids only, never message content."""

    class Kind(models.TextChoices):
        UNROUTED = "unrouted", _("No routing rule: sent to the fallback pool")
        NO_SLA_POLICY = "no_sla_policy", _("No SLA policy: the built-in time was used")
        NO_CALENDAR = "no_calendar", _("No business calendar: weekdays 8:00-17:00 were assumed")
        UNSTAFFED_POOL = "unstaffed_pool", _("The pool has no active members")
        NO_OWNER = "no_owner", _("Nobody could be named to answer")
        NO_LEAD = "no_lead", _("A late thread had no pool lead to take it over")
        NO_TRIAGE = "no_triage", _("An urgent message had no nurse triage or physician inbox to go to")

    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    pool = models.ForeignKey(Pool, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=16, choices=Category.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("setup alert")
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [
            models.Index(
                fields=["organization", "-created_at"],
                condition=models.Q(resolved_at__isnull=True),
                name="setup_alert_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"


# -- attachments, quick replies, notices, e-visit time ------------------------------------------


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


class QuickReply(models.Model):
    """A reply staff start from (a template), kept per organization and language."""

    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="quick_replies")
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    categories = ArrayField(
        models.CharField(max_length=16, choices=Category.choices),
        default=list,
        blank=True,
        verbose_name=_("categories"),
        help_text=_("Offered on threads of these categories; empty: on every thread."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("quick reply")
        verbose_name_plural = _("quick replies")
        ordering: ClassVar = ["organization", "title"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organization", "language", "title"],
                name="quick_reply_title_unique",
                violation_error_message=_("There is already a quick reply with this title in this language."),
            ),
            models.CheckConstraint(condition=~models.Q(body=""), name="quick_reply_body_given"),
        ]

    def __str__(self) -> str:
        return self.title


class TimeEntry(models.Model):
    """Staff time on a thread, for e-visit billing: active time measured while the thread is
    open in front of them (reading, composing), or a manual adjustment with a reason."""

    class Source(models.TextChoices):
        ACTIVE = "active", _("Measured")
        MANUAL = "manual", _("Adjusted by hand")

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="time_entries")
    staff = models.ForeignKey("portal.StaffMember", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=8, choices=Source.choices)
    # Positive for measured time; a manual adjustment may take time away (never to below zero in
    # total, which the service checks).
    seconds = models.IntegerField()
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(source__in=["active", "manual"]), name="time_entry_source_valid"),
            models.CheckConstraint(
                condition=(models.Q(source="active", seconds__gt=0, seconds__lte=300))
                | models.Q(source="manual", note__gt="", seconds__gte=-14400, seconds__lte=14400)
                & ~models.Q(seconds=0),
                name="time_entry_seconds_valid",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["thread", "staff", "at"], name="time_entry_thread_staff")]

    def __str__(self) -> str:
        return f"Time entry {self.pk}"


class EvisitClaim(models.Model):
    """A clinician's confirmed online digital evaluation (e-visit) on a thread: the code the
    cumulative time over seven days suggested, as confirmed. One per thread and seven-day period."""

    class Code(models.TextChoices):
        CPT_99421 = "99421", _("99421: physician or other qualified professional, 5-10 minutes")
        CPT_99422 = "99422", _("99422: physician or other qualified professional, 11-20 minutes")
        CPT_99423 = "99423", _("99423: physician or other qualified professional, 21 minutes or more")
        CPT_98970 = "98970", _("98970: qualified non-physician professional, 5-10 minutes")
        CPT_98971 = "98971", _("98971: qualified non-physician professional, 11-20 minutes")
        CPT_98972 = "98972", _("98972: qualified non-physician professional, 21 minutes or more")

    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="evisit_claims")
    clinician = models.ForeignKey("portal.StaffMember", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=5, choices=Code.choices)
    minutes = models.PositiveIntegerField()
    # The seven days the time was counted over (the first day is the patient's first message).
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-confirmed_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["thread", "period_start"], name="evisit_claim_once_per_period"),
            models.CheckConstraint(condition=models.Q(minutes__gte=5), name="evisit_claim_at_least_5_minutes"),
            models.CheckConstraint(
                condition=models.Q(code__in=["99421", "99422", "99423", "98970", "98971", "98972"]),
                name="evisit_claim_code_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")), name="evisit_claim_period_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"E-visit claim {self.pk}"
