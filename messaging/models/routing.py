"""Who answers what: `Pool`s of staff, the `Category` and `Urgency` of a thread, the
`RoutingRule`s from a category to a pool, and the `SlaPolicy`s saying how many business minutes
a first answer may take."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Pool(models.Model):
    """A group of staff who answer one kind of message together, with a lead who takes over
    when an answer is late."""

    class Kind(models.TextChoices):
        FRONT_DESK = "front_desk", _("Front desk")
        NURSE_TRIAGE = "nurse_triage", _("Nurse triage")
        PHYSICIAN_INBOX = "physician_inbox", _("Physician inbox")
        BILLING = "billing", _("Billing")
        SCHEDULING = "scheduling", _("Scheduling")
        # Refill and renewal requests (refills opens their threads here when the clinic has one).
        REFILLS = "refills", _("Refill requests")
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
