"""The director's one extension on the case page: the button, its form, and its refusals.

Nothing in the web UI is specific to it: the case page offers ``workflow.available_transitions`` and
builds each form from the transition's form class. These tests check what a director sees.
"""

import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import workflow
from cases.models import Case, Event, Status
from tests.factories import Tree, aware, drive, register

pytestmark = pytest.mark.django_db

ClientFor = Callable[..., Client]
HTMX = {"HX-Request": "true"}
REASON = "当事人外出务工，需延期"


def in_mediation(tree: Tree) -> Case:
    return drive(
        register(actor=tree.intake_s1, centre=tree.s1),
        Status.IN_MEDIATION,
        actor=tree.admin,
        mediator=tree.med_s1,
    )


def page_url(case: Case) -> str:
    return reverse("web:case_detail", args=[case.pk])


def extend_url(case: Case) -> str:
    return reverse("web:case_action", args=[case.pk, "extend"])


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


def reload(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def unchanged(case: Case) -> bool:
    """The case and its timeline as ``case`` (read before the attempt) holds them."""
    now = reload(case)
    return (
        (now.version, now.due_at, now.extended_at, now.extension_days)
        == (case.version, case.due_at, case.extended_at, case.extension_days)
    ) and Event.objects.filter(case=now).count() == case.version  # one event per version


def test_the_button_is_the_directors_and_gone_once_used(tree: Tree, client_for: ClientFor) -> None:
    case = in_mediation(tree)
    for user in (tree.director_d1, tree.director_c, tree.admin):
        assert "extend" in buttons(client_for(user).get(page_url(case)).content.decode())
    for user in (tree.mediator_s1_user, tree.observer_d1, tree.intake_s1):
        html = client_for(user).get(page_url(case)).content.decode()
        assert "extend" not in buttons(html)
        assert "Extend the deadline" not in html

    html = client_for(tree.director_d1).get(page_url(case)).content.decode()
    assert f'href="{extend_url(case)}"' in html
    assert re.search(r'data-action="extend"[^>]*>Extend the deadline</a>', html, re.S)

    workflow.transition(
        case=case, name="extend", actor=tree.admin, data={"days": 3, "reason": REASON}
    )
    assert "extend" not in buttons(
        client_for(tree.director_d1).get(page_url(case)).content.decode()
    )


def test_the_form_asks_for_the_days_and_the_reason(tree: Tree, client_for: ClientFor) -> None:
    case = in_mediation(tree)
    client = client_for(tree.director_d1)
    response = client.get(extend_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'<div class="field" id="field-(\w+)">', html) == ["days", "reason"]
    days = re.search(r"<input[^>]*name=\"days\"[^>]*>", html)
    assert days is not None
    for attribute in ('type="number"', 'min="1"', 'max="30"', "required"):
        assert attribute in days.group(0), attribute
    assert "Extra days" in html
    assert "A case&#x27;s deadline can be extended once." in html
    assert re.search(r'<textarea name="reason"[^>]*required', html)
    assert f'name="version" value="{case.version}"' in html

    fragment = client.get(extend_url(case), headers=HTMX)
    assert fragment.status_code == 200
    assert 'id="action-extend"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_posting_the_form_extends_the_deadline(
    tree: Tree, client_for: ClientFor, htmx: bool
) -> None:
    with time_machine.travel(aware(2026, 12, 1, 9, 0), tick=False) as clock:
        case = in_mediation(tree)
        assert case.due_at == aware(2026, 12, 31, 9, 0)
        clock.move_to(aware(2026, 12, 28, 16, 0))
        client = client_for(tree.director_d1)  # signed in then: sessions expire
        response = client.post(
            extend_url(case),
            {"days": "10", "reason": REASON, "version": case.version},
            headers=HTMX if htmx else {},
        )
    if htmx:
        assert (response.status_code, response["HX-Redirect"]) == (204, page_url(case))
    else:
        assert (response.status_code, response["Location"]) == (303, page_url(case))
    now = reload(case)
    assert now.status == Status.IN_MEDIATION
    assert now.due_at == aware(2027, 1, 10, 9, 0)
    assert (now.extended_at, now.extension_days, now.extension_reason) == (
        aware(2026, 12, 28, 16, 0),
        10,
        REASON,
    )
    assert now.version == case.version + 1
    event = Event.objects.filter(case=case).latest("id")
    assert (event.name, event.actor_id) == ("extend", tree.director_d1.pk)

    html = client.get(page_url(case)).content.decode()
    assert f"Extend the deadline: done for case {case.number}." in html
    assert "2027-01-10 09:00" in html  # the new deadline, in Shanghai time
    timeline = html.split('id="timeline"', 1)[1]
    for shown in ("Extend the deadline", "Extension (days)", "Reason for the extension", REASON):
        assert shown in timeline, shown
    assert "extend" not in buttons(html)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"days": "0", "reason": REASON}, "days", "greater than or equal to 1"),
        ({"days": "31", "reason": REASON}, "days", "less than or equal to 30"),
        ({"days": "", "reason": REASON}, "days", "This field is required."),
        ({"days": "5", "reason": ""}, "reason", "This field is required."),
    ],
    ids=["zero", "thirty-one", "no-days", "no-reason"],
)
def test_bad_input_is_refused_at_the_field(
    tree: Tree, client_for: ClientFor, data: dict[str, str], field: str, message: str
) -> None:
    case = in_mediation(tree)
    client = client_for(tree.director_d1)
    for headers in ({}, HTMX):
        response = client.post(extend_url(case), {**data, "version": case.version}, headers=headers)
        assert response.status_code == 400
        assert message in field_errors(response.content.decode(), field)
        assert unchanged(case)


def test_a_stale_version_is_refused(tree: Tree, client_for: ClientFor) -> None:
    case = in_mediation(tree)
    seen = case.version
    # Someone else changes the case after the director opened the form.
    case = workflow.transition(
        case=case, name="suspend", actor=tree.mediator_s1_user, data={"reason": "当事人住院"}
    )
    response = client_for(tree.director_d1).post(
        extend_url(case), {"days": "5", "reason": REASON, "version": seen}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this case meanwhile." in html
    assert unchanged(case)
    # Still possible (suspended cases can be extended): the form comes back, at the new version.
    assert 'id="action-extend"' in html
    assert REASON in html
    assert f'name="version" value="{case.version}"' in html


def test_a_second_extension_is_refused(tree: Tree, client_for: ClientFor) -> None:
    case = in_mediation(tree)
    case = workflow.transition(
        case=case, name="extend", actor=tree.director_c, data={"days": 3, "reason": REASON}
    )
    response = client_for(tree.director_d1).post(
        extend_url(case), {"days": "5", "reason": "再延", "version": case.version}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "The deadline has already been extended once." in html
    assert 'id="action-extend"' not in html  # not offered again
    assert unchanged(case)


@pytest.mark.parametrize(
    ("role", "status"),
    [("mediator_s1", 403), ("observer_d1", 403), ("director_d2", 404), ("mediator_s2", 404)],
)
def test_who_may_not_extend(tree: Tree, client_for: ClientFor, role: str, status: int) -> None:
    case = in_mediation(tree)
    client = client_for(tree.users[role])
    data = {"days": "5", "reason": REASON, "version": case.version}
    assert client.post(extend_url(case), data).status_code == status
    assert client.get(extend_url(case)).status_code == status
    assert unchanged(case)


def test_a_case_not_extendable_now_is_refused(tree: Tree, client_for: ClientFor) -> None:
    case = drive(
        register(actor=tree.intake_s1, centre=tree.s1),
        Status.RESOLVED,
        actor=tree.admin,
        mediator=tree.med_s1,
    )
    client = client_for(tree.director_d1)
    data = {"days": "5", "reason": REASON, "version": case.version}
    response = client.post(extend_url(case), data)
    assert response.status_code == 409
    assert "“Extend the deadline” is not possible while the case is “Resolved”." in (
        response.content.decode()
    )
    assert unchanged(case)


def test_the_extension_costs_the_case_page_no_query(
    tree: Tree, client_for: ClientFor, django_assert_max_num_queries: Any
) -> None:
    case = in_mediation(tree)
    client = client_for(tree.director_d1)
    client.get(page_url(case))  # warm the session and caches
    with CaptureQueriesContext(connection) as before:
        client.get(page_url(case))
    workflow.transition(
        case=case, name="extend", actor=tree.admin, data={"days": 3, "reason": REASON}
    )
    with django_assert_max_num_queries(len(before)):
        assert client.get(page_url(case)).status_code == 200
