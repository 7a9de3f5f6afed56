"""Second factor through django-otp: TOTP devices and single-use recovery codes."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.access import requires_second_factor
from portal.models import User
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


@transaction.atomic
def totp_confirm(*, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm enrolment with one valid code. Returns fresh recovery codes, or None if the code is wrong."""
    if device.user_id != user.pk or not device.verify_token(code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return recovery_codes_replace(user)


@transaction.atomic
def recovery_codes_replace(user: User) -> list[str]:
    """Ten new single-use codes; the old ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def totp_remove(*, user: User, device_id: int) -> None:
    device = TOTPDevice.objects.filter(user=user, pk=device_id, confirmed=True).first()
    if device is None:
        raise ServiceError(_("That authenticator app was not found."))
    if requires_second_factor(user) and TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1:
        raise ServiceError(_("Staff accounts must keep a second factor. Add another app before removing this one."))
    device.delete()
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME).delete()
