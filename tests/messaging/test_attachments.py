"""Attachments: type from content, size and count limits, safe names, stored with the message, 404 for others."""

from __future__ import annotations

import hashlib

import pytest
from django.http import Http404

from messaging.factories import MessageFactory, StaffReplyFactory, ThreadFactory
from messaging.models import Attachment, Message
from messaging.services import attachments
from messaging.services.attachments import MAX_BYTES, safe_name, validate_upload, validate_uploads
from messaging.services.threads import thread_reply
from portal.access import Action, resolve
from portal.factories import PatientFactory, ProxyGrantFactory
from portal.models import AuditEvent, Scope
from portal.services.errors import ServiceError
from tests.messaging.conftest import Clinic
from tests.messaging.uploads import GIF, JPEG, PDF, PNG, WEBP, media_fixture, upload  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp"), (PDF, "application/pdf")],
)
def test_the_type_comes_from_the_content_not_the_name_or_browser(content: bytes, content_type: str) -> None:
    assert validate_upload(upload("whatever.txt", content, "text/html"))[0] == content_type


def test_a_file_of_another_kind_is_refused_whatever_its_name() -> None:
    with pytest.raises(ServiceError) as refused:
        validate_upload(upload("scan.pdf", b"<script>alert(1)</script>", "application/pdf"))
    assert refused.value.message == "scan.pdf is not a photo (JPEG, PNG, GIF or WebP) or a PDF, so it cannot be sent."
    assert refused.value.field == "attachments"


def test_empty_and_too_large_files_are_refused() -> None:
    with pytest.raises(ServiceError, match=r"^empty.png is empty\. Choose the file again\.$"):
        validate_upload(upload("empty.png", b""))
    big = upload("big.png", PNG + b"\x00" * (MAX_BYTES - len(PNG) + 1))
    with pytest.raises(ServiceError, match=r"^big.png is too large\. Each file can be up to 10 MB\.$"):
        validate_upload(big)
    exactly = upload("ok.png", PNG + b"\x00" * (MAX_BYTES - len(PNG)))
    assert validate_upload(exactly) == ("image/png", "ok.png")


def test_no_more_than_five_files() -> None:
    assert len(validate_uploads([upload(f"{n}.png", PNG) for n in range(5)])) == 5
    with pytest.raises(ServiceError, match=r"^You can send up to 5 files with one message\.$"):
        validate_uploads([upload(f"{n}.png", PNG) for n in range(6)])


@pytest.mark.parametrize(
    ("raw", "content_type", "safe"),
    [
        ("photo.PNG", "image/png", "photo.PNG"),
        ("photo.html", "image/png", "photo.html.png"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("C:\\Users\\ana\\scan.pdf", "application/pdf", "scan.pdf"),
        ('bad"name;\r\n.jpeg', "image/jpeg", "bad_name_.jpeg"),
        ("...", "image/gif", "file.gif"),
        ("a" * 300 + ".pdf", "application/pdf", "a" * 196 + ".pdf"),
    ],
)
def test_names_lose_folders_and_odd_characters_and_match_their_type(raw: str, content_type: str, safe: str) -> None:
    assert safe_name(raw, content_type) == safe


def test_a_reply_stores_its_files_with_size_hash_and_a_random_name(clinic: Clinic, media) -> None:
    thread = clinic.start()
    user = clinic.patient.user
    uploads = validate_uploads([upload("rash.jpg", JPEG), upload("letter.pdf", PDF)])

    message = thread_reply(
        access=clinic.access(user), actor=user, thread_id=thread.pk, body="Photos attached", attachments=uploads
    )

    rows = list(message.attachments.order_by("pk"))
    assert [(a.name, a.content_type, a.size, a.sha256) for a in rows] == [
        ("rash.jpg", "image/jpeg", len(JPEG), hashlib.sha256(JPEG).hexdigest()),
        ("letter.pdf", "application/pdf", len(PDF), hashlib.sha256(PDF).hexdigest()),
    ]
    for row in rows:
        assert row.file.name.startswith(f"messaging/{thread.pk}/")
        assert "rash" not in row.file.name and "letter" not in row.file.name
        assert (media / row.file.name).read_bytes() in (JPEG, PDF)


def test_a_refused_start_stores_no_file_row(clinic: Clinic, media) -> None:
    uploads = validate_uploads([upload("rash.png", PNG)])
    with pytest.raises(ServiceError):
        clinic.start(body="   ", attachments=uploads)
    assert Attachment.objects.count() == 0


def _attachment_on(message: Message) -> Attachment:
    [saved] = attachments.save_attachments(message, validate_uploads([upload("x.png", PNG)]))
    return saved


def test_attachment_for_finds_only_this_patients_files_and_hides_internal_notes(clinic: Clinic, media) -> None:
    thread = clinic.start()
    reply = StaffReplyFactory(thread=thread)
    note = StaffReplyFactory(thread=thread, is_internal_note=True)
    elsewhere = MessageFactory(thread=ThreadFactory(patient=PatientFactory(home_organization=clinic.organization)))
    on_reply, on_note, other = _attachment_on(reply), _attachment_on(note), _attachment_on(elsewhere)
    patient_side = clinic.access(clinic.patient.user)
    staff_side = clinic.access(clinic.nurse_ana.user)

    assert attachments.attachment_for(patient_side, on_reply.pk) == on_reply
    assert attachments.attachment_for(staff_side, on_note.pk) == on_note
    for access, attachment_id in [(patient_side, on_note.pk), (patient_side, other.pk), (staff_side, other.pk)]:
        with pytest.raises(Http404):
            attachments.attachment_for(access, attachment_id)


def test_attachment_for_needs_an_access_granted_for_messaging(clinic: Clinic, media) -> None:
    thread = clinic.start()
    saved = _attachment_on(thread.messages.get())
    records_access = resolve(clinic.patient.user, clinic.patient, Action.RECORDS)
    assert records_access is not None
    with pytest.raises(Http404):
        attachments.attachment_for(records_access, saved.pk)


def test_a_download_is_audited_with_the_caregiver_who_made_it(clinic: Clinic, media) -> None:
    thread = clinic.start()
    saved = _attachment_on(thread.messages.get())
    caregiver = ProxyGrantFactory(patient=clinic.patient, scopes=[Scope.MESSAGING]).grantee

    found = attachments.attachment_download(access=clinic.access(caregiver), actor=caregiver, attachment_id=saved.pk)

    assert found == saved
    event = AuditEvent.objects.filter(actor=caregiver).get()
    assert (event.action, event.object_type, event.object_id, event.acting_as, event.scope) == (
        AuditEvent.Action.DOWNLOAD,
        "messaging.Attachment",
        str(saved.pk),
        AuditEvent.ActingAs.PROXY,
        Scope.MESSAGING,
    )
