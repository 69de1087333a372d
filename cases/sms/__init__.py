"""Text messages (SMS) to parties, through a pluggable backend like Django's e-mail backends.

``SMS_BACKEND`` names the backend class (a dotted path). Every backend has one method,
``send(phone, text) -> str``: it sends ``text`` to ``phone`` (clear digits) and returns the
message id it was given, or raises ``SmsError`` with a message safe to keep (never the phone).

- ``cases.sms.backends.ConsoleBackend`` prints each message (development).
- ``cases.sms.backends.FileBackend`` writes each message to a file in ``SMS_FILE_PATH``.
- ``cases.sms.backends.LocmemBackend`` keeps them in ``cases.sms.outbox`` (tests).
- ``cases.sms.backends.HttpProviderBackend`` posts to a provider's HTTP endpoint
  (``SMS_PROVIDER_URL``, ``SMS_PROVIDER_TOKEN``, ``SMS_PROVIDER_SENDER``, ``SMS_TIMEOUT``);
  see docs/deploy.md for the request and the answer it expects.
"""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """A message was not sent. The text names why, never the phone number."""


@dataclass(frozen=True)
class Sent:
    """A message a ``LocmemBackend`` sent."""

    phone: str
    text: str
    message_id: str


#: What the ``LocmemBackend`` sent, oldest first (tests empty it).
outbox: list[Sent] = []


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> str:
        """Send ``text`` to ``phone``; the provider's message id, or ``SmsError``."""
        ...


def get_backend() -> SmsBackend:
    """An instance of the configured ``SMS_BACKEND``."""
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    return backend
