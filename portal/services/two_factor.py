"""Second factor through django-otp: TOTP devices and single-use recovery codes."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import audit
from portal.access import requires_second_factor
from portal.models import AuditEvent, User
from portal.services import notify
from portal.services.errors import ServiceError

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "recovery"

__all__ = ["ServiceError"]


def devices_of(user: User) -> list[TOTPDevice]:
    return list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id"))


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_DEVICE_NAME).count()


def totp_pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled; the same one across page reloads so the QR stays valid."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def readable_secret(device: TOTPDevice) -> str:
    """The key in groups of four, for typing into an app when scanning is not possible."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _acting_as(user: User) -> str:
    return AuditEvent.ActingAs.STAFF if requires_second_factor(user) else AuditEvent.ActingAs.SELF


def _record_change(*, user: User, action: str, device: Device, change: str) -> None:
    """Audit a change to the account's second factor and tell its owner by email after commit.
    Sent to the address whatever the notification preferences say: a change the owner did not
    make is how a stolen password shows itself."""
    audit.record(actor=user, patient=None, action=action, obj=device, acting_as=_acting_as(user))
    if user.email:
        notify.security_notice(email=user.email, change=change, path=reverse("security"), language=user.language)


@transaction.atomic
def totp_confirm(*, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm enrolment with one valid code. Returns fresh recovery codes, or None if the code is wrong.
    Only for a session that entered its second factor, or an account with none yet (the gate in
    portal.middleware sees to that)."""
    if device.user_id != user.pk or not device.verify_token(code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    _record_change(user=user, action=AuditEvent.Action.CREATE, device=device, change="device_added")
    codes, recovery = _mint_recovery_codes(user)
    # One email covers both: the codes come with the new app.
    audit.record(actor=user, patient=None, action=AuditEvent.Action.UPDATE, obj=recovery, acting_as=_acting_as(user))
    return codes


@transaction.atomic
def recovery_codes_replace(*, user: User) -> list[str]:
    """Ten new single-use codes; the old ones stop working. Only for a session that entered its
    second factor: with a password alone, new codes would be a way past it."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ServiceError(_("Set up an authenticator app first; recovery codes come with it."))
    codes, recovery = _mint_recovery_codes(user)
    _record_change(user=user, action=AuditEvent.Action.UPDATE, device=recovery, change="recovery_codes")
    return codes


def _mint_recovery_codes(user: User) -> tuple[list[str], StaticDevice]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes, device


@transaction.atomic
def totp_remove(*, user: User, device_id: int) -> None:
    """Remove an authenticator app. Only for a session that entered its second factor."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, pk=device_id, confirmed=True).first()
    if device is None:
        raise ServiceError(_("That authenticator app was not found."))
    if requires_second_factor(user) and TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1:
        raise ServiceError(_("Staff accounts must keep a second factor. Add another app before removing this one."))
    _record_change(user=user, action=AuditEvent.Action.DELETE, device=device, change="device_removed")
    device.delete()
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME).delete()
