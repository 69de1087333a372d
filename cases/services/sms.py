"""Session reminders to the parties by text message (SMS), with their recorded consent.

The evening before a session (``sweep.remind_sessions``), each party of its case who agreed to
SMS reminders (``Party.sms_consent``) and has a phone is sent one message through the configured
backend (``cases.sms``): the case number, the session's time and place, nothing else personal.
Each message writes one ``sms_reminder`` event on the case's timeline: the party, the phone
masked, the backend's message id, or why it failed.

Once per party, session and start: a re-run sends nothing again once a message went out; a
moved session (a new start) is reminded of again. A failed message is tried again by the next
run (each try writes its event).
"""

import logging
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from .. import personal_data, sms
from ..models import Case, EventKind, Party, Session, SessionMode
from ..models.events import Event
from . import events

logger = logging.getLogger(__name__)

#: The language of the messages (the template is translated like every other text).
SMS_LANGUAGE = "zh-hans"
EVENT_NAME = "sms_reminder"


def occasion(session: Session) -> str:
    """What a reminder is about: the session at its start (a moved session is a new one)."""
    return f"{session.pk}:{session.starts_at.astimezone(UTC).isoformat()}"


def reminder_text(session: Session, case: Case) -> str:
    """The message: the case number, the session's day and time (local) and where it is."""
    start = timezone.localtime(session.starts_at)
    with translation.override(SMS_LANGUAGE):
        if session.room is not None:
            place = f"{case.centre.name} {session.room.name}"
        elif session.place:
            place = session.place
        elif session.mode != SessionMode.IN_PERSON:
            place = str(session.get_mode_display())
        else:
            place = case.centre.name
        return gettext(
            "Reminder: the mediation session of case %(number)s is on %(day)s at %(time)s, "
            "%(place)s. Please come on time."
        ) % {
            "number": case.number,
            "day": start.strftime("%Y-%m-%d"),
            "time": start.strftime("%H:%M"),
            "place": place,
        }


def remind_parties(session: Session, *, now: datetime) -> int:
    """Text each consenting party of ``session``'s case with a phone, once for this start;
    return how many messages went out now."""
    case = session.case
    key = occasion(session)
    parties = Party.objects.filter(case=case, sms_consent=True).exclude(phone_encrypted="")
    sent = 0
    for party in parties.order_by("position", "pk"):
        with transaction.atomic():
            # One run at a time per party: the second waits, then sees the first one's event.
            Party.objects.select_for_update().filter(pk=party.pk).first()
            done = Event.objects.filter(
                case=case, name=EVENT_NAME, after__party=party.pk, after__occasion=key
            ).exclude(after__message_id=None)
            if done.exists():
                continue
            sent += _send(session, case, party, key, now)
    return sent


def _send(session: Session, case: Case, party: Party, key: str, now: datetime) -> int:
    after: dict[str, object] = {
        "party": party.pk,
        "session": session.pk,
        "occasion": key,
        "phone": party.phone_masked,
        "message_id": None,
    }
    try:
        message_id = sms.get_backend().send(
            personal_data.decrypt(party.phone_encrypted), reminder_text(session, case)
        )
    except sms.SmsError as exc:
        after["error"] = str(exc)
        logger.warning("SMS reminder to party %s (session %s) failed: %s", party.pk, key, exc)
        ok = 0
    else:
        after["message_id"] = message_id
        ok = 1
    events.record(case=case, actor=None, kind=EventKind.SMS, name=EVENT_NAME, at=now, after=after)
    return ok
