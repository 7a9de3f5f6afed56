"""Refills models: requests and their timeline, pharmacies, protocols."""

from refills.models.clients import PharmacyClient
from refills.models.pharmacies import Pharmacy, PreferredPharmacy
from refills.models.protocols import RefillProtocol
from refills.models.requests import DECIDABLE, OPEN, TRANSITIONS, PharmacyMessage, RefillEvent, RefillRequest

__all__ = [
    "DECIDABLE",
    "OPEN",
    "TRANSITIONS",
    "Pharmacy",
    "PharmacyClient",
    "PharmacyMessage",
    "PreferredPharmacy",
    "RefillEvent",
    "RefillProtocol",
    "RefillRequest",
]
