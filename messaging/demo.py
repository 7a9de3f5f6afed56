"""Demo messaging setup for the home clinic: opening hours and holidays, pools staffed by the demo
staff, routing from each category to a pool, SLA policies, quick replies in both languages, and a
few conversations started and answered through the real services.

Idempotent: configuration rows are found by their natural keys; conversations by their
idempotency keys (a second `thread_start` with the same key returns the thread it made), and a
reply is added only when the conversation has none yet.

What the demo's people write (quick replies, conversations, past subjects) is data in
messaging/content/demo.toml, checked when this module is imported.
"""

from __future__ import annotations

import random
import tomllib
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils import timezone

from messaging.models import (
    BusinessCalendar,
    BusinessHours,
    Category,
    Holiday,
    Message,
    Pool,
    QuickReply,
    RoutingRule,
    SlaPolicy,
    Thread,
)
from messaging.services.sla import sla_sweep
from messaging.services.threads import thread_close, thread_reply, thread_start
from portal.access import Access, Action, resolve
from portal.demo_builders import DemoChanges, DemoClinic
from portal.models import Organization, Patient, StaffMember, User

# Business minutes: urgent within 2 business hours; clinical questions within one business day;
# administrative ones within two.
URGENT_MINUTES = 120
CLINICAL_MINUTES = 480
ADMINISTRATIVE_MINUTES = 960
# Refill requests: two of the demo clinic's business days (08:00-17:00: 9 hours each;
# messaging/migrations/0010 and 0011 give existing clinics the same from their own hours).
REFILL_MINUTES = 2 * 9 * 60
ADMINISTRATIVE = (Category.APPOINTMENT, Category.BILLING, Category.FORM_LETTER, Category.OTHER)

# (name, kind, member emails, lead email)
POOLS = [
    ("Front desk", Pool.Kind.FRONT_DESK, ["jordan.reyes@lakeside.example"], "jordan.reyes@lakeside.example"),
    (
        "Nurse triage",
        Pool.Kind.NURSE_TRIAGE,
        ["ana.lopez@lakeside.example", "priya.shah@lakeside.example"],
        "ana.lopez@lakeside.example",
    ),
    (
        "Physicians",
        Pool.Kind.PHYSICIAN_INBOX,
        ["samuel.okafor@lakeside.example", "emily.chen@lakeside.example", "rosa.martinez@lakeside.example"],
        "samuel.okafor@lakeside.example",
    ),
    ("Billing office", Pool.Kind.BILLING, ["grace.walker@lakeside.example"], "grace.walker@lakeside.example"),
    ("Fallback", Pool.Kind.FALLBACK, ["ana.lopez@lakeside.example"], "ana.lopez@lakeside.example"),
    # After hours a message with signs of an emergency goes to whoever is on call tonight.
    (
        "On call",
        Pool.Kind.ON_CALL,
        ["ana.lopez@lakeside.example", "emily.chen@lakeside.example"],
        "emily.chen@lakeside.example",
    ),
]
ROUTES = {
    Category.APPOINTMENT: "Front desk",
    Category.FORM_LETTER: "Front desk",
    Category.OTHER: "Front desk",
    Category.REFILL: "Nurse triage",
    Category.TEST_RESULT: "Nurse triage",
    Category.NEW_SYMPTOM: "Nurse triage",
    Category.BILLING: "Billing office",
}


@dataclass(frozen=True)
class DemoConversation:
    key: str
    mrn: str
    category: str
    subject: str
    body: str
    days_ago: int
    # Whether its owner has answered, and how.
    answered: bool = False
    answer: str = ""


CONTENT = Path(__file__).resolve().parent / "content" / "demo.toml"
LANGUAGES = ("en", "es")


class DemoTextError(ValueError):
    """The demo's text file is malformed; the message names the file."""


@dataclass(frozen=True)
class DemoText:
    """What the demo's people write (messaging/content/demo.toml)."""

    quick_replies: list[tuple[str, str, str, list[str]]]  # (language, title, text, categories)
    conversations: list[DemoConversation]
    history_writers: list[tuple[str, str | None, str]]  # (MRN, caregiver's email or None, language)
    history_subjects: dict[str, tuple[str, str]]  # category -> (English, Spanish)
    history_answer: dict[str, str]  # language -> the reply that closes a past conversation


def load_demo_text(path: Path = CONTENT) -> DemoText:
    """Read and check the file; a mistake raises DemoTextError saying where it is."""

    def fail(where: str, message: object) -> DemoTextError:
        return DemoTextError(f"{path}: {where}: {message}")

    def category(where: str, value: object) -> str:
        if value not in Category.values:
            raise fail(where, f"{value!r} is not one of {Category.values}")
        return Category(value)

    def language(where: str, value: object) -> str:
        if value not in LANGUAGES:
            raise fail(where, f"{value!r} is not one of {LANGUAGES}")
        return str(value)

    def both_languages(where: str, value: object) -> dict[str, str]:
        if not isinstance(value, dict) or set(value) != set(LANGUAGES) or not all(value.values()):
            raise fail(where, f"needs text in each of {LANGUAGES}, and only those")
        return {key: str(value[key]) for key in LANGUAGES}

    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
        replies = [
            (
                language(f"quick_replies[{n}].language", spec["language"]),
                spec["title"],
                spec["body"],
                [category(f"quick_replies[{n}].categories", value) for value in spec["categories"]],
            )
            for n, spec in enumerate(document["quick_replies"])
        ]
        conversations = []
        for n, spec in enumerate(document["conversations"]):
            try:
                conversation = DemoConversation(**spec)
            except TypeError as error:
                raise fail(f"conversations[{n}]", error) from error
            conversations.append(replace(conversation, category=category(f"conversations[{n}]", spec["category"])))
        history = document["history"]
        writers = [
            (spec["mrn"], spec.get("caregiver"), language(f"history.writers[{n}]", spec["language"]))
            for n, spec in enumerate(history["writers"])
        ]
        subjects = {}
        for key, value in history["subjects"].items():
            texts = both_languages(f"history.subjects.{key}", value)
            subjects[category(f"history.subjects.{key}", key)] = (texts["en"], texts["es"])
        answer = both_languages("history.answer", history["answer"])
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise DemoTextError(f"{path}: {error}") from error
    except KeyError as error:
        raise DemoTextError(f"{path}: missing {error}") from error
    return DemoText(replies, conversations, writers, subjects, answer)


DEMO_TEXT = load_demo_text()
QUICK_REPLIES = DEMO_TEXT.quick_replies
CONVERSATIONS = DEMO_TEXT.conversations


def ensure_calendar(organization: Organization, today: date, tally: Counter[str]) -> None:
    calendar, created = BusinessCalendar.objects.get_or_create(organization=organization)
    tally["BusinessCalendar"] += int(created)
    for weekday in range(5):
        _, created = BusinessHours.objects.get_or_create(
            calendar=calendar, weekday=weekday, defaults={"opens": time(8), "closes": time(17)}
        )
        tally["BusinessHours"] += int(created)
    for day, name in us_clinic_holidays(today.year) + us_clinic_holidays(today.year + 1):
        _, created = Holiday.objects.get_or_create(calendar=calendar, date=day, defaults={"name": name})
        tally["Holiday"] += int(created)


def us_clinic_holidays(year: int) -> list[tuple[date, str]]:
    """The days a US clinic usually closes (the fixed ones, and Thanksgiving)."""
    november_first = date(year, 11, 1)
    first_thursday = november_first + timedelta(days=(3 - november_first.weekday()) % 7)
    return [
        (date(year, 1, 1), "New Year's Day"),
        (date(year, 7, 4), "Independence Day"),
        (first_thursday + timedelta(weeks=3), "Thanksgiving"),
        (date(year, 12, 25), "Christmas Day"),
    ]


def ensure_pools(organization: Organization, staff: dict[str, StaffMember], tally: Counter[str]) -> dict[str, Pool]:
    pools: dict[str, Pool] = {}
    for name, kind, members, lead in POOLS:
        pool, created = Pool.objects.get_or_create(
            organization=organization, name=name, defaults={"kind": kind, "lead": staff[lead]}
        )
        tally["Pool"] += int(created)
        pool.members.add(*(staff[email] for email in members))
        pools[name] = pool
    for category, pool_name in ROUTES.items():
        _, created = RoutingRule.objects.get_or_create(
            organization=organization, category=category, defaults={"pool": pools[pool_name]}
        )
        tally["RoutingRule"] += int(created)
    policies: list[tuple[str | None, str, int]] = [
        (None, Thread.Urgency.URGENT, URGENT_MINUTES),
        (None, Thread.Urgency.NORMAL, CLINICAL_MINUTES),
    ]
    policies += [(category, Thread.Urgency.NORMAL, ADMINISTRATIVE_MINUTES) for category in ADMINISTRATIVE]
    policies.append((Category.REFILL, Thread.Urgency.NORMAL, REFILL_MINUTES))
    for policy_category, urgency, minutes in policies:
        _, created = SlaPolicy.objects.get_or_create(
            organization=organization,
            category=policy_category,
            urgency=urgency,
            defaults={"first_response_minutes": minutes},
        )
        tally["SlaPolicy"] += int(created)
    for language, title, body, categories in QUICK_REPLIES:
        _, created = QuickReply.objects.get_or_create(
            organization=organization,
            language=language,
            title=title,
            defaults={"body": body, "categories": categories},
        )
        tally["QuickReply"] += int(created)
    return pools


def ensure_conversations(patients: dict[str, Patient], tally: Counter[str]) -> None:
    now = timezone.now()
    for spec in CONVERSATIONS:
        patient = patients[spec.mrn]
        access = resolve(patient.user, patient, Action.MESSAGING) if patient.user else None
        if access is None:
            continue
        started = now - timedelta(days=spec.days_ago)
        existed = Thread.objects.filter(patient=patient, idempotency_key=spec.key).exists()
        thread = thread_start(
            access=access,
            actor=patient.user,  # type: ignore[arg-type]
            category=spec.category,
            subject=spec.subject,
            body=spec.body,
            idempotency_key=spec.key,
            now=started,
        )
        tally["Thread"] += int(not existed)
        if not spec.answered or Message.objects.filter(thread=thread, acting_as="staff").exists():
            continue
        member = thread.owner
        staff_access = resolve(member.user, patient, Action.MESSAGING) if member else None
        if member is None or staff_access is None:
            continue
        thread_reply(
            access=staff_access,
            actor=member.user,
            thread_id=thread.pk,
            body=spec.answer,
            now=_answer_time(started),
        )
        tally["Message"] += 1


# Four weeks of past conversations, so the response-times page has a history to show (who wrote, what
# about, and in which language: messaging/content/demo.toml).
HISTORY_WRITERS = DEMO_TEXT.history_writers
HISTORY_SUBJECTS = DEMO_TEXT.history_subjects
HISTORY_DAYS = 28
HISTORY_COUNT = 24
# One in five answers comes late: the sweep hands those to the team lead, as it would live.
LATE_SHARE = 0.2


def ensure_history(patients: dict[str, Patient], now: datetime, tally: Counter[str]) -> None:
    """Past conversations through the real services on past clocks: started, some let run late
    (the SLA sweep breaches them and hands them to the lead), answered by whoever owns them, and
    closed by the patient. Deterministic (a fixed seed), and skipped once made."""
    if Thread.objects.filter(idempotency_key="demo-history-0").exists():
        return
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    zone = ZoneInfo(next(iter(patients.values())).home_organization.time_zone)
    for number in range(HISTORY_COUNT):
        mrn, caregiver, language = HISTORY_WRITERS[number % len(HISTORY_WRITERS)]
        patient = patients[mrn]
        writer = User.objects.get(email=caregiver) if caregiver else patient.user
        access = resolve(writer, patient, Action.MESSAGING) if writer else None
        if writer is None or access is None:
            continue
        day = (now - timedelta(days=HISTORY_DAYS - number * HISTORY_DAYS // HISTORY_COUNT)).astimezone(zone)
        started = day.replace(hour=rng.randint(7, 18), minute=rng.choice([5, 20, 35, 50]), second=0, microsecond=0)
        category = rng.choice(list(HISTORY_SUBJECTS))
        english, spanish = HISTORY_SUBJECTS[category]
        subject = spanish if language == "es" else english
        thread = thread_start(
            access=access,
            actor=writer,
            category=category,
            subject=subject,
            body=subject + ".",
            idempotency_key=f"demo-history-{number}",
            now=started,
        )
        tally["Thread"] += 1
        if rng.random() < LATE_SHARE:
            sla_sweep(now=thread.first_response_due_at + timedelta(minutes=1))
            thread.refresh_from_db()
            answered_at = thread.first_response_due_at + timedelta(minutes=rng.randint(20, 240))
        else:
            window = (thread.first_response_due_at - started).total_seconds()
            answered_at = started + timedelta(seconds=window * rng.uniform(0.05, 0.7))
        _answer_and_close(thread, access, writer, min(answered_at, now), tally)


def _answer_and_close(thread: Thread, access: Access, writer: User, answered_at: datetime, tally: Counter[str]) -> None:
    member = thread.owner
    staff_access = resolve(member.user, thread.patient, Action.MESSAGING) if member else None
    if member is None or staff_access is None:
        return
    answers = DEMO_TEXT.history_answer
    body = answers.get(thread.patient.preferred_language) or answers["en"]
    thread_reply(access=staff_access, actor=member.user, thread_id=thread.pk, body=body, now=answered_at)
    thread_close(
        access=access, actor=writer, thread_id=thread.pk, now=min(answered_at + timedelta(hours=2), timezone.now())
    )
    tally["Message"] += 1


def _answer_time(started: datetime) -> datetime:
    # Answered well inside the promise: two hours after the patient wrote, never in the future.
    return min(started + timedelta(hours=2), timezone.now())


def build_demo_messaging(clinic: DemoClinic) -> DemoChanges:
    """Set up messaging at the demo home clinic; returns how many rows of each kind were created.
    Registered with the portal's demo builders (messaging/apps.py)."""
    tally: Counter[str] = Counter()
    ensure_calendar(clinic.home, clinic.today, tally)
    ensure_pools(clinic.home, clinic.staff, tally)
    ensure_history(clinic.patients, timezone.now(), tally)
    ensure_conversations(clinic.patients, tally)
    return DemoChanges(created=tally)
