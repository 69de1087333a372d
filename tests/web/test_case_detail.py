"""The case page: who sees it, what it shows, personal data masked and revealed (logged), and a
constant number of queries whatever the number of parties, sessions and events."""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import workflow
from cases.models import Case, Event, EventKind, PartyRole, RiskLevel, Status
from cases.services import sessions
from cases.services.cases import edit_case
from cases.services.intake import PartyData
from tests.factories import (
    APPLICANT,
    RESPONDENT,
    RoomFactory,
    Tree,
    aware,
    data_for,
    drive,
    register,
    resident_id,
)

pytestmark = pytest.mark.django_db

ClientFor = Callable[..., Client]

CLEAR_ID = "420106198001011237"
CLEAR_PHONE = "13812345678"
MASKED_ID = "420***********1237"
MASKED_PHONE = "138****5678"


def fresh(user: Any) -> Any:
    """The user re-read: the shared tree's user objects cache their scope."""
    return get_user_model().objects.get(pk=user.pk)


def page(client: Client, case: Case) -> Any:
    return client.get(reverse("web:case_detail", args=[case.pk]))


# Who may see which case (DESIGN §2), and who gets 404 (its existence is not disclosed).
VISIBLE = [
    ("s1_mine", "admin"),
    ("s1_mine", "director_c"),
    ("s1_mine", "director_d1"),
    ("s1_mine", "observer_d1"),
    ("s1_mine", "intake_s1"),
    ("s1_mine", "mediator_s1"),
    ("s1_co", "mediator_s1"),  # co-mediator
    ("s1_queue", "mediator_s1b"),  # the unassigned queue of their centre
    ("d1_court", "court_liaison"),
    ("s2_assigned", "mediator_s2"),
    ("s2_assigned", "director_d2"),
]
HIDDEN = [
    ("s1_mine", "director_d2"),
    ("s1_mine", "mediator_s2"),
    ("s1_mine", "mediator_s1b"),  # another mediator's case at the same centre
    ("s1_mine", "court_liaison"),
    ("s2_assigned", "director_d1"),
    ("s2_assigned", "observer_d1"),
    ("s2_assigned", "intake_s1"),
    ("k1_open", "mediator_s1"),  # another centre's queue
    ("c_open", "director_d1"),  # above one's own centre
]


@pytest.mark.parametrize(("label", "role"), VISIBLE)
def test_the_page_for_each_role_that_may_see_the_case(
    shared_tree_with_cases: Tree, client_for: ClientFor, label: str, role: str
) -> None:
    tree = shared_tree_with_cases
    case = tree.cases[label]
    response = page(client_for(fresh(tree.users[role])), case)
    assert response.status_code == 200
    html = response.content.decode()
    assert case.number in html
    assert case.number_zh in html
    for section in ("facts", "parties", "mediators", "sessions", "timeline"):
        assert f'id="{section}"' in html, section


@pytest.mark.parametrize(("label", "role"), HIDDEN)
def test_a_case_out_of_scope_is_not_found(
    shared_tree_with_cases: Tree, client_for: ClientFor, label: str, role: str
) -> None:
    tree = shared_tree_with_cases
    case = tree.cases[label]
    client = client_for(fresh(tree.users[role]))
    response = page(client, case)
    assert response.status_code == 404
    assert case.number not in response.content.decode()
    assert client.get(reverse("web:case_edit", args=[case.pk])).status_code == 404
    assert client.get(reverse("web:case_action", args=[case.pk, "accept"])).status_code == 404


def test_a_missing_case_is_not_found(shared_tree_with_cases: Tree, client_for: ClientFor) -> None:
    client = client_for(fresh(shared_tree_with_cases.admin))
    assert client.get(reverse("web:case_detail", args=[999_999])).status_code == 404


def test_the_header_and_facts(shared_tree_with_cases: Tree, client_for: ClientFor) -> None:
    tree = shared_tree_with_cases
    case = tree.cases["d1_court"]
    html = page(client_for(fresh(tree.director_d1)), case).content.decode()
    assert 'class="badge status-registered">Registered<' in html
    assert "Risk: Normal" in html
    assert "deadline deadline-" in html  # the running (acceptance) deadline, coloured
    assert "Handled by" in html
    # Court entrustment.
    assert "Entrusting court" in html
    assert case.court_case_number in html
    assert "Court entrusted" in html  # the channel's label, not its code


def test_mediators_and_co_mediators(shared_tree_with_cases: Tree, client_for: ClientFor) -> None:
    tree = shared_tree_with_cases
    html = page(client_for(fresh(tree.mediator_s1_user)), tree.cases["s1_co"]).content.decode()
    mediators = html.split('id="mediators"')[1].split("</section>")[0]
    assert tree.med_s1b.name in mediators  # lead
    assert tree.med_s1.name in mediators  # co-mediator


def test_a_pending_transfer_shows_its_target(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    case = workflow.transition(
        case=tree.cases["s1_queue"],
        name="transfer",
        actor=tree.admin,
        data=data_for("transfer", target=tree.d1),
    )
    html = page(client_for(fresh(tree.director_d1)), case).content.decode()
    assert f"Transfer pending to {tree.d1.name}" in html
    transfers = html.split('id="transfers"')[1].split("</section>")[0]
    assert "Up (escalation)" in transfers
    assert "需上级调处" in transfers  # the reason
    assert "Pending" in transfers


def test_agreement_follow_up_and_their_links(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    case = drive(
        register(actor=tree.admin, centre=tree.s1),
        Status.RESOLVED,
        actor=tree.admin,
        mediator=tree.med_s1,
    )
    case = workflow.transition(case=case, name="close", actor=tree.admin)
    html = page(client_for(tree.mediator_s1_user), case).content.decode()
    agreement = html.split('id="agreement"')[1].split("</section>")[0]
    assert "楼上住户晚十点后不再施工。" in agreement
    assert "500.00" in agreement
    assert "Not applied" in agreement  # judicial confirmation
    assert reverse("web:agreement_print", args=[case.pk]) in agreement
    assert reverse("web:agreement_pdf", args=[case.pk]) in agreement
    assert reverse("web:fulfilment", args=[case.agreement.pk]) in agreement
    follow_up = case.follow_ups.get()
    follow_ups = html.split('id="follow-ups"')[1].split("</section>")[0]
    assert follow_up.due_on.isoformat() in follow_ups
    assert reverse("web:follow_up_record", args=[follow_up.pk]) in follow_ups

    # An observer reads the same, without the links that write.
    html = page(client_for(tree.observer_d1), case).content.decode()
    assert reverse("web:agreement_print", args=[case.pk]) in html
    assert reverse("web:fulfilment", args=[case.agreement.pk]) not in html
    assert reverse("web:follow_up_record", args=[follow_up.pk]) not in html


def test_sessions_and_their_links(shared_tree_with_cases: Tree, client_for: ClientFor) -> None:
    tree = shared_tree_with_cases
    case = drive(
        register(actor=tree.admin, centre=tree.s1),
        Status.IN_MEDIATION,
        actor=tree.admin,
        mediator=tree.med_s1,
    )
    room = RoomFactory.create(centre=tree.s1, name="第一调解室")
    start = aware(2026, 3, 2, 9, 30)
    session = sessions.book_session(
        case=case,
        actor=tree.admin,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        mediators=[tree.med_s1],
        room=room,
    )
    html = page(client_for(tree.mediator_s1_user), case).content.decode()
    section = html.split('id="sessions"')[1].split("</section>")[0]
    assert "2026-03-02 09:30" in section  # Asia/Shanghai
    assert "第一调解室" in section
    assert "In person" in section
    assert "Scheduled" in section
    assert tree.med_s1.name in section
    assert reverse("web:session_book", args=[case.pk]) in section
    assert reverse("web:session_record", args=[session.pk]) in section
    assert reverse("web:session_cancel", args=[session.pk]) in section

    html = page(client_for(tree.observer_d1), case).content.decode()
    assert reverse("web:session_book", args=[case.pk]) not in html
    # (The printable record, /cases/<id>/sessions/<id>/record/, ends like the form's URL.)
    assert f'href="{reverse("web:session_record", args=[session.pk])}"' not in html


# --- Personal data ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["admin", "director_d1", "observer_d1", "intake_s1", "mediator_s1"]
)
def test_parties_are_shown_masked(
    shared_tree_with_cases: Tree, client_for: ClientFor, role: str
) -> None:
    tree = shared_tree_with_cases
    html = page(client_for(fresh(tree.users[role])), tree.cases["s1_mine"]).content.decode()
    parties = html.split('id="parties"')[1].split("</section>")[0]
    assert APPLICANT.name in parties and RESPONDENT.name in parties
    assert "Applicant" in parties and "Respondent" in parties
    assert MASKED_ID in parties and MASKED_PHONE in parties
    assert CLEAR_ID not in html
    assert CLEAR_PHONE not in html and "138 1234 5678" not in html


@pytest.mark.parametrize(
    ("label", "role", "shown"),
    [
        ("s1_mine", "admin", True),
        ("s1_mine", "director_d1", True),
        ("s1_mine", "intake_s1", True),
        ("s1_mine", "mediator_s1", True),
        ("d1_court", "court_liaison", True),
        ("s1_mine", "observer_d1", False),
        ("s1_queue", "mediator_s1b", False),  # the queue: may look, not reveal
    ],
)
def test_the_reveal_button_only_for_permitted_roles(
    shared_tree_with_cases: Tree, client_for: ClientFor, label: str, role: str, shown: bool
) -> None:
    tree = shared_tree_with_cases
    html = page(client_for(fresh(tree.users[role])), tree.cases[label]).content.decode()
    assert ("data-reveal=" in html) is shown


def _reveal_url(case: Case, party_pk: int) -> str:
    return reverse("web:party_reveal", args=[case.pk, party_pk])


def test_reveal_shows_the_clear_values_and_logs_one_event(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    case = tree.cases["s1_mine"]
    party = case.parties.get(name=APPLICANT.name)
    events = Event.objects.filter(case=case).count()
    client = client_for(fresh(tree.mediator_s1_user))

    response = client.post(_reveal_url(case, party.pk), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "<html" not in html  # the party's fragment only
    assert f'id="party-{party.pk}"' in html
    assert CLEAR_ID in html and CLEAR_PHONE in html
    assert Event.objects.filter(case=case).count() == events + 1
    event = Event.objects.filter(case=case).latest("id")
    assert (event.kind, event.actor_id) == (EventKind.REVEAL, tree.mediator_s1_user.pk)
    assert CLEAR_ID not in str(event.after) and CLEAR_PHONE not in str(event.after)

    # The page afterwards: masked again, and the reveal in the timeline (masked).
    html = page(client, case).content.decode()
    assert CLEAR_ID not in html and CLEAR_PHONE not in html
    timeline = html.split('id="timeline"')[1]
    assert "Personal data revealed" in timeline
    assert MASKED_ID in timeline and APPLICANT.name in timeline


def test_reveal_without_javascript_renders_the_case_page(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    case = tree.cases["s1_mine"]
    party = case.parties.get(name=APPLICANT.name)
    other = case.parties.get(name=RESPONDENT.name)
    response = client_for(fresh(tree.director_d1)).post(_reveal_url(case, party.pk))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert case.number in html and 'id="timeline"' in html
    assert CLEAR_ID in html and CLEAR_PHONE in html
    assert "13900001111" not in html  # only the party asked for
    assert f'data-reveal="{other.pk}"' in html


def test_reveal_refusals_change_nothing(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    case = tree.cases["s1_mine"]
    party = case.parties.get(name=APPLICANT.name)
    foreign = tree.cases["s1_other"].parties.first()
    assert foreign is not None
    before = Event.objects.count()

    observer = client_for(fresh(tree.observer_d1))
    response = observer.post(_reveal_url(case, party.pk))
    assert response.status_code == 403
    assert CLEAR_ID not in response.content.decode()
    # A party of another case, through this case's address.
    mediator = client_for(fresh(tree.mediator_s1_user))
    assert mediator.post(_reveal_url(case, foreign.pk)).status_code == 404
    # Out of scope.
    assert (
        client_for(fresh(tree.mediator_s2_user)).post(_reveal_url(case, party.pk)).status_code
        == 404
    )
    # Reading is not revealing: GET is refused.
    assert mediator.get(_reveal_url(case, party.pk)).status_code == 405
    assert Event.objects.count() == before


# --- The timeline -------------------------------------------------------------------------------


def test_the_timeline_in_words_newest_first(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    case = register(actor=tree.admin, centre=tree.s1, at=aware(2026, 3, 2, 9, 30))
    case = workflow.transition(
        case=case, name="accept", actor=tree.director_d1, at=aware(2026, 3, 2, 10, 0)
    )
    case = workflow.transition(
        case=case,
        name="assign",
        actor=tree.director_d1,
        data={"lead_mediator": tree.med_s1.pk, "co_mediators": [tree.med_s1b.pk]},
        at=aware(2026, 3, 3, 8, 15),
    )
    edit_case(case=case, actor=tree.director_d1, changes={"risk_level": RiskLevel.HIGH})
    html = page(client_for(tree.director_d1), case).content.decode()
    timeline = html.split('id="timeline"')[1]
    items = re.findall(r'<li data-event="(\w+)">', timeline)
    assert items == ["edit", "assign", "accept", "register"]
    assert "Risk level:</span> Normal → High" in timeline
    assert "Status:</span> Accepted → In mediation" in timeline
    assert f"Lead mediator:</span> — → {tree.med_s1.name}" in timeline
    assert f"Co-mediators:</span> — → {tree.med_s1b.name}" in timeline
    assert "Status:</span> Registered → Accepted" in timeline
    # Times in Asia/Shanghai, and who did it.
    assert "2026-03-03 08:15" in timeline and "2026-03-02 09:30" in timeline
    assert tree.director_d1.get_username() in timeline
    # Registration names the parties, never their personal data in clear.
    assert f"{APPLICANT.name} (Applicant)" in timeline
    assert CLEAR_ID not in html and CLEAR_PHONE not in html


def test_the_timeline_of_a_transfer_and_a_system_escalation(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    case = register(actor=tree.admin, centre=tree.s1)
    workflow.transition(
        case=case,
        name="transfer",
        actor=None,
        data={"target_centre": tree.d1.pk, "reason": "高风险案件逾期未受理"},
        system=True,
    )
    timeline = page(client_for(tree.director_d1), case).content.decode().split('id="timeline"')[1]
    assert "<strong>Transfer</strong> · System" in timeline
    assert f"Transfer pending to:</span> — → {tree.d1.name}" in timeline
    assert "Direction Up (escalation)" in timeline
    assert "高风险案件逾期未受理" in timeline


# --- Query counts -------------------------------------------------------------------------------


def _busy_case(tree: Tree, *, parties: int, sessions_: int, edits: int, month: int) -> Case:
    """A resolved case with ``parties`` parties, ``sessions_`` held sessions and ``edits`` edits:
    the same kinds of rows and events, in different numbers."""
    people = [
        PartyData(
            name=f"当事人{i}",
            role=PartyRole.APPLICANT if i % 2 else PartyRole.RESPONDENT,
            id_number=resident_id(f"42010619800101{i:03d}"),
            phone=f"139{i:08d}",
        )
        for i in range(parties)
    ]
    case = drive(
        register(actor=tree.admin, centre=tree.s1, parties=people),
        Status.IN_MEDIATION,
        actor=tree.admin,
        mediator=tree.med_s1,
    )
    room = RoomFactory.create(centre=tree.s1)
    for i in range(sessions_):
        start = aware(2026, month, 2 + i, 9)
        session = sessions.book_session(
            case=case,
            actor=tree.admin,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            mediators=[tree.med_s1, tree.med_c],
            room=room,
            parties_present=list(case.parties.all()),
        )
        sessions.record_session(session=session, actor=tree.admin, minutes="纪要", result="继续")
    for i in range(edits):
        case.refresh_from_db()
        edit_case(case=case, actor=tree.admin, changes={"location": f"地点{i}"})
    case = workflow.transition(
        case=case, name="resolve", actor=tree.admin, data=data_for("resolve")
    )
    return workflow.transition(case=case, name="close", actor=tree.admin)


def test_the_number_of_queries_does_not_grow_with_the_case(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    small = _busy_case(tree, parties=2, sessions_=1, edits=1, month=3)
    large = _busy_case(tree, parties=20, sessions_=6, edits=15, month=4)
    assert large.events.count() > 3 * small.events.count()
    client = client_for(tree.mediator_s1_user)
    page(client, small)  # warm-up: the session and the user are read once per client

    counts = []
    for case in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = page(client, case)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 30, counts
