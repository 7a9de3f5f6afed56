"""The whole promise, in two real browsers on phones: a patient writes about chest pain, the safety
screen shows emergency guidance, she sends anyway; the triage nurse finds it marked urgent at the
top of her inbox and answers; the patient sees who answered and the answer, and the nurse sees it
was read. The same journey runs in Spanish for a Spanish-speaking patient. axe-core checks each
page on the way."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.e2e.browser import MOBILE, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from playwright.sync_api import Page, expect

from messaging.models import Thread
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in
from tests.messaging.conftest import Clinic, clinic  # noqa: F401 (the fixture)

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Words:
    """What each person reads and clicks, in the patient's language (staff work in English)."""

    language: str
    write: str
    new_symptom: str
    subject: str
    message: str
    send: str
    emergency: str
    send_anyway: str
    will_answer: str
    text: str


ENGLISH = Words(
    "en",
    "Write your first message",
    "New symptom or health problem",
    "Subject",
    "Your message",
    "Send message",
    "This may be an emergency",
    "Send it anyway",
    "will answer by",
    "I have chest pain when I climb the stairs.",
)
SPANISH = Words(
    "es",
    "Escriba su primer mensaje",
    "Síntoma o problema de salud nuevo",
    "Asunto",
    "Su mensaje",
    "Enviar mensaje",
    "Esto puede ser una emergencia",
    "Enviarlo de todos modos",
    "le responderá a más tardar",
    "Tengo dolor de pecho cuando subo las escaleras.",
)


def axe_clean(page: Page, name: str, problems: list[str]) -> None:
    screenshot(page, f"messaging-journey-{name}")
    violations = axe_violations(page)
    if violations:
        problems.append(f"{name} ({page.url}):\n{describe_violations(violations)}")


@pytest.mark.parametrize("words", [ENGLISH, SPANISH], ids=lambda words: words.language)
def test_a_flagged_message_is_answered_by_a_named_nurse(new_context, live_server, clinic: Clinic, words: Words):  # noqa: F811
    problems: list[str] = []
    patient_user = clinic.patient.user
    patient_user.language = words.language
    patient_user.save(update_fields=["language"])

    # The patient, on her phone.
    patient = new_context(MOBILE)
    sign_in(patient, live_server.url, patient_user)
    page = patient.new_page()
    page.goto(f"/p/{clinic.patient.pk}/messages/")
    with page.expect_navigation():
        page.get_by_role("link", name=words.write).click()
    page.get_by_label(words.new_symptom).check()
    page.get_by_label(words.subject).fill(words.text[:40])
    page.get_by_label(words.message).fill(words.text)
    with page.expect_navigation():
        page.get_by_role("button", name=words.send).click()
    expect(page.get_by_role("heading", name=words.emergency)).to_be_visible()
    expect(page.get_by_role("link", name="911")).to_have_attribute("href", "tel:911")
    axe_clean(page, f"{words.language}-safety", problems)
    with page.expect_navigation():
        page.get_by_role("button", name=words.send_anyway).click()

    thread = Thread.objects.select_related("owner__user").get(patient=clinic.patient)
    assert thread.urgency == Thread.Urgency.URGENT
    owner = thread.owner
    assert owner is not None and clinic.triage.members.filter(pk=owner.pk).exists()
    expect(page.locator(".promise")).to_contain_text(owner.signature)
    expect(page.locator(".promise")).to_contain_text(words.will_answer)
    axe_clean(page, f"{words.language}-patient-waiting", problems)

    # The nurse who owns it, on her phone: urgent, at the top of her inbox, with why.
    nurse = new_context(MOBILE)
    sign_in(nurse, live_server.url, owner.user, second_factor=True)
    desk = nurse.new_page()
    desk.goto("/staff/messaging/")
    first = desk.locator(".inbox__row").first
    expect(first).to_contain_text(thread.subject)
    expect(first).to_contain_text("Safety screen: chest pain")
    axe_clean(desk, f"{words.language}-nurse-inbox", problems)
    first.get_by_role("link", name=thread.subject).click()
    desk.get_by_label("Reply to the patient").fill(
        "Please call 911 if the pain comes at rest. I have booked you today."
    )
    desk.get_by_role("button", name="Send reply").click()
    expect(desk.get_by_role("status").first).to_contain_text("Your reply was sent.")
    axe_clean(desk, f"{words.language}-nurse-thread", problems)

    # The patient opens the conversation again: the answer, signed by the nurse.
    page.reload()
    reply = page.locator(".bubble--staff").first
    expect(reply).to_contain_text("I have booked you today.")
    expect(reply).to_contain_text(owner.signature)
    axe_clean(page, f"{words.language}-patient-answered", problems)

    # Back at the desk, the nurse sees the read receipt.
    desk.reload()
    expect(desk.locator(".msg--staff")).to_contain_text("Seen by the patient")

    assert not problems, "\n\n".join(problems)
