"""API input and output shapes; no logic here."""

from __future__ import annotations

from rest_framework import serializers

from portal.models import AuditEvent, Patient, ProxyGrant, Scope, User


class MeSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ("id", "email", "full_name", "language", "notify_by_email", "notify_by_sms")


class PatientSerializer(serializers.ModelSerializer[Patient]):
    display_name = serializers.CharField(read_only=True)
    home_organization = serializers.CharField(source="home_organization.name", read_only=True)

    class Meta:
        model = Patient
        fields = (
            "id",
            "display_name",
            "given_name",
            "family_name",
            "birth_date",
            "preferred_language",
            "home_organization",
        )


class ProxyGrantSerializer(serializers.ModelSerializer[ProxyGrant]):
    class Meta:
        model = ProxyGrant
        fields = (
            "id",
            "invited_name",
            "invited_email",
            "relationship",
            "scopes",
            "status",
            "end_reason",
            "ends_at",
            "invited_at",
            "accepted_at",
            "ended_at",
            "is_guardian",
        )


class ProxyInviteSerializer(serializers.Serializer[ProxyGrant]):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField()
    relationship = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=Scope.choices), min_length=1)
    ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = ("id", "occurred_at", "actor_name", "acting_as", "action", "object_type", "scope")

    def get_actor_name(self, event: AuditEvent) -> str:
        return event.actor.full_name if event.actor else ""
