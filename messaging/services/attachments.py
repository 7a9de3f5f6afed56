"""Files sent with messages: checked from their content, stored under random names, handed out
only to people who may read the message they belong to.

The type is decided by the file's first bytes (its "magic number"), never by its name or the
type the browser claimed: a script renamed "scan.pdf" is refused, and a real PNG named
"photo.html" is stored as a PNG and downloaded as "photo.html.png". Downloads always go out as
attachments with the stored type and `X-Content-Type-Options: nosniff`, so nothing uploaded is
ever rendered by the portal's own pages.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from messaging.models import Attachment, Message
from portal import audit
from portal.access import Access, Action
from portal.models import AuditEvent, User
from portal.services.errors import ServiceError

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
NAME_MAX = 200  # Attachment.name's length

# content type -> the extensions a file of that type may carry (the first is added when missing).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
}


@dataclass(frozen=True)
class ValidUpload:
    """An uploaded file that passed `validate_upload`, with the type its content showed."""

    file: UploadedFile
    content_type: str
    name: str


def sniff(head: bytes) -> str | None:
    """The allowed type these first bytes begin, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def safe_name(raw: str, content_type: str) -> str:
    """The sender's file name without any folder, control or quote characters, ending in an
    extension that matches the content."""
    name = PurePath(raw.replace("\\", "/")).name
    name = "".join(char for char in unicodedata.normalize("NFC", name) if unicodedata.category(char)[0] != "C")
    name = re.sub(r'["<>:|?*;]+', "_", name).strip(" .") or "file"
    extensions = EXTENSIONS[content_type]
    if not name.lower().endswith(extensions):
        name = f"{name}{extensions[0]}"
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: NAME_MAX - len(ext) - 1]}{dot}{ext}"
    return name


def validate_upload(file: UploadedFile) -> tuple[str, str]:
    """(content type, safe name) of an allowed file; ServiceError saying what is wrong otherwise."""
    label = file.name or _("A file")
    size = file.size or 0
    if size == 0:
        raise ServiceError(_("%(name)s is empty. Choose the file again.") % {"name": label}, field="attachments")
    if size > MAX_BYTES:
        raise ServiceError(
            _("%(name)s is too large. Each file can be up to %(limit)s MB.")
            % {"name": label, "limit": MAX_BYTES // (1024 * 1024)},
            field="attachments",
        )
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    content_type = sniff(head)
    if content_type is None:
        raise ServiceError(
            _("%(name)s is not a photo (JPEG, PNG, GIF or WebP) or a PDF, so it cannot be sent.") % {"name": label},
            field="attachments",
        )
    return content_type, safe_name(label, content_type)


def validate_uploads(files: list[UploadedFile]) -> list[ValidUpload]:
    """Every file checked (and no more than MAX_FILES); the first problem is raised."""
    if len(files) > MAX_FILES:
        raise ServiceError(
            ngettext(
                "You can send up to %(limit)s file with one message.",
                "You can send up to %(limit)s files with one message.",
                MAX_FILES,
            )
            % {"limit": MAX_FILES},
            field="attachments",
        )
    checked = []
    for file in files:
        content_type, name = validate_upload(file)
        checked.append(ValidUpload(file=file, content_type=content_type, name=name))
    return checked


def save_attachments(message: Message, uploads: list[ValidUpload]) -> list[Attachment]:
    """Store the files of `message`. Call inside the transaction that made the message.

    The file is written before its row: a rollback leaves an orphan file under a random name
    (unreachable, holding nothing the database points to), never a row without its file."""
    saved = []
    for upload in uploads:
        digest = hashlib.sha256()
        for chunk in upload.file.chunks():
            digest.update(chunk)
        upload.file.seek(0)
        attachment = Attachment(
            message=message,
            name=upload.name,
            content_type=upload.content_type,
            size=upload.file.size or 0,
            sha256=digest.hexdigest(),
        )
        attachment.file.save(upload.name, upload.file, save=False)
        attachment.save()
        saved.append(attachment)
    return saved


def attachment_for(access: Access, attachment_id: int) -> Attachment:
    """An attachment of `access.patient`'s threads, or 404. Files on staff-only internal notes
    are 404 too for the patient and caregivers."""
    if access.action != Action.MESSAGING:
        raise Http404  # a caregiver without the messaging scope never holds such an access
    found = Attachment.objects.select_related("message__thread").filter(
        pk=attachment_id, message__thread__patient=access.patient
    )
    if access.hides_confidential:
        found = found.filter(message__thread__confidential=False)
    if access.acting_as != AuditEvent.ActingAs.STAFF:
        found = found.filter(message__is_internal_note=False)
    attachment = found.first()
    if attachment is None:
        raise Http404
    return attachment


def attachment_download(*, access: Access, actor: User, attachment_id: int) -> Attachment:
    """`attachment_for`, and the download written to the audit log (the patient sees who
    downloaded which file in their activity history)."""
    attachment = attachment_for(access, attachment_id)
    audit.record_access(access, actor=actor, action=AuditEvent.Action.DOWNLOAD, obj=attachment)
    return attachment
