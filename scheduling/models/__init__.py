"""Scheduling models: configuration, appointments and requests, the waitlist, reminders."""

from scheduling.models.appointments import ACTIVE, OCCUPYING, Appointment, AppointmentRequest
from scheduling.models.config import (
    AvailabilityException,
    AvailabilityTemplate,
    Location,
    ProviderOffering,
    Referral,
    ReminderPreference,
    SchedulingSettings,
    VisitType,
    Weekday,
)
from scheduling.models.questionnaires import (
    CheckIn,
    Insurance,
    Questionnaire,
    QuestionnaireField,
    QuestionnaireResponse,
    VisitTypeQuestionnaire,
)
from scheduling.models.reminders import Reminder
from scheduling.models.waitlist import WaitlistEntry, WaitlistOffer

__all__ = [
    "ACTIVE",
    "OCCUPYING",
    "Appointment",
    "AppointmentRequest",
    "AvailabilityException",
    "AvailabilityTemplate",
    "CheckIn",
    "Insurance",
    "Location",
    "ProviderOffering",
    "Questionnaire",
    "QuestionnaireField",
    "QuestionnaireResponse",
    "Referral",
    "Reminder",
    "ReminderPreference",
    "SchedulingSettings",
    "VisitType",
    "VisitTypeQuestionnaire",
    "WaitlistEntry",
    "WaitlistOffer",
    "Weekday",
]
