"""The e-visit billing rules, as pure functions of what happened on a thread (no database).

Our reading of CPT for online digital evaluation and management (99421-99423) and the qualified
non-physician professional's online assessment (98970-98972), which we apply as follows:

- Patient-initiated, through the portal, needing a clinician's evaluation and judgement; not for
  scheduling, billing, forms or the plain passing-on of test results.
- Reported once for the cumulative time over up to 7 days. The 7 days begin with the
  clinician's initial personal review of the patient's inquiry: here, the first time a qualified
  clinician of the thread's organization spent on the thread (CPT does not start the clock at
  the patient's message, so a message sent on Friday and first read on Monday counts from Monday).
- "All professional decision making, assessment, and subsequent management by physicians or
  other QHPs in the same group practice contribute to the cumulative service time": so the time
  of every qualified clinician of the thread's organization is added up (per family of codes,
  below), and one of them confirms the code. Staff of another organization (a care-team
  specialist) are another practice: their time is not added.
- Clinical staff time (nurses, medical assistants) and the front desk's and billing office's
  never counts toward the code: it is shown, and said not to count.
- Physicians, nurse practitioners and physician assistants report 99421-99423; other qualified
  professionals who cannot report E/M (social workers, therapists, dietitians, speech-language
  pathologists, psychologists...) report 98970-98972. The two families' time is not mixed.
  Who is which (from job and credentials) is `portal.access.qualification`, which also decides
  who sees the e-visit report.
- Under 5 minutes is not reported. Minutes are whole minutes completed (10 min 59 s is 10).
- Not reported when the patient had a (possibly related) E/M visit at the organization in the 7
  days before writing, nor when a visit follows within the 7 days: that visit includes the work.
  The portal cannot tell whether a visit was related, so any visit there excludes (conservative:
  the clinician may still bill the visit; nothing is billed twice).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from messaging.models import Category, EvisitClaim, Thread
from portal import dates
from portal.access import Qualification, qualification
from portal.models import StaffMember

PERIOD = timedelta(days=7)
MINIMUM_MINUTES = 5
Code = EvisitClaim.Code


# Scheduling, billing, forms and letters need no clinical judgement.
ADMINISTRATIVE_CATEGORIES = frozenset({Category.APPOINTMENT, Category.BILLING, Category.FORM_LETTER})

# (highest minutes of the band, or None for no limit; code) per family, lowest band first.
BANDS: dict[str, tuple[tuple[int | None, str], ...]] = {
    Qualification.PHYSICIAN_OR_APP: ((10, Code.CPT_99421), (20, Code.CPT_99422), (None, Code.CPT_99423)),
    Qualification.OTHER_PROFESSIONAL: ((10, Code.CPT_98970), (20, Code.CPT_98971), (None, Code.CPT_98972)),
}
FAMILY_OF_CODE = {code: family for family, bands in BANDS.items() for _limit, code in bands}


def duration(seconds: int) -> str:
    """'12 min 5 s', for people reading time spent."""
    minutes, rest = divmod(max(seconds, 0), 60)
    return _("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": rest}


def code_for(family: str, minutes: int) -> str:
    """The code of `family` for `minutes`; "" under 5 minutes or for a family with no codes."""
    if minutes < MINIMUM_MINUTES or family not in BANDS:
        return ""
    return next(code for limit, code in BANDS[family] if limit is None or minutes <= limit)


def short_label(code: str) -> str:
    """'99422 (11-20 minutes)': what a clinician chooses between (the kind is already known)."""
    bands = BANDS[FAMILY_OF_CODE[code]]
    index = [band_code for _limit, band_code in bands].index(code)
    low = MINIMUM_MINUTES if index == 0 else (bands[index - 1][0] or 0) + 1
    high = bands[index][0]
    if high is None:
        return _("%(code)s (%(low)s minutes or more)") % {"code": code, "low": low}
    return _("%(code)s (%(low)s-%(high)s minutes)") % {"code": code, "low": low, "high": high}


def codes_up_to(code: str) -> list[str]:
    """`code` and the lower codes of its family: what a clinician may confirm instead."""
    codes = [band_code for _limit, band_code in BANDS[FAMILY_OF_CODE[code]]]
    return codes[: codes.index(code) + 1]


@dataclass(frozen=True)
class Entry:
    """One time entry, as the rules need it."""

    staff: StaffMember
    seconds: int
    at: datetime
    active: bool


@dataclass(frozen=True)
class ThreadFacts:
    """What happened on a thread, loaded once (for one thread or for a whole report)."""

    thread: Thread
    first_message_at: datetime | None
    patient_initiated: bool
    entries: Sequence[Entry]
    # Staff who wrote a reply the patient reads (not an internal note).
    repliers: Sequence[StaffMember]
    # Visits at the thread's organization from 7 days before the first message onwards.
    visits: Sequence[datetime]
    # When a visit booked from the thread starts (scheduling's hook; see selectors/staff_evisit.py).
    booked_visit_at: datetime | None
    claims: Sequence[EvisitClaim]


@dataclass(frozen=True)
class Contributor:
    """One person's time: `seconds` in the seven days, `total_seconds` on the thread at all.
    `qualification` is NONE for staff of another practice."""

    staff: StaffMember
    qualification: str
    seconds: int
    same_practice: bool = True
    total_seconds: int = 0

    @property
    def counts(self) -> bool:
        return self.qualification != Qualification.NONE

    @property
    def duration(self) -> str:
        return duration(self.total_seconds)

    @property
    def in_period(self) -> str:
        return duration(self.seconds)


@dataclass(frozen=True)
class EvisitSuggestion:
    """The code the time suggests, or why there is none; and the claim once confirmed."""

    family: str
    minutes: int
    code: str
    exclusions: tuple[str, ...]
    period_start: datetime | None
    period_end: datetime | None
    contributors: tuple[Contributor, ...] = ()
    claim: EvisitClaim | None = None
    # Everyone's time on the thread; and the part of it that does not make up `minutes`.
    total_seconds: int = 0
    uncounted_seconds: int = 0

    @property
    def billable(self) -> bool:
        return bool(self.code) and not self.exclusions

    @property
    def counted(self) -> tuple[Contributor, ...]:
        """The clinicians whose time makes up `minutes`, most time first."""
        return tuple(c for c in self.contributors if c.qualification == self.family and c.seconds > 0)

    @property
    def lead(self) -> StaffMember | None:
        """The clinician who spent the most counted time: the one expected to confirm."""
        return self.counted[0].staff if self.counted else None

    @property
    def total(self) -> str:
        return duration(self.total_seconds)

    @property
    def code_label(self) -> str:
        return str(Code(self.code).label) if self.code else ""

    @property
    def family_label(self) -> str:
        return str(Qualification(self.family).label)


def _day(moment: datetime) -> str:
    return dates.format_date(moment)


def _period_start(entries: Iterable[Entry], organization_id: int) -> datetime | None:
    starts = [
        entry.at - timedelta(seconds=entry.seconds) if entry.active else entry.at
        for entry in entries
        if entry.staff.organization_id == organization_id
        and qualification(entry.staff) != Qualification.NONE
        and entry.seconds > 0
    ]
    return min(starts, default=None)


def _contributors(entries: Iterable[Entry], start: datetime | None, organization_id: int) -> list[Contributor]:
    """Everyone with time on the thread: their time in the seven days, and in all."""
    seconds: dict[int, int] = defaultdict(int)
    totals: dict[int, int] = defaultdict(int)
    staff: dict[int, StaffMember] = {}
    for entry in entries:
        staff[entry.staff.pk] = entry.staff
        totals[entry.staff.pk] += entry.seconds
        if start is not None and start <= entry.at < start + PERIOD:
            seconds[entry.staff.pk] += entry.seconds
    contributors = []
    for pk, person in staff.items():
        same_practice = person.organization_id == organization_id
        kind = qualification(person) if same_practice else Qualification.NONE
        contributors.append(Contributor(person, kind, max(seconds[pk], 0), same_practice, max(totals[pk], 0)))
    return sorted(contributors, key=lambda c: (-c.seconds, -c.total_seconds, c.staff.pk))


def _family(contributors: Sequence[Contributor]) -> tuple[str, int]:
    """The family billed and its whole minutes: physicians' E/M when it reaches 5 minutes,
    else the other professionals' codes when those do, else whichever has more time."""
    minutes = {family: sum(c.seconds for c in contributors if c.qualification == family) // 60 for family in BANDS}
    for family in BANDS:
        if minutes[family] >= MINIMUM_MINUTES:
            return family, minutes[family]
    family = max(BANDS, key=lambda f: minutes[f])
    return family, max(minutes[family], 0)


def _exclusions(facts: ThreadFacts, family: str, minutes: int, end: datetime | None) -> list[str]:
    thread = facts.thread
    reasons: list[str] = []
    if not facts.patient_initiated:
        reasons.append(_("The clinic started this conversation; e-visits are started by the patient."))
    if thread.category in ADMINISTRATIVE_CATEGORIES:
        reasons.append(_("Scheduling, billing, forms and letters need no clinical judgement: not an e-visit."))
    answered_by_clinician = any(
        person.organization_id == thread.organization_id and qualification(person) != Qualification.NONE
        for person in facts.repliers
    )
    if thread.category == Category.TEST_RESULT and not answered_by_clinician:
        reasons.append(_("A test result question is an e-visit only when a clinician answered it with a reply."))
    if minutes < MINIMUM_MINUTES:
        reasons.append(
            _("Under 5 minutes of clinician time (%(minutes)s so far): not billable.") % {"minutes": minutes}
        )
    written = facts.first_message_at
    if written is not None:
        before = [visit for visit in facts.visits if written - PERIOD <= visit < written]
        if before:
            reasons.append(
                _("The patient had a visit here on %(date)s, in the 7 days before writing: that visit covers this.")
                % {"date": _day(max(before))}
            )
        after = [visit for visit in facts.visits if written <= visit < (end or written + PERIOD)]
        if after:
            reasons.append(
                _("A visit followed on %(date)s, within the 7 days: that visit covers this time.")
                % {"date": _day(min(after))}
            )
    if facts.booked_visit_at is not None and (end is None or facts.booked_visit_at < end):
        reasons.append(_("The conversation ended with a visit for the patient: that visit covers this time."))
    return reasons


def suggest(facts: ThreadFacts) -> EvisitSuggestion:
    """The code the clinicians' time suggests, every exclusion that applies, and the claim."""
    organization_id = facts.thread.organization_id
    # Once confirmed, the claim's period is the period (one per thread: a later question is a
    # new conversation, and a new e-visit).
    claim = facts.claims[0] if facts.claims else None
    start = claim.period_start if claim else _period_start(facts.entries, organization_id)
    end = start + PERIOD if start is not None else None
    contributors = _contributors(facts.entries, start, organization_id)
    family, minutes = _family(contributors)
    counted = sum(c.seconds for c in contributors if c.qualification == family)
    total = sum(entry.seconds for entry in facts.entries)
    return EvisitSuggestion(
        family=family,
        minutes=minutes,
        code=code_for(family, minutes),
        exclusions=tuple(_exclusions(facts, family, minutes, end)),
        period_start=start,
        period_end=end,
        contributors=tuple(contributors),
        claim=claim,
        total_seconds=total,
        uncounted_seconds=total - counted,
    )
