"""The one notification outbox: every app's notices (email, text, in the portal) as rows."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    """One notification owed to one person, as a row: made in the transaction that caused it,
    sent by a worker after commit, never twice (`key` is unique, `sent_at` is stamped under a row
    lock), never lost (a sweep retries what is unsent). Ids only: the words are made when
    sending, by the kind's renderer (`portal.services.outbox.register`), and say only that something is
    waiting, never what.

    To a person with an account (`user`) or, for an invitation, to an address (`email`). `kind`
    is one of the kinds apps register with the outbox; `target_id` is the id of what it is about
    in that kind's app (a thread, an appointment), `patient` whose data it concerns (the in-app
    pages are scoped by it). Channels: email and SMS; for staff, `in_app` (read in the portal,
    `read_at`) gathered into an email digest (`digested_at`). Not sent before `due_at` (quiet
    hours for texts)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")
        IN_APP = "in_app", _("In the portal")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    email = models.EmailField(blank=True)
    # A mobile number for a text to someone without an account (an activation code from the desk);
    # blanked once sent, like the link.
    phone = models.CharField(max_length=32, blank=True)
    # Validated against the registry of kinds in portal.services.outbox (apps add theirs), not a choices list.
    kind = models.CharField(max_length=32)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    patient = models.ForeignKey(
        "portal.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    target_id = models.BigIntegerField(null=True, blank=True)
    # A signed link that must be the one sent (a waitlist offer accepts only its own), made when
    # the notice was written; blanked once sent, so the table keeps no working link.
    link = models.CharField(max_length=400, blank=True)
    # The recipient's language when there is no account to ask (an invitation); else the user's.
    language = models.CharField(max_length=8, blank=True)
    # What makes the notice unique (e.g. "reply:<message id>:<user>:email"): a retry finds it sent.
    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(channel__in=["email", "sms", "in_app"]), name="outbox_notice_channel_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(channel="in_app") | models.Q(read_at__isnull=True, digested_at__isnull=True),
                name="outbox_notice_read_only_in_app",
            ),
            # To an account; or, for someone without one, an email address (an invitation) or a mobile
            # number (a desk activation code by text, blanked once sent); in-app notices need an account.
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, email="", phone="")
                | models.Q(user__isnull=True, channel="email", phone="") & ~models.Q(email="")
                | models.Q(user__isnull=True, channel="sms", email="", sent_at__isnull=False)
                | models.Q(user__isnull=True, channel="sms", email="") & ~models.Q(phone=""),
                name="outbox_notice_one_recipient",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["due_at"], condition=models.Q(sent_at__isnull=True), name="outbox_notice_unsent"),
            models.Index(
                fields=["user", "-created_at"], condition=models.Q(channel="in_app"), name="outbox_notice_in_app_inbox"
            ),
        ]

    def __str__(self) -> str:
        return f"Notice {self.pk}"

    @property
    def kind_label(self) -> str:
        from portal.services.outbox import kind_label  # the registry of kinds lives with the service

        return kind_label(self.kind)
