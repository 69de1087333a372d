"""Sessions of a concluded case over HTTP (issue 19): a transition that concludes a case, sent to
``/api/v1/cases/{id}/transitions/{name}/``, cancels the case's sessions still booked ahead. The
answer is the case, as for every transition; the sessions and the timeline show the rest."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case, Status
from cases.services.sessions import book_session
from tests.api.support import client_for, results
from tests.factories import RoomFactory, Tree, data_for, drive, register

pytestmark = pytest.mark.django_db


def test_failing_a_case_through_the_api_cancels_its_sessions_booked_ahead(tree: Tree) -> None:
    case = drive(
        register(actor=tree.intake_s1, centre=tree.s1),
        Status.IN_MEDIATION,
        actor=tree.director_d1,
        mediator=tree.med_s1,
    )
    room = RoomFactory.create(centre=tree.s1)
    now = timezone.now()
    starts = now + timedelta(days=2)
    ahead = book_session(
        case=case,
        actor=tree.director_d1,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        mediators=[tree.med_s1],
        room=room,
    )
    gone = book_session(
        case=case,
        actor=tree.director_d1,
        starts_at=now - timedelta(days=1),
        ends_at=now - timedelta(days=1) + timedelta(hours=1),
        mediators=[tree.med_s1],
    )
    mediator = client_for(tree.mediator_s1_user)
    etag = mediator.get(f"/api/v1/cases/{case.pk}/")["ETag"]

    response = mediator.post(
        f"/api/v1/cases/{case.pk}/transitions/fail/",
        data_for("fail"),
        format="json",
        headers={"If-Match": etag},
    )

    assert response.status_code == 200, response.content
    assert (response.json()["id"], response.json()["status"]) == (case.pk, "failed")
    assert mediator.get(f"/api/v1/sessions/{ahead.pk}/").json()["status"] == "cancelled"
    assert mediator.get(f"/api/v1/sessions/{gone.pk}/").json()["status"] == "scheduled"
    events = results(mediator.get(f"/api/v1/cases/{case.pk}/events/"))
    assert [(e["name"], e["after"].get("session")) for e in events[-2:]] == [
        ("fail", None),
        ("cancel_session", ahead.pk),
    ]
    assert events[-1]["after"]["concluded"] == "failed"
    assert events[-1]["actor"] == tree.mediator_s1_user.username
    # The room and the mediator can be booked at that time for another case.
    other = drive(
        register(actor=tree.intake_s1, centre=tree.s1),
        Status.IN_MEDIATION,
        actor=tree.director_d1,
        mediator=tree.med_s1,
    )
    director = client_for(tree.director_d1)
    booked = director.post(
        "/api/v1/sessions/",
        {
            "case": other.pk,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(),
            "mediators": [tree.med_s1.pk],
            "room": room.pk,
        },
        format="json",
    )
    assert booked.status_code == 201, booked.content
    assert Case.objects.get(pk=case.pk).status == Status.FAILED
