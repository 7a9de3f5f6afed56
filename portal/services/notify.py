"""The portal's own notices, through its outbox (portal.services.outbox): invitations to a caregiver or
a patient and security notices about two-step sign-in, to an email address (an invited person
has no account yet; a security notice goes whatever the preferences say). They say only that
something is waiting, with a link: never a name, a result or a message body. Also the SMS
backends and the sending of allauth's rendered account emails.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.links import absolute

log = logging.getLogger(__name__)

PROXY_INVITATION = "proxy_invitation"
PATIENT_INVITATION = "patient_invitation"
DESK_CODE = "patient_desk_code"
# How long a desk code works (portal.services.invitations.DESK_CODE_TTL), for the text's words.
DESK_CODE_DAYS = 7
SECURITY_CHANGES = ("device_added", "device_removed", "recovery_codes")


class LogSmsBackend:
    """Development SMS backend: logs that a text would be sent (to whom by id only)."""

    def send(self, *, to: str, body: str) -> None:
        log.info("sms queued", extra={"sms_length": len(body)})


def send_sms(*, to: str, body: str) -> None:
    backend = import_string(settings.SMS_BACKEND)()
    backend.send(to=to, body=body)


def invite(*, email: str, kind: str, path: str, target_id: int, language: str = settings.LANGUAGE_CODE) -> None:
    """An invitation to a caregiver ("proxy") or a patient ("patient"), with its single-use link,
    written into the outbox in the caller's transaction and sent after commit."""
    from portal.services import outbox

    outbox.enqueue(
        kind=PROXY_INVITATION if kind == "proxy" else PATIENT_INVITATION,
        # A new link is a new invitation: sending again with a fresh link is a new notice.
        key=f"invitation:{kind}:{target_id}:{hashlib.sha256(path.encode()).hexdigest()[:32]}",
        email=email,
        target_id=target_id,
        link=path,
        language=language,
    )
    log.info("invitation queued", extra={"kind": kind})


def desk_code_text(*, phone: str, path: str, target_id: int, language: str = settings.LANGUAGE_CODE) -> None:
    """A text with the activation code made at the desk, to the number the patient gave there (in
    the caller's transaction, sent after commit; the number and the link are blanked once sent)."""
    from portal.services import outbox

    outbox.enqueue(
        kind=DESK_CODE,
        key=f"desk-code:{target_id}",
        phone=phone,
        target_id=target_id,
        link=path,
        language=language,
    )
    log.info("desk code text queued", extra={"invitation_id": target_id})


def desk_code_words(notice: Any) -> Any:
    """The code and where to enter it; no name, no clinic detail beyond the portal's address."""
    from portal.services import outbox

    code = notice.link.rstrip("/").rsplit("/", 1)[-1]
    sms = _(
        "Your patient portal activation code is %(code)s. Create your account at %(link)s. "
        "It works once and expires in %(days)s days."
    ) % {"code": code, "link": absolute(notice.link), "days": DESK_CODE_DAYS}
    return outbox.Words(_("Your patient portal activation code"), sms, sms)


def security_notice(*, email: str, change: str, path: str, language: str = settings.LANGUAGE_CODE) -> None:
    """Tell a person their two-step sign-in changed (in the caller's transaction, sent after commit)."""
    from portal.services import outbox

    outbox.enqueue(
        kind=f"security_{change}", key=f"security:{uuid.uuid4().hex}", email=email, link=path, language=language
    )
    log.info("security notice queued", extra={"change": change})


def invitation_words(notice: Any) -> Any:
    from portal.services import outbox

    if notice.kind == PROXY_INVITATION:
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
            absolute(notice.link),
            _("The link works once and expires in %(days)s days.") % {"days": settings.INVITATION_TTL_DAYS},
            _("If you were not expecting this, you can ignore this email."),
        ]
    )
    return outbox.Words(subject, body, "")


def security_words(notice: Any) -> Any:
    """Says what kind of change and where to look, never a code, a secret or a device's details."""
    from portal.services import outbox

    changes = {
        "device_added": _("An authenticator app was added to your account."),
        "device_removed": _("An authenticator app was removed from your account."),
        "recovery_codes": _("New recovery codes were made for your account. The old ones no longer work."),
    }
    body = "\n\n".join(
        [
            changes[notice.kind.removeprefix("security_")],
            _("You can see your two-step sign-in settings here:"),
            absolute(notice.link),
            _(
                "If you did not make this change, change your password now and tell your clinic: "
                "someone else may know it."
            ),
        ]
    )
    return outbox.Words(_("Your two-step sign-in changed"), body, "")


def register_kinds() -> None:
    """The portal's own kinds of notice (from PortalConfig.ready)."""
    from portal.services import outbox

    outbox.register(PROXY_INVITATION, gettext_lazy("Invitation to help with someone's care"), render=invitation_words)
    outbox.register(PATIENT_INVITATION, gettext_lazy("Invitation to the patient portal"), render=invitation_words)
    outbox.register(DESK_CODE, gettext_lazy("Activation code from the desk"), render=desk_code_words)
    for change in SECURITY_CHANGES:
        outbox.register(f"security_{change}", gettext_lazy("Two-step sign-in changed"), render=security_words)


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
