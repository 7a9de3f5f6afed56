"""Share links: the patient lets someone outside the portal (a specialist, say) see chosen parts of
the record for a few days, after that person enters the patient's birth date.

Only the SHA-256 of a link's token is stored; the token itself is shown to the patient once.
A link stops working when it expires, when the patient turns it off, or after
MAX_WRONG_BIRTH_DATES wrong birth dates. Wrong attempts are also counted per network address
(Redis), so one visitor cannot wear down many links.

Writes are services (`share_link_create`, `share_link_revoke`, `share_link_open`); the two reads
(`share_links_for`, `share_link_for_token`) live here too, beside the rules they share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import audit
from portal.access import Access, Action
from portal.context import current_client
from portal.models import AuditEvent, Patient, User
from portal.services.errors import InvalidToken, ServiceError
from portal.services.tokens import new_token, token_hash
from records.downloads import SECTION_SLUGS, RecordSection, Section, kinds_of, record_sections, sections_of
from records.models import RecordItem, ShareLink
from records.selectors.patient import visible_items

MAX_WRONG_BIRTH_DATES = 5
MIN_DAYS, MAX_DAYS = 1, 30
# Failed tries (wrong birth date, unknown link) one network address may make per window.
ATTEMPTS_PER_ADDRESS = 20
ATTEMPT_WINDOW_SECONDS = 3600

SHARE_LINK = "records.ShareLink"
SHARE_LINK_LIST = "records.ShareLinkList"


class Status:
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"
    LOCKED = "locked"


def status_of(link: ShareLink, now: datetime | None = None) -> str:
    if link.revoked_at is not None:
        return Status.REVOKED
    if link.failed_attempts >= MAX_WRONG_BIRTH_DATES:
        return Status.LOCKED
    if link.expires_at <= (now or timezone.now()):
        return Status.EXPIRED
    return Status.ACTIVE


class LinkUnusable(InvalidToken):
    """The link exists but no longer opens: expired, turned off or locked."""

    def __init__(self, message: str, *, status: str, link: ShareLink) -> None:
        super().__init__(message)
        self.status = status
        self.link = link


class WrongBirthDate(ServiceError):
    def __init__(self, message: str, *, tries_left: int) -> None:
        super().__init__(message, field="birth_date")
        self.tries_left = tries_left


class TooManyAttempts(ServiceError):
    """Too many wrong birth dates from one address: it must wait before trying again."""


def _sharing_event(access: Access, actor: User, action: str, **fields: object) -> None:
    # Scope left empty: sharing history is the patient's own, never shown to a caregiver.
    audit.record(actor=actor, patient=access.patient, action=action, acting_as=access.acting_as, scope="", **fields)


def _own_record(access: Access) -> None:
    if access.acting_as != AuditEvent.ActingAs.SELF:
        raise ServiceError(_("Only the patient can share their record with a link."))


@transaction.atomic
def share_link_create(
    *, access: Access, actor: User, label: str, sections: list[str], days: int
) -> tuple[ShareLink, str]:
    """A new link. Returns it with its token: show the token once, it is not stored."""
    _own_record(access)
    label = label.strip()
    if not label:
        raise ServiceError(_("Say who the link is for."), field="label")
    chosen = [slug for slug in SECTION_SLUGS if slug in set(sections)]
    if not chosen:
        raise ServiceError(_("Choose at least one part of your record to share."), field="sections")
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ServiceError(_("Choose from 1 to 30 days."), field="days")
    token, hashed = new_token()
    now = timezone.now()
    link = ShareLink.objects.create(
        patient=access.patient,
        created_by=actor,
        label=label[:200],
        token_hash=hashed,
        kinds=kinds_of(chosen),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    _sharing_event(access, actor, AuditEvent.Action.SHARE, obj=link)
    return link, token


@transaction.atomic
def share_link_revoke(*, access: Access, actor: User, link_id: int) -> ShareLink:
    """Turn a link off at once."""
    _own_record(access)
    link = ShareLink.objects.select_for_update().filter(patient=access.patient, pk=link_id).first()
    if link is None:
        raise ServiceError(_("That link was not found."))
    if link.revoked_at is not None:
        raise ServiceError(_("That link was already turned off."))
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    _sharing_event(access, actor, AuditEvent.Action.REVOKE, obj=link)
    return link


@dataclass(frozen=True)
class ShareLinkRow:
    link: ShareLink
    status: str
    sections: list[Section]
    views: int
    last_viewed: datetime | None


def share_links_for(*, access: Access, actor: User) -> list[ShareLinkRow]:
    """The patient's links, working ones first, each with when it was last opened."""
    _own_record(access)
    links = list(ShareLink.objects.filter(patient=access.patient).order_by("-created_at", "-pk"))
    seen = (
        AuditEvent.objects.filter(patient=access.patient, action=AuditEvent.Action.VIEW, object_type=SHARE_LINK)
        .values("object_id")
        .annotate(n=Count("pk"), last=Max("occurred_at"))
    )
    viewed: dict[str, tuple[int, datetime | None]] = {row["object_id"]: (row["n"], row["last"]) for row in seen}
    now = timezone.now()
    rows = [
        ShareLinkRow(
            link=link,
            status=status_of(link, now),
            sections=sections_of(link.kinds),
            views=viewed.get(str(link.pk), (0, None))[0],
            last_viewed=viewed.get(str(link.pk), (0, None))[1],
        )
        for link in links
    ]
    rows.sort(key=lambda row: row.status != Status.ACTIVE)  # stable: newest first within each
    _sharing_event(access, actor, AuditEvent.Action.VIEW, object_type=SHARE_LINK_LIST)
    return rows


# --- The public side: someone opening a link -------------------------------------------------


def _address_key() -> str:
    return f"share-link-attempts:{current_client().ip or 'unknown'}"


def address_blocked() -> bool:
    return int(cache.get(_address_key(), 0)) >= ATTEMPTS_PER_ADDRESS


def _count_failure() -> None:
    key = _address_key()
    cache.add(key, 0, timeout=ATTEMPT_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=ATTEMPT_WINDOW_SECONDS)


def share_link_for_token(token: str) -> ShareLink:
    """The working link behind `token`, or an error saying why it does not open."""
    link = ShareLink.objects.select_related("patient").filter(token_hash=token_hash(token)).first()
    if link is None:
        _count_failure()
        raise InvalidToken(_("This link is not valid. Check that it was copied in full, or ask for a new one."))
    _refuse_unless_active(link)
    return link


def _refuse_unless_active(link: ShareLink) -> None:
    status = status_of(link)
    if status == Status.REVOKED:
        message = _("The person who shared this link has turned it off. Ask them for a new one if you still need it.")
    elif status == Status.LOCKED:
        message = _(
            "This link is locked because a wrong date of birth was entered too many times. "
            "Ask the person who shared it for a new one."
        )
    elif status == Status.EXPIRED:
        message = _("This link has expired. Ask the person who shared it for a new one.")
    else:
        return
    raise LinkUnusable(message, status=status, link=link)


@dataclass(frozen=True)
class SharedRecord:
    link: ShareLink
    patient: Patient
    sections: list[RecordSection]


def shared_items(link: ShareLink) -> QuerySet[RecordItem]:
    """What a link shows: the visible-items rules for someone outside the care team (released
    items only), never anything confidential, and only the kinds the patient chose."""
    outsider = Access(link.patient, AuditEvent.ActingAs.SHARE_LINK, Action.RECORDS)
    return visible_items(outsider).filter(confidential=False, kind__in=link.kinds)


def share_link_open(*, token: str, birth_date: date) -> SharedRecord:
    """Open a link with the patient's birth date: the shared parts of the record, audited as a view.
    A wrong date counts against the link (it locks at MAX_WRONG_BIRTH_DATES) and the address."""
    if address_blocked():
        raise TooManyAttempts(_("Too many tries from this network. Please wait an hour and try again."))
    found = share_link_for_token(token)
    with transaction.atomic():
        link = ShareLink.objects.select_for_update().select_related("patient").get(pk=found.pk)
        _refuse_unless_active(link)
        matches = birth_date == link.patient.birth_date
        if matches:
            items = list(shared_items(link).select_related("source"))
            audit.record(
                actor=None,
                patient=link.patient,
                action=AuditEvent.Action.VIEW,
                obj=link,
                acting_as=AuditEvent.ActingAs.SHARE_LINK,
                scope="",
            )
        else:
            # Committed before the refusal is raised: a wrong date must count even though it fails.
            link.failed_attempts += 1
            link.save(update_fields=["failed_attempts"])
    if not matches:
        _count_failure()
        _refuse_unless_active(link)  # that was the last try: say the link is locked
        tries_left = MAX_WRONG_BIRTH_DATES - link.failed_attempts
        message = ngettext(
            "That date of birth does not match. %(n)s more try before the link locks.",
            "That date of birth does not match. %(n)s more tries before the link locks.",
            tries_left,
        )
        raise WrongBirthDate(message % {"n": tries_left}, tries_left=tries_left)
    slugs = [section.slug for section in sections_of(link.kinds)]
    return SharedRecord(link=link, patient=link.patient, sections=record_sections(items, slugs))
