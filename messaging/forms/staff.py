"""Forms of the staff messaging pages: inbox filters, and the actions on a thread."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.forms.keys import key_field, new_key
from messaging.models import Category, QuickReply, Thread, Urgency
from messaging.selectors.staff import Filters, View
from messaging.services.threads import BODY_MAX
from portal.forms import PortalForm
from portal.models import StaffMember

NOTE_MAX = 1000


class ThreadActionForm(PortalForm):
    """A form of the thread page; `context_name` is its name in the page's context, so the page
    can show the one just sent (errors and text) in place of a blank one."""

    context_name: ClassVar[str]

    def posted(self, name: str) -> str:
        """A field as sent, unvalidated: the service checks it, in the same words everywhere."""
        return str(self.data.get(self.add_prefix(name), ""))


def _any(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class InboxFilterForm(PortalForm):
    """Filters of an inbox (a GET form: every choice may be left at "any")."""

    view = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            (View.WAITING, _("Waiting")),
            (View.ANSWERED, _("Answered")),
            (View.CLOSED, _("Closed")),
        ],
    )
    sla_state = forms.ChoiceField(
        label=_("Answer time"), required=False, choices=_any(_("Any")) + list(Thread.SlaState.choices)
    )
    category = forms.ChoiceField(label=_("About"), required=False, choices=_any(_("Any")) + list(Category.choices))
    urgency = forms.ChoiceField(label=_("Urgency"), required=False, choices=_any(_("Any")) + list(Urgency.choices))

    def filters(self) -> Filters:
        """The chosen filters; anything invalid is read as "any" (a stale bookmark still works)."""
        self.is_valid()
        data = self.cleaned_data  # the valid fields only
        return Filters(
            view=data.get("view") or View.WAITING,
            sla_state=data.get("sla_state", ""),
            category=data.get("category", ""),
            urgency=data.get("urgency", ""),
        )


def _text(label: Any, help_text: Any, limit: int, rows: int) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=limit,
        required=False,  # the service says what is missing, in the same words everywhere
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": limit}),
    )


class ReplyForm(ThreadActionForm):
    """A reply to the patient, optionally started from a quick reply. "Insert" (without
    JavaScript) puts the chosen quick reply into the text and shows the form again."""

    context_name = "reply_form"
    prefix = "reply"

    quick_reply = forms.ChoiceField(label=_("Quick reply"), required=False)
    body = _text(
        _("Reply to the patient"), _("The patient and caregivers with access to messages read this."), BODY_MAX, 6
    )
    # Sending the same form twice (a double click, a retry) sends one reply.
    idempotency_key = key_field()

    def __init__(self, *args: Any, quick_replies: list[QuickReply], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.quick_replies = {str(reply.pk): reply for reply in quick_replies}
        field = cast(forms.ChoiceField, self.fields["quick_reply"])
        field.choices = _any(_("Choose a quick reply")) + [
            (str(reply.pk), f"{reply.title} ({reply.get_language_display()})") for reply in quick_replies
        ]
        # For the progressive enhancement: static/js/messaging_staff.js fills this text box from
        # the chosen option (the texts travel in the page's "quick-reply-texts" json_script).
        field.widget.attrs["data-quick-reply-target"] = self["body"].auto_id

    def texts(self) -> dict[str, str]:
        return {key: reply.body for key, reply in self.quick_replies.items()}

    def with_quick_reply(self) -> ReplyForm:
        """The form again, its text the typed text followed by the chosen quick reply (or this
        form with an error when none was chosen). Nothing typed is lost either way."""
        typed = self.data.get(self.add_prefix("body"), "")
        chosen = self.quick_replies.get(self.data.get(self.add_prefix("quick_reply"), ""))
        if chosen is None:
            self.is_valid()
            self.add_error("quick_reply", _("Choose a quick reply to insert."))
            return self
        body = "\n\n".join(part for part in (typed.strip(), chosen.body) if part)
        key = self.posted("idempotency_key") or new_key()  # still the same, unsent reply
        return ReplyForm(
            initial={"body": body, "idempotency_key": key}, quick_replies=list(self.quick_replies.values())
        )


class NoteForm(ThreadActionForm):
    context_name = "note_form"
    prefix = "note"

    body = _text(_("Internal note"), _("Only staff see this. It is never shown to the patient."), BODY_MAX, 4)
    idempotency_key = key_field()


class ReassignForm(ThreadActionForm):
    context_name = "reassign_form"
    prefix = "reassign"

    to_staff = forms.ChoiceField(label=_("Pass to"), required=False)
    note = _text(_("Why"), _("Your colleague sees this; the patient does not."), NOTE_MAX, 3)

    def __init__(self, *args: Any, colleagues: list[StaffMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["to_staff"]).choices = _any(_("Choose a colleague")) + [
            (str(member.pk), f"{member.signature} ({member.get_role_display()})") for member in colleagues
        ]


class EscalateForm(ThreadActionForm):
    context_name = "escalate_form"
    prefix = "escalate"

    note = _text(
        _("What should the physician look at?"), _("The physician sees this; the patient does not."), NOTE_MAX, 3
    )


class CloseForm(ThreadActionForm):
    context_name = "close_form"
    prefix = "close"

    outcome = forms.ChoiceField(
        label=_("How did this end?"),
        choices=Thread.Outcome.choices,
        required=False,  # the service refuses a missing outcome with the protocol's words
        widget=forms.RadioSelect,
    )
