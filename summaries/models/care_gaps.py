"""Care gaps as data: the rules administrators configure (and a clinician approves), and each
patient's stored gap per rule, computed from the record across every source
(summaries/services/care_gaps.py)."""

from __future__ import annotations

import calendar
from datetime import date
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from summaries import care_gap_codes
from summaries.care_gap_codes import Code, CodeListError

# Which code systems each list takes.
APPLIES_SYSTEMS = ("snomed", "icd10")
MEDICATION_SYSTEMS = ("rxnorm",)
CLOSING_SYSTEMS = ("loinc", "snomed", "cpt", "cvx")


class CareGapRule(models.Model):
    """Who should have something done, and how often: "an A1c within 6 months for diabetes".

    Not evaluated until a clinician approved it (approved_by and approved_on), nor while inactive.
    """

    class Sex(models.TextChoices):
        ANY = "", _("Any")
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    key = models.SlugField(_("key"), max_length=64, unique=True, help_text=_("A short stable name, for example a1c."))
    name_en = models.CharField(_("name in English"), max_length=200)
    name_es = models.CharField(_("name in Spanish"), max_length=200)
    condition_codes = models.TextField(
        _("conditions"),
        blank=True,
        help_text=_(
            'Diagnoses it applies to, one a line: "snomed 44054006" or an ICD-10 prefix "icd10 E11". '
            "With medicines too, either a condition or a medicine makes it apply."
        ),
    )
    medication_codes = models.TextField(
        _("medicines"), blank=True, help_text=_('Medicines it applies to, one a line: "rxnorm 314231".')
    )
    medication_names = models.TextField(
        _("medicine ingredients"),
        blank=True,
        help_text=_(
            "Ingredient names, one a line (simvastatin): a medicine whose name contains one applies, "
            "whatever product code its source used."
        ),
    )
    min_age = models.PositiveSmallIntegerField(_("from age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("to age (included)"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, blank=True, default="")
    closing_codes = models.TextField(
        _("closed by"),
        help_text=_(
            'The results, procedures or vaccines that close it, one a line: "loinc 4548-4", '
            '"snomed 73761001", "cpt 77067", "cvx 140".'
        ),
    )
    interval_months = models.PositiveSmallIntegerField(
        _("every (months)"), null=True, blank=True, help_text=_("Leave empty for a seasonal rule.")
    )
    season_start_month = models.PositiveSmallIntegerField(
        _("season starts (month)"),
        null=True,
        blank=True,
        help_text=_("For once each season, for example 8 for August."),
    )
    season_start_day = models.PositiveSmallIntegerField(_("season starts (day)"), null=True, blank=True)
    coming_due_days = models.PositiveSmallIntegerField(
        _("coming due (days before)"), default=30, help_text=_("How long before the due date it shows as coming due.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    approved_by = models.CharField(
        _("approved by"),
        max_length=200,
        blank=True,
        help_text=_("The clinician who approved this rule for use. Until then it is not evaluated."),
    )
    approved_on = models.DateField(_("approved on"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["name_en"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(interval_months__gt=0, season_start_month__isnull=True)
                | models.Q(
                    interval_months__isnull=True, season_start_month__isnull=False, season_start_day__isnull=False
                ),
                name="care_gap_rule_interval_or_season",
                violation_error_message=_("Give an interval in months or a season start, one of the two."),
            ),
            models.CheckConstraint(
                condition=models.Q(approved_by="", approved_on__isnull=True)
                | (~models.Q(approved_by="") & models.Q(approved_on__isnull=False)),
                name="care_gap_rule_approval_whole",
                violation_error_message=_("An approval needs both who approved and when."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_es if (get_language() or "").startswith("es") else self.name_en

    @property
    def is_approved(self) -> bool:
        return bool(self.approved_by) and self.approved_on is not None

    # The parsed lists (validated by clean(), so a saved rule parses).
    def conditions(self) -> list[Code]:
        return care_gap_codes.parse(self.condition_codes, allowed=APPLIES_SYSTEMS)

    def medications(self) -> list[Code]:
        return care_gap_codes.parse(self.medication_codes, allowed=MEDICATION_SYSTEMS)

    def ingredients(self) -> list[str]:
        return [line.strip().lower() for line in self.medication_names.splitlines() if line.strip()]

    def closers(self) -> list[Code]:
        return care_gap_codes.parse(self.closing_codes, allowed=CLOSING_SYSTEMS)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for field, allowed in (
            ("condition_codes", APPLIES_SYSTEMS),
            ("medication_codes", MEDICATION_SYSTEMS),
            ("closing_codes", CLOSING_SYSTEMS),
        ):
            try:
                care_gap_codes.parse(getattr(self, field), allowed=allowed)
            except CodeListError as error:
                errors.setdefault(field, []).append(str(error))
        if not self.closing_codes.strip() and "closing_codes" not in errors:
            errors["closing_codes"] = [str(_("Say which results, procedures or vaccines close this gap."))]
        says_who = (
            self.condition_codes.strip()
            or self.medication_codes.strip()
            or self.medication_names.strip()
            or self.min_age is not None
            or self.max_age is not None
            or self.sex
        )
        if not says_who:
            errors.setdefault("condition_codes", []).append(
                str(_("Say who it applies to: conditions, medicines, an age range or a sex."))
            )
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            errors["max_age"] = [str(_("The upper age must not be below the lower age."))]
        seasonal = self.season_start_month is not None or self.season_start_day is not None
        if self.interval_months is None and not seasonal:
            errors["interval_months"] = [str(_("Give an interval in months, or a season start for a seasonal rule."))]
        elif self.interval_months is not None and seasonal:
            errors["interval_months"] = [str(_("Give an interval or a season start, not both."))]
        elif self.interval_months == 0:
            errors["interval_months"] = [str(_("The interval is at least one month."))]
        elif seasonal:
            self._clean_season(errors)
        if bool(self.approved_by.strip()) != (self.approved_on is not None):
            field = "approved_on" if self.approved_by.strip() else "approved_by"
            errors[field] = [str(_("An approval needs both who approved and when."))]
        elif self.approved_on is not None and self.approved_on > timezone.localdate():
            errors["approved_on"] = [str(_("An approval cannot be dated in the future."))]
        if errors:
            raise ValidationError(errors)

    def _clean_season(self, errors: dict[str, list[str]]) -> None:
        month, day = self.season_start_month, self.season_start_day
        if month is None or not 1 <= month <= 12:
            errors["season_start_month"] = [str(_("Give the month the season starts, 1 to 12."))]
        elif day is None or not 1 <= day <= calendar.monthrange(2001, month)[1]:
            errors["season_start_day"] = [str(_("Give a day that exists in that month (29 February does not always)."))]

    def season_start(self, today: date) -> date:
        """The start of the season `today` is in: the latest season start on or before today."""
        assert self.season_start_month is not None and self.season_start_day is not None  # noqa: S101
        start = date(today.year, self.season_start_month, self.season_start_day)
        return start if start <= today else start.replace(year=today.year - 1)


class CareGap(models.Model):
    """One patient's standing on one rule, as the last evaluation found it (one row per pair)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Due now")
        COMING_DUE = "coming_due", _("Coming due")
        CLOSED = "closed", _("Up to date")
        NOT_APPLICABLE = "not_applicable", _("Does not apply")

    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(CareGapRule, on_delete=models.CASCADE, related_name="gaps")
    status = models.CharField(max_length=16, choices=Status.choices)
    # The date of the evidence that closed it, or of the evaluation when there is none.
    as_of = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    evidence = models.ForeignKey(
        "records.RecordItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Derived from a confidential item (what made it apply, or its evidence): a teen's caregivers never see it.
    confidential = models.BooleanField(default=False)
    evaluated_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["patient", "rule"], name="care_gap_one_per_patient_rule"),
        ]

    def __str__(self) -> str:
        return f"Care gap {self.rule_id} of {self.patient_id}: {self.status}"
