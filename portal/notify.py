"""Notifications by email and SMS. They say only that something is waiting, with a link:
never a name, a result or a message body (no PHI through side channels)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, send_mail
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from portal.links import absolute

log = logging.getLogger(__name__)


class LogSmsBackend:
    """Development SMS backend: logs that a text would be sent (to whom by id only)."""

    def send(self, *, to: str, body: str) -> None:
        log.info("sms queued", extra={"sms_length": len(body)})


def send_sms(*, to: str, body: str) -> None:
    backend = import_string(settings.SMS_BACKEND)()
    backend.send(to=to, body=body)


def send_invitation(*, email: str, kind: str, path: str, language: str = settings.LANGUAGE_CODE) -> None:
    """An invitation to a caregiver ("proxy") or a patient ("patient"), with a single-use link."""
    with translation.override(language):
        if kind == "proxy":
            subject = _("You have been invited to help with someone's care")
            intro = _(
                "Someone has invited you to help with their care on the patient portal. "
                "Sign in or create your own account to accept."
            )
        else:
            subject = _("Activate your patient portal account")
            intro = _("Your clinic has invited you to use the patient portal. Create your account to start.")
        body = "\n\n".join(
            [
                intro,
                absolute(path),
                _("The link works once and expires in %(days)s days.") % {"days": settings.INVITATION_TTL_DAYS},
                _("If you were not expecting this, you can ignore this email."),
            ]
        )
    send_mail(subject, body, None, [email])
    log.info("invitation sent", extra={"kind": kind})


def send_security_notice(*, email: str, change: str, path: str, language: str = settings.LANGUAGE_CODE) -> None:
    """Tell a person their two-step sign-in changed, so a change they did not make is noticed.
    Says what kind of change and when to look, never a code, a secret or a device's details."""
    with translation.override(language):
        changes = {
            "device_added": _("An authenticator app was added to your account."),
            "device_removed": _("An authenticator app was removed from your account."),
            "recovery_codes": _("New recovery codes were made for your account. The old ones no longer work."),
        }
        body = "\n\n".join(
            [
                changes[change],
                _("You can see your two-step sign-in settings here:"),
                absolute(path),
                _(
                    "If you did not make this change, change your password now and tell your clinic: "
                    "someone else may know it."
                ),
            ]
        )
        subject = _("Your two-step sign-in changed")
    send_mail(subject, body, None, [email])
    log.info("security notice sent", extra={"change": change})


def mail_as_data(message: EmailMessage) -> dict[str, Any]:
    """A rendered email as JSON-safe data, so a worker can send it (see portal.tasks.send_account_mail)."""
    alternatives = getattr(message, "alternatives", [])
    return {
        "subject": message.subject,
        "body": message.body,
        "content_subtype": message.content_subtype,
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
        "alternatives": [[content, mimetype] for content, mimetype in alternatives],
    }


def send_mail_data(data: dict[str, Any]) -> None:
    message = EmailMultiAlternatives(
        data["subject"], data["body"], data["from_email"], data["to"], headers=data["headers"]
    )
    message.content_subtype = data["content_subtype"]
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    message.send()
