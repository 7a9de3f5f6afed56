"""Pre-visit questionnaires and eCheck-in.

- `Questionnaire`: a built-in instrument (PHQ-9, GAD-7: items, scoring and wording live in
  `scheduling.questionnaires`, since their exact words must not be edited) or a simple custom
  form whose `QuestionnaireField`s administrators write in the Django admin;
- `VisitTypeQuestionnaire`: which questionnaires a visit type asks for before the visit, in order;
- `QuestionnaireResponse`: one per appointment and questionnaire, the answers as JSON, the score
  and severity band for a scored instrument, the record item it became and the alert it raised;
- `CheckIn`: the steps of an appointment's eCheck-in the patient has confirmed (the final state
  is `Appointment.checked_in_at`); `Insurance`: what the patient says their coverage is.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Questionnaire(models.Model):
    class Builtin(models.TextChoices):
        PHQ9 = "phq9", "PHQ-9"
        GAD7 = "gad7", "GAD-7"

    organization = models.ForeignKey(
        "portal.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty for the built-in questionnaires every clinic may use."),
    )
    # A built-in instrument's key; empty for a custom form.
    builtin = models.CharField(_("built-in instrument"), max_length=8, choices=Builtin.choices, blank=True)
    name = models.CharField(_("name (English)"), max_length=120)
    name_es = models.CharField(_("name (Spanish)"), max_length=120, blank=True)
    intro = models.TextField(_("introduction (English)"), blank=True)
    intro_es = models.TextField(_("introduction (Spanish)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["builtin"], condition=~models.Q(builtin=""), name="questionnaire_one_row_per_builtin"
            ),
            models.CheckConstraint(
                condition=models.Q(builtin="") | models.Q(organization__isnull=True),
                name="questionnaire_builtin_is_shared",
            ),
            models.CheckConstraint(
                condition=models.Q(builtin__in=["", "phq9", "gad7"]), name="questionnaire_builtin_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def title(self) -> str:
        return self.name_es if get_language() == "es" and self.name_es else self.name

    @property
    def introduction(self) -> str:
        return self.intro_es if get_language() == "es" and self.intro_es else self.intro


class QuestionnaireField(models.Model):
    """One question of a custom form."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        YES_NO = "yes_no", _("Yes or no")
        CHOICE = "choice", _("One choice from a list")
        NUMBER = "number", _("Number")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label = models.CharField(_("question (English)"), max_length=300)
    label_es = models.CharField(_("question (Spanish)"), max_length=300, blank=True)
    kind = models.CharField(_("kind of answer"), max_length=8, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(_("required"), default=False)
    choices = models.TextField(
        _("choices (English)"), blank=True, help_text=_("One choice per line; for 'One choice from a list' only.")
    )
    choices_es = models.TextField(
        _("choices (Spanish)"), blank=True, help_text=_("The same choices in the same order, one per line.")
    )

    class Meta:
        ordering: ClassVar = ["position", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["text", "yes_no", "choice", "number"]),
                name="questionnaire_field_kind_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="choice") | ~models.Q(choices=""),
                name="questionnaire_field_choice_has_choices",
                violation_error_message=_("A question with a list of choices needs its choices, one per line."),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def question(self) -> str:
        return self.label_es if get_language() == "es" and self.label_es else self.label

    def options(self) -> list[tuple[str, str]]:
        """(stored value, label shown) for a choice field: the English line is the value, so answers
        read the same whichever language the patient used."""
        values = [line.strip() for line in self.choices.splitlines() if line.strip()]
        shown = [line.strip() for line in self.choices_es.splitlines() if line.strip()]
        if get_language() != "es" or len(shown) != len(values):
            shown = values
        return list(zip(values, shown, strict=True))


class VisitTypeQuestionnaire(models.Model):
    visit_type = models.ForeignKey("scheduling.VisitType", on_delete=models.CASCADE, related_name="questionnaire_links")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="visit_type_links")
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering: ClassVar = ["position", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["visit_type", "questionnaire"], name="visit_type_questionnaire_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} for visit type {self.visit_type_id}"


class QuestionnaireResponse(models.Model):
    appointment = models.ForeignKey("scheduling.Appointment", on_delete=models.PROTECT, related_name="responses")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="responses")
    patient = models.ForeignKey("portal.Patient", on_delete=models.PROTECT, related_name="questionnaire_responses")
    # {"1": 2, ...} for an instrument (item number -> 0-3); {"<field id>": value} for a custom form.
    answers = models.JSONField()
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    severity = models.CharField(max_length=32, blank=True)
    # PHQ-9 item 9 above 0: the staff alert was raised in the same transaction.
    needs_safety_follow_up = models.BooleanField(default=False)
    alert_thread = models.ForeignKey(
        "messaging.Thread", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    record_item = models.ForeignKey(
        "records.RecordItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acting_as = models.CharField(max_length=8)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["submitted_at", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["appointment", "questionnaire"], name="questionnaire_response_once"),
            models.CheckConstraint(
                condition=models.Q(needs_safety_follow_up=False) | models.Q(alert_thread__isnull=False),
                name="questionnaire_response_alert_raised",
            ),
        ]

    def __str__(self) -> str:
        return f"Questionnaire response {self.pk}"


class CheckIn(models.Model):
    """The eCheck-in steps confirmed for one appointment (each a time, empty until done)."""

    appointment = models.OneToOneField("scheduling.Appointment", on_delete=models.CASCADE, related_name="check_in")
    details_confirmed_at = models.DateTimeField(null=True, blank=True)
    insurance_confirmed_at = models.DateTimeField(null=True, blank=True)
    medicines_confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Check-in for appointment {self.appointment_id}"


class Insurance(models.Model):
    """The patient's own words about their coverage; the front desk verifies it with the payer."""

    patient = models.OneToOneField("portal.Patient", on_delete=models.CASCADE, related_name="insurance")
    uninsured = models.BooleanField(_("I do not have health insurance"), default=False)
    payer = models.CharField(_("insurance company"), max_length=120, blank=True)
    member_id = models.CharField(_("member ID"), max_length=64, blank=True)
    group_number = models.CharField(_("group number"), max_length=64, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(uninsured=True, payer="", member_id="")
                | (models.Q(uninsured=False) & ~models.Q(payer="") & ~models.Q(member_id="")),
                name="insurance_payer_and_member_or_none",
            ),
        ]

    def __str__(self) -> str:
        return f"Insurance of {self.patient_id}"
