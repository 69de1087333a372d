"""Sessions of a concluded case on the case page (issue 19): the form of an action that concludes
the case says which booked sessions it cancels, in English and in Chinese; performing it cancels
them, and the timeline says why."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Session, SessionStatus, Status
from cases.services.sessions import book_session
from tests.factories import RoomFactory, Tree, drive, register

pytestmark = pytest.mark.django_db

ClientFor = Callable[..., Client]
HTMX = {"HX-Request": "true"}


def booked_case(tree: Tree) -> tuple[Case, Session, Session]:
    """A case in mediation with a session ahead (room 第二调解室, two mediators) and one past."""
    case = drive(
        register(actor=tree.intake_s1, centre=tree.s1),
        Status.IN_MEDIATION,
        actor=tree.director_d1,
        mediator=tree.med_s1,
    )
    now = timezone.now()
    day = timezone.localtime(now + timedelta(days=3)).replace(
        hour=14, minute=30, second=0, microsecond=0
    )
    ahead = book_session(
        case=case,
        actor=tree.director_d1,
        starts_at=day,
        ends_at=day + timedelta(hours=1),
        mediators=[tree.med_s1, tree.med_s1b],
        room=RoomFactory.create(centre=tree.s1, name="第二调解室"),
    )
    past = book_session(
        case=case,
        actor=tree.director_d1,
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=2) + timedelta(hours=1),
        mediators=[tree.med_s1],
    )
    return Case.objects.get(pk=case.pk), ahead, past


def warning(html: str) -> str:
    start = html.index('id="sessions-to-cancel"')
    return html[start : html.index("</div>", start)]


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "This also cancels the session still booked for this case"),
        ("zh-hans", "此操作还将取消本案已预约的1场调解会"),
    ],
)
def test_the_withdraw_form_lists_the_sessions_it_will_cancel(
    tree: Tree, client_for: ClientFor, language: str, says: str
) -> None:
    case, ahead, past = booked_case(tree)
    client = client_for(tree.director_d1, language=language)

    for headers in ({}, HTMX):
        html = client.get(
            reverse("web:case_action", args=[case.pk, "withdraw"]), headers=headers
        ).content.decode()
        listed = warning(html)
        assert says in listed
        assert f'data-session="{ahead.pk}"' in listed
        assert f'data-session="{past.pk}"' not in listed
        start = timezone.localtime(ahead.starts_at)
        assert f">{start:%Y-%m-%d %H:%M}</time>–{start + timedelta(hours=1):%H:%M}" in listed
        assert "第二调解室" in listed
        assert tree.med_s1.name in listed and tree.med_s1b.name in listed
    # Suspending keeps the sessions: its form warns of nothing.
    html = client.get(reverse("web:case_action", args=[case.pk, "suspend"])).content.decode()
    assert 'id="sessions-to-cancel"' not in html


@pytest.mark.parametrize(
    ("language", "line"),
    [("en", "Case concluded:</span> Withdrawn"), ("zh-hans", "案件已结:</span> 已撤回")],
)
def test_withdrawing_through_the_form_cancels_them_and_the_timeline_says_why(
    tree: Tree, client_for: ClientFor, language: str, line: str
) -> None:
    case, ahead, past = booked_case(tree)
    client = client_for(tree.director_d1, language=language)

    response = client.post(
        reverse("web:case_action", args=[case.pk, "withdraw"]),
        {"reason": "申请人撤回申请", "version": case.version},
    )

    assert response.status_code == 303
    assert Session.objects.get(pk=ahead.pk).status == SessionStatus.CANCELLED
    assert Session.objects.get(pk=past.pk).status == SessionStatus.SCHEDULED
    page = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert line in page
