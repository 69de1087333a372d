"""The bell: the unread count in the nav, the list of notifications, marking them read."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case, Notification, NotificationKind, RiskLevel
from cases.services.notifications import notify
from tests.factories import Tree, register

pytestmark = pytest.mark.django_db

URL = reverse("web:notifications")
READ_URL = reverse("web:notifications_read")
ClientFor = Callable[..., Client]
# Session, user, scope (memberships, mediator), the paginator's count, the bell, the page itself.
MAX_LIST_QUERIES = 7


def high_risk(tree: Tree) -> Case:
    """A high-risk case; its directors hold its ``high_risk`` entries only (the registration's
    ``awaiting_acceptance`` ones are dropped: these tests count the entries they make)."""
    case = register(actor=tree.intake_s1, centre=tree.s1, risk_level=RiskLevel.HIGH)
    Notification.objects.filter(kind=NotificationKind.AWAITING_ACCEPTANCE).delete()
    return case


def overdue(user: Any, cases: list[Case]) -> None:
    for case in cases:
        notify(users=[user], case=case, kind=NotificationKind.OVERDUE, key=f"overdue:{case.pk}")


def unread(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def test_the_bell_shows_the_unread_count(tree: Tree, client_for: ClientFor) -> None:
    high_risk(tree)
    high_risk(tree)
    html = client_for(tree.director_d1).get(reverse("web:workbench")).content.decode()
    assert 'aria-label="2 unread notifications"' in html
    assert 'data-unread="2"' in html
    assert f'href="{URL}"' in html
    # Someone with nothing unread: a bell, no badge.
    html = client_for(tree.mediator_s1_user).get(reverse("web:workbench")).content.decode()
    assert 'aria-label="0 unread notifications"' in html
    assert "data-unread" not in html


def test_the_list_shows_own_notifications_newest_first(tree: Tree, client_for: ClientFor) -> None:
    first, second = high_risk(tree), high_risk(tree)
    # director_d2 is told about a case they cannot see: its number shows, without a link.
    notify(users=[tree.director_d2], case=first, kind=NotificationKind.ESCALATED, key="x:1")
    response = client_for(tree.director_d1).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(second.number) < html.index(first.number)
    assert html.count("High-risk case registered") == 2
    assert reverse("web:case_detail", args=[first.pk]) in html
    assert "Mark all as read" in html
    assert "Overdue case escalated" not in html  # director_d2's, not theirs
    html = client_for(tree.director_d2).get(URL).content.decode()
    assert "Overdue case escalated" in html
    assert first.number in html
    assert reverse("web:case_detail", args=[first.pk]) not in html


def test_an_empty_list(tree: Tree, client_for: ClientFor) -> None:
    response = client_for(tree.intake_s1).get(URL)
    assert response.status_code == 200
    assert "No notifications." in response.content.decode()


def test_mark_one_read(tree: Tree, client_for: ClientFor) -> None:
    high_risk(tree)
    high_risk(tree)
    one, other = Notification.objects.filter(user=tree.director_d1).order_by("pk")
    client = client_for(tree.director_d1)
    response = client.post(READ_URL, {"id": one.pk, "next": URL}, follow=True)
    assert response.redirect_chain == [(URL, 303)]
    assert "Notification marked as read." in response.content.decode()
    one.refresh_from_db()
    other.refresh_from_db()
    assert one.read_at is not None
    assert other.read_at is None
    assert 'aria-label="1 unread notification"' in response.content.decode()


def test_mark_all_read(tree: Tree, client_for: ClientFor) -> None:
    high_risk(tree)
    high_risk(tree)
    response = client_for(tree.director_d1).post(READ_URL, follow=True)
    assert response.redirect_chain == [(URL, 303)]
    assert "All notifications marked as read." in response.content.decode()
    assert unread(tree.director_d1) == 0
    assert unread(tree.director_c) == 2  # the other director's are untouched


def test_another_users_notification_cannot_be_marked(tree: Tree, client_for: ClientFor) -> None:
    high_risk(tree)
    theirs = Notification.objects.get(user=tree.director_c)
    response = client_for(tree.director_d1).post(READ_URL, {"id": theirs.pk})
    assert response.status_code == 303
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert unread(tree.director_d1) == 1  # nor were their own marked instead
    # A malformed id marks nothing either.
    client_for(tree.director_d1).post(READ_URL, {"id": "x"})
    assert unread(tree.director_d1) == 1


def test_redirect_back_only_to_this_site(tree: Tree, client_for: ClientFor) -> None:
    response = client_for(tree.director_d1).post(READ_URL, {"next": "https://evil.example/"})
    assert response["Location"] == URL


def test_anonymous_is_sent_to_log_in() -> None:
    for method, url in (("get", URL), ("post", READ_URL)):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:login"))


def test_list_queries_do_not_grow_with_its_length(tree: Tree, client_for: ClientFor) -> None:
    cases = [register(actor=tree.intake_s1, centre=tree.s1) for _ in range(12)]
    client = client_for(tree.director_d1)
    client.get(URL)  # warm the session and the scope

    def queries_with(count: int) -> int:
        Notification.objects.all().delete()
        overdue(tree.director_d1, cases[:count])
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL)
        assert response.content.decode().count('data-notification="') == count
        return len(captured)

    assert queries_with(2) == queries_with(12) <= MAX_LIST_QUERIES


def test_the_page_in_chinese(tree: Tree, client_for: ClientFor) -> None:
    high_risk(tree)
    response = client_for(tree.director_d1, language="zh-hans").get(URL)
    assert response.status_code == 200
    assert 'data-unread="1"' in response.content.decode()
