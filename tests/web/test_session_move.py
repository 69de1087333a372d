"""Moving a session from the case page (issue 20), and a party's SMS consent on the forms."""

import dataclasses
from collections.abc import Callable
from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import sms
from cases.models import Event, Notification, NotificationKind, Party, PartyRole, Status
from cases.services.sessions import book_session
from cases.services.sweep import remind_sessions
from tests.factories import APPLICANT, RESPONDENT, RoomFactory, Tree, aware, drive, register

pytestmark = pytest.mark.django_db
ClientFor = Callable[..., Client]


def test_a_session_is_moved_from_the_case_page_and_a_busy_room_is_refused(
    tree: Tree, client_for: ClientFor
) -> None:
    case = drive(
        register(actor=tree.intake_s1, centre=tree.s1),
        Status.IN_MEDIATION,
        actor=tree.director_d1,
        mediator=tree.med_s1,
    )
    room, busy = RoomFactory.create(centre=tree.s1), RoomFactory.create(centre=tree.s1)
    day = timezone.localdate() + timedelta(days=3)
    starts = timezone.make_aware(datetime.combine(day, time(9)))
    session = book_session(
        case=case, actor=tree.director_d1, starts_at=starts, ends_at=starts + timedelta(hours=1),
        mediators=[tree.med_s1], room=room,
    )  # fmt: skip
    book_session(
        case=case, actor=tree.director_d1, starts_at=starts + timedelta(hours=5),
        ends_at=starts + timedelta(hours=6), mediators=[tree.med_c], room=busy,
    )  # fmt: skip
    client = client_for(tree.director_d1)
    page = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert f'data-session-move="{session.pk}"' in page
    url = reverse("web:session_move", args=[session.pk])
    form = client.get(url).content.decode()
    assert 'value="09:00"' in form and f'value="{day.isoformat()}"' in form

    refused = client.post(
        url,
        {"date": day.isoformat(), "starts_at": "14:00", "ends_at": "15:00", "room": busy.pk,
         "reason": "换会议室"},
    )  # fmt: skip
    assert refused.status_code == 400
    assert busy.name in refused.content.decode()  # the room's error, at its field

    moved = client.post(
        url,
        {"date": day.isoformat(), "starts_at": "16:00", "ends_at": "17:00", "room": room.pk,
         "reason": "调解员下午有空"},
    )  # fmt: skip
    assert moved.status_code == 303
    session.refresh_from_db()
    assert timezone.localtime(session.starts_at).strftime("%H:%M") == "16:00"
    assert Event.objects.filter(case=case, name="move_session").count() == 1
    assert Notification.objects.filter(
        kind=NotificationKind.SESSION_MOVED, user=tree.mediator_s1_user
    ).exists()


def test_the_party_form_records_sms_consent_and_the_case_page_shows_it(
    tree: Tree, client_for: ClientFor
) -> None:
    case = drive(
        register(actor=tree.intake_s1, centre=tree.s1),
        Status.IN_MEDIATION,
        actor=tree.director_d1,
        mediator=tree.med_s1,
    )
    party = case.parties.get(role=PartyRole.RESPONDENT)
    client = client_for(tree.mediator_s1_user)
    page = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert "data-sms-consent" not in page
    url = reverse("web:party_correct", args=[case.pk, party.pk])
    form = client.get(url).content.decode()
    assert 'name="sms_consent"' in form
    case.refresh_from_db()
    data = {
        "role": party.role, "kind": party.kind, "name": party.name, "address": party.address,
        "agent": party.agent, "sms_consent": "on", "reason": "当事人同意短信提醒",
        "version": case.version,
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 303, response.content.decode()[:2000]
    party = Party.objects.get(pk=party.pk)
    assert party.sms_consent and party.sms_consent_by == tree.mediator_s1_user
    page = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert "data-sms-consent" in page


def test_the_timeline_shows_an_sms_reminder_with_the_phone_masked(
    tree: Tree, client_for: ClientFor
) -> None:
    case = drive(
        register(
            actor=tree.intake_s1,
            centre=tree.s1,
            parties=(APPLICANT, dataclasses.replace(RESPONDENT, sms_consent=True)),
        ),
        Status.IN_MEDIATION,
        actor=tree.director_d1,
        mediator=tree.med_s1,
    )
    starts = aware(2026, 3, 3, 9)
    book_session(
        case=case, actor=tree.director_d1, starts_at=starts, ends_at=starts + timedelta(hours=1),
        mediators=[tree.med_s1], at=aware(2026, 3, 2, 9),
    )  # fmt: skip
    sms.outbox.clear()
    remind_sessions(aware(2026, 3, 2, 18))
    assert [m.phone for m in sms.outbox] == ["13900001111"]
    page = client_for(tree.director_d1).get(reverse("web:case_detail", args=[case.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert sms.outbox[0].message_id in html
    assert "13900001111" not in html
    assert case.parties.get(role=PartyRole.RESPONDENT).phone_masked in html
