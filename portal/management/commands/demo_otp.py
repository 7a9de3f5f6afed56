"""Prints the current second-factor code of a demo user, so demo staff can sign in without a phone."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def current_code(device: TOTPDevice) -> str:
    """The 6-digit code the device accepts now, zero-padded as an authenticator app shows it."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(totp.token()).zfill(device.digits)


class Command(BaseCommand):
    help = "Print the current authenticator code of a user (demo staff share a published key)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The user's email address.")

    def handle(self, *args: Any, email: str, **options: Any) -> None:
        device = TOTPDevice.objects.filter(user__email=email.strip().lower(), confirmed=True).order_by("id").first()
        if device is None:
            raise CommandError(f"No confirmed authenticator for {email}. Run `python manage.py demo_data` first?")
        self.stdout.write(current_code(device))
