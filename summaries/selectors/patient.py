"""Reading the stored briefing for one reader (the patient, a caregiver, staff on the patient's
home): each line filtered for that reader at reading time and said in the reader's language.

A caregiver sees only the lines of their scopes (records lines need `records`, messaging lines
`messaging`, ...); the caregiver of a 12-17-year-old never sees a line derived from a confidential
item, nor any count or care-team entry derived from one (counts are made after filtering)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import get_text_list
from django.utils.translation import get_language, gettext

from portal import audit, dates
from portal.access import Access
from portal.models import AuditEvent, User
from records.models import HomeReading
from records.plain_language import explain
from summaries.models import Briefing, BriefingOpen
from summaries.services.lines import CHANGED, NEEDS, NEXT, Line
from summaries.services.phrases import CHECK_IN, say


@dataclass(frozen=True)
class ShownLine:
    section: str
    kind: str
    text: str
    url: str
    organizations: list[str]
    when: date | datetime | None
    is_new: bool = False
    meaning: str = ""
    check_in: str = ""
    check_in_label: str = ""

    @property
    def when_past(self) -> bool:
        """Whether the line has a moment to say "how long ago" of (a date-time; a plain date has none)."""
        return isinstance(self.when, datetime) and self.when <= timezone.now()

    @property
    def sources_text(self) -> str:
        """ "Lakeside and St Mary's" / "Lakeside y St Mary's"."""
        return str(get_text_list(self.organizations, gettext("and")))


@dataclass
class ShownBriefing:
    exists: bool  # built at least once
    updating: bool  # stale: a newer one is being built
    version: int = 0
    built_at: datetime | None = None
    since: datetime | None = None
    changed: list[ShownLine] = field(default_factory=list)
    needs: list[ShownLine] = field(default_factory=list)
    next: list[ShownLine] = field(default_factory=list)
    care_team: list[dict[str, Any]] = field(default_factory=list)
    confidential_shown: bool = False
    # The patient's name when the reader is someone else (a caregiver, staff): the page says it
    # where it would say "you"; "" for the patient themself.
    patient_name: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.changed or self.needs or self.next)


def may_see(line: Line, access: Access) -> bool:
    """Whether this reader may see `line`: their scopes, and the confidential rule for minors."""
    if line.scope not in access.scopes:
        return False
    return not (line.confidential and access.hides_confidential)


def _when(value: str | None) -> date | datetime | None:
    if not value:
        return None
    # A plain date ("2026-12-07": a care gap's due day, a bill's) stays a date: Python reads it as
    # a naive midnight date-time otherwise, which no "how long ago" can be said of.
    if len(value) == len("YYYY-MM-DD"):
        return parse_date(value)
    return parse_datetime(value)


def _params(line: Line, language: str) -> dict[str, Any]:
    """The line's params as this reader reads them: portal words and dates in their language."""
    params = dict(line.params)
    if params.get("visit_type_es") and language.startswith("es"):
        params["visit_type"] = params["visit_type_es"]
    if params.get("rule_es") and language.startswith("es"):
        params["rule"] = params["rule_es"]
    if "reading" in params:
        params["name"] = str(HomeReading.Kind(params["reading"]).label).lower()
    if params.get("last_done"):
        params["last_done"] = dates.format_date(parse_date(params["last_done"]), language=language)
    if params.get("due"):
        params["due"] = dates.format_datetime(parse_datetime(params["due"]), language=language)
    return params


def _url(line: Line, patient_id: object) -> str:
    """The line's page, at the row's line where the page lists several (a list page's #item-<id>)."""
    anchor = line.source.get("anchor", "")
    try:
        url = reverse(line.source["url"], kwargs={"patient_id": patient_id, **line.source.get("kwargs", {})})
    except NoReverseMatch:  # a page renamed since the line was built: the record's overview
        return reverse("record_overview", kwargs={"patient_id": patient_id})
    return f"{url}#{anchor}" if anchor else url


def _meaning(line: Line, language: str) -> str:
    """A result's plain-language meaning (records/plain_language.py), when out of range."""
    if not line.explain or line.explain.get("direction") not in ("high", "low"):
        return ""
    explanation = explain(line.explain["code"])
    return explanation.text(line.explain["direction"], language) if explanation else ""


def _said(line: Line, language: str, patient: str) -> str:
    """The line's sentence in the reader's language: its words, and the record's plain names of what
    it names (records' plain names are chosen by the active language)."""
    with translation.override(language):
        return say(line.key, _params(line, language), patient=patient)


def shown(line: Line, *, patient_id: object, language: str, last_read: datetime | None, patient: str = "") -> ShownLine:
    when = _when(line.date)
    is_new = bool(last_read is not None and line.section == CHANGED and isinstance(when, datetime) and when > last_read)
    check_in = line.params.get("check_in", "") if line.kind == "visit" and line.section == NEXT else ""
    return ShownLine(
        section=line.section,
        kind=line.kind,
        text=_said(line, language, patient),
        url=_url(line, patient_id),
        organizations=line.organizations,
        when=when,
        is_new=is_new,
        meaning=_meaning(line, language),
        check_in=check_in,
        check_in_label=str(CHECK_IN.get(check_in, "")),
    )


def _grouped_answers(lines: list[ShownLine], *, patient_id: object, patient: str) -> list[ShownLine]:
    """Several unread answers read as one line, where the first was, linking to Messages. Grouped
    here, after the reader's filter, so a count never includes a thread the reader may not see."""
    answers = [line for line in lines if line.section == NEEDS and line.kind == "unread_answer"]
    if len(answers) < 2:
        return lines
    dated = [line.when for line in answers if isinstance(line.when, datetime)]
    group = ShownLine(
        section=NEEDS,
        kind="unread_answers",
        text=say("unread_answers", {"count": len(answers)}, patient=patient),
        url=reverse("messages_home", kwargs={"patient_id": patient_id}),
        organizations=sorted({name for line in answers for name in line.organizations}),
        when=max(dated) if dated else None,
    )
    first = lines.index(answers[0])
    rest = [line for line in lines if line not in answers]
    return [*rest[:first], group, *rest[first:]]


def reader_name(access: Access) -> str:
    """ "" for the patient themself; else the patient's name, which the lines say instead of "you"."""
    if access.acting_as == AuditEvent.ActingAs.SELF:
        return ""
    return access.patient.preferred_name or access.patient.given_name


def last_read(access: Access, actor: User) -> datetime | None:
    """When this reader last opened the patient's briefing (one query)."""
    return (
        BriefingOpen.objects.filter(patient=access.patient, user=actor)
        .order_by("-opened_at")
        .values_list("opened_at", flat=True)
        .first()
    )


def briefing_for(*, access: Access, actor: User, language: str | None = None) -> ShownBriefing:
    """The patient's stored briefing as this reader may see it; audited as one read (confidential
    when a confidential line was shown). Three queries and the audit, whatever its length."""
    language = language or get_language() or "en"
    row = Briefing.objects.filter(patient=access.patient).first()
    if row is None or row.built_at is None:
        return ShownBriefing(exists=False, updating=True)
    read = last_read(access, actor)
    visible = [line for data in row.lines if may_see(line := Line.from_json(data), access)]
    patient = reader_name(access)
    lines = [
        shown(line, patient_id=access.patient.pk, language=language, last_read=read, patient=patient)
        for line in visible
    ]
    lines = _grouped_answers(lines, patient_id=access.patient.pk, patient=patient)
    team = [
        {**entry, "last_seen": _when(entry["last_seen"])}
        for entry in row.care_team
        if "records" in access.scopes and not (entry["confidential"] and access.hides_confidential)
    ]
    result = ShownBriefing(
        exists=True,
        updating=row.is_stale,
        version=row.version,
        built_at=row.built_at,
        since=_when(row.watermark.get("since")),  # type: ignore[arg-type]
        changed=[line for line in lines if line.section == CHANGED],
        needs=[line for line in lines if line.section == NEEDS],
        next=[line for line in lines if line.section == NEXT],
        care_team=team,
        confidential_shown=any(line.confidential for line in visible),
        patient_name=patient,
    )
    audit.record_access(
        access,
        actor=actor,
        action=AuditEvent.Action.VIEW,
        obj=row,
        confidential=result.confidential_shown,
    )
    return result


def current_version(access: Access) -> tuple[int, bool]:
    """(version, stale) of the stored briefing, for the page's poll (one query, not audited:
    it shows no data)."""
    row = Briefing.objects.filter(patient=access.patient).values_list("version", "built_at", "stale_since").first()
    if row is None:
        return 0, True
    version, built_at, stale_since = row
    return version, built_at is None or stale_since is not None
