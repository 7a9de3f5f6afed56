"""Refills API input and output shapes; no logic here beyond arranging what the selectors and
services return. A medicine's "why not" is said in the same words as the medicines page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from messaging.api.serializers import confirmed_flags_field
from portal.dates import format_date
from refills.actions import Action, MedicineAction
from refills.models import Pharmacy, RefillEvent, RefillRequest
from refills.services.requests import KEY_MAX, NOTE_MAX, SUPPLY_CHOICES

ACTIONS = [
    (Action.REFILL, "Request refill"),
    (Action.RENEWAL, "Request renewal"),
    (Action.OUTSIDE, "Prescribed by another organization"),
    (Action.CONTROLLED, "Controlled: by phone or at a visit"),
    (Action.DISCONTINUED, "Discontinued"),
    (Action.REQUESTED, "Already requested"),
    (Action.TOO_EARLY, "Too early"),
    (Action.ENDED, "Ended too long ago to renew"),
]


def explanation(medicine: MedicineAction) -> str:
    """The medicines page's sentence for this action (the same translatable words)."""
    action = medicine.action
    if action == Action.REFILL:
        return ngettext("%(n)s refill left.", "%(n)s refills left.", medicine.refills_left) % {
            "n": medicine.refills_left
        }
    if action == Action.RENEWAL:
        first = (
            _("Your prescription has ended.")
            if medicine.refills_left
            else _("No refills are left on this prescription.")
        )
        return f"{first} {_('Your care team can renew it.')}"
    if action == Action.OUTSIDE:
        org = medicine.prescriber
        name = org.name if org is not None else ""
        if org is not None and org.phone:
            return _("Prescribed by %(org)s. Ask them for more: call %(phone)s.") % {"org": name, "phone": org.phone}
        return _("Prescribed by %(org)s. Ask them for more.") % {"org": name}
    if action == Action.CONTROLLED:
        return _(
            "This is a controlled medicine: it cannot be requested online. Call the clinic or ask at your next visit."
        )
    if action == Action.DISCONTINUED:
        return _(
            "Your prescriber stopped this medicine, so it cannot be refilled. "
            "Send a message if you think you still need it."
        )
    if action == Action.REQUESTED:
        return _("Already requested.")
    if action == Action.TOO_EARLY:
        return ngettext(
            "Too early: your last supply lasts until %(until)s (%(n)s more day). You can ask a week before.",
            "Too early: your last supply lasts until %(until)s (%(n)s more days). You can ask a week before.",
            medicine.days_left,
        ) % {"until": format_date(medicine.covered_until), "n": medicine.days_left}
    return _("This prescription ended on %(ended)s, too long ago to renew. Book a visit to talk about it.") % {
        "ended": format_date(medicine.ends_on)
    }


class PrescriberSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    phone = serializers.CharField()


class MedicineSerializer(serializers.Serializer[MedicineAction]):
    """One medicine of the record (de-duplicated across sources) and the one action offered."""

    key = serializers.CharField(help_text="The medicine's key: send it in `medicines` to request it.")
    name = serializers.CharField()
    action = serializers.ChoiceField(choices=ACTIONS)
    requestable = serializers.BooleanField(help_text="Whether a refill or renewal may be requested now.")
    request_kind = serializers.SerializerMethodField(help_text="refill or renewal, when requestable.")
    explanation = serializers.SerializerMethodField(help_text="The action or why not, in plain words.")
    refills_left = serializers.IntegerField()
    ends_on = serializers.DateField(allow_null=True)
    covered_until = serializers.DateField(allow_null=True, help_text="For too_early: when the last supply runs out.")
    prescriber = serializers.SerializerMethodField(help_text="For outside: who prescribed it, to call.")
    open_request = serializers.SerializerMethodField(help_text="For requested: the open request's id.")

    @extend_schema_field(serializers.ChoiceField(choices=RefillRequest.Kind.choices, allow_null=True))
    def get_request_kind(self, medicine: MedicineAction) -> str | None:
        return str(medicine.request_kind) if medicine.requestable else None

    @extend_schema_field(serializers.CharField())
    def get_explanation(self, medicine: MedicineAction) -> str:
        return explanation(medicine)

    @extend_schema_field(PrescriberSerializer(allow_null=True))
    def get_prescriber(self, medicine: MedicineAction) -> dict[str, str] | None:
        if medicine.action != Action.OUTSIDE or medicine.prescriber is None:
            return None
        return {"name": medicine.prescriber.name, "phone": medicine.prescriber.phone}

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_open_request(self, medicine: MedicineAction) -> int | None:
        return medicine.open_request.pk if medicine.open_request is not None else None


class PharmacySerializer(serializers.ModelSerializer[Pharmacy]):
    class Meta:
        model = Pharmacy
        fields = ("id", "name", "address", "phone")


class PharmacySearchSerializer(serializers.Serializer[Any]):
    preferred = PharmacySerializer(allow_null=True, help_text="The patient's preferred pharmacy, if chosen.")
    results = PharmacySerializer(many=True)


class PharmacyQuerySerializer(serializers.Serializer[Any]):
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class RefillEventSerializer(serializers.ModelSerializer[RefillEvent]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    by = serializers.SerializerMethodField()

    class Meta:
        model = RefillEvent
        fields = ("kind", "kind_label", "at", "by", "note")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_by(self, event: RefillEvent) -> str | None:
        return event.by.full_name if event.by is not None else None


class RefillRequestSerializer(serializers.ModelSerializer[RefillRequest]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    denial_reason_label = serializers.CharField(source="get_denial_reason_display", read_only=True)
    pharmacy = PharmacySerializer(read_only=True)
    medicine = serializers.CharField(source="medication_key", read_only=True)
    name = serializers.CharField(source="medication_name", read_only=True)

    class Meta:
        model = RefillRequest
        fields: tuple[str, ...] = (
            "id",
            "submission",
            "medicine",
            "name",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "pharmacy",
            "days_supply",
            "approved_days_supply",
            "note",
            "thread",
            "created_at",
            "decided_at",
            "denial_reason",
            "denial_reason_label",
            "change_note",
        )


class OwnerSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(help_text="Who answers: a named person, or the care team.")
    answer_by = serializers.DateTimeField(allow_null=True, help_text="The committed answer time.")


class RefillRequestDetailSerializer(RefillRequestSerializer):
    """A request with its timeline and who answers it by when (as a message shows them)."""

    events = serializers.SerializerMethodField(help_text="The timeline, oldest first.")
    owner = serializers.SerializerMethodField()

    class Meta(RefillRequestSerializer.Meta):
        fields: tuple[str, ...] = (*RefillRequestSerializer.Meta.fields, "events", "owner")

    @extend_schema_field(RefillEventSerializer(many=True))
    def get_events(self, request: RefillRequest) -> Any:
        events = self.context.get("events", {}).get(request.pk)
        if events is None:
            events = request.events.all()  # prefetched by the caller
        return RefillEventSerializer(events, many=True).data

    @extend_schema_field(OwnerSerializer(allow_null=True))
    def get_owner(self, request: RefillRequest) -> dict[str, Any] | None:
        thread = request.thread
        if thread is None or not request.is_open:
            return None
        owner = thread.owner.signature if thread.owner is not None else _("The care team")
        return {
            "name": owner,
            "answer_by": serializers.DateTimeField().to_representation(thread.first_response_due_at)
            if thread.first_response_due_at
            else None,
        }


class RefillRequestCreateSerializer(serializers.Serializer[Any]):
    medicines = serializers.ListField(
        child=serializers.CharField(max_length=300),
        allow_empty=False,
        help_text="Medicine keys from the medicine list, each offered a refill or a renewal.",
    )
    pharmacy = serializers.IntegerField()
    days_supply = serializers.ChoiceField(choices=[(d, str(d)) for d in SUPPLY_CHOICES])
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")
    make_preferred = serializers.BooleanField(required=False, default=False)
    idempotency_key = serializers.CharField(
        max_length=KEY_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="Sent again with the same key, the request answers 200 with what it made (or use the header).",
    )
    confirmed_safety_flags = confirmed_flags_field(
        "Without them a note whose words suggest an emergency is refused, and nothing is requested."
    )


class RefillRequestsCreatedSerializer(serializers.Serializer[Any]):
    requests = RefillRequestDetailSerializer(many=True)


class AlignedMedicineSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(source="medicine.key")
    name = serializers.CharField(source="medicine.name")
    days_supply = serializers.IntegerField(help_text="Days a fill.")
    refills = serializers.IntegerField(help_text="Fills after the first, so it lasts until the visit.")


class LeftOutSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    name = serializers.CharField()
    reason = serializers.CharField(help_text="Why it is not renewed this way, in plain words.")


class AlignmentPlanSerializer(serializers.Serializer[Any]):
    """The plan to renew the long-term medicines to the annual visit, and what it leaves out."""

    available = serializers.BooleanField()
    visit_on = serializers.DateField(allow_null=True, help_text="The annual visit the medicines last until.")
    unavailable = serializers.CharField(help_text="Why no plan is offered (empty when one is).")
    medicines = AlignedMedicineSerializer(many=True)
    left_out = serializers.SerializerMethodField()

    @extend_schema_field(LeftOutSerializer(many=True))
    def get_left_out(self, plan: Any) -> list[dict[str, str]]:
        return [{"key": medicine.key, "name": medicine.name, "reason": reason} for medicine, reason in plan.left_out]


class AlignmentCreateSerializer(serializers.Serializer[Any]):
    pharmacy = serializers.IntegerField()
    idempotency_key = serializers.CharField(
        max_length=KEY_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="Sent again with the same key, the request answers 200 with what it made (or use the header).",
    )
