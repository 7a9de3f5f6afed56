"""Refill protocols as data: per drug class (matched by RxNorm codes), the checks a request must
pass for a nurse or medical assistant to approve it without the prescriber. Configured by
administrators; the starter set (content/protocols.toml) is pending a clinician's approval."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

MONTHS = [MinValueValidator(1), MaxValueValidator(60)]


class RefillProtocol(models.Model):
    class Handling(models.TextChoices):
        PROTOCOL = "protocol", _("By protocol: a nurse or medical assistant may approve when every check passes")
        PRESCRIBER = "prescriber", _("Always to the prescriber")
        NOT_BY_PORTAL = "not_by_portal", _("Never by portal: by phone or at a visit")

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("drug class"), max_length=120)
    rxnorm_codes = ArrayField(
        models.CharField(max_length=16),
        verbose_name=_("RxNorm codes"),
        help_text=_("The medicines of this class, as the record codes them (comma-separated)."),
    )
    handling = models.CharField(_("handling"), max_length=16, choices=Handling.choices, default=Handling.PROTOCOL)
    dea_schedule = models.CharField(
        _("DEA schedule"), max_length=3, blank=True, help_text=_("II to V; blank if not controlled.")
    )
    visit_within_months = models.PositiveSmallIntegerField(
        _("seen at this clinic within (months)"), null=True, blank=True, validators=MONTHS
    )
    lab_loinc_codes = ArrayField(
        models.CharField(max_length=16), blank=True, default=list, verbose_name=_("lab LOINC codes")
    )
    lab_within_months = models.PositiveSmallIntegerField(
        _("lab within (months)"), null=True, blank=True, validators=MONTHS
    )
    lab_low = models.DecimalField(_("lab lowest in range"), max_digits=8, decimal_places=2, null=True, blank=True)
    lab_high = models.DecimalField(_("lab highest in range"), max_digits=8, decimal_places=2, null=True, blank=True)
    blood_pressure_within_months = models.PositiveSmallIntegerField(
        _("blood pressure within (months)"), null=True, blank=True, validators=MONTHS
    )
    systolic_max = models.PositiveSmallIntegerField(_("highest systolic in range"), null=True, blank=True)
    diastolic_max = models.PositiveSmallIntegerField(_("highest diastolic in range"), null=True, blank=True)
    max_days_supply = models.PositiveSmallIntegerField(
        _("most days' supply per approval"), default=90, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    no_refill_within_months_of_start = models.PositiveSmallIntegerField(
        _("no refill by protocol within (months) of a start"), null=True, blank=True, validators=MONTHS
    )
    align_to_annual_visit = models.BooleanField(
        _("may be renewed to the annual visit"),
        default=False,
        help_text=_(
            "A long-term medicine of this class may be renewed, with the patient's other ones, to last until "
            "their annual visit."
        ),
    )
    # Who approved this protocol for use; blank: still pending a clinician's approval.
    approved_by = models.CharField(_("approved by (clinician)"), max_length=200, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("refill protocol")
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(lab_low__isnull=True)
                | models.Q(lab_high__isnull=True)
                | models.Q(lab_low__lte=models.F("lab_high")),
                name="refill_protocol_lab_range_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(dea_schedule__in=["", "II", "III", "IV", "V"]),
                name="refill_protocol_dea_schedule_known",
            ),
            models.CheckConstraint(
                condition=(models.Q(approved_by="") & models.Q(approved_on__isnull=True))
                | (~models.Q(approved_by="") & models.Q(approved_on__isnull=False)),
                name="refill_protocol_approval_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def pending_approval(self) -> bool:
        return not self.approved_by

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.lab_loinc_codes and not self.lab_within_months:
            errors["lab_within_months"] = str(_("Say how recent the lab must be."))
        if self.lab_within_months and not self.lab_loinc_codes:
            errors["lab_loinc_codes"] = str(_("Name the lab's LOINC codes."))
        if (self.lab_low is not None or self.lab_high is not None) and not self.lab_loinc_codes:
            errors["lab_loinc_codes"] = str(_("A range needs the lab it applies to."))
        if self.lab_low is not None and self.lab_high is not None and self.lab_low > self.lab_high:
            errors["lab_high"] = str(_("The highest value must not be below the lowest."))
        if (self.systolic_max or self.diastolic_max) and not self.blood_pressure_within_months:
            errors["blood_pressure_within_months"] = str(_("Say how recent the blood pressure must be."))
        if self.dea_schedule == "II" and self.handling != self.Handling.NOT_BY_PORTAL:
            errors["handling"] = str(_("Schedule II medicines are never refilled by portal."))
        if self.dea_schedule and self.handling == self.Handling.PROTOCOL:
            errors["handling"] = str(_("Controlled substances always go to the prescriber."))
        if bool(self.approved_by) != bool(self.approved_on):
            errors["approved_on"] = str(_("An approval needs both the clinician and the date."))
        if errors:
            raise ValidationError(errors)
