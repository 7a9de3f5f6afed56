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
from scheduling.models.reminders import Reminder
from scheduling.models.waitlist import WaitlistEntry, WaitlistOffer

__all__ = [
    "ACTIVE",
    "OCCUPYING",
    "Appointment",
    "AppointmentRequest",
    "AvailabilityException",
    "AvailabilityTemplate",
    "Location",
    "ProviderOffering",
    "Referral",
    "Reminder",
    "ReminderPreference",
    "SchedulingSettings",
    "VisitType",
    "WaitlistEntry",
    "WaitlistOffer",
    "Weekday",
]
