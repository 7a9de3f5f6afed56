"""Quick replies: the texts staff start an answer from, per organization and language."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from messaging.models.routing import Category


class QuickReply(models.Model):
    """A reply staff start from (a template), kept per organization and language."""

    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="quick_replies")
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    categories = ArrayField(
        models.CharField(max_length=16, choices=Category.choices),
        default=list,
        blank=True,
        verbose_name=_("categories"),
        help_text=_("Offered on threads of these categories; empty: on every thread."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("quick reply")
        verbose_name_plural = _("quick replies")
        ordering: ClassVar = ["organization", "title"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organization", "language", "title"],
                name="quick_reply_title_unique",
                violation_error_message=_("There is already a quick reply with this title in this language."),
            ),
            models.CheckConstraint(condition=~models.Q(body=""), name="quick_reply_body_given"),
        ]

    def __str__(self) -> str:
        return self.title
