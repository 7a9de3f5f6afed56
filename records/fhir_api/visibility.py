"""Which record lines an access may see: held results only for staff, confidential items never for
the caregiver of a 12-17-year-old. Applied to queries and to references alike."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from portal.access import Access
from portal.models import AuditEvent
from records.models import RecordItem


@dataclass(frozen=True)
class Visibility:
    shows_held: bool
    shows_confidential: bool

    @classmethod
    def of(cls, access: Access) -> Visibility:
        return cls(
            shows_held=access.acting_as == AuditEvent.ActingAs.STAFF,
            shows_confidential=not access.hides_confidential,
        )

    def q(self, prefix: str = "item__") -> Q:
        """Filter on RecordItem fields (through `prefix` from the queried model)."""
        found = Q()
        if not self.shows_held:
            found &= Q(**{f"{prefix}release": RecordItem.Release.RELEASED})
        if not self.shows_confidential:
            found &= Q(**{f"{prefix}confidential": False})
        return found

    def allows(self, release: str | None, confidential: bool | None) -> bool:
        if release is None:  # no record line: nothing the policy could release
            return False
        return (self.shows_held or release == RecordItem.Release.RELEASED) and (
            self.shows_confidential or not confidential
        )
