"""The transfers inbox: the receiving side accepts a transfer or returns it with a reason."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases import workflow
from cases.models import Case, Event, Status, Transfer, TransferStatus
from cases.web.forms.transfers import DECISIONS
from tests.factories import Tree, register

pytestmark = pytest.mark.django_db

INBOX = reverse("web:transfers")


def transfer(tree: Tree, case: Case, target: Any, actor: Any) -> Transfer:
    """Send ``case`` to ``target`` through the workflow; return the pending transfer."""
    workflow.transition(
        case=case,
        name="transfer",
        actor=actor,
        data={"target_centre": target.pk, "reason": "涉及多方，需上级调处"},
    )
    return Transfer.objects.get(case=case, status=TransferStatus.PENDING)


@pytest.fixture
def across(tree_with_cases: Tree) -> Transfer:
    """S1's case in mediation (led by 王调解) sent across to the other district D2."""
    tree = tree_with_cases
    return transfer(tree, tree.cases["s1_mine"], tree.d2, tree.director_d1)


@pytest.fixture
def up(tree_with_cases: Tree) -> Transfer:
    """S2's case in mediation sent up to its district D2."""
    tree = tree_with_cases
    return transfer(tree, tree.cases["s2_assigned"], tree.d2, tree.director_d2)


def state(case: Case) -> tuple[Any, ...]:
    """What must not change when a decision is refused."""
    case.refresh_from_db()
    statuses = tuple(Transfer.objects.filter(case=case).values_list("status", flat=True))
    return (case.status, case.centre_id, case.version, statuses, Event.objects.count())


def decide(transfer: Transfer, action: str, **extra: Any) -> dict[str, Any]:
    case = Case.objects.get(pk=transfer.case_id)
    return {"transfer": transfer.pk, "action": action, "version": case.version, **extra}


def incoming_rows(page: str) -> list[str]:
    section = page[page.index('id="incoming-heading"') : page.index('id="outgoing-heading"')]
    return re.findall(r'<article id="transfer-(\d+)"', section)


def outgoing_section(page: str) -> str:
    return page[page.index('id="outgoing-heading"') :]


def test_the_receiving_director_sees_the_transfer_with_its_details(
    tree_with_cases: Tree, across: Transfer, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    response = client_for(tree.director_d2).get(INBOX)
    assert response.status_code == 200
    page = response.content.decode()
    assert incoming_rows(page) == [str(across.pk)]
    case = tree.cases["s1_mine"]
    for text in [
        case.number,
        case.summary,
        tree.s1.name_en,
        tree.d2.name_en,
        "Across",
        "涉及多方，需上级调处",
        tree.director_d1.username,
        'name="action" value="accept"',
        'name="action" value="return"',
        f'name="version" value="{Case.objects.get(pk=across.case_id).version}"',
    ]:
        assert text in page, text


def test_the_buttons_are_the_tables_decisions_in_its_order(
    tree_with_cases: Tree, across: Transfer, client_for: Callable[..., Client]
) -> None:
    """Each row offers the transitions that decide a pending transfer, as the table lists them; a
    decision whose transition asks a reason opens a reason field."""
    assert workflow.TRANSFER_DECISIONS == ("accept_transfer", "return_transfer")
    assert set(DECISIONS) == set(workflow.TRANSFER_DECISIONS)
    for name, decision in DECISIONS.items():
        asks_reason = "reason" in workflow.TRANSITIONS[name].form.base_fields
        assert (decision.summary is not None) == asks_reason, name
    page = client_for(tree_with_cases.director_d2).get(INBOX).content.decode()
    row = page[page.index(f'id="transfer-{across.pk}"') : page.index("</article>")]
    assert re.findall(r'name="action" value="(\w+)"', row) == ["accept", "return"]
    assert re.findall(r"<button[^>]*>([^<]+)</button>", row) == [
        "Accept the transfer",
        "Return the case",
    ]


@pytest.mark.parametrize("user", ["director_c", "admin"])
def test_directors_above_and_administrators_receive_too(
    tree_with_cases: Tree, across: Transfer, client_for: Callable[..., Client], user: str
) -> None:
    page = client_for(tree_with_cases.users[user]).get(INBOX).content.decode()
    assert str(across.pk) in incoming_rows(page)


def test_the_sending_side_sees_it_read_only_among_its_outgoing(
    tree_with_cases: Tree, across: Transfer, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    page = client_for(tree.director_d1).get(INBOX).content.decode()
    assert incoming_rows(page) == []
    outgoing = outgoing_section(page)
    assert tree.cases["s1_mine"].number in outgoing
    assert 'name="action"' not in outgoing


@pytest.mark.parametrize("user", ["director_d1", "mediator_s1", "observer_d1", "court_liaison"])
def test_a_user_of_another_district_is_not_shown_it(
    tree_with_cases: Tree, up: Transfer, client_for: Callable[..., Client], user: str
) -> None:
    response = client_for(tree_with_cases.users[user]).get(INBOX)
    assert response.status_code == 200
    page = response.content.decode()
    assert tree_with_cases.cases["s2_assigned"].number not in page
    assert "No transfers are waiting." in page


def test_accepting_moves_the_case_to_the_receiving_centre(
    tree_with_cases: Tree, across: Transfer, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    client = client_for(tree.director_d2)
    response = client.post(INBOX, decide(across, "accept"))
    assert response.status_code == 303 and response["Location"] == INBOX
    case = Case.objects.get(pk=across.case_id)
    assert case.status == Status.ACCEPTED and case.centre == tree.d2
    assert case.lead_mediator is None and case.transfer_target is None
    across.refresh_from_db()
    assert across.status == TransferStatus.ACCEPTED and across.decided_by == tree.director_d2
    assert Event.objects.filter(case=case).latest("id").name == "accept_transfer"
    page = client.get(INBOX).content.decode()
    assert f"Case {case.number} accepted at {tree.d2.name_en}." in page
    assert incoming_rows(page) == []


def test_returning_with_a_reason_restores_the_previous_status(
    tree_with_cases: Tree, across: Transfer, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    client = client_for(tree.director_d2)
    response = client.post(INBOX, decide(across, "return", reason="不属于本区管辖"))
    assert response.status_code == 303
    case = Case.objects.get(pk=across.case_id)
    assert case.status == Status.IN_MEDIATION and case.centre == tree.s1
    assert case.lead_mediator == tree.med_s1 and case.transfer_target is None
    across.refresh_from_db()
    assert across.status == TransferStatus.RETURNED
    assert across.return_reason == "不属于本区管辖"
    assert f"Case {case.number} returned to {tree.s1.name_en}." in (
        client.get(INBOX).content.decode()
    )


def test_returning_without_a_reason_is_refused_at_the_field(
    tree_with_cases: Tree, across: Transfer, client_for: Callable[..., Client]
) -> None:
    case = Case.objects.get(pk=across.case_id)
    before = state(case)
    response = client_for(tree_with_cases.director_d2).post(
        INBOX, decide(across, "return", reason="  ")
    )
    assert response.status_code == 400
    page = response.content.decode()
    errors = re.search(rf'<ul class="errorlist" id="reason-{across.pk}-errors">(.*?)</ul>', page)
    assert errors is not None and "This field is required." in errors.group(1)
    assert "<details open>" in page  # the return form stays open at the error
    assert state(case) == before


def test_a_stale_version_is_refused_and_nothing_changes(
    tree_with_cases: Tree, across: Transfer, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    case = Case.objects.get(pk=across.case_id)
    stale = decide(across, "accept", version=case.version - 1)
    before = state(case)
    response = client_for(tree.director_d2).post(INBOX, stale)
    assert response.status_code == 409
    assert "Someone else changed this case meanwhile." in response.content.decode()
    assert state(case) == before


def test_a_transfer_decided_meanwhile_is_reported_not_decided_twice(
    tree_with_cases: Tree, across: Transfer, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    seen = decide(across, "return", reason="不属于本区管辖")
    client_for(tree.director_c).post(INBOX, decide(across, "accept"))
    case = Case.objects.get(pk=across.case_id)
    before = state(case)
    response = client_for(tree.director_d2).post(INBOX, seen)
    assert response.status_code == 409
    assert "This transfer has already been decided: Accepted." in response.content.decode()
    assert state(case) == before


def test_the_sending_side_may_not_decide(
    tree_with_cases: Tree, across: Transfer, client_for: Callable[..., Client]
) -> None:
    case = Case.objects.get(pk=across.case_id)
    before = state(case)
    response = client_for(tree_with_cases.director_d1).post(INBOX, decide(across, "accept"))
    assert response.status_code == 403
    assert state(case) == before


@pytest.mark.parametrize("user", ["director_d1", "mediator_s1", "court_liaison", "observer_d1"])
def test_a_user_of_another_district_cannot_decide(
    tree_with_cases: Tree, up: Transfer, client_for: Callable[..., Client], user: str
) -> None:
    case = Case.objects.get(pk=up.case_id)
    before = state(case)
    client = client_for(tree_with_cases.users[user])
    assert client.post(INBOX, decide(up, "accept")).status_code == 404
    assert client.post(INBOX, decide(up, "return", reason="x")).status_code == 404
    assert state(case) == before


def test_an_observer_of_the_receiving_side_cannot_decide(
    tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    sent = transfer(tree, tree.cases["s1_mine"], tree.d1, tree.director_d1)  # S1 up to D1
    case = Case.objects.get(pk=sent.case_id)
    before = state(case)
    response = client_for(tree.observer_d1).post(INBOX, decide(sent, "accept"))
    assert response.status_code == 403
    assert state(case) == before


@pytest.mark.parametrize(
    "data",
    [
        {"action": "accept", "version": 1},
        {"transfer": "x", "action": "accept", "version": 1},
        {"transfer": 1, "action": "destroy", "version": 1},
        {"transfer": 1, "action": "accept"},
    ],
    ids=["no-transfer", "bad-transfer", "bad-action", "no-version"],
)
def test_a_malformed_post_is_refused(
    tree_with_cases: Tree, across: Transfer, client_for: Callable[..., Client], data: Any
) -> None:
    case = Case.objects.get(pk=across.case_id)
    before = state(case)
    if data.get("transfer") == 1:
        data = {**data, "transfer": across.pk}
    response = client_for(tree_with_cases.director_d2).post(INBOX, data)
    assert response.status_code == 400
    assert 'class="errorlist nonfield"' in response.content.decode()
    assert state(case) == before


def test_htmx_decisions_redirect_through_the_header(
    tree_with_cases: Tree, across: Transfer, client_for: Callable[..., Client]
) -> None:
    response = client_for(tree_with_cases.director_d2).post(
        INBOX, decide(across, "accept"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 204 and response["HX-Redirect"] == INBOX


def test_the_inbox_queries_do_not_grow_with_its_transfers(
    tree_with_cases: Tree, client_for: Callable[..., Client], django_assert_max_num_queries: Any
) -> None:
    tree = tree_with_cases
    transfer(tree, tree.cases["s1_mine"], tree.d2, tree.director_d1)
    transfer(tree, tree.cases["d1_open"], tree.d2, tree.director_d1)
    receiving, sending = client_for(tree.director_c), client_for(tree.director_d1)
    few = {}
    for client in (receiving, sending):
        client.get(INBOX)
        with django_assert_max_num_queries(20) as captured:
            client.get(INBOX)
        few[client] = len(captured.captured_queries)
    for _ in range(5):
        case = register(actor=tree.admin, centre=tree.s1)
        transfer(tree, case, tree.d2, tree.director_d1)
        case = register(actor=tree.admin, centre=tree.k1)
        transfer(tree, case, tree.s2, tree.director_d1)
    with django_assert_max_num_queries(few[receiving]):
        received = receiving.get(INBOX)
    assert len(received.context["rows"]) == 12
    with django_assert_max_num_queries(few[sending]):
        sent = sending.get(INBOX)
    assert len(sent.context["outgoing"]) == 12
