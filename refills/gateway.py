"""The pharmacy gateway interface: how an approved prescription reaches the pharmacy.

A gateway is a class with one method, `send(message) -> str`, that hands the message's
`payload` (a FHIR MedicationRequest with the pharmacy's NCPDP id, name and address) to the
pharmacy and returns the reference the other side gave it; raising any exception means "not
sent" and the worker tries again later (refills.services.pharmacy). `settings.REFILLS_PHARMACY_GATEWAY`
names the class by dotted path:

- `refills.gateway.ConsoleGateway` (the default, for development): writes the message to the log
  and returns a local reference;
- `refills.gateway.StructuredGateway`: posts the payload as JSON to the clinic's e-prescribing
  service at `settings.REFILLS_PHARMACY_GATEWAY_URL` and returns the `id` of its answer; a clinic
  connects its service there (or writes its own class with the same method).
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from refills.models import PharmacyMessage

log = logging.getLogger(__name__)


class Gateway(Protocol):
    def send(self, message: PharmacyMessage) -> str: ...


class ConsoleGateway:
    def send(self, message: PharmacyMessage) -> str:
        log.info("refills: pharmacy message %s\n%s", message.pk, json.dumps(message.payload, indent=2, sort_keys=True))
        return f"console-{message.pk}"


class StructuredGateway:
    def send(self, message: PharmacyMessage) -> str:
        url = getattr(settings, "REFILLS_PHARMACY_GATEWAY_URL", "")
        if not url.startswith("https://"):
            raise RuntimeError("REFILLS_PHARMACY_GATEWAY_URL must be an https address")
        body = json.dumps({"message_id": message.pk, "prescription": message.payload}).encode()
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")  # noqa: S310 - https only, checked above
        with urllib.request.urlopen(request, timeout=20) as answer:  # noqa: S310 - https only, checked above
            return str(json.loads(answer.read())["id"])[:100]


def gateway() -> Gateway:
    path = getattr(settings, "REFILLS_PHARMACY_GATEWAY", "refills.gateway.ConsoleGateway")
    return import_string(path)()
