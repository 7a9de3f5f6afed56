"""The API a pharmacy's system calls to ask the clinic to renew a prescription (the pharmacy-
initiated renewal of e-prescribing). Authenticated by the pharmacy's key (`Authorization: Bearer
<key>`, issued with `manage.py refills_pharmacy_key`, stored hashed); no session, no patient id in
the URL: the patient is matched within the key's clinic by name and date of birth, the medicine by
its RxNorm code. The request lands in the clinic's refill queue.

Answers: 201 with the request; 200 with the same request when the message id was seen before;
400 with field errors for bad input, an unmatched patient or medicine, or a medicine that cannot be
renewed this way (in plain words); 401 without a valid key; 429 (with Retry-After) past RATE
requests for one key, or once one client address has sent FAILURES wrong keys within
FAILURE_WINDOW seconds (until the oldest of them is that old: keys cannot be guessed). Each
request opens its conversation in the clinic's refill pool, so it has a named owner and an answer
time like a patient's."""

from __future__ import annotations

from typing import Any, NoReturn, cast

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from portal.client_address import client_address
from refills.models import PharmacyClient, RefillRequest
from refills.services import renewals

# Requests a pharmacy's key may send (a batch of renewals after a morning's fills fits well within).
RATE = "60/min"
# Wrong keys one client address may send before it must wait (a pharmacy mistyping its key is
# told at the first; a guesser gets a handful an hour).
FAILURES = 10
FAILURE_WINDOW = 3600


class FailedKeyLimit:
    """The wrong keys each client address sent lately (times, in the shared cache)."""

    @staticmethod
    def _key(request: Request) -> str:
        return f"refills:pharmacy-key-failures:{client_address(request) or 'unknown'}"

    @classmethod
    def wait(cls, request: Request) -> float | None:
        """Seconds until this address may try a key again, or None while it may."""
        now = timezone.now().timestamp()
        recent = [at for at in cache.get(cls._key(request), []) if at > now - FAILURE_WINDOW]
        if len(recent) < FAILURES:
            return None
        return max(1.0, recent[-FAILURES] + FAILURE_WINDOW - now)

    @classmethod
    def failed(cls, request: Request) -> None:
        now = timezone.now().timestamp()
        recent = [at for at in cache.get(cls._key(request), []) if at > now - FAILURE_WINDOW]
        cache.set(cls._key(request), [*recent, now][-FAILURES:], FAILURE_WINDOW)


class PharmacyKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer <key>`: the pharmacy client as `request.auth` (no user)."""

    def authenticate(self, request: Request) -> tuple[Any, PharmacyClient] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        wait = FailedKeyLimit.wait(request)
        if wait is not None:
            seconds = max(int(wait), 1)
            raise exceptions.Throttled(
                wait,
                detail=_("Too many wrong keys from this address. Send again in %(seconds)s seconds.")
                % {"seconds": seconds},
            )
        if len(header) != 2:
            FailedKeyLimit.failed(request)
            raise exceptions.AuthenticationFailed(_("Send one key: Authorization: Bearer <key>."))
        client = renewals.client_for_key(header[1].decode(errors="replace"))
        if client is None:
            FailedKeyLimit.failed(request)
            raise exceptions.AuthenticationFailed(_("This key is not valid."))
        return AnonymousUser(), client

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="pharmacy"'


class PharmacyKeyScheme(OpenApiAuthenticationExtension):
    target_class = "refills.api.pharmacy.PharmacyKeyAuthentication"
    name = "pharmacyKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A pharmacy system's key."}


class IsPharmacyClient(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, PharmacyClient)


class PharmacyKeyThrottle(SimpleRateThrottle):
    """At most RATE requests per pharmacy key (counted in the shared cache), so one system's
    runaway loop cannot flood the clinic's queue; past it, 429 with Retry-After."""

    rate = RATE

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        client = request.auth
        return f"refills:pharmacy-throttle:{client.pk}" if isinstance(client, PharmacyClient) else None


class PatientMatchSerializer(serializers.Serializer[Any]):
    family_name = serializers.CharField(max_length=100)
    given_name = serializers.CharField(max_length=100)
    birth_date = serializers.DateField()


class RenewalInSerializer(serializers.Serializer[Any]):
    message_id = serializers.CharField(
        max_length=renewals.MESSAGE_ID_MAX,
        help_text="The pharmacy's own id for this message: sent again, it is not repeated.",
    )
    patient = PatientMatchSerializer()
    rxnorm_code = serializers.RegexField(r"^[0-9]{1,16}$", help_text="The medicine's RxNorm code.")
    days_supply = serializers.IntegerField(min_value=1, max_value=365, default=90)
    note = serializers.CharField(max_length=renewals.NOTE_MAX, required=False, allow_blank=True, default="")


class RenewalOutSerializer(serializers.ModelSerializer[RefillRequest]):
    message_id = serializers.CharField(source="pharmacy_message_id")
    status_label = serializers.CharField(source="get_status_display")
    medication = serializers.CharField(source="medication_name")

    class Meta:
        model = RefillRequest
        fields = (
            "id",
            "message_id",
            "medication",
            "rxnorm_code",
            "kind",
            "status",
            "status_label",
            "days_supply",
            "created_at",
        )


class RenewalRequestsView(APIView):
    authentication_classes = [PharmacyKeyAuthentication]
    permission_classes = [IsPharmacyClient]
    throttle_classes = [PharmacyKeyThrottle]

    def throttled(self, request: Request, wait: float | None) -> NoReturn:
        seconds = max(int(wait or 0), 1)
        raise exceptions.Throttled(
            wait,
            detail=_("Too many requests with this key. Send again in %(seconds)s seconds.") % {"seconds": seconds},
        )

    @extend_schema(request=RenewalInSerializer, responses={201: RenewalOutSerializer, 200: RenewalOutSerializer})
    def post(self, request: Request) -> Response:
        """Ask the clinic to renew a patient's prescription; it lands in the clinic's refill queue."""
        client = cast(PharmacyClient, request.auth)  # IsPharmacyClient let it in
        payload = RenewalInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        made, created = renewals.renewal_from_pharmacy(
            client=client,
            message_id=data["message_id"],
            family_name=data["patient"]["family_name"],
            given_name=data["patient"]["given_name"],
            birth_date=data["patient"]["birth_date"],
            rxnorm_code=data["rxnorm_code"],
            days_supply=data["days_supply"],
            note=data["note"],
        )
        return Response(
            RenewalOutSerializer(made).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
