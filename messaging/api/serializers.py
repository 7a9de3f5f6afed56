"""Messaging API input and output shapes; no logic here."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from messaging.models import Attachment, Message, Thread
from messaging.safety import RED_FLAGS, Unconfirmed
from messaging.services.threads import BODY_MAX, KEY_MAX, SUBJECT_MAX


class CategorySerializer(serializers.Serializer[dict[str, Any]]):
    value = serializers.CharField()
    name = serializers.CharField()
    guidance = serializers.CharField()


class ThreadSerializer(serializers.ModelSerializer[Thread]):
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    # "Ana Lopez, RN": who answers, named to the patient, and why (in the patient's words).
    owner = serializers.CharField(source="owner.signature", read_only=True, allow_null=True, default=None)
    owner_reason = serializers.CharField(source="get_owner_reason_display", read_only=True)
    unread_count = serializers.IntegerField(source="unread", read_only=True)

    class Meta:
        model = Thread
        fields: tuple[str, ...] = (
            "id",
            "category",
            "category_label",
            "subject",
            "urgency",
            "status",
            "status_label",
            "owner",
            "owner_reason",
            "first_response_due_at",
            "first_responded_at",
            "unread_count",
            "created_at",
            "last_message_at",
            "closed_at",
        )


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    class Meta:
        model = Attachment
        fields = ("id", "name", "content_type", "size")


class MessageSerializer(serializers.ModelSerializer[Message]):
    author_name = serializers.SerializerMethodField()
    read_at = serializers.DateTimeField(source="patient_read_at", read_only=True, allow_null=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields: tuple[str, ...] = ("id", "acting_as", "author_name", "body", "created_at", "read_at", "attachments")

    def get_author_name(self, message: Message) -> str:
        if message.author_staff is not None:
            return message.author_staff.signature
        if message.author is None:  # a system's words on the clinic's behalf
            return message.sender
        return message.author.full_name


class ThreadDetailSerializer(ThreadSerializer):
    messages = MessageSerializer(source="visible_messages", many=True, read_only=True)

    class Meta(ThreadSerializer.Meta):
        fields = (*ThreadSerializer.Meta.fields, "messages")


# One name for the screen's findings in the schema, whichever API names them (settings' ENUM_NAME_OVERRIDES).
SAFETY_FLAG_CHOICES = sorted(RED_FLAGS)


def confirmed_flags_field(
    after: str = "Without them a message whose words suggest an emergency is refused.",
) -> serializers.ListField:
    """The findings a patient saw and chose to send anyway; every API that screens words takes them so."""
    return serializers.ListField(
        child=serializers.ChoiceField(choices=SAFETY_FLAG_CHOICES),
        required=False,
        default=list,
        source="confirmed_flags",
        help_text=(
            "The safety screen's findings the patient was shown (the `safety_flags` of a 422 answer) and "
            f"chose to send anyway. {after}"
        ),
    )


class ThreadStartSerializer(serializers.Serializer[Thread]):
    category = serializers.ChoiceField(choices=Thread.Category.choices)
    subject = serializers.CharField(max_length=SUBJECT_MAX)
    body = serializers.CharField(max_length=BODY_MAX)
    urgency = serializers.ChoiceField(choices=Thread.Urgency.choices, default=Thread.Urgency.NORMAL)
    # Made once per compose screen by the app: a retried request finds the thread it started.
    idempotency_key = serializers.CharField(max_length=KEY_MAX)
    confirmed_safety_flags = confirmed_flags_field()


class ReplySerializer(serializers.Serializer[Message]):
    body = serializers.CharField(max_length=BODY_MAX)
    # Optional, made once per reply by the app: a retried request finds the message it sent.
    idempotency_key = serializers.CharField(max_length=KEY_MAX, required=False, default="")
    confirmed_safety_flags = confirmed_flags_field()


class SafetyRefusalSerializer(serializers.Serializer[dict[str, Any]]):
    """422: the words suggest an emergency and were not sent. Show `detail` (the emergency
    guidance: call 911, and 988 for thoughts of suicide) at once; to send anyway, repeat the
    request with `confirmed_safety_flags` set to `safety_flags`."""

    code = serializers.CharField(help_text='Always "safety_confirmation_required".')
    detail = serializers.CharField(help_text="The emergency guidance, in the patient's language.")
    safety_flags = serializers.ListField(child=serializers.ChoiceField(choices=SAFETY_FLAG_CHOICES))
    labels = serializers.ListField(child=serializers.CharField(), help_text="What each finding means, in words.")
    emergency_numbers = serializers.ListField(
        child=serializers.CharField(), help_text='Numbers to offer as call buttons: "911", and "988" for suicide.'
    )


def safety_refusal(refusal: Unconfirmed) -> dict[str, Any]:
    """The 422 body for words the screen refused: the same in every API that takes a patient's
    words (messaging, scheduling notes)."""
    body = {
        "code": "safety_confirmation_required",
        "detail": refusal.message,
        "safety_flags": refusal.flags,
        "labels": [str(label) for label in refusal.labels],
        "emergency_numbers": ["911", "988"] if "suicide" in refusal.flags else ["911"],
    }
    return SafetyRefusalSerializer(body).data


class ThreadStartedSerializer(ThreadSerializer):
    """A thread just started: with the findings it was sent with and, for those, who covers it now."""

    safety_flags = serializers.ListField(child=serializers.CharField(), read_only=True)
    urgent_cover = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="For a message with signs of an emergency: who covers it now (after hours: the on-call team, "
        "or when the clinic opens), and to call 911 in an emergency. Null otherwise.",
    )

    class Meta(ThreadSerializer.Meta):
        fields = (*ThreadSerializer.Meta.fields, "safety_flags", "urgent_cover")


class ReplySentSerializer(MessageSerializer):
    """A reply just sent: for one with signs of an emergency, who covers the conversation now."""

    urgent_cover = serializers.CharField(read_only=True, allow_null=True)

    class Meta(MessageSerializer.Meta):
        fields = (*MessageSerializer.Meta.fields, "urgent_cover")
