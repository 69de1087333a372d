"""Bulk actions on the case list (issue 20): each ticked case goes through the workflow on its own
(the user's scope and permission, the case's status, the mediator's eligibility, the version seen);
one refused never stops the others, and the result page says, row by row, done or why not."""

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cases import workflow
from cases.documents.case_export import HEADER as CSV_HEADER
from cases.models import Case, Event, FailGuidance, Status, Transfer
from tests.factories import Tree, drive, register

pytestmark = pytest.mark.django_db

ClientFor = Callable[..., Client]
URL = reverse("web:case_bulk")


def fresh(user: Any) -> Any:
    return get_user_model().objects.get(pk=user.pk)


def picked(*cases: Case) -> list[str]:
    return [f"{c.pk}:{Case.objects.get(pk=c.pk).version}" for c in cases]


def new_case(tree: Tree, centre: Any, status: str = Status.REGISTERED, **extra: Any) -> Case:
    case = register(actor=tree.admin, centre=centre, summary=f"纠纷 {centre.code}")
    if status != Status.REGISTERED:
        case = drive(case, status, actor=tree.admin, **extra)
    return Case.objects.get(pk=case.pk)


def results(response: Any) -> dict[int, str]:
    """Each row of the result page: the case's id and what it says (done, or why not)."""
    assert response.status_code == 200, response.content.decode()[:3000]
    page = response.content.decode()
    rows = re.findall(r'<tr data-case="(\d+)" data-result="(\w+)">(.*?)</tr>', page, re.S)
    return {
        int(pk): re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body)).strip() + f" [{result}]"
        for pk, result, body in rows
    }


def events(case: Case) -> list[str]:
    return list(Event.objects.filter(case=case).order_by("pk").values_list("name", flat=True))


def test_assign_in_bulk_does_what_is_allowed_and_says_why_not_for_the_rest(
    tree: Tree, client_for: ClientFor
) -> None:
    ready = new_case(tree, tree.s1, Status.ACCEPTED)
    stale = new_case(tree, tree.s1, Status.ACCEPTED)
    not_served = new_case(tree, tree.d1, Status.ACCEPTED)  # 王调解 serves at S1 and below only
    too_early = new_case(tree, tree.s1)  # registered: not accepted yet
    elsewhere = new_case(tree, tree.s2, Status.ACCEPTED)  # outside the district director's scope
    before = {c.pk: events(c) for c in (ready, stale, not_served, too_early, elsewhere)}
    rows = picked(ready, not_served, too_early, elsewhere)
    rows.append(f"{stale.pk}:{stale.version - 1}")  # a version the list showed before a change

    client = client_for(fresh(tree.director_d1), "zh-hans")
    data = {"action": "assign", "case": rows, "lead_mediator": tree.med_s1.pk, "confirm": "1"}
    shown = results(client.post(URL, data))

    with translation.override("zh-hans"):
        wrong_state = str(
            workflow.refusal(workflow.TRANSITIONS["assign"], too_early).message  # type: ignore[union-attr]
        )
        done, no = translation.gettext("Done"), translation.gettext("Not done:")
        assert shown == {
            ready.pk: f"{ready.number} {ready.summary} {done} [done]",
            not_served.pk: f"{not_served.number} {not_served.summary} {no} "
            + str(
                translation.gettext("%(name)s does not serve at this centre.") % {"name": "王调解"}
            )
            + " [refused]",
            too_early.pk: f"{too_early.number} {too_early.summary} {no} {wrong_state} [refused]",
            elsewhere.pk: f"#{elsewhere.pk} — {no} {translation.gettext('No such case.')} [refused]",
            stale.pk: f"{stale.number} {stale.summary} {no} "
            + translation.gettext(
                "Someone else changed this case meanwhile. Reload it and try again."
            )
            + " [refused]",
        }
    assert Case.objects.get(pk=ready.pk).lead_mediator == tree.med_s1
    assert events(ready) == [*before[ready.pk], "assign"]
    for case in (stale, not_served, too_early, elsewhere):
        assert events(case) == before[case.pk], "a refused case is not changed"
        assert Case.objects.get(pk=case.pk).version == case.version
    assert Case.objects.get(pk=elsewhere.pk).lead_mediator is None


def test_assign_keeps_each_cases_co_mediators(tree: Tree, client_for: ClientFor) -> None:
    case = new_case(tree, tree.s1, Status.IN_MEDIATION, mediator=tree.med_s1b)
    case.co_mediators.add(tree.med_c)
    client = client_for(fresh(tree.director_d1))
    data = {"action": "assign", "case": picked(case), "lead_mediator": tree.med_s1.pk}
    assert client.post(URL, {**data, "confirm": "1"}).status_code == 200
    case = Case.objects.get(pk=case.pk)
    assert case.lead_mediator == tree.med_s1
    assert list(case.co_mediators.all()) == [tree.med_c]


def test_the_form_comes_first_and_asks_for_what_the_single_action_requires(
    tree: Tree, client_for: ClientFor
) -> None:
    mediating = new_case(tree, tree.s1, Status.IN_MEDIATION, mediator=tree.med_s1)
    client = client_for(fresh(tree.director_d1))
    form = client.post(URL, {"action": "fail", "case": picked(mediating)})
    assert form.status_code == 200
    page = form.content.decode()
    assert 'name="guidance"' in page and mediating.number in page
    refused = client.post(URL, {"action": "fail", "case": picked(mediating), "confirm": "1"})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    assert Case.objects.get(pk=mediating.pk).status == Status.IN_MEDIATION


def test_record_failure_in_bulk(tree: Tree, client_for: ClientFor) -> None:
    mediating = new_case(tree, tree.s1, Status.IN_MEDIATION, mediator=tree.med_s1)
    registered = new_case(tree, tree.s1)
    client = client_for(fresh(tree.director_d1))
    data = {
        "action": "fail",
        "case": picked(mediating, registered),
        "guidance": FailGuidance.LITIGATION,
        "note": "双方分歧大",
        "confirm": "1",
    }
    shown = results(client.post(URL, data))
    assert shown[mediating.pk].endswith("[done]")
    assert shown[registered.pk].endswith("[refused]")
    failed = Case.objects.get(pk=mediating.pk)
    assert (failed.status, failed.outcome_note) == (Status.FAILED, "双方分歧大")
    assert Case.objects.get(pk=registered.pk).status == Status.REGISTERED


def test_transfer_in_bulk(tree: Tree, client_for: ClientFor) -> None:
    at_street = new_case(tree, tree.s1)
    at_district = new_case(tree, tree.d1)  # already where it would go
    declined = new_case(tree, tree.s1, Status.DECLINED)
    client = client_for(fresh(tree.director_d1))
    form = client.post(URL, {"action": "transfer", "case": picked(at_street, at_district)})
    assert f'<option value="{tree.d1.pk}">' in form.content.decode()
    data = {
        "action": "transfer",
        "case": picked(at_street, at_district, declined),
        "target_centre": tree.d1.pk,
        "reason": "需上级调处",
        "confirm": "1",
    }
    shown = results(client.post(URL, data))
    assert shown[at_street.pk].endswith("[done]")
    assert "The case is already at this centre." in shown[at_district.pk]
    assert "not possible while the case is" in shown[declined.pk]
    assert list(Transfer.objects.values_list("case_id", flat=True)) == [at_street.pk]
    assert Case.objects.get(pk=at_street.pk).status == Status.PENDING_TRANSFER


def test_a_mediator_may_not_assign_in_bulk(tree: Tree, client_for: ClientFor) -> None:
    case = new_case(tree, tree.s1, Status.IN_MEDIATION, mediator=tree.med_s1)
    client = client_for(fresh(tree.mediator_s1_user))
    data = {"action": "close", "case": picked(case), "confirm": "1"}
    shown = results(client.post(URL, data))
    assert "not possible while the case is" in shown[case.pk]
    data = {"action": "assign", "case": picked(case), "confirm": "1"}
    data["lead_mediator"] = str(tree.med_s1.pk)
    shown = results(client.post(URL, data))
    assert "You may not" in shown[case.pk] and shown[case.pk].endswith("[refused]")
    assert events(case) == events(Case.objects.get(pk=case.pk))


def test_the_batch_is_capped(tree: Tree, client_for: ClientFor) -> None:
    case = new_case(tree, tree.s1, Status.ACCEPTED)
    client = client_for(fresh(tree.director_d1))
    rows = [f"{case.pk}:{case.version}"] + [f"{n}:1" for n in range(10**6, 10**6 + 200)]
    response = client.post(
        URL, {"action": "assign", "case": rows, "lead_mediator": tree.med_s1.pk, "confirm": "1"}
    )
    assert response.status_code == 400
    assert "At most 200 cases can be handled at once; 201 were selected." in (
        response.content.decode()
    )
    assert Case.objects.get(pk=case.pk).lead_mediator is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "assign"}, "Select at least one case."),
        ({"case": "1:1"}, "Choose an action for the selected cases."),
        ({"action": "assign", "case": "x"}, "The selection could not be read"),
    ],
)
def test_nothing_to_do_is_said(
    tree: Tree, client_for: ClientFor, data: dict[str, Any], message: str
) -> None:
    response = client_for(fresh(tree.director_d1)).post(URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_export_of_the_selected_rows(tree: Tree, client_for: ClientFor) -> None:
    first, second, unticked = (new_case(tree, tree.s1) for _ in range(3))
    elsewhere = new_case(tree, tree.s2)
    client = client_for(fresh(tree.director_d1))
    response = client.post(URL, {"action": "export", "case": picked(first, second, elsewhere)})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    with translation.override("en"):
        assert rows[0] == [str(label)[:1].upper() + str(label)[1:] for label in CSV_HEADER]
    assert sorted(r[0] for r in rows[1:]) == sorted([first.number, second.number])
    assert unticked.number not in body and elsewhere.number not in body


def test_the_list_rows_can_be_ticked(tree: Tree, client_for: ClientFor) -> None:
    case = new_case(tree, tree.s1)
    page = client_for(fresh(tree.director_d1)).get(reverse("web:case_list")).content.decode()
    assert f'name="case" value="{case.pk}:{case.version}" form="bulk-form"' in page
    assert 'id="bulk-form"' in page and "data-select-all" in page
    assert "web/case_list.js" in page
    row = re.search(r'<tr class="urgency-[^"]*">(.*?)</tr>', page, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>", row.group(1))
    assert len(cells) == 11 and all("data-label=" in cell for cell in cells)
    assert 'data-label="Number"' in row.group(1)
