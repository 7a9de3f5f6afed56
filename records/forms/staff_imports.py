"""Staff forms for imports and match decisions."""

from __future__ import annotations

from typing import Any

import orjson
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from portal.forms import PortalForm
from portal.models import Organization
from records.fhir.reading import BOM, MAX_DEPTH, nesting_depth, too_deep_message

# How much of an upload is looked at before it is accepted.
HEAD_BYTES = 1 << 20


class ImportUploadForm(PortalForm):
    source = forms.ModelChoiceField(
        label=_("Source system"),
        queryset=Organization.objects.order_by("name"),
        help_text=_("The clinic, lab or hospital the file came from."),
    )
    file = forms.FileField(
        label=_("FHIR file"), help_text=_("A FHIR R4 Bundle (.json) or one bulk-export file (.ndjson).")
    )
    create_missing_patients = forms.BooleanField(
        label=_("Add patients nobody matches"),
        required=False,
        help_text=_("Leave unchecked to send unknown patients to the match review queue instead."),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size and upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large for one import."))
        # Judge by content, not name: FHIR JSON starts with "{" (a bundle, or an NDJSON line).
        head = upload.read(HEAD_BYTES)
        upload.seek(0)
        if not head.removeprefix(BOM).lstrip().startswith(b"{"):
            raise forms.ValidationError(_("This is not a FHIR JSON or NDJSON file."))
        # Refused here with a reason, not left to a parser: a file nested 100,000 levels deep
        # exhausts the stack of whatever reads it whole. (Deeper nesting further in is refused by the import.)
        if nesting_depth(head) > MAX_DEPTH:
            raise forms.ValidationError(too_deep_message())
        return upload

    def is_ndjson(self) -> bool:
        upload: UploadedFile = self.cleaned_data["file"]
        first_line = upload.readline()
        upload.seek(0)
        try:
            resource: Any = orjson.loads(first_line.removeprefix(BOM))
        except orjson.JSONDecodeError:
            return False
        return isinstance(resource, dict) and resource.get("resourceType") != "Bundle"


class MatchDecisionForm(PortalForm):
    decision = forms.ChoiceField(
        choices=[
            ("link", _("Same person: link")),
            ("create", _("Add as a new patient")),
            ("dismiss", _("Not our patient")),
        ]
    )
    patient = forms.UUIDField(required=False)
