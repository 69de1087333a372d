"""The case page's action buttons (workflow transitions), their forms, and editing a case.

The buttons are exactly what the workflow offers the user now; each transition performed through
its form changes the status and writes one event; bad input answers 400 with the error at the
field and changes nothing; a stale version answers 409 and overwrites nothing.
"""

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from cases import workflow
from cases.models import (
    Agreement,
    Case,
    Event,
    FailGuidance,
    Fulfilment,
    RiskLevel,
    Status,
    Transfer,
)
from cases.services.cases import edit_case
from tests.factories import CentreFactory, Tree, drive, register, seeded_category

pytestmark = pytest.mark.django_db

ClientFor = Callable[..., Client]
HTMX = {"HX-Request": "true"}


def fresh(user: Any) -> Any:
    """The user re-read: the shared tree's user objects cache their scope."""
    return get_user_model().objects.get(pk=user.pk)


def reload(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def action_url(case: Case, name: str) -> str:
    return reverse("web:case_action", args=[case.pk, name])


def buttons(html: str) -> list[str]:
    return re.findall(r'data-action="(\w+)"', html)


def field_errors(html: str, name: str) -> str:
    """The error list rendered next to field ``name`` (empty when there is none)."""
    found = re.search(
        rf'<div class="field" id="field-{name}">.*?<ul class="errorlist" id="id_{name}_error"'
        r"[^>]*>(.*?)</ul>",
        html,
        re.S,
    )
    return found.group(1) if found else ""


class Snapshot:
    """What must not change when a write is refused: the case's row and its timeline."""

    def __init__(self, case: Case) -> None:
        self.case = reload(case)
        self.events = Event.objects.filter(case=case).count()
        self.transfers = Transfer.objects.filter(case=case).count()
        self.agreements = Agreement.objects.filter(case=case).count()

    def unchanged(self) -> bool:
        now = reload(self.case)
        return (
            now.version == self.case.version
            and now.status == self.case.status
            and now.lead_mediator_id == self.case.lead_mediator_id
            and now.summary == self.case.summary
            and Event.objects.filter(case=now).count() == self.events
            and Transfer.objects.filter(case=now).count() == self.transfers
            and Agreement.objects.filter(case=now).count() == self.agreements
        )


# --- The buttons --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "role", "expected"),
    [
        ("d1_open", "director_d1", ["accept", "decline", "transfer", "extend"]),
        ("d1_open", "director_c", ["accept", "decline", "transfer", "extend"]),
        ("d1_open", "admin", ["accept", "decline", "transfer", "extend"]),
        ("d1_open", "observer_d1", []),
        ("d1_accepted", "director_d1", ["assign", "withdraw", "transfer", "extend"]),
        ("s1_mine", "mediator_s1", ["suspend", "resolve", "fail", "withdraw"]),
        ("s1_co", "mediator_s1", ["suspend", "resolve", "fail", "withdraw"]),
        (
            "s1_mine",
            "director_d1",
            ["assign", "suspend", "resolve", "fail", "withdraw", "transfer", "extend"],
        ),
        ("s1_mine", "intake_s1", ["withdraw"]),
        ("s1_mine", "observer_d1", []),
        ("s1_queue", "intake_s1", []),
        ("s1_queue", "mediator_s1b", []),
        ("s1_declined", "director_d1", []),
        ("d1_court", "court_liaison", []),
    ],
)
def test_the_buttons_are_the_transitions_the_workflow_allows(
    shared_tree_with_cases: Tree,
    client_for: ClientFor,
    label: str,
    role: str,
    expected: list[str],
) -> None:
    tree = shared_tree_with_cases
    user = fresh(tree.users[role])
    case = reload(tree.cases[label])
    html = client_for(user).get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert buttons(html) == expected
    assert expected == [t.name for t in workflow.available_transitions(fresh(user), case)]
    for name in expected:
        assert f'href="{action_url(case, name)}"' in html


def test_the_buttons_of_a_pending_transfer(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    case = workflow.transition(
        case=tree.cases["s2_assigned"],
        name="transfer",
        actor=tree.admin,
        data={"target_centre": tree.court.pk, "reason": "需法院调处"},
    )
    page = reverse("web:case_detail", args=[case.pk])
    receiver = client_for(tree.court_liaison).get(page).content.decode()
    assert buttons(receiver) == ["accept_transfer", "return_transfer"]
    sender = client_for(tree.director_d2).get(page).content.decode()
    assert buttons(sender) == []
    assert buttons(client_for(tree.admin).get(page).content.decode()) == [
        "accept_transfer",
        "return_transfer",
    ]


# --- The forms ----------------------------------------------------------------------------------

# Transition → (case, user) whose form is shown, and the fields the form must have.
FORMS: dict[str, tuple[str, str, list[str]]] = {
    "accept": ("d1_open", "director_d1", []),
    "decline": ("d1_open", "director_d1", ["reason"]),
    "transfer": ("s1_mine", "director_d1", ["target_centre", "reason"]),
    "assign": ("d1_accepted", "director_d1", ["lead_mediator", "co_mediators"]),
    "suspend": ("s1_mine", "mediator_s1", ["reason"]),
    "resolve": (
        "s1_mine",
        "mediator_s1",
        ["terms", "amount_agreed", "form", "signed_on", "effective_on", "performance_deadline"],
    ),
    "fail": ("s1_mine", "mediator_s1", ["guidance", "note"]),
    "withdraw": ("s1_mine", "mediator_s1", ["reason"]),
    "extend": ("s1_mine", "director_d1", ["days", "reason"]),
}


@pytest.mark.parametrize("name", list(FORMS))
def test_each_form_renders_with_the_workflows_fields(
    shared_tree_with_cases: Tree, client_for: ClientFor, name: str
) -> None:
    tree = shared_tree_with_cases
    label, role, fields = FORMS[name]
    case = reload(tree.cases[label])
    client = client_for(fresh(tree.users[role]))
    response = client.get(action_url(case, name))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html  # without JavaScript: a whole page
    assert case.number in html
    assert f'name="version" value="{case.version}"' in html
    rendered = re.findall(r'<div class="field" id="field-(\w+)">', html)
    assert rendered == fields
    assert fields == [f for f in workflow.TRANSITIONS[name].form.base_fields]
    if not fields:
        assert f"Confirm: {workflow.TRANSITIONS[name].label}" in html

    fragment = client.get(action_url(case, name), headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert f'id="action-{name}"' in fragment.content.decode()


def test_the_resolve_form_uses_date_pickers(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    html = (
        client_for(fresh(tree.mediator_s1_user))
        .get(action_url(tree.cases["s1_mine"], "resolve"))
        .content.decode()
    )
    for name in ("signed_on", "effective_on", "performance_deadline"):
        assert re.search(rf'<input type="date" name="{name}"', html), name


def test_the_assign_form_offers_who_may_take_the_case_with_their_load(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    case = reload(tree.cases["s1_queue"])
    case = workflow.transition(case=case, name="accept", actor=tree.admin)
    html = client_for(fresh(tree.director_d1)).get(action_url(case, "assign")).content.decode()
    lead = html.split('name="lead_mediator"')[1].split("</select>")[0]
    # Mediators of S1 and of the centres above it; not S2's.
    assert f"{tree.med_s1.name} · {tree.s1.name} · leads 1 of 10" in lead  # s1_mine
    assert f"{tree.med_s1b.name} · {tree.s1.name} · leads 2 of 10" in lead  # s1_other, s1_co
    assert tree.med_c.name in lead
    assert tree.med_s2.name not in html
    assert 'type="checkbox" name="co_mediators"' in html


def test_the_transfer_form_groups_sensible_targets(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    committee = CentreFactory.create(code="JAYL", parent=tree.d1, kind="professional")
    department = CentreFactory.create(code="JHSF", parent=tree.d2, kind="department")
    closed = CentreFactory.create(code="JAOLD", parent=tree.d1, kind="professional", active=False)
    case = reload(tree.cases["s1_mine"])
    html = client_for(fresh(tree.director_d1)).get(action_url(case, "transfer")).content.decode()
    select = html.split('name="target_centre"')[1].split("</select>")[0]
    groups = dict(re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S))
    assert list(groups) == ["Up (escalation)", "Down (delegation)", "Across"]
    up = re.findall(r'value="(\d+)"', groups["Up (escalation)"])
    assert up == [str(tree.d1.pk), str(tree.c.pk)]  # nearest first
    assert re.findall(r'value="(\d+)"', groups["Down (delegation)"]) == [str(tree.k1.pk)]
    across = set(re.findall(r'value="(\d+)"', groups["Across"]))
    assert across == {str(tree.court.pk), str(committee.pk)}
    # Not the case's own centre, another district's bodies, sibling streets, inactive centres.
    for absent in (tree.s1, tree.s2, tree.d2, department, closed):
        assert f'value="{absent.pk}"' not in select


def test_close_asks_for_fulfilment_only_for_a_resolved_case(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    client = client_for(fresh(tree.director_d1))
    resolved = drive(
        register(actor=tree.admin, centre=tree.s1),
        Status.RESOLVED,
        actor=tree.admin,
        mediator=tree.med_s1,
    )
    failed = drive(
        register(actor=tree.admin, centre=tree.s1),
        Status.FAILED,
        actor=tree.admin,
        mediator=tree.med_s1,
    )
    assert 'id="field-fulfilment"' in client.get(action_url(resolved, "close")).content.decode()
    html = client.get(action_url(failed, "close")).content.decode()
    assert 'id="field-fulfilment"' not in html
    assert "Confirm: Close" in html


# --- Performing each transition -----------------------------------------------------------------


def _setup(tree: Tree, name: str) -> tuple[Case, Any, dict[str, Any], str]:
    """A case where ``name`` is possible, who performs it, the form data, the status after."""
    admin = tree.admin

    def at(centre: Any, status: str) -> Case:
        return drive(
            register(actor=admin, centre=centre),
            status,
            actor=admin,
            mediator=tree.mediator_for(centre),
        )

    if name in {"accept_transfer", "return_transfer"}:
        case = workflow.transition(
            case=at(tree.s1, Status.IN_MEDIATION),
            name="transfer",
            actor=admin,
            data={"target_centre": tree.court.pk, "reason": "需法院调处"},
        )
        if name == "accept_transfer":
            return case, tree.court_liaison, {}, Status.ACCEPTED
        return case, tree.court_liaison, {"reason": "不属于法院受理范围"}, Status.IN_MEDIATION
    plans: dict[str, tuple[str, Any, dict[str, Any], str]] = {
        "accept": (Status.REGISTERED, tree.director_d1, {}, Status.ACCEPTED),
        "decline": (Status.REGISTERED, tree.director_d1, {"reason": "不属于受理范围"}, "declined"),
        "assign": (
            Status.ACCEPTED,
            tree.director_d1,
            {"lead_mediator": tree.med_s1.pk, "co_mediators": [tree.med_s1b.pk]},
            Status.IN_MEDIATION,
        ),
        "suspend": (
            Status.IN_MEDIATION,
            tree.mediator_s1_user,
            {"reason": "当事人住院"},
            "suspended",
        ),
        "resume": (Status.SUSPENDED, tree.mediator_s1_user, {}, Status.IN_MEDIATION),
        "resolve": (
            Status.IN_MEDIATION,
            tree.mediator_s1_user,
            {
                "terms": "被申请人赔偿申请人3000元。",
                "amount_agreed": "3000.00",
                "form": "written",
                "signed_on": "2026-03-10",
                "effective_on": "2026-03-10",
                "performance_deadline": "2026-03-31",
            },
            Status.RESOLVED,
        ),
        "fail": (
            Status.IN_MEDIATION,
            tree.mediator_s1_user,
            {"guidance": FailGuidance.LITIGATION, "note": "建议起诉"},
            Status.FAILED,
        ),
        "withdraw": (Status.ACCEPTED, tree.intake_s1, {"reason": "申请人撤回"}, Status.WITHDRAWN),
        "close": (
            Status.RESOLVED,
            tree.director_d1,
            {"fulfilment": Fulfilment.FULFILLED},
            Status.CLOSED,
        ),
        "transfer": (
            Status.REGISTERED,
            tree.director_d1,
            {"target_centre": tree.d1.pk, "reason": "需上级调处"},
            Status.PENDING_TRANSFER,
        ),
        # The status stays; the deadline moves (tests/web/test_extension.py).
        "extend": (
            Status.IN_MEDIATION,
            tree.director_d1,
            {"days": 10, "reason": "当事人外出务工"},
            Status.IN_MEDIATION,
        ),
    }
    status, actor, data, after = plans[name]
    return at(tree.s1, status), actor, data, after


@pytest.mark.parametrize("name", list(workflow.TRANSITIONS))
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_each_transition_performed_through_its_form(
    shared_tree_with_cases: Tree, client_for: ClientFor, name: str, htmx: bool
) -> None:
    tree = shared_tree_with_cases
    case, actor, data, after = _setup(tree, name)
    events = Event.objects.filter(case=case).count()
    client = client_for(actor)
    response = client.post(
        action_url(case, name),
        {**data, "version": case.version},
        headers=HTMX if htmx else {},
    )
    page = reverse("web:case_detail", args=[case.pk])
    if htmx:
        assert response.status_code == 204
        assert response["HX-Redirect"] == page
    else:
        assert response.status_code == 303
        assert response["Location"] == page
    now = reload(case)
    assert now.status == after
    assert now.version == case.version + 1
    assert Event.objects.filter(case=case).count() == events + 1
    event = Event.objects.filter(case=case).latest("id")
    assert (event.name, event.actor_id) == (name, actor.pk)
    # The message names the action, on the page the user lands on.
    html = client.get(page).content.decode()
    assert f"{workflow.TRANSITIONS[name].label}: done for case {case.number}." in html


def test_resolve_records_the_agreement_and_assign_the_mediators(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    case, actor, data, _ = _setup(tree, "resolve")
    client_for(actor).post(action_url(case, "resolve"), {**data, "version": case.version})
    agreement = Agreement.objects.get(case=case)
    assert agreement.amount_agreed == Decimal("3000.00")
    assert str(agreement.performance_deadline) == "2026-03-31"

    case, actor, data, _ = _setup(tree, "assign")
    client_for(actor).post(action_url(case, "assign"), {**data, "version": case.version})
    now = reload(case)
    assert now.lead_mediator_id == tree.med_s1.pk
    assert list(now.co_mediators.values_list("pk", flat=True)) == [tree.med_s1b.pk]


# --- Bad input ----------------------------------------------------------------------------------

BAD_INPUT = [
    # (transition, case, role, data, field, message)
    ("decline", "d1_open", "director_d1", {"reason": ""}, "reason", "This field is required."),
    ("resolve", "s1_mine", "mediator_s1", {"terms": ""}, "terms", "This field is required."),
    (
        "resolve",
        "s1_mine",
        "mediator_s1",
        {"terms": "条款", "signed_on": "2026-03-10", "effective_on": "2026-03-01"},
        "effective_on",
        "An agreement cannot take effect before it is signed.",
    ),
    (
        "resolve",
        "s1_mine",
        "mediator_s1",
        {"terms": "条款", "amount_agreed": "-1"},
        "amount_agreed",
        "greater than or equal to 0",
    ),
    ("fail", "s1_mine", "mediator_s1", {"guidance": ""}, "guidance", "This field is required."),
    (
        "fail",
        "s1_mine",
        "mediator_s1",
        {"guidance": "prayer"},
        "guidance",
        "Select a valid choice.",
    ),
    ("suspend", "s1_mine", "mediator_s1", {}, "reason", "This field is required."),
    (
        "transfer",
        "s1_mine",
        "director_d1",
        {"target_centre": "", "reason": "需上级调处"},
        "target_centre",
        "This field is required.",
    ),
]


@pytest.mark.parametrize(
    ("name", "label", "role", "data", "field", "message"),
    BAD_INPUT,
    ids=[f"{b[0]}-{b[4]}" for b in BAD_INPUT],
)
def test_bad_input_is_refused_at_the_field_and_changes_nothing(
    shared_tree_with_cases: Tree,
    client_for: ClientFor,
    name: str,
    label: str,
    role: str,
    data: dict[str, Any],
    field: str,
    message: str,
) -> None:
    tree = shared_tree_with_cases
    case = reload(tree.cases[label])
    snapshot = Snapshot(case)
    client = client_for(fresh(tree.users[role]))
    response = client.post(action_url(case, name), {**data, "version": case.version})
    assert response.status_code == 400
    assert message in field_errors(response.content.decode(), field)
    assert snapshot.unchanged()
    # With HTMX: the form's fragment, errors included.
    response = client.post(action_url(case, name), {**data, "version": case.version}, headers=HTMX)
    assert response.status_code == 400
    assert "<html" not in response.content.decode()
    assert message in field_errors(response.content.decode(), field)
    assert snapshot.unchanged()


def test_the_workflows_own_refusals_appear_at_the_field(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    client = client_for(fresh(tree.director_d1))

    # Assigning a mediator who does not serve at the case's centre.
    accepted = reload(tree.cases["d1_accepted"])
    snapshot = Snapshot(accepted)
    response = client.post(
        action_url(accepted, "assign"),
        {"lead_mediator": tree.med_s2.pk, "version": accepted.version},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f"{tree.med_s2.name} does not serve at this centre." in field_errors(
        html, "lead_mediator"
    )
    assert snapshot.unchanged()

    # Transferring to the centre that already handles the case.
    case = reload(tree.cases["s1_mine"])
    snapshot = Snapshot(case)
    response = client.post(
        action_url(case, "transfer"),
        {"target_centre": tree.s1.pk, "reason": "需上级调处", "version": case.version},
    )
    assert response.status_code == 400
    assert "The case is already at this centre." in field_errors(
        response.content.decode(), "target_centre"
    )
    assert snapshot.unchanged()

    # The lead mediator cannot also be a co-mediator.
    response = client.post(
        action_url(accepted, "assign"),
        {
            "lead_mediator": tree.med_c.pk,
            "co_mediators": [tree.med_c.pk],
            "version": accepted.version,
        },
    )
    assert response.status_code == 400
    assert "cannot also be a co-mediator" in field_errors(response.content.decode(), "co_mediators")
    assert Snapshot(accepted).unchanged() and snapshot.unchanged()


def test_a_post_without_the_version_is_refused(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    case = reload(tree.cases["d1_open"])
    snapshot = Snapshot(case)
    response = client_for(fresh(tree.director_d1)).post(action_url(case, "accept"), {})
    assert response.status_code == 400
    assert snapshot.unchanged()


# --- Someone else changed the case meanwhile ----------------------------------------------------


def test_a_stale_version_is_refused_and_the_current_case_shown(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    case = reload(tree.cases["s1_mine"])
    seen = case.version
    # Someone else edits the case after the mediator opened the suspend form.
    edit_case(case=case, actor=tree.director_d1, changes={"summary": "楼上装修噪音"})
    snapshot = Snapshot(case)

    client = client_for(fresh(tree.mediator_s1_user))
    response = client.post(action_url(case, "suspend"), {"reason": "当事人住院", "version": seen})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this case meanwhile." in html
    assert snapshot.unchanged()
    # The case as it is now, with the user's form back: filled in, at the current version.
    assert "楼上装修噪音" in html
    assert 'id="timeline"' in html
    assert 'id="action-suspend"' in html
    assert "当事人住院" in html
    assert f'name="version" value="{snapshot.case.version}"' in html

    # With HTMX the answer replaces the page's content, not just the action panel.
    response = client.post(
        action_url(case, "suspend"), {"reason": "当事人住院", "version": seen}, headers=HTMX
    )
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#main"
    assert response["HX-Reselect"] == "#main"
    assert snapshot.unchanged()


def test_an_action_no_longer_possible_is_refused(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    case = reload(tree.cases["d1_open"])
    seen = case.version
    workflow.transition(case=case, name="accept", actor=tree.director_c)
    snapshot = Snapshot(case)
    client = client_for(fresh(tree.director_d1))
    response = client.post(action_url(case, "decline"), {"reason": "不受理", "version": seen})
    assert response.status_code == 409
    html = response.content.decode()
    assert "“Decline” is not possible while the case is “Accepted”." in html
    assert 'id="action-decline"' not in html  # not offered again
    assert snapshot.unchanged()
    assert client.get(action_url(case, "decline")).status_code == 409


# --- Refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "role", "name", "status"),
    [
        ("d1_open", "observer_d1", "accept", 403),
        ("d1_open", "observer_d1", "decline", 403),
        ("s1_queue", "intake_s1", "accept", 403),
        ("s1_mine", "mediator_s1", "assign", 403),
        ("s1_mine", "mediator_s1", "transfer", 403),
        ("s1_mine", "intake_s1", "resolve", 403),
        ("d1_court", "court_liaison", "accept", 403),
        ("s1_mine", "mediator_s2", "suspend", 404),  # out of scope
        ("s1_mine", "director_d2", "transfer", 404),
        ("s1_mine", "mediator_s1", "explode", 404),  # no such transition
        ("s1_mine", "mediator_s1", "accept_transfer", 403),
    ],
)
def test_a_role_not_allowed_posting_anyway_is_refused(
    shared_tree_with_cases: Tree,
    client_for: ClientFor,
    label: str,
    role: str,
    name: str,
    status: int,
) -> None:
    tree = shared_tree_with_cases
    case = reload(tree.cases[label])
    snapshot = Snapshot(case)
    client = client_for(fresh(tree.users[role]))
    data = {"reason": "理由", "target_centre": tree.c.pk, "version": case.version}
    assert client.post(action_url(case, name), data).status_code == status
    assert client.get(action_url(case, name)).status_code == status
    assert snapshot.unchanged()


# --- Editing ------------------------------------------------------------------------------------


def edit_url(case: Case) -> str:
    return reverse("web:case_edit", args=[case.pk])


def edit_data(case: Case, **changes: Any) -> dict[str, Any]:
    data = {
        "summary": case.summary,
        "facts": case.facts,
        "category": case.category_id,
        "amount_in_dispute": "" if case.amount_in_dispute is None else case.amount_in_dispute,
        "location": case.location,
        "risk_level": case.risk_level,
        "version": case.version,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role", ["admin", "director_d1", "mediator_s1", "intake_s1"])
def test_the_edit_form_for_those_who_may_edit(
    shared_tree_with_cases: Tree, client_for: ClientFor, role: str
) -> None:
    tree = shared_tree_with_cases
    case = reload(tree.cases["s1_mine"])
    response = client_for(fresh(tree.users[role])).get(edit_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="version" value="{case.version}"' in html
    assert case.summary in html
    fields = re.findall(r'<div class="field" id="field-(\w+)">', html)
    assert fields == ["summary", "facts", "category", "amount_in_dispute", "location", "risk_level"]
    # Categories grouped under their parent.
    assert '<optgroup label="Neighbours">' in html
    page = client_for(fresh(tree.users[role])).get(reverse("web:case_detail", args=[case.pk]))
    assert f'href="{edit_url(case)}"' in page.content.decode()


@pytest.mark.parametrize(
    ("label", "role", "status"),
    [
        ("s1_mine", "observer_d1", 403),  # may view, not edit
        ("s1_queue", "mediator_s1b", 403),  # the queue: may view, not edit
        ("s1_declined", "director_d1", 403),  # a concluded case
        ("s1_mine", "mediator_s2", 404),
    ],
)
def test_edit_refused(
    shared_tree_with_cases: Tree, client_for: ClientFor, label: str, role: str, status: int
) -> None:
    tree = shared_tree_with_cases
    case = reload(tree.cases[label])
    snapshot = Snapshot(case)
    client = client_for(fresh(tree.users[role]))
    assert client.get(edit_url(case)).status_code == status
    assert client.post(edit_url(case), edit_data(case, summary="改了")).status_code == status
    assert snapshot.unchanged()
    if status == 403:
        page = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
        assert f'href="{edit_url(case)}"' not in page


def test_editing_saves_through_the_service(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    case = reload(tree.cases["s1_mine"])
    events = Event.objects.filter(case=case).count()
    client = client_for(fresh(tree.mediator_s1_user))
    response = client.post(
        edit_url(case),
        edit_data(case, summary="楼上装修噪音", amount_in_dispute="1200.50", risk_level="high"),
    )
    assert response.status_code == 303
    assert response["Location"] == reverse("web:case_detail", args=[case.pk])
    now = reload(case)
    assert (now.summary, now.amount_in_dispute, now.risk_level) == (
        "楼上装修噪音",
        Decimal("1200.50"),
        RiskLevel.HIGH,
    )
    assert now.version == case.version + 1
    assert Event.objects.filter(case=case).count() == events + 1
    event = Event.objects.filter(case=case).latest("id")
    assert event.name == "edit"
    assert set(event.after) == {"summary", "amount_in_dispute", "risk_level"}
    html = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert f"Case {case.number} saved." in html
    assert "Summary:</span> 楼上噪音扰民 → 楼上装修噪音" in html

    # With HTMX the redirect is an HX-Redirect.
    response = client.post(edit_url(now), edit_data(now, location="江岸区"), headers=HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("web:case_detail", args=[case.pk])


def test_edit_changes_the_category(shared_tree_with_cases: Tree, client_for: ClientFor) -> None:
    tree = shared_tree_with_cases
    case = reload(tree.cases["s1_mine"])
    other = seeded_category("property_fees")
    response = client_for(fresh(tree.director_d1)).post(
        edit_url(case), edit_data(case, category=other.pk)
    )
    assert response.status_code == 303
    assert reload(case).category_id == other.pk


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"summary": ""}, "summary", "This field is required."),
        ({"summary": "长" * 201}, "summary", "at most 200 characters"),
        ({"amount_in_dispute": "-5"}, "amount_in_dispute", "greater than or equal to 0"),
        ({"amount_in_dispute": "abc"}, "amount_in_dispute", "Enter a number."),
        ({"risk_level": "extreme"}, "risk_level", "Select a valid choice."),
        ({"category": "999999"}, "category", "Select a valid choice."),
    ],
)
def test_edit_bad_input_is_refused_at_the_field(
    shared_tree_with_cases: Tree,
    client_for: ClientFor,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    tree = shared_tree_with_cases
    case = reload(tree.cases["s1_mine"])
    snapshot = Snapshot(case)
    response = client_for(fresh(tree.director_d1)).post(edit_url(case), edit_data(case, **changes))
    assert response.status_code == 400
    assert message in field_errors(response.content.decode(), field)
    assert snapshot.unchanged()


def test_edit_with_a_stale_version_overwrites_nothing(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    case = reload(tree.cases["s1_mine"])
    seen = edit_data(case, summary="调解员改的摘要")
    # The director changes the summary while the mediator is typing.
    edit_case(case=case, actor=tree.director_d1, changes={"summary": "主任改的摘要"})
    snapshot = Snapshot(case)

    response = client_for(fresh(tree.mediator_s1_user)).post(edit_url(case), seen)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this case meanwhile." in html
    assert snapshot.unchanged()
    assert reload(case).summary == "主任改的摘要"
    # The current values beside the user's (kept, at the current version, to save knowingly).
    current = html.split('class="current-values"')[1].split("</article>")[0]
    assert "主任改的摘要" in current
    assert 'value="调解员改的摘要"' in html
    assert f'name="version" value="{snapshot.case.version}"' in html


def test_edit_of_a_case_concluded_meanwhile_shows_the_case(
    shared_tree_with_cases: Tree, client_for: ClientFor
) -> None:
    tree = shared_tree_with_cases
    case = reload(tree.cases["s1_mine"])
    seen = edit_data(case, summary="调解员改的摘要")
    workflow.transition(case=case, name="fail", actor=tree.director_d1, data={"guidance": "other"})
    snapshot = Snapshot(case)
    response = client_for(fresh(tree.mediator_s1_user)).post(edit_url(case), seen)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this case meanwhile." in html
    assert 'class="badge status-failed"' in html
    assert 'name="summary"' not in html  # no form to send again
    assert snapshot.unchanged()
