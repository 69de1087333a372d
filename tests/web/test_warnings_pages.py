"""The early-warning pages (``/warnings/``, issue 24): the list of a director's subtree with each
warning's reason, its filters, 403 for the roles that handle none; a warning's page with its
cases, and acknowledge / assign / dismiss from it (a dismissal without a reason refused)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import AuditAction, AuditRecord, EarlyWarning, WarningStatus
from cases.services import warnings
from tests.cases.test_warnings import case_at, person
from tests.factories import Tree

pytestmark = pytest.mark.django_db

ClientFor = Callable[..., Client]
LIST = reverse("web:warnings")


@pytest.fixture
def both(tree: Tree) -> dict[str, EarlyWarning]:
    """A place cluster at K1 (under D1) and one at S2 (under D2)."""
    for centre in (tree.k1, tree.s2):
        for _ in range(5):
            case_at(tree, centre, parties=(person(), person("respondent")))
    made = {w.centre.code: w for w in warnings.raise_warnings().raised}
    return {"d1": made[tree.k1.code], "d2": made[tree.s2.code]}


def _page(client: Client, **params: Any) -> str:
    response = client.get(LIST, params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_district_director_sees_their_district_s_warnings_with_their_reasons(
    tree: Tree, both: dict[str, EarlyWarning], client_for: ClientFor
) -> None:
    page = _page(client_for(tree.director_d1))

    assert f"5 cases of Unpaid wages registered at {tree.k1.name_en}" in page
    assert reverse("web:warning", args=[both["d1"].pk]) in page
    assert reverse("web:warning", args=[both["d2"].pk]) not in page
    assert (
        client_for(tree.director_d1).get(reverse("web:warning", args=[both["d2"].pk])).status_code
        == 404
    )


def test_the_filters_by_status_and_centre(
    tree: Tree, both: dict[str, EarlyWarning], client_for: ClientFor
) -> None:
    warnings.dismiss(actor=tree.director_c, warning=both["d2"], reason="已核实")
    client = client_for(tree.director_c)
    d1, d2 = (reverse("web:warning", args=[both[k].pk]) for k in ("d1", "d2"))

    open_only = _page(client, status="open")
    in_d2 = _page(client, centre=tree.d2.pk)

    assert d1 in open_only and d2 not in open_only
    assert d2 in in_d2 and d1 not in in_d2


def test_roles_that_handle_no_warnings_get_403(tree: Tree, client_for: ClientFor) -> None:
    for user in (tree.intake_s1, tree.observer_d1, tree.mediator_s1_user):
        assert client_for(user).get(LIST).status_code == 403


def test_a_warning_s_page_lists_its_cases_and_the_director_acts_on_it(
    tree: Tree, both: dict[str, EarlyWarning], client_for: ClientFor
) -> None:
    warning = both["d1"]
    client = client_for(tree.director_d1)
    url = reverse("web:warning", args=[warning.pk])
    page = client.get(url).content.decode()

    acknowledged = client.post(reverse("web:warning_acknowledge", args=[warning.pk]))
    assigned = client.post(
        reverse("web:warning_assign", args=[warning.pk]), {"user": tree.intake_s1.pk}
    )
    refused = client.post(reverse("web:warning_dismiss", args=[warning.pk]), {"reason": ""})
    status_after_refusal = EarlyWarning.objects.get(pk=warning.pk).status
    dismissed = client.post(
        reverse("web:warning_dismiss", args=[warning.pk]), {"reason": "同一工地"}
    )

    assert all(c.number in page for c in warning.cases.all())
    assert (acknowledged.status_code, assigned.status_code, dismissed.status_code) == (302,) * 3
    assert refused.status_code == 400 and "This field is required." in refused.content.decode()
    assert status_after_refusal == WarningStatus.ASSIGNED
    assert list(
        AuditRecord.objects.filter(target=f"cases.earlywarning:{warning.pk}")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        AuditAction.WARNING_ACKNOWLEDGED, AuditAction.WARNING_ASSIGNED,
        AuditAction.WARNING_DISMISSED,
    ]  # fmt: skip
    assert "同一工地" in client.get(url).content.decode()
