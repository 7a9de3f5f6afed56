"""FHIR Attachments (a report's presentedForm, a note's content) kept as the documents they are.

The bytes are stored as sent and served as a download with the type their content shows
(a PDF's "%PDF-" signature, a PNG's), never the type the source claimed: a file that says
it is a PDF but is HTML is not served as HTML. Only text that is really text (valid UTF-8,
no NUL byte) is also shown on the page: HTML and XHTML (a report written as a web page) as their
words, without markup; XML (a C-CDA document) only as a download, its markup being no reading.
An attachment that gives only a `url` (the source keeps the file) is kept as that address.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import re
from dataclasses import dataclass
from typing import Any

OCTET_STREAM = "application/octet-stream"
# Leading bytes of the binary formats sources attach.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
TEXT_TYPES = {
    "text/plain",
    "text/markdown",
    "text/html",
    "text/xml",
    "application/xml",
    "text/rtf",
    "application/rtf",
    "application/xhtml+xml",
    "application/xhtml",  # as US Core's chest X-ray report says it
}
MARKUP_TYPES = {"text/html", "application/xhtml+xml", "application/xhtml"}
XML_TYPES = {"text/xml", "application/xml"}
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(p|div|h[1-6]|li|tr|table|section)>|<br\s*/?>", re.IGNORECASE)
_HIDDEN = re.compile(r"<(head|style|script)\b.*?</\1>", re.IGNORECASE | re.DOTALL)


class AttachmentError(ValueError):
    """The attachment's data cannot be read (its message goes into the import report)."""


@dataclass(frozen=True)
class Attachment:
    title: str
    declared_type: str  # what the source said, as sent
    content_type: str  # what the bytes are: the type the download is served with
    data: bytes
    url: str = ""  # where the source keeps the file, when it sent no data

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def text(self) -> str | None:
        """The document as text, when it is text: None for a PDF, an image, or anything with NUL bytes."""
        if not self.content_type.startswith("text/") or b"\x00" in self.data or self.declared_type in XML_TYPES:
            return None
        try:
            text = self.data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return _words_of(text) if self.declared_type in MARKUP_TYPES else text


def sniff(data: bytes, declared: str) -> str:
    """The type the bytes show; the declared type only for text that is really text."""
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return OCTET_STREAM
        # Text is served as plain text whatever it claims: HTML from a source never runs in our origin.
        # A source that names no type has always meant text (Synthea's notes).
        is_text = not declared or declared in TEXT_TYPES or declared.startswith("text/")
        return "text/plain" if is_text else OCTET_STREAM
    return OCTET_STREAM


def _words_of(markup: str) -> str:
    """A web page's words, a paragraph a line: no tags, no head, styles or scripts."""
    text = _TAG.sub(" ", _BLOCK_END.sub("\n", _HIDDEN.sub(" ", markup)))
    lines = (" ".join(html.unescape(line).split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def read_attachment(attachment: Any) -> Attachment | None:
    """The attachment's document; only its address when it gives a URL and no data; None when it
    carries neither."""
    if not isinstance(attachment, dict):
        return None
    declared = str(attachment.get("contentType") or "").split(";")[0].strip().lower()
    if not attachment.get("data"):
        url = attachment.get("url")
        if not isinstance(url, str) or not url.strip():
            return None
        return Attachment(str(attachment.get("title") or "")[:300], declared[:100], declared[:100], b"", url[:500])
    try:
        data = base64.b64decode(str(attachment["data"]), validate=True)
    except (binascii.Error, ValueError) as error:
        raise AttachmentError("An attachment is not valid base64.") from error
    return Attachment(str(attachment.get("title") or "")[:300], declared[:100], sniff(data, declared), data)
