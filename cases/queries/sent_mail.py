"""The e-mails Django's file backend kept, read back for the administrators' "sent mail" page.

``make run`` sends e-mail through ``django.core.mail.backends.filebased.EmailBackend``: each
connection appends its messages to a file ``<date>-<time>-<id>.log`` in ``EMAIL_FILE_PATH``, every
message followed by a line of 79 dashes. A message is named by its file and its place in that file
(``20261207-103000-140234.0``); a name is looked up among the files the directory lists, never
joined onto a path. With any other backend nothing is kept and nothing is read.
"""

import email.policy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from django.conf import settings

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# What the file backend writes after each message.
SEPARATOR = b"\n" + b"-" * 79 + b"\n"
KEY = re.compile(r"(?P<stem>[\w-]{1,200})\.(?P<index>\d{1,6})")


@dataclass(frozen=True)
class SentMail:
    """One line of the list."""

    key: str
    date: datetime
    to: str
    subject: str


@dataclass(frozen=True)
class Attachment:
    number: int  # 1, 2... in the message's order
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class SentMessage:
    key: str
    date: datetime
    sender: str
    to: str
    cc: str
    reply_to: str
    subject: str
    body: str  # the text part ("" if the message has none)
    attachments: list[Attachment]


def keeps_sent_mail() -> bool:
    return bool(settings.EMAIL_BACKEND == FILE_BACKEND)


def sent_mail() -> list[SentMail]:
    """Every kept message, newest first (by its Date header; the file's time if it has none)."""
    parser = BytesParser(policy=email.policy.default)
    found = []
    for key, raw, mtime in _messages():
        message = parser.parsebytes(raw, headersonly=True)
        found.append(
            SentMail(
                key=key,
                date=_date(message, mtime),
                to=str(message.get("To", "")),
                subject=str(message.get("Subject", "")),
            )
        )
    return sorted(found, key=lambda mail: (mail.date, mail.key), reverse=True)


def sent_message(key: str) -> SentMessage | None:
    """The message ``key``, its headers decoded; ``None`` if there is no such message."""
    found = _parse(key)
    if found is None:
        return None
    message, mtime = found
    text = message.get_body(preferencelist=("plain",))
    return SentMessage(
        key=key,
        date=_date(message, mtime),
        sender=str(message.get("From", "")),
        to=str(message.get("To", "")),
        cc=str(message.get("Cc", "")),
        reply_to=str(message.get("Reply-To", "")),
        subject=str(message.get("Subject", "")),
        body=str(text.get_content()) if isinstance(text, EmailMessage) else "",
        attachments=[
            Attachment(
                number=number,
                filename=part.get_filename() or f"attachment-{number}",
                content_type=part.get_content_type(),
                size=len(_payload(part)),
            )
            for number, part in enumerate(_attachments(message), start=1)
        ],
    )


def attachment(key: str, number: int) -> tuple[str, bytes] | None:
    """The file name and content of the message's attachment ``number`` (from 1), or ``None``."""
    found = _parse(key)
    if found is None or number < 1:
        return None
    parts = list(_attachments(found[0]))
    if number > len(parts):
        return None
    part = parts[number - 1]
    return part.get_filename() or f"attachment-{number}", _payload(part)


def _directory() -> Path | None:
    if not keeps_sent_mail():
        return None
    path = Path(settings.EMAIL_FILE_PATH)
    return path if path.is_dir() else None


def _messages(stem: str | None = None) -> Iterator[tuple[str, bytes, float]]:
    """(key, raw message, the file's modification time) of every kept message, or of the file
    ``stem``'s alone."""
    directory = _directory()
    if directory is None:
        return
    for path in directory.iterdir():
        if path.suffix != ".log" or not path.is_file() or (stem and path.stem != stem):
            continue
        if not KEY.fullmatch(f"{path.stem}.0"):
            continue  # not a name the file backend writes
        data = path.read_bytes()
        mtime = path.stat().st_mtime
        for index, raw in enumerate(data.split(SEPARATOR)):
            if raw.strip():
                yield f"{path.stem}.{index}", raw, mtime


def _parse(key: str) -> tuple[EmailMessage, float] | None:
    match = KEY.fullmatch(key)
    if match is None:
        return None
    for found, raw, mtime in _messages(match["stem"]):
        if found == key:
            message = BytesParser(policy=email.policy.default).parsebytes(raw)
            assert isinstance(message, EmailMessage)  # what policy.default makes
            return message, mtime
    return None


def _attachments(message: EmailMessage) -> Iterator[EmailMessage]:
    for part in message.iter_attachments():
        if isinstance(part, EmailMessage):
            yield part


def _payload(part: EmailMessage) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _date(message: EmailMessage, mtime: float) -> datetime:
    header = message.get("Date")
    value = getattr(header, "datetime", None)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(mtime, tz=UTC)
