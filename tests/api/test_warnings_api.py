"""``/api/v1/warnings/`` (issue 24): the list scoped to the directors' subtrees, its filters, one
warning with only the cases the caller sees, and acknowledge / assign / dismiss through the API
(audited; a dismissal without a reason refused naming ``reason``)."""

from typing import Any

import pytest
from django.urls import reverse

from cases.models import AuditAction, AuditRecord, EarlyWarning, WarningRule, WarningStatus
from cases.services import warnings
from tests.api.support import all_ids, assert_error, client_for
from tests.cases.test_warnings import case_at, person
from tests.factories import Tree

pytestmark = pytest.mark.django_db

LIST = "/api/v1/warnings/"


@pytest.fixture
def both(tree: Tree) -> dict[str, EarlyWarning]:
    """A place cluster in each district: at K1 (under D1) and at S2 (under D2)."""
    for centre in (tree.k1, tree.s2):
        for _ in range(5):
            case_at(tree, centre, parties=(person(), person("respondent")))
    made = {w.centre.code: w for w in warnings.raise_warnings().raised}
    return {"d1": made[tree.k1.code], "d2": made[tree.s2.code]}


def test_a_district_director_lists_only_their_district_s_warnings(
    tree: Tree, both: dict[str, EarlyWarning]
) -> None:
    assert all_ids(client_for(tree.director_d1), LIST) == [both["d1"].pk]
    assert all_ids(client_for(tree.director_d2), LIST) == [both["d2"].pk]
    assert set(all_ids(client_for(tree.director_c), LIST)) == {w.pk for w in both.values()}
    assert all_ids(client_for(tree.intake_s1), LIST) == []
    response = client_for(tree.director_d2).get(f"{LIST}{both['d1'].pk}/")
    assert_error(response, 404)


def test_filters_by_status_rule_and_centre(tree: Tree, both: dict[str, EarlyWarning]) -> None:
    warnings.acknowledge(actor=tree.director_c, warning=both["d1"])
    client = client_for(tree.director_c)

    assert all_ids(client, LIST, {"status": "open"}) == [both["d2"].pk]
    assert all_ids(client, LIST, {"centre": tree.d1.pk}) == [both["d1"].pk]
    assert all_ids(client, LIST, {"rule": "group_dispute"}) == []
    assert set(all_ids(client, LIST, {"rule": "place_cluster"})) == {w.pk for w in both.values()}


def test_one_warning_gives_its_reason_in_the_caller_s_language_and_its_cases(
    tree: Tree, both: dict[str, EarlyWarning]
) -> None:
    warning = both["d1"]
    body = client_for(tree.director_d1).get(f"{LIST}{warning.pk}/").json()
    chinese = client_for(tree.director_d1, language="zh-hans").get(f"{LIST}{warning.pk}/").json()

    assert (body["rule"], body["rule_label"], body["status"]) == (
        WarningRule.PLACE_CLUSTER, "Cases of one category at one place", "open",
    )  # fmt: skip
    assert body["reason"].startswith("5 cases of Unpaid wages registered at ")
    assert "拖欠工资" in chinese["reason"] and "Unpaid wages" not in chinese["reason"]
    assert {c["id"] for c in body["cases"]} == set(warning.cases.values_list("pk", flat=True))


def _post(user: Any, warning: EarlyWarning, name: str, body: dict[str, Any]) -> Any:
    return client_for(user).post(f"{LIST}{warning.pk}/{name}/", body, format="json")


def test_acknowledge_assign_and_dismiss_are_audited(
    tree: Tree, both: dict[str, EarlyWarning]
) -> None:
    warning = both["d1"]
    acknowledged = _post(tree.director_d1, warning, "acknowledge", {})
    assigned = _post(tree.director_d1, warning, "assign", {"user": tree.intake_s1.pk})
    dismissed = _post(tree.director_d1, warning, "dismiss", {"reason": "已处理"})

    assert acknowledged.json()["status"] == "acknowledged"
    assert assigned.json()["assigned_to"] == tree.intake_s1.username
    assert (dismissed.json()["status"], dismissed.json()["dismissal_reason"]) == (
        "dismissed", "已处理",
    )  # fmt: skip
    actions = list(
        AuditRecord.objects.filter(target=f"cases.earlywarning:{warning.pk}")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.WARNING_ACKNOWLEDGED, AuditAction.WARNING_ASSIGNED,
        AuditAction.WARNING_DISMISSED,
    ]  # fmt: skip


def test_a_dismissal_without_a_reason_is_refused_naming_reason(
    tree: Tree, both: dict[str, EarlyWarning]
) -> None:
    error = assert_error(_post(tree.director_d1, both["d1"], "dismiss", {}), 400, "invalid")
    blank = assert_error(
        _post(tree.director_d1, both["d1"], "dismiss", {"reason": "  "}), 400, "invalid"
    )

    assert list(error["fields"]) == ["reason"]
    assert list(blank["fields"]) == ["reason"]
    both["d1"].refresh_from_db()
    assert both["d1"].status == WarningStatus.OPEN


def test_assigning_outside_the_warning_s_centres_names_user(
    tree: Tree, both: dict[str, EarlyWarning]
) -> None:
    response = _post(tree.director_d1, both["d1"], "assign", {"user": tree.mediator_s2_user.pk})

    assert list(assert_error(response, 400, "invalid")["fields"]) == ["user"]


def test_acting_on_another_district_s_warning_is_not_found(
    tree: Tree, both: dict[str, EarlyWarning]
) -> None:
    assert_error(_post(tree.director_d2, both["d1"], "acknowledge", {}), 404)
    assert not AuditRecord.objects.filter(action=AuditAction.WARNING_ACKNOWLEDGED).exists()


def test_the_list_answers_in_a_fixed_number_of_queries(
    tree: Tree, both: dict[str, EarlyWarning], django_assert_max_num_queries: Any
) -> None:
    client = client_for(tree.director_c)
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert response.status_code == 200
    assert reverse("api:warning-list") == LIST
