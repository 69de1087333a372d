"""The workbench: each role finds what needs them now."""

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import workflow
from cases.access import visible_cases
from cases.models import OPEN_STATUSES, Case, RiskLevel, Status
from cases.services import sessions
from tests.factories import Tree, drive, register

URL = reverse("web:workbench")


def _section(page: str, heading: str) -> str:
    """The HTML of the workbench card headed ``heading``."""
    start = page.index(heading)
    return page[start : page.find("</article>", start)]


def test_a_mediator_sees_their_own_cases_and_their_centres_queue(
    shared_tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    tree = shared_tree_with_cases
    page = client_for(tree.mediator_s1_user).get(URL).content.decode()
    mine = _section(page, "My open cases")
    assert tree.cases["s1_mine"].number in mine
    assert tree.cases["s1_co"].number in mine  # co-mediator too
    assert tree.cases["s1_other"].number not in mine
    queue = _section(page, "Waiting for a decision or a mediator")
    assert tree.cases["s1_queue"].number in queue
    assert tree.cases["k1_open"].number not in queue  # another centre's
    assert tree.cases["s1_declined"].number not in queue  # final


def test_a_director_sees_the_work_in_hand_of_the_subtree(
    shared_tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    tree = shared_tree_with_cases
    response = client_for(tree.director_d1).get(URL)
    page = response.content.decode()
    assert "My open cases" not in page  # not a mediator
    [block] = response.context["supervised"]
    assert block["centre"] == tree.d1
    in_subtree = Case.objects.filter(centre__path__startswith=tree.d1.path)
    counts = dict(block["by_status"])
    for status in OPEN_STATUSES:
        assert counts[Status(status)] == in_subtree.filter(status=status).count()
    assert Status.DECLINED not in counts and Status.CLOSED not in counts
    # Each count links to the case list behind it.
    link = f"/cases/?centre={tree.d1.pk}&amp;subtree=true&amp;status=registered"
    assert link in page


def test_overdue_and_high_risk_counts(tree: Tree, client_for: Callable[..., Client]) -> None:
    start = timezone.now() - timedelta(days=40)
    drive(
        register(actor=tree.admin, centre=tree.s1, at=start),
        Status.IN_MEDIATION,
        actor=tree.admin,
        mediator=tree.med_s1,
        at=start,
    )
    register(actor=tree.admin, centre=tree.s1, risk_level=RiskLevel.HIGH)  # due in a day
    register(actor=tree.admin, centre=tree.k1, at=start)  # acceptance overdue
    drive(
        register(actor=tree.admin, centre=tree.s1, risk_level=RiskLevel.HIGH),
        Status.CLOSED,
        actor=tree.admin,
        mediator=tree.med_s1,
    )
    response = client_for(tree.director_d1).get(URL)
    [block] = response.context["supervised"]
    assert block["overdue"] == 2
    assert block["high_risk"] == 1  # the closed high-risk case is not open


def test_incoming_transfers_are_listed_for_the_receiving_director(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case = register(actor=tree.admin, centre=tree.s2)
    workflow.transition(
        case=case,
        name="transfer",
        actor=tree.admin,
        data={"target_centre": tree.s1.pk, "reason": "属地管辖"},
    )
    page = client_for(tree.director_d1).get(URL).content.decode()
    assert case.number in _section(page, "Transfers waiting for my centre")
    other = client_for(tree.director_d2).get(URL).content.decode()
    assert case.number not in _section(other, "Transfers waiting for my centre")


def test_todays_sessions(tree: Tree, client_for: Callable[..., Client]) -> None:
    case = drive(
        register(actor=tree.admin, centre=tree.s1),
        Status.IN_MEDIATION,
        actor=tree.admin,
        mediator=tree.med_s1,
    )
    with time_machine.travel(timezone.localtime().replace(hour=8, minute=0), tick=False):
        today = timezone.localtime().replace(hour=15, minute=0, second=0, microsecond=0)
        sessions.book_session(
            case=case,
            actor=tree.admin,
            starts_at=today,
            ends_at=today + timedelta(hours=1),
            mediators=[tree.med_s1],
            place="调解室一",
        )
        sessions.book_session(
            case=case,
            actor=tree.admin,
            starts_at=today + timedelta(days=1),
            ends_at=today + timedelta(days=1, hours=1),
            mediators=[tree.med_s1],
            place="调解室二",
        )
        page = client_for(tree.mediator_s1_user).get(URL).content.decode()
        todays = _section(page, "Today's sessions")
        assert "15:00–16:00" in todays and "调解室一" in todays
        assert "调解室二" not in todays
        other = client_for(tree.mediator_s2_user).get(URL).content.decode()
        assert case.number not in _section(other, "Today's sessions")


@pytest.mark.parametrize(
    "role",
    ["admin", "director_c", "observer_d1", "intake_s1", "mediator_s1", "court_liaison"],
)
def test_every_role_gets_a_workbench_that_shows_nothing_out_of_scope(
    shared_tree_with_cases: Tree, client_for: Callable[..., Client], role: str
) -> None:
    tree = shared_tree_with_cases
    user = tree.users[role]
    response = client_for(user).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    visible = set(visible_cases(user).values_list("number", flat=True))
    for case in tree.cases.values():
        if case.number not in visible:
            assert case.number not in page, (role, case.number)


def test_the_workbench_query_count_does_not_grow_with_the_cases(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    def count_queries() -> int:
        client = client_for(tree.mediator_s1_user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    # One of each first, so that no list is empty (an empty list skips its prefetch queries).
    drive(register(actor=tree.admin, centre=tree.s1), Status.IN_MEDIATION, actor=tree.admin,
          mediator=tree.med_s1)  # fmt: skip
    register(actor=tree.admin, centre=tree.s1)
    few = count_queries()
    for _ in range(6):
        drive(register(actor=tree.admin, centre=tree.s1), Status.IN_MEDIATION, actor=tree.admin,
              mediator=tree.med_s1)  # fmt: skip
        register(actor=tree.admin, centre=tree.s1)
    assert count_queries() == few
    assert Case.objects.filter(Q(lead_mediator=tree.med_s1)).count() == 7
