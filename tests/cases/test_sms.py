"""Issue 20 (helper sms): moving a session, cases awaiting acceptance, SMS reminders to parties."""

import dataclasses
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from cases import sms
from cases.errors import DoubleBooking, InvalidInput
from cases.models import Event, Notification, NotificationKind, Status
from cases.services.sessions import book_session, move_session
from cases.services.sweep import remind_sessions
from tests.factories import APPLICANT, RESPONDENT, RoomFactory, Tree, aware, drive, register

pytestmark = pytest.mark.django_db

START = aware(2026, 3, 2, 9)
EVENING = aware(2026, 3, 2, 18)  # the evening before 3 March


def told(kind: str) -> list[int]:
    return sorted(Notification.objects.filter(kind=kind).values_list("user_id", flat=True))


def mediated(tree: Tree, parties: Any = (APPLICANT, RESPONDENT)) -> Any:
    case = register(actor=tree.admin, centre=tree.s1, at=START, parties=parties)
    case = drive(case, Status.IN_MEDIATION, actor=tree.admin, mediator=tree.med_s1, at=START)
    return case


def book(tree: Tree, case: Any, starts: Any, *, mediators: Any = None, room: Any = None) -> Any:
    return book_session(
        case=case,
        actor=tree.admin,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        mediators=mediators or [tree.med_s1, tree.med_s1b],
        room=room,
        at=START,
    )


# --- Moving a session ------------------------------------------------------------------------------


def test_moving_a_session_writes_an_event_and_tells_its_mediators_not_the_mover(
    tree: Tree,
) -> None:
    case = mediated(tree)
    session = book(tree, case, aware(2026, 3, 3, 9))
    moved = move_session(
        session=session,
        actor=tree.mediator_s1_user,
        starts_at=aware(2026, 3, 5, 14),
        ends_at=aware(2026, 3, 5, 15),
        reason="当事人出差",
        at=START,
    )
    moved.refresh_from_db()
    assert moved.starts_at == aware(2026, 3, 5, 14)
    assert set(moved.bookings.values_list("starts_at", flat=True)) == {aware(2026, 3, 5, 14)}
    event = Event.objects.get(case=case, name="move_session")
    assert datetime.fromisoformat(event.before["starts_at"]) == aware(2026, 3, 3, 9)
    assert datetime.fromisoformat(event.after["starts_at"]) == aware(2026, 3, 5, 14)
    assert event.after["reason"] == "当事人出差"
    assert told(NotificationKind.SESSION_MOVED) == []  # the mover is the case's only mediator
    move_session(
        session=moved, actor=tree.director_d1, starts_at=aware(2026, 3, 5, 15),
        ends_at=aware(2026, 3, 5, 16), reason="会议室冲突", at=START,
    )  # fmt: skip
    assert told(NotificationKind.SESSION_MOVED) == [tree.mediator_s1_user.pk]


def test_a_session_cannot_be_moved_onto_a_busy_mediator_or_room(tree: Tree) -> None:
    case = mediated(tree)
    room = RoomFactory.create(centre=tree.s1)
    book(tree, case, aware(2026, 3, 4, 9), mediators=[tree.med_s1b])
    book(tree, case, aware(2026, 3, 6, 9), mediators=[tree.med_s2], room=room)
    session = book(tree, case, aware(2026, 3, 3, 9), mediators=[tree.med_s1])
    # Moving within its own time is fine (it does not stand in its own way).
    move_session(
        session=session, actor=tree.admin, starts_at=aware(2026, 3, 3, 9, 30),
        ends_at=aware(2026, 3, 3, 10, 30), reason="晚半小时",
    )  # fmt: skip
    with pytest.raises(DoubleBooking) as refused:
        move_session(
            session=session, actor=tree.admin, starts_at=aware(2026, 3, 6, 9),
            ends_at=aware(2026, 3, 6, 10), room=room, reason="换到会议室",
        )  # fmt: skip
    assert "room" in refused.value.fields
    with pytest.raises(InvalidInput) as no_reason:
        move_session(
            session=session, actor=tree.admin, starts_at=aware(2026, 3, 7, 9),
            ends_at=aware(2026, 3, 7, 10), reason=" ",
        )  # fmt: skip
    assert "reason" in no_reason.value.fields
    session.refresh_from_db()
    assert session.starts_at == aware(2026, 3, 3, 9, 30)
    assert Event.objects.filter(name="move_session").count() == 1


def test_a_moved_session_is_reminded_of_again(tree: Tree) -> None:
    case = mediated(tree)
    session = book(tree, case, aware(2026, 3, 3, 9))
    assert remind_sessions(EVENING) == 1
    move_session(
        session=session, actor=tree.admin, starts_at=aware(2026, 3, 3, 15),
        ends_at=aware(2026, 3, 3, 16), reason="改到下午",
    )  # fmt: skip
    assert remind_sessions(EVENING + timedelta(minutes=5)) == 1
    assert remind_sessions(EVENING + timedelta(minutes=10)) == 0
    # The lead mediator (the one on the case) is reminded of each start once.
    reminders = Notification.objects.filter(kind=NotificationKind.SESSION_REMINDER)
    assert [n.user_id for n in reminders] == [tree.mediator_s1_user.pk] * 2
    assert len({n.key for n in reminders}) == 2


# --- Awaiting acceptance ---------------------------------------------------------------------------


def test_a_registered_case_tells_its_centres_directors_it_awaits_acceptance(tree: Tree) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    # The directors of the nearest centre that has any (S1 has none: D1's), not the intake
    # officer who registered it, nor the city's director, nor another district's.
    assert told(NotificationKind.AWAITING_ACCEPTANCE) == [tree.director_d1.pk]
    assert Notification.objects.get(kind=NotificationKind.AWAITING_ACCEPTANCE).case == case


def test_a_director_registering_is_not_told_of_their_own_case(tree: Tree) -> None:
    register(actor=tree.director_d1, centre=tree.s1)
    assert told(NotificationKind.AWAITING_ACCEPTANCE) == []


# --- SMS reminders to the parties ------------------------------------------------------------------


class FakeProvider(BaseHTTPRequestHandler):
    """An SMS provider on loopback: answers each message with an id, or 503 when told to fail."""

    received: list[dict[str, Any]] = []
    failing = False

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body["authorization"] = self.headers["Authorization"]
        FakeProvider.received.append(body)
        if FakeProvider.failing:
            self.send_response(503)
            self.end_headers()
            return
        answer = json.dumps({"id": f"msg-{len(FakeProvider.received)}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def provider(settings: Any) -> Iterator[type[FakeProvider]]:
    server = HTTPServer(("127.0.0.1", 0), FakeProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeProvider.received, FakeProvider.failing = [], False
    settings.SMS_BACKEND = "cases.sms.backends.HttpProviderBackend"
    settings.SMS_PROVIDER_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SMS_PROVIDER_TOKEN = "test-token"
    yield FakeProvider
    server.shutdown()
    server.server_close()


def consenting(tree: Tree) -> Any:
    """A case whose respondent agreed to SMS reminders and whose applicant did not."""
    return mediated(tree, parties=(APPLICANT, dataclasses.replace(RESPONDENT, sms_consent=True)))


def test_the_consenting_party_is_texted_once_with_the_phone_masked_on_the_timeline(
    tree: Tree, provider: type[FakeProvider]
) -> None:
    case = consenting(tree)
    session = book(tree, case, aware(2026, 3, 3, 9))
    assert remind_sessions(EVENING) == 1
    [message] = provider.received
    assert message["to"] == "13900001111"  # the respondent: the applicant gave no consent
    assert message["authorization"] == "Bearer test-token"
    assert case.number in message["text"] and "09:00" in message["text"]
    assert "李四" not in message["text"] and "张三" not in message["text"]
    [event] = Event.objects.filter(case=case, name="sms_reminder")
    assert event.after["message_id"] == "msg-1"
    assert event.after["session"] == session.pk
    assert "13900001111" not in json.dumps(event.after)
    assert event.after["phone"] == case.parties.get(name="李四").phone_masked
    # A re-run the same evening sends nothing again.
    assert remind_sessions(EVENING + timedelta(minutes=5)) == 0
    assert len(provider.received) == 1
    assert Event.objects.filter(case=case, name="sms_reminder").count() == 1


def test_a_moved_session_texts_the_party_again(tree: Tree, provider: type[FakeProvider]) -> None:
    case = consenting(tree)
    session = book(tree, case, aware(2026, 3, 3, 9))
    remind_sessions(EVENING)
    move_session(
        session=session, actor=tree.admin, starts_at=aware(2026, 3, 3, 15),
        ends_at=aware(2026, 3, 3, 16), reason="改到下午",
    )  # fmt: skip
    remind_sessions(EVENING + timedelta(minutes=5))
    assert len(provider.received) == 2
    assert "15:00" in provider.received[1]["text"]


def test_a_failed_message_is_recorded_and_tried_again(
    tree: Tree, provider: type[FakeProvider]
) -> None:
    case = consenting(tree)
    book(tree, case, aware(2026, 3, 3, 9))
    provider.failing = True
    remind_sessions(EVENING)
    [failed] = Event.objects.filter(case=case, name="sms_reminder")
    assert failed.after["message_id"] is None
    assert "HTTP 503" in failed.after["error"]
    assert "13900001111" not in json.dumps(failed.after)
    provider.failing = False
    remind_sessions(EVENING + timedelta(minutes=5))
    ids = [e.after["message_id"] for e in Event.objects.filter(case=case, name="sms_reminder")]
    assert sorted(ids, key=str) == sorted([None, "msg-2"], key=str)


def test_no_consent_no_message(tree: Tree) -> None:
    sms.outbox.clear()
    case = mediated(tree)
    book(tree, case, aware(2026, 3, 3, 9))
    remind_sessions(EVENING)
    assert sms.outbox == []
    assert not Event.objects.filter(name="sms_reminder").exists()


def test_the_file_backend_writes_one_file_per_message(
    tree: Tree, settings: Any, tmp_path: Any
) -> None:
    settings.SMS_BACKEND = "cases.sms.backends.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path)
    case = consenting(tree)
    book(tree, case, aware(2026, 3, 3, 9))
    remind_sessions(EVENING)
    [written] = list(tmp_path.iterdir())
    assert "13900001111" in written.read_text(encoding="utf-8")
    assert case.number in written.read_text(encoding="utf-8")
