"""Reading a visit's stored pre-visit briefing for a clinician (care team or clinic staff with the
records action), said in the reader's language, audited as one read; and the schedule's link to it
(portal/visit_links.py). Staff see confidential items (they are the care team); the audit event
says when one was shown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language, gettext, pgettext

from portal import audit, visit_links
from portal.access import Access, Action, staff_actions
from portal.models import AuditEvent, User
from records.models import HomeReading, RecordItem
from scheduling.models import Appointment
from scheduling.questionnaires import SCORING
from scheduling.selectors import briefing as scheduling_inputs
from summaries.models import PrevisitBriefing
from summaries.selectors.patient import ShownLine, shown
from summaries.services.lines import Line
from summaries.services.phrases import PHRASES, say_result_to_clinician

# The staff page of a row by its model (URL name, its argument), for the lines this app builds
# itself; another app's lines name their staff page (portal/briefing_needs.py Source.staff_url).
STAFF_PAGES = {"messaging.Thread": ("staff_thread", "thread_id")}
# The patient's record pages (URL names), which staff who may read the record open too.
RECORD_PAGES = ("record_",)
# Titles of the sections other apps add (portal/previsit_items.py), by section name.
SECTION_TITLES = {"refills": lambda: gettext("Refill requests")}


def _when(value: str | None) -> date | datetime | None:
    if not value:
        return None
    return parse_datetime(value) or parse_date(value)


def _es(language: str) -> bool:
    return language.startswith("es")


@dataclass(frozen=True)
class ShownGap:
    rule: str
    coming_due: bool
    due_on: date | datetime | None
    url: str


@dataclass(frozen=True)
class ShownAnswer:
    name: str
    score: int | None
    out_of: int | None
    band: str
    item_9: int | None
    safety_follow_up: bool
    alert_url: str
    submitted_at: date | datetime | None


@dataclass(frozen=True)
class ShownReport:
    about: str  # "Medicine: Lisinopril", "New medicine or allergy"
    words: str
    at: date | datetime | None
    open: bool


@dataclass(frozen=True)
class ShownTrend:
    name: str
    count: int
    days: int
    latest: str
    latest_at: date | datetime | None
    recent: str
    previous: str
    direction: str
    over_limit: int
    url: str


@dataclass(frozen=True)
class ShownThread:
    subject: str
    owner: str
    due: date | datetime | None
    organization: str
    url: str


@dataclass
class ShownPrevisit:
    visit: Appointment
    ready: bool
    version: int = 0
    built_at: datetime | None = None
    since: datetime | None = None
    last_visit_here: date | datetime | None = None
    visit_type: str = ""
    notes: list[str] = field(default_factory=list)
    changed: list[ShownLine] = field(default_factory=list)
    gaps: list[ShownGap] = field(default_factory=list)
    check_in_done: date | datetime | None = None
    answers: list[ShownAnswer] = field(default_factory=list)
    reports: list[ShownReport] = field(default_factory=list)
    readings: list[ShownTrend] = field(default_factory=list)
    threads: list[ShownThread] = field(default_factory=list)
    extra: list[tuple[str, list[ShownLine]]] = field(default_factory=list)


def visit_patient_id(appointment_id: int) -> Any:
    """The patient of a visit, for the access policy (404 when there is no such visit)."""
    patient_id = Appointment.objects.filter(pk=appointment_id).values_list("patient_id", flat=True).first()
    if patient_id is None:
        raise Http404
    return patient_id


def _answer(data: dict[str, Any], language: str, patient_id: object) -> ShownAnswer:
    scoring = SCORING.get(data["builtin"])
    band = ""
    if scoring is not None and data["severity"]:
        band = next((str(b.label) for b in scoring.bands if b.key == data["severity"]), data["severity"])
    name = data["name_es"] if _es(language) and data["name_es"] else data["name"]
    alert = reverse("staff_thread", args=[data["alert_thread"]]) if data["alert_thread"] else ""
    return ShownAnswer(
        name=name,
        score=data["score"],
        out_of=scoring.bands[-1].high if scoring is not None else None,
        band=band,
        item_9=data["item_9"],
        safety_follow_up=data["safety_follow_up"],
        alert_url=alert,
        submitted_at=_when(data["submitted_at"]),
    )


def _report(data: dict[str, Any]) -> ShownReport:
    if data["item_kind"] == RecordItem.Kind.MEDICATION:
        about = gettext("Medicine: %(name)s") % {"name": data["item"]}
    elif data["item_kind"] == RecordItem.Kind.ALLERGY:
        about = gettext("Allergy: %(name)s") % {"name": data["item"]}
    else:
        about = gettext("New medicine or allergy")
    return ShownReport(about=about, words=data["words"], at=_when(data["at"]), open=data["status"] == "open")


def _average(values: list[float] | None, kind: str) -> str:
    if not values:
        return ""
    if kind == HomeReading.Kind.BLOOD_PRESSURE:
        return f"{values[0]:.0f}/{values[1]:.0f} mmHg"
    unit = "mg/dL" if kind == HomeReading.Kind.GLUCOSE else "lb"
    return f"{values[0]:.1f} {unit}".replace(".0 ", " ")


# A change of the average smaller than this share of it is "about the same".
STEADY = 0.03


def _direction(recent: list[float] | None, previous: list[float] | None) -> str:
    if not recent or not previous:
        return gettext("no earlier readings to compare")
    change = (recent[0] - previous[0]) / previous[0] if previous[0] else 0.0
    if abs(change) < STEADY:
        return pgettext("trend", "about the same")
    return pgettext("trend", "higher") if change > 0 else pgettext("trend", "lower")


def _trend(data: dict[str, Any], patient_id: object) -> ShownTrend:
    kind = data["kind"]
    return ShownTrend(
        name=str(HomeReading.Kind(kind).label),
        count=data["count"],
        days=data["days"],
        latest=data["latest"],
        latest_at=_when(data["latest_at"]),
        recent=_average(data["recent"], kind),
        previous=_average(data["previous"], kind),
        direction=_direction(data["recent"], data["previous"]),
        over_limit=data["over_limit"],
        url=reverse("record_reading", kwargs={"patient_id": patient_id, "reading_id": data["latest_id"]}),
    )


def _gap(data: dict[str, Any], language: str, patient_id: object) -> ShownGap:
    return ShownGap(
        rule=data["rule_es"] if _es(language) and data["rule_es"] else data["rule"],
        coming_due=data["status"] == "coming_due",
        due_on=_when(data["due_on"]),
        url=reverse("record_overview", kwargs={"patient_id": patient_id}),
    )


def staff_url(line: Line, patient_id: object, patient_url: str) -> str:
    """Where a clinician opens a line's row: its staff page when the line names one (a refill
    request's review), a conversation's staff thread; the record's own pages, which staff who may
    read the record open as the patient does (`patient_url`); else the staff page of the patient."""
    staff = line.source.get("staff")
    if staff:
        return reverse(staff["url"], kwargs=staff.get("kwargs", {}))
    if line.source.get("model") in STAFF_PAGES:
        name, argument = STAFF_PAGES[line.source["model"]]
        return reverse(name, kwargs={argument: line.source["id"]})
    if str(line.source.get("url", "")).startswith(RECORD_PAGES):
        return patient_url
    return reverse("staff_patient", kwargs={"patient_id": patient_id})


def _for_clinician(line: Line, patient_id: object, language: str) -> ShownLine:
    """A line in words for a clinician: without the plain-language meaning written for patients,
    a result with its flag and reference range, each linked to the staff side of its row."""
    said = shown(line, patient_id=patient_id, language=language, last_read=None)
    text = say_result_to_clinician(line.params) if line.kind == "result" else None
    return replace(said, meaning="", text=text or said.text, url=staff_url(line, patient_id, said.url))


def _lines(data: list[dict[str, Any]], patient_id: object, language: str) -> list[ShownLine]:
    lines = [Line.from_json(entry) for entry in data]
    return [
        _for_clinician(line, patient_id, language)
        for line in lines
        if line.key in PHRASES  # a section's phrases arrive with its app
    ]


def _confidential(content: dict[str, Any]) -> bool:
    groups = [content["changed"], content["gaps"], content["check_in"]["reports"], content["threads"]]
    groups += list(content["extra"].values())
    return any(entry.get("confidential") for group in groups for entry in group)


def previsit_for(*, access: Access, actor: User, appointment_id: int, language: str | None = None) -> ShownPrevisit:
    """The stored pre-visit briefing of one visit of the patient, for a clinician; audited as one
    read (confidential when something confidential was shown). Three queries and the audit."""
    access.require(Action.RECORDS, staff_side=True)
    language = language or get_language() or "en"
    visit = scheduling_inputs.visit_for_previsit(appointment_id)
    if visit is None or visit.patient_id != access.patient.pk:
        raise Http404
    row = PrevisitBriefing.objects.filter(appointment_id=appointment_id).first()
    patient_id = access.patient.pk
    if row is None:
        audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, obj=visit)
        return ShownPrevisit(visit=visit, ready=False)
    content = row.content
    reason = content["reason"]
    check_in = content["check_in"]
    result = ShownPrevisit(
        visit=visit,
        ready=True,
        version=row.version,
        built_at=row.built_at,
        since=row.since,
        last_visit_here=_when(content["last_visit_here"]),
        visit_type=reason["visit_type_es"] if _es(language) and reason["visit_type_es"] else reason["visit_type"],
        notes=reason["notes"],
        changed=_lines(content["changed"], patient_id, language),
        gaps=[_gap(gap, language, patient_id) for gap in content["gaps"]],
        check_in_done=_when(check_in["done_at"]),
        answers=[_answer(answer, language, patient_id) for answer in check_in["questionnaires"]],
        reports=[_report(report) for report in check_in["reports"]],
        readings=[_trend(trend, patient_id) for trend in content["readings"]],
        threads=[
            ShownThread(
                subject=thread["subject"],
                owner=thread["owner"],
                due=_when(thread["due"]),
                organization=thread["organization"],
                url=reverse("staff_thread", args=[thread["id"]]),
            )
            for thread in content["threads"]
        ],
        extra=[
            (
                str(SECTION_TITLES[section]()) if section in SECTION_TITLES else section,
                _lines(lines, patient_id, language),
            )
            for section, lines in content["extra"].items()
        ],
    )
    audit.record_access(
        access, actor=actor, action=AuditEvent.Action.VIEW, obj=row, confidential=_confidential(content)
    )
    return result


def previsit_links(appointment_ids: Sequence[int], *, actor: User) -> dict[int, list[visit_links.VisitLink]]:
    """The schedule's link to each visit's pre-visit briefing, for staff whose work includes the
    records (front desk staff keep the schedule but do not read the chart): two queries."""
    if Action.RECORDS not in staff_actions(actor):
        return {}
    ready = set(
        PrevisitBriefing.objects.filter(appointment_id__in=appointment_ids).values_list("appointment_id", flat=True)
    )
    text = gettext("Pre-visit briefing")
    return {
        appointment_id: [
            visit_links.VisitLink(
                text=text,
                url=reverse("staff_previsit", args=[appointment_id]),
                note=gettext("ready") if appointment_id in ready else gettext("being prepared"),
            )
        ]
        for appointment_id in appointment_ids
    }
