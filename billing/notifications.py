"""What the patient hears from billing through the portal's one outbox: a payment received, a
plan instalment not charged, a Good Faith Estimate ready. Never an amount, a service or a card:
only that something is waiting, with a signed link (portal.links) that leads, after sign-in, to
the page that says the rest (and checks access again)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import links
from portal.models import Notice, Patient
from portal.services import outbox

SALT = "billing.notice-link"
MAX_AGE = timedelta(days=30)


class Kind(models.TextChoices):
    PAYMENT_RECEIVED = "billing_payment_received", gettext_lazy("Payment received")
    INSTALMENT_FAILED = "billing_instalment_failed", gettext_lazy("Payment plan instalment not paid")
    ESTIMATE_ISSUED = "billing_estimate_issued", gettext_lazy("Cost estimate ready")


@dataclass(frozen=True)
class LinkTarget:
    user_id: int | None
    what: str  # "receipt", "plan" or "estimate"
    object_id: int
    expired: bool


def link_path(*, user_id: int | None, what: str, object_id: int) -> str:
    token = links.sign({"u": user_id, "w": what, "i": object_id}, salt=SALT)
    return reverse("billing_notice_link", kwargs={"token": token})


def read_link(token: str) -> LinkTarget | None:
    signed = links.unsign(token, salt=SALT, max_age=MAX_AGE)
    if signed is None:
        return None
    try:
        payload = signed.payload
        user_id = payload["u"]
        what = str(payload["w"])
        if what not in ("receipt", "plan", "estimate"):
            return None
        return LinkTarget(
            user_id=None if user_id is None else int(user_id),
            what=what,
            object_id=int(payload["i"]),
            expired=signed.expired,
        )
    except (KeyError, TypeError, ValueError):
        return None


def payment_words(notice: Notice) -> outbox.Words:
    link = links.absolute(notice.link)
    return outbox.Words(
        subject=_("We received your payment"),
        body=_("We received a payment on your account. Sign in to see your receipt: %(link)s") % {"link": link},
        sms=_("Payment received. Your receipt: %(link)s") % {"link": link},
    )


def instalment_words(notice: Notice) -> outbox.Words:
    link = links.absolute(notice.link)
    return outbox.Words(
        subject=_("A payment plan payment did not go through"),
        body=_(
            "A scheduled payment on your payment plan did not go through, even after trying again. "
            "Sign in to see what to do: %(link)s"
        )
        % {"link": link},
        sms=_("A payment plan payment did not go through. See what to do: %(link)s") % {"link": link},
    )


def estimate_words(notice: Notice) -> outbox.Words:
    link = links.absolute(notice.link)
    return outbox.Words(
        subject=_("Your cost estimate is ready"),
        body=_("A cost estimate (Good Faith Estimate) is ready for you in the portal. Sign in to read it: %(link)s")
        % {"link": link},
        sms=_("Your cost estimate is ready. Read it: %(link)s") % {"link": link},
    )


def register_kinds() -> None:
    outbox.register(Kind.PAYMENT_RECEIVED, Kind.PAYMENT_RECEIVED.label, render=payment_words)
    outbox.register(Kind.INSTALMENT_FAILED, Kind.INSTALMENT_FAILED.label, render=instalment_words)
    outbox.register(Kind.ESTIMATE_ISSUED, Kind.ESTIMATE_ISSUED.label, render=estimate_words)


def _send(*, kind: str, key: str, patient: Patient, what: str, object_id: int) -> list[int]:
    return outbox.enqueue(
        kind=kind,
        key=key,
        user=patient.user,
        email=patient.email if patient.user is None else "",
        patient_id=patient.pk,
        target_id=object_id,
        link=link_path(user_id=patient.user_id, what=what, object_id=object_id),
        language=patient.preferred_language,
    )


def payment_received(*, patient: Patient, payment_id: int) -> list[int]:
    """One notice per paid payment (inside the transaction that records it as paid)."""
    return _send(
        kind=Kind.PAYMENT_RECEIVED,
        key=f"billing-paid:{payment_id}",
        patient=patient,
        what="receipt",
        object_id=payment_id,
    )


def instalment_failed(*, patient: Patient, instalment_id: int, plan_id: int) -> list[int]:
    """One notice per instalment that failed its last attempt."""
    return _send(
        kind=Kind.INSTALMENT_FAILED,
        key=f"billing-instalment-failed:{instalment_id}",
        patient=patient,
        what="plan",
        object_id=plan_id,
    )


def estimate_issued(*, patient: Patient, estimate_id: int) -> list[int]:
    """One notice per issued estimate (each version is a new estimate, so a new notice)."""
    return _send(
        kind=Kind.ESTIMATE_ISSUED,
        key=f"billing-estimate:{estimate_id}",
        patient=patient,
        what="estimate",
        object_id=estimate_id,
    )
