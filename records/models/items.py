"""The clinical record imported from source systems.

Three layers:
- `SourceRecord` keeps every FHIR resource exactly as a source sent it (raw JSON and
  a content hash), unique by (source, resource type, source id), with a
  `SourceRecordVersion` row for each earlier version it replaced;
- `RecordItem` is the patient-facing projection of one clinical resource: the few
  fields the pages, filters, charts and release rules need, indexed;
- `ImportRun` / `ImportIssue` report each import per resource, and
  `SourcePatientLink` / `MatchReview` decide whose record a source's patient is.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from records.models.imports import ImportRun


class SourceRecord(models.Model):
    """A FHIR resource exactly as a source system sent it."""

    source = models.ForeignKey("portal.Organization", on_delete=models.PROTECT, related_name="+")
    resource_type = models.CharField(max_length=64)
    # The resource's id at the source (FHIR `id`).
    resource_id = models.CharField(max_length=128)
    # The source's patient id this resource is about ("" for Organization, Practitioner...).
    subject_id = models.CharField(max_length=128, blank=True)
    patient = models.ForeignKey(
        "portal.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="source_records"
    )
    raw = models.JSONField()
    # References the import resolved to another resource than the id they spell (a bundle's
    # fullUrl that is not `Type/id`, a conditional reference): {reference: [type, source id]}.
    resolved_references = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64)
    version = models.PositiveIntegerField(default=1)
    first_imported_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    last_run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["source", "resource_type", "resource_id"], name="source_record_unique_per_source"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["patient", "resource_type"]),
            models.Index(fields=["source", "subject_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}/{self.resource_id} from source {self.source_id}"


class SourceRecordVersion(models.Model):
    """An earlier version of a source record, kept when a changed resource replaced it."""

    record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    raw = models.JSONField()
    content_hash = models.CharField(max_length=64)
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["record", "version"], name="source_record_version_unique"),
        ]

    def __str__(self) -> str:
        return f"Version {self.version} of record {self.record_id}"


class RecordItem(models.Model):
    """One line of the patient's record: what the pages list, filter, chart and release."""

    class Kind(models.TextChoices):
        RESULT = "result", _("Test result")
        VITAL = "vital", _("Vital sign")
        OBSERVATION = "observation", _("Other observation")
        REPORT = "report", _("Report")
        PROBLEM = "problem", _("Problem")
        MEDICATION = "medication", _("Medication")
        ALLERGY = "allergy", _("Allergy")
        IMMUNIZATION = "immunization", _("Immunization")
        VISIT = "visit", _("Visit")
        PROCEDURE = "procedure", _("Procedure")
        DOCUMENT = "document", _("Document")
        CARE_PLAN = "care_plan", _("Care plan")
        GOAL = "goal", _("Health goal")
        IMAGING = "imaging", _("Imaging study")
        DEVICE = "device", _("Medical device")

    class Release(models.TextChoices):
        RELEASED = "released", _("Released")
        HELD = "held", _("Held for clinician review")

    class ConfidentialBy(models.TextChoices):
        """Who decided `confidential`: no one yet, a release rule, or the care team (which rules never undo)."""

        NOBODY = "", _("Not decided")
        RULE = "rule", _("A release rule")
        STAFF = "staff", _("The care team")

    record = models.OneToOneField(SourceRecord, on_delete=models.CASCADE, related_name="item")
    patient = models.ForeignKey("portal.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey("portal.Organization", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    code_system = models.CharField(max_length=200, blank=True)
    code = models.CharField(max_length=64, blank=True)
    display = models.CharField(max_length=300)
    category = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=32, blank=True)
    effective_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    value_number = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    value_text = models.CharField(max_length=500, blank=True)
    unit = models.CharField(max_length=64, blank=True)
    reference_low = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    reference_high = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    reference_text = models.CharField(max_length=200, blank=True)
    interpretation = models.CharField(max_length=8, blank=True)  # N, H, L, HH, LL, A
    body = models.TextField(blank=True)  # decoded text of notes and summaries
    report = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="results")
    encounter = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Items that are the same thing from different sources share a key (the page shows one).
    dedup_key = models.CharField(max_length=300, blank=True)
    confidential = models.BooleanField(default=False)
    confidential_by = models.CharField(max_length=8, choices=ConfidentialBy.choices, blank=True, default="")
    # The category of care a minor may consent to that this item is about (records/minor_consent.py):
    # "" none, NULL not looked at yet (the sweep classifies those).
    sensitivity = models.CharField(max_length=32, null=True, blank=True)
    release = models.CharField(max_length=8, choices=Release.choices, default=Release.RELEASED)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["patient", "kind", "-effective_at"]),
            models.Index(fields=["patient", "code"]),
            models.Index(fields=["patient", "dedup_key"]),
            # The minor-consent sweep: sensitive items not yet confidential, and items not yet classified.
            models.Index(
                fields=["patient"],
                condition=models.Q(confidential=False, sensitivity__gt=""),
                name="record_item_sensitive_open",
            ),
            models.Index(
                fields=["patient"], condition=models.Q(sensitivity__isnull=True), name="record_item_unclassified"
            ),
        ]
        constraints: ClassVar = [
            # A rule only ever marks confidential; unmarking is the care team's decision.
            models.CheckConstraint(
                condition=~models.Q(confidential_by="rule") | models.Q(confidential=True),
                name="record_item_rule_only_marks",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


# Files served inline (their sniffed type is checked at import): the browser's PDF viewer and images.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif"})


class RecordAttachment(models.Model):
    """A document a source attached to a report or note (a PDF, an image), kept as its bytes."""

    item = models.ForeignKey(RecordItem, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(max_length=300, blank=True)
    declared_type = models.CharField(max_length=100, blank=True)  # what the source said
    content_type = models.CharField(max_length=100)  # what the bytes are (sniffed): served with this type
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    # Where the source keeps the file when it sent only its address (then `data` is empty): shown,
    # never fetched by the portal.
    url = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering: ClassVar = ["pk"]

    def __str__(self) -> str:
        return f"Attachment {self.pk} of item {self.item_id} ({self.content_type})"

    @property
    def filename(self) -> str:
        extensions = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}
        extension = extensions.get(self.content_type, "txt" if self.content_type.startswith("text/") else "bin")
        if extension == "txt" and self.declared_type in ("text/xml", "application/xml"):
            extension = "xml.txt"
        return f"document-{self.item_id}-{self.pk}.{extension}"

    @property
    def opens_in_browser(self) -> bool:
        """A PDF or a picture opens in the browser's own viewer; anything else downloads."""
        return self.content_type in INLINE_TYPES

    @property
    def kind_label(self) -> str:
        """What the file is, in words ("PDF", "picture", "text")."""
        if self.url and not self.size:
            return str(_("kept by the source"))
        if self.content_type == "application/pdf":
            return "PDF"
        if self.content_type.startswith("image/"):
            return str(_("picture"))
        if self.content_type.startswith("text/"):
            return str(_("text"))
        return str(_("file"))


class ConfidentialityDecision(models.Model):
    """A care team member marked or unmarked one item confidential, and why (kept for good)."""

    item = models.ForeignKey(RecordItem, on_delete=models.CASCADE, related_name="confidentiality_decisions")
    confidential = models.BooleanField()
    reason = models.CharField(_("reason"), max_length=500)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="confidentiality_decision_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Confidentiality decision {self.pk}"
