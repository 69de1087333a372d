"""Moving a session over HTTP (issue 20): ``POST /api/v1/sessions/{id}/move/``."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Notification, NotificationKind, Status
from cases.services.sessions import book_session
from tests.api.support import assert_error, client_for, results
from tests.factories import RoomFactory, Tree, drive, register

pytestmark = pytest.mark.django_db


def test_a_session_moves_keeping_its_room_and_a_busy_room_is_refused(tree: Tree) -> None:
    case = drive(
        register(actor=tree.intake_s1, centre=tree.s1),
        Status.IN_MEDIATION,
        actor=tree.director_d1,
        mediator=tree.med_s1,
    )
    room, other_room = RoomFactory.create(centre=tree.s1), RoomFactory.create(centre=tree.s1)
    starts = timezone.now().replace(microsecond=0) + timedelta(days=3)
    session = book_session(
        case=case, actor=tree.director_d1, starts_at=starts,
        ends_at=starts + timedelta(hours=1), mediators=[tree.med_s1], room=room,
    )  # fmt: skip
    book_session(
        case=case, actor=tree.director_d1, starts_at=starts + timedelta(days=1),
        ends_at=starts + timedelta(days=1, hours=1), mediators=[tree.med_c], room=other_room,
    )  # fmt: skip
    director = client_for(tree.director_d1)
    later = starts + timedelta(hours=5)

    moved = director.post(
        f"/api/v1/sessions/{session.pk}/move/",
        {"starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=1)).isoformat(),
         "reason": "申请人上午需出庭"},
        format="json",
    )  # fmt: skip

    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert (body["room"], body["status"]) == (room.pk, "scheduled")
    assert body["starts_at"] == timezone.localtime(later).isoformat()
    events = results(director.get(f"/api/v1/cases/{case.pk}/events/"))
    assert events[-1]["name"] == "move_session"
    assert events[-1]["after"]["reason"] == "申请人上午需出庭"
    assert Notification.objects.filter(
        kind=NotificationKind.SESSION_MOVED, user=tree.mediator_s1_user
    ).exists()

    taken = director.post(
        f"/api/v1/sessions/{session.pk}/move/",
        {"starts_at": (starts + timedelta(days=1)).isoformat(),
         "ends_at": (starts + timedelta(days=1, hours=1)).isoformat(),
         "room": other_room.pk, "reason": "换会议室"},
        format="json",
    )  # fmt: skip
    assert "room" in assert_error(taken, 409, "double_booked")["fields"]
    no_reason = director.post(
        f"/api/v1/sessions/{session.pk}/move/",
        {"starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=2)).isoformat()},
        format="json",
    )
    assert "reason" in assert_error(no_reason, 400)["fields"]
