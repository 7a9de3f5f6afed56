"""Forms of the patient's messaging pages: start a conversation, reply. Files are checked by
`messaging.services.attachments` (from their content), so a form shows the service's words."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.forms.boundfield import BoundWidget
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from messaging.forms.keys import key_field
from messaging.models import CATEGORY_GUIDANCE, Category
from messaging.services import attachments
from messaging.services.threads import BODY_MAX, KEY_MAX, SUBJECT_MAX
from portal.services.errors import ServiceError

ACCEPT = ",".join(attachments.EXTENSIONS)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class CategoryRadios(forms.RadioSelect):
    def id_for_label(self, id_: str, index: str | None = None) -> str:
        # The error summary links to the field's label target: the first choice, not nothing.
        return super().id_for_label(id_, "0" if index is None else index)


class FilesField(forms.Field):
    """Several files from one input; checked in `clean_attachments` by the attachments service."""

    widget = MultipleFileInput

    def to_python(self, value: Any) -> list[UploadedFile]:
        if not value:
            return []
        return [file for file in (value if isinstance(value, list | tuple) else [value]) if file]


def _files_field() -> FilesField:
    return FilesField(
        label=_("Photos or PDF files (optional)"),
        help_text=_("Up to 5 files, 10 MB each: photos (JPEG, PNG, GIF or WebP) or PDF documents."),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
    )


class AttachmentsMixin:
    cleaned_data: dict[str, Any]

    def clean_attachments(self) -> list[attachments.ValidUpload]:
        try:
            return attachments.validate_uploads(self.cleaned_data["attachments"])
        except ServiceError as error:
            raise forms.ValidationError(error.message) from error


class StartForm(AttachmentsMixin, forms.Form):
    category = forms.ChoiceField(
        label=_("Topic"),
        choices=Category.choices,
        widget=CategoryRadios,
        error_messages={"required": _("Choose what your message is about.")},
    )
    subject = forms.CharField(
        label=_("Subject"),
        help_text=_("A few words, for example: Rash on my arm."),
        max_length=SUBJECT_MAX,
        error_messages={"required": _("Give your message a subject.")},
    )
    body = forms.CharField(
        label=_("Your message"),
        help_text=_("Say what is happening, since when, and what you would like the clinic to do."),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write your message.")},
    )
    attachments = _files_field()
    # Made once when the form is first shown and sent back with it: sending twice makes one thread.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=KEY_MAX)

    def category_options(self) -> list[tuple[BoundWidget, Promise]]:
        """Each choice with its one line of guidance, for the radio cards."""
        return [(option, CATEGORY_GUIDANCE[option.data["value"]]) for option in self["category"]]


class ReplyForm(AttachmentsMixin, forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write your message.")},
    )
    attachments = _files_field()
    # Sending the same reply form twice sends one reply.
    idempotency_key = key_field()
