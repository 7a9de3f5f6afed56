"""A retried booking POST books once.

Booking from a hold needs no key: the hold is the key (confirming a hold that is already booked
answers with that booking). A direct booking (no hold) may carry an Idempotency-Key header or an
`idempotency_key` field: the first request claims the key in the cache (an atomic add, so two at
once cannot both book) and, once booked, stores the visit's id under it for a day; a retry with the
same key gets that visit back. The database stays the last line whatever the cache holds: the
patient exclusion constraint refuses a second visit at the same time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.utils.translation import gettext as _

from portal.models import User
from portal.services.errors import ServiceError
from scheduling.models import Appointment

KEY_MAX = 200
REMEMBER_SECONDS = 24 * 3600
# Long enough for a booking to finish; a crashed one frees its key by itself.
PENDING_SECONDS = 60
PENDING = "pending"


class BookingInProgress(ServiceError):
    """The same key is being booked by another request right now."""


def _cache_key(actor: User, patient_id: object, key: str) -> str:
    digest = hashlib.sha256(f"{actor.pk}:{patient_id}:{key}".encode()).hexdigest()
    return f"scheduling:api:booking:{digest}"


def book_once(*, actor: User, patient_id: object, key: str, book: Callable[[], Appointment]) -> tuple[int, bool]:
    """(the visit's id, whether this call booked it). Without a key, `book` simply runs."""
    if not key:
        return book().pk, True
    cache_key = _cache_key(actor, patient_id, key)
    found = cache.get(cache_key)
    if isinstance(found, int):
        return found, False
    if not cache.add(cache_key, PENDING, timeout=PENDING_SECONDS):
        raise BookingInProgress(_("This booking is already on its way. Please wait a moment and look again."))
    try:
        appointment = book()
    except BaseException:
        cache.delete(cache_key)
        raise
    cache.set(cache_key, appointment.pk, timeout=REMEMBER_SECONDS)
    return appointment.pk, True
