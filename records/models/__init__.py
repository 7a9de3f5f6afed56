"""The records app's models, one module per domain noun; every model is importable from here.

- `items`: the record itself. `SourceRecord` keeps every FHIR resource exactly as a source sent
  it, `RecordItem` is its patient-facing projection;
- `imports`: import runs and their issues, and whose record a source's patient is;
- `release`: when results reach the patient; `sharing`: share links;
- `readings`: home readings and their limits; `care_tasks`: the care team's tasks.
"""

from records.models.care_tasks import CareTask
from records.models.imports import ImportIssue, ImportRun, MatchReview, SourcePatientLink
from records.models.items import (
    ConfidentialityDecision,
    RecordAttachment,
    RecordItem,
    SourceRecord,
    SourceRecordVersion,
)
from records.models.readings import HomeReading, ReadingThreshold
from records.models.release import ReleaseHold, ReleasePreference, ReleaseRule
from records.models.sharing import ShareLink

__all__ = [
    "CareTask",
    "ConfidentialityDecision",
    "HomeReading",
    "ImportIssue",
    "ImportRun",
    "MatchReview",
    "ReadingThreshold",
    "RecordAttachment",
    "RecordItem",
    "ReleaseHold",
    "ReleasePreference",
    "ReleaseRule",
    "ShareLink",
    "SourcePatientLink",
    "SourceRecord",
    "SourceRecordVersion",
]
