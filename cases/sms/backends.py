"""The SMS backends (``SMS_BACKEND``): console, file, locmem, and an HTTP provider adapter."""

import json
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from . import Sent, SmsError, outbox


class ConsoleBackend:
    """Prints each message to standard output (development)."""

    def send(self, phone: str, text: str) -> str:
        message_id = f"console-{uuid.uuid4().hex}"
        sys.stdout.write(f"SMS {message_id} to {phone}:\n{text}\n{'-' * 40}\n")
        sys.stdout.flush()
        return message_id


class FileBackend:
    """Writes each message to a file of its own in ``SMS_FILE_PATH``."""

    def send(self, phone: str, text: str) -> str:
        folder = Path(settings.SMS_FILE_PATH)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            message_id = f"file-{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}"
            (folder / f"{message_id}.txt").write_text(f"To: {phone}\n\n{text}\n", encoding="utf-8")
        except OSError as exc:
            raise SmsError(f"could not write the message file: {exc.strerror}") from exc
        return message_id


class LocmemBackend:
    """Keeps each message in ``cases.sms.outbox`` (tests)."""

    def send(self, phone: str, text: str) -> str:
        message_id = f"locmem-{len(outbox) + 1}"
        outbox.append(Sent(phone=phone, text=text, message_id=message_id))
        return message_id


class HttpProviderBackend:
    """Posts each message to the provider's endpoint ``SMS_PROVIDER_URL`` (and nowhere else).

    The request: ``POST`` JSON ``{"to": phone, "text": text, "sender": SMS_PROVIDER_SENDER}``
    with ``Authorization: Bearer SMS_PROVIDER_TOKEN``. The answer: a 2xx with JSON
    ``{"id": "<message id>"}``. Anything else (an error status, no id, no answer within
    ``SMS_TIMEOUT`` seconds) raises ``SmsError``.
    """

    def send(self, phone: str, text: str) -> str:
        url = settings.SMS_PROVIDER_URL
        if not url:
            raise SmsError("SMS_PROVIDER_URL is not set")
        body = json.dumps(
            {"to": phone, "text": text, "sender": settings.SMS_PROVIDER_SENDER}
        ).encode()
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_PROVIDER_TOKEN}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT) as answer:
                payload = json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise SmsError(f"the provider refused the message (HTTP {exc.code})") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError("the provider could not be reached") from exc
        except ValueError as exc:
            raise SmsError("the provider's answer is not JSON") from exc
        message_id = payload.get("id") if isinstance(payload, dict) else None
        if not message_id:
            raise SmsError("the provider's answer has no message id")
        return str(message_id)
