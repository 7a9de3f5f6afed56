"""Good Faith Estimates (No Surprises Act, 45 CFR 149.610): the price list per visit type, the
billing facts about an organization and its providers the estimate must name, the promise of an
estimate by its deadline, and the estimates themselves, kept as issued (a new version supersedes;
a database trigger refuses UPDATE and DELETE)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TIN_PATTERN = r"^[0-9]{2}-?[0-9]{7}$"
NPI_PATTERN = r"^[0-9]{10}$"


class BillingProfile(models.Model):
    """What billing prints for an organization: its legal name, Tax Identification Number, NPI
    and the address where services are furnished (portal's Organization holds none of these)."""

    organization = models.OneToOneField("portal.Organization", on_delete=models.CASCADE, related_name="+")
    legal_name = models.CharField(_("legal name"), max_length=200)
    tin = models.CharField(_("Tax Identification Number"), max_length=10, help_text=_("For example 12-3456789."))
    npi = models.CharField(_("organization NPI"), max_length=10)
    address = models.CharField(_("address"), max_length=300)
    phone = models.CharField(_("billing phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("billing profile")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(tin__regex=TIN_PATTERN), name="billing_profile_tin_shape"),
            models.CheckConstraint(condition=Q(npi__regex=NPI_PATTERN), name="billing_profile_npi_shape"),
        ]

    def __str__(self) -> str:
        return self.legal_name


class ProviderBillingIdentity(models.Model):
    """A clinician's own NPI (and TIN when they bill under their own)."""

    staff = models.OneToOneField("portal.StaffMember", on_delete=models.CASCADE, related_name="+")
    npi = models.CharField(_("NPI"), max_length=10)
    tin = models.CharField(_("own TIN"), max_length=10, blank=True, help_text=_("Empty: the organization's."))

    class Meta:
        verbose_name = _("provider billing identity")
        verbose_name_plural = _("provider billing identities")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(npi__regex=NPI_PATTERN), name="billing_provider_npi_shape"),
            models.CheckConstraint(condition=Q(tin="") | Q(tin__regex=TIN_PATTERN), name="billing_provider_tin_shape"),
        ]

    def __str__(self) -> str:
        return f"NPI {self.npi}"


class PriceListItem(models.Model):
    """The self-pay price of one visit type at one organization, made of its expected services."""

    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="+")
    visit_type = models.ForeignKey("scheduling.VisitType", on_delete=models.CASCADE, related_name="+")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("price list item")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organization", "visit_type"], name="billing_price_one_per_visit_type"),
        ]

    def __str__(self) -> str:
        return f"Price of visit type {self.visit_type_id}"


class PriceListService(models.Model):
    """One expected service of a priced visit: its code (CPT/HCPCS), the diagnosis codes expected
    where known (ICD-10-CM), and the self-pay charge. A service `scheduled_separately` (lab work
    sent out, imaging elsewhere) is listed apart and not in the total."""

    item = models.ForeignKey(PriceListItem, on_delete=models.CASCADE, related_name="services")
    sequence = models.PositiveSmallIntegerField(_("order"), default=1)
    code = models.CharField(_("service code (CPT/HCPCS)"), max_length=16)
    description = models.CharField(_("description (English)"), max_length=200)
    description_es = models.CharField(_("description (Spanish)"), max_length=200, blank=True)
    diagnosis_codes = models.CharField(
        _("expected diagnosis codes (ICD-10-CM)"), max_length=200, blank=True, help_text=_("Comma separated.")
    )
    amount_cents = models.BigIntegerField(_("self-pay charge (cents)"))
    scheduled_separately = models.BooleanField(_("scheduled separately"), default=False)

    class Meta:
        verbose_name = _("expected service")
        ordering: ClassVar = ["item", "sequence", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount_cents__gte=0), name="billing_price_service_not_negative"),
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z0-9]{5}$"), name="billing_price_service_code_shape"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class EstimateDue(models.Model):
    """The promise of an estimate by a deadline: made when an uninsured or self-pay patient books a
    priced visit, or asks. Kept when fulfilled (it names the estimate) and flagged when late."""

    class Reason(models.TextChoices):
        BOOKED = "booked", _("Visit booked")
        REQUESTED = "requested", _("Patient asked")

    patient = models.ForeignKey("portal.Patient", on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey("portal.Organization", on_delete=models.PROTECT, related_name="+")
    visit_type = models.ForeignKey("scheduling.VisitType", on_delete=models.PROTECT, related_name="+")
    appointment = models.OneToOneField(
        "scheduling.Appointment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=12, choices=Reason.choices)
    requested_at = models.DateTimeField()
    # Empty when the rule sets no deadline (a visit booked fewer than 3 business days ahead).
    due_at = models.DateTimeField(null=True, blank=True)
    # How the deadline was counted, in words for staff (which calendar, how many business days).
    deadline_basis = models.CharField(max_length=200, blank=True)
    estimate = models.OneToOneField(
        "billing.GoodFaithEstimate", null=True, blank=True, on_delete=models.PROTECT, related_name="due"
    )
    # Why the last try could not issue it (missing billing facts), for staff.
    blocked_reason = models.CharField(max_length=300, blank=True)
    flagged_late_at = models.DateTimeField(null=True, blank=True)
    # A request's form key: a double click or a retry makes one promise.
    request_key = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(reason__in=["booked", "requested"]), name="billing_due_reason_valid"),
            models.UniqueConstraint(
                fields=["patient", "request_key"], condition=~Q(request_key=""), name="billing_due_request_once"
            ),
            models.CheckConstraint(
                condition=Q(reason="requested") | Q(appointment__isnull=False), name="billing_due_booked_names_visit"
            ),
            models.CheckConstraint(
                condition=Q(due_at__isnull=True) | Q(due_at__gte=models.F("requested_at")),
                name="billing_due_after_request",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["due_at"], name="billing_due_open", condition=Q(estimate=None))]
        ordering: ClassVar = ["due_at", "pk"]

    def __str__(self) -> str:
        return f"Estimate due {self.pk}"


class GoodFaithEstimate(models.Model):
    """One issued estimate, as issued: `content` holds every required element as printed (patient,
    primary service and date, itemized services with codes and charges, providers with NPI, TIN and
    location, services scheduled separately, the disclaimers' facts). Never edited: a new version
    names the one it supersedes."""

    patient = models.ForeignKey("portal.Patient", on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey("portal.Organization", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=24, unique=True)
    version = models.PositiveSmallIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    service_date = models.DateField(null=True, blank=True)
    total_cents = models.BigIntegerField()
    content = models.JSONField()
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(total_cents__gte=0), name="billing_estimate_total_not_negative"),
            models.CheckConstraint(
                condition=Q(version=1, supersedes__isnull=True) | Q(version__gt=1, supersedes__isnull=False),
                name="billing_estimate_version_chain",
            ),
        ]
        ordering: ClassVar = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"Good Faith Estimate {self.number}"
