"""Scheduling API input and output shapes; no logic here beyond arranging what the services return."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from messaging.api.serializers import confirmed_flags_field
from portal.models import StaffMember
from scheduling.api.idempotency import KEY_MAX
from scheduling.models import Appointment, AppointmentRequest, Location, VisitType, WaitlistEntry
from scheduling.selectors.api import MAX_DAYS
from scheduling.services.eligibility import Eligibility
from scheduling.services.notes import NOTE_MAX
from scheduling.services.slots import Slot, SlotSearch


class ProviderSerializer(serializers.ModelSerializer[StaffMember]):
    # "Grace Kim, MD": how a provider is named to patients.
    name = serializers.CharField(source="signature", read_only=True)

    class Meta:
        model = StaffMember
        fields = ("id", "name")


class LocationSerializer(serializers.ModelSerializer[Location]):
    class Meta:
        model = Location
        fields = ("id", "name", "address", "directions")


class VisitTypeBriefSerializer(serializers.ModelSerializer[VisitType]):
    name = serializers.CharField(source="label", read_only=True)
    modality_label = serializers.CharField(source="get_modality_display", read_only=True)

    class Meta:
        model = VisitType
        fields = ("id", "name", "duration_minutes", "modality", "modality_label")


class VisitTypeSerializer(serializers.Serializer[Eligibility]):
    """A visit type as this patient meets it: how it is booked, and whether they may."""

    id = serializers.IntegerField(source="visit_type.pk")
    name = serializers.CharField(source="visit_type.label")
    duration_minutes = serializers.IntegerField(source="visit_type.duration_minutes")
    modality = serializers.ChoiceField(source="visit_type.modality", choices=VisitType.Modality.choices)
    modality_label = serializers.CharField(source="visit_type.get_modality_display")
    booking_mode = serializers.ChoiceField(source="mode", choices=VisitType.BookingMode.choices)
    booking_mode_label = serializers.CharField(source="visit_type.get_booking_mode_display")
    eligible = serializers.SerializerMethodField(help_text="Whether this patient may book or request it online.")
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Why not, in plain words (empty when eligible)."
    )
    phone = serializers.CharField(source="visit_type.organization.phone")
    max_horizon_days = serializers.IntegerField(source="visit_type.max_horizon_days")
    cancel_cutoff_hours = serializers.IntegerField(source="visit_type.cancel_cutoff_hours")

    def get_eligible(self, eligibility: Eligibility) -> bool:
        return eligibility.may_book or eligibility.may_request


class SlotQuerySerializer(serializers.Serializer[Any]):
    """?from=YYYY-MM-DD&days=N ("from" is a Python keyword, hence get_fields)."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {
            "from": serializers.DateField(required=False, default=None),
            "days": serializers.IntegerField(required=False, default=7, min_value=1, max_value=MAX_DAYS),
        }


class SlotSerializer(serializers.Serializer[Slot]):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    location = serializers.IntegerField(source="location_id")


class ProviderSlotsSerializer(serializers.Serializer[Any]):
    provider = ProviderSerializer()
    slots = SlotSerializer(many=True)


class SlotDaySerializer(serializers.Serializer[Any]):
    date = serializers.DateField()
    providers = ProviderSlotsSerializer(many=True)


class SlotSearchSerializer(serializers.Serializer[Any]):
    visit_type = serializers.IntegerField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    days = SlotDaySerializer(many=True, help_text="Only days with open times; each provider's in time order.")
    locations = LocationSerializer(many=True)


def slot_days(search: SlotSearch) -> list[dict[str, Any]]:
    """The search's days, each with its providers (by name) and their slots."""
    days = []
    for day in sorted(search.days):
        by_provider: dict[int, list[Slot]] = {}
        for slot in search.days[day]:
            by_provider.setdefault(slot.provider_id, []).append(slot)
        providers = sorted(by_provider.items(), key=lambda item: search.providers[item[0]].signature)
        days.append(
            {
                "date": day,
                "providers": [{"provider": search.providers[pk], "slots": slots} for pk, slots in providers],
            }
        )
    return days


def _note() -> serializers.CharField:
    return serializers.CharField(
        max_length=NOTE_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="The patient's own words for the clinic. They pass the safety screen (see the 422 answer).",
    )


def _confirmed_flags() -> serializers.ListField:
    return confirmed_flags_field(
        "Without them a note whose words suggest an emergency is refused, and nothing is done; with them, "
        "the note also goes to a nurse as urgent."
    )


class SlotChoiceSerializer(serializers.Serializer[Any]):
    """One open time, as the slot search gave it."""

    visit_type = serializers.IntegerField()
    provider = serializers.IntegerField()
    location = serializers.IntegerField()
    starts_at = serializers.DateTimeField()


class TimeChoiceSerializer(serializers.Serializer[Any]):
    """The new time of a visit being moved (same visit type)."""

    provider = serializers.IntegerField()
    location = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    note = _note()
    confirmed_safety_flags = _confirmed_flags()


class BookSerializer(serializers.Serializer[Any]):
    """Book the time a hold keeps (`hold`), or an open time directly (the four slot fields)."""

    hold = serializers.IntegerField(required=False, help_text="A hold's id; booking it twice returns the booking.")
    visit_type = serializers.IntegerField(required=False)
    provider = serializers.IntegerField(required=False)
    location = serializers.IntegerField(required=False)
    starts_at = serializers.DateTimeField(required=False)
    idempotency_key = serializers.CharField(
        max_length=KEY_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="A direct booking sent again with the same key returns the visit it booked (or use the header).",
    )

    SLOT_FIELDS = ("visit_type", "provider", "location", "starts_at")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "hold" in attrs:
            return attrs
        missing = [name for name in self.SLOT_FIELDS if name not in attrs]
        if missing:
            raise serializers.ValidationError({name: [_("Required unless you book a hold.")] for name in missing})
        return attrs


class CancelSerializer(serializers.Serializer[Any]):
    note = _note()
    confirmed_safety_flags = _confirmed_flags()


class RequestSerializer(serializers.ModelSerializer[AppointmentRequest]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = AppointmentRequest
        fields = (
            "id",
            "kind",
            "kind_label",
            "visit_type",
            "appointment",
            "note",
            "status",
            "status_label",
            "created_at",
        )


class VisitRequestSerializer(serializers.Serializer[Any]):
    visit_type = serializers.IntegerField()
    note = _note()
    confirmed_safety_flags = _confirmed_flags()


class AppointmentSerializer(serializers.ModelSerializer[Appointment]):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    visit_type = VisitTypeBriefSerializer(read_only=True)
    provider = ProviderSerializer(read_only=True)
    location = LocationSerializer(read_only=True)
    open_requests = serializers.SerializerMethodField(help_text="Requests about it the clinic has not handled yet.")
    changeable_online_until = serializers.SerializerMethodField(
        help_text="After this, cancelling or moving the visit becomes a request the clinic handles."
    )

    class Meta:
        model = Appointment
        fields = (
            "id",
            "status",
            "status_label",
            "starts_at",
            "ends_at",
            "visit_type",
            "provider",
            "location",
            "video_link",
            "hold_expires_at",
            "booked_at",
            "confirmed_at",
            "cancelled_at",
            "rescheduled_from",
            "changeable_online_until",
            "open_requests",
        )

    @extend_schema_field(RequestSerializer(many=True))
    def get_open_requests(self, appointment: Appointment) -> Any:
        # Loaded with the visit (selectors._with_open_requests): a missing prefetch fails loudly.
        return RequestSerializer(appointment.open_requests, many=True).data  # type: ignore[attr-defined]

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_changeable_online_until(self, appointment: Appointment) -> Any:
        cutoff = appointment.starts_at - timedelta(hours=appointment.visit_type.cancel_cutoff_hours)
        return serializers.DateTimeField().to_representation(cutoff)


class ChangeRequestedSerializer(serializers.Serializer[Any]):
    """A cancel or move after the online cut-off: it became a request, and the visit stays booked."""

    detail = serializers.CharField()
    request = RequestSerializer()


class AlternativeSerializer(SlotSerializer):
    provider = serializers.SerializerMethodField()

    @extend_schema_field(ProviderSerializer)
    def get_provider(self, slot: Slot) -> dict[str, Any]:
        providers: dict[int, StaffMember] = self.context["providers"]
        return dict(ProviderSerializer(providers[slot.provider_id]).data)


class ConflictSerializer(serializers.Serializer[Any]):
    """The time was taken first: the message, and other open times nearby to choose from."""

    detail = serializers.CharField()
    alternatives = AlternativeSerializer(many=True)


class WaitlistEntrySerializer(serializers.ModelSerializer[WaitlistEntry]):
    visit_type = VisitTypeBriefSerializer(read_only=True)
    provider = ProviderSerializer(read_only=True, allow_null=True)

    class Meta:
        model = WaitlistEntry
        fields = ("id", "visit_type", "provider", "earliest", "latest", "status", "created_at")


class WaitlistJoinSerializer(serializers.Serializer[Any]):
    visit_type = serializers.IntegerField()
    earliest = serializers.DateField()
    latest = serializers.DateField()


class OfferOutcomeSerializer(serializers.Serializer[Any]):
    accepted = serializers.BooleanField()
    detail = serializers.CharField()
    appointment = AppointmentSerializer(allow_null=True)
