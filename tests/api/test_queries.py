"""The number of queries behind the case endpoints does not grow with the data (STYLE: reads).

Each endpoint is measured twice, with little and with much data behind it, as a director (whose
scope is read from memberships) and as the administrator; the counts must be equal, and equal to
the pinned number, so that an added N+1 or a lost ``select_related`` shows up here.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cases import workflow
from cases.models import Case, PartyRole
from cases.services.cases import edit_case
from cases.services.intake import PartyData
from tests.api.support import client_for, results
from tests.factories import Tree, register, resident_id

pytestmark = pytest.mark.django_db

# Token and user (1), the caller's memberships (1) and mediator profile (1), the rows (1), and the
# prefetches of co-mediators and parties (2).
LIST_QUERIES = 6
DETAIL_QUERIES = 6
# The same six to find the case (its prefetches included), then the events with their actors.
EVENTS_QUERIES = 7


def count_queries(call: Callable[[], Any]) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code == 200, response.content[:300]
    return len(queries), response


def parties(count: int) -> list[PartyData]:
    return [
        PartyData(
            name=f"当事人{i}",
            role=PartyRole.APPLICANT if i == 0 else PartyRole.RESPONDENT,
            phone=f"1380013{i:04d}",
            id_number=resident_id(f"42010619800101{i:03d}"),
        )
        for i in range(count)
    ]


@pytest.fixture(params=["director_d1", "admin"])
def reader(request: pytest.FixtureRequest, tree: Tree) -> APIClient:
    client = client_for(getattr(tree, request.param))
    client.get("/api/v1/me/")  # create the token row before counting
    return client


def test_the_case_list_costs_the_same_for_5_and_50_cases(tree: Tree, reader: APIClient) -> None:
    for i in range(55):
        case = register(actor=tree.admin, centre=tree.s1 if i % 2 else tree.k1, parties=parties(3))
        if i % 5 == 0:
            workflow.transition(case=case, name="accept", actor=tree.admin)
            workflow.transition(
                case=case,
                name="assign",
                actor=tree.admin,
                data={"lead_mediator": tree.med_c.pk, "co_mediators": [tree.med_s1.pk]},
            )
    few, small = count_queries(lambda: reader.get("/api/v1/cases/", {"page_size": 5}))
    many, large = count_queries(lambda: reader.get("/api/v1/cases/", {"page_size": 50}))
    assert (len(results(small)), len(results(large))) == (5, 50)
    assert few == many == LIST_QUERIES


def test_a_case_costs_the_same_with_2_and_20_parties(tree: Tree, reader: APIClient) -> None:
    small = register(actor=tree.admin, centre=tree.s1, parties=parties(2))
    large = register(actor=tree.admin, centre=tree.s1, parties=parties(20))
    few, answer_small = count_queries(lambda: reader.get(f"/api/v1/cases/{small.pk}/"))
    many, answer_large = count_queries(lambda: reader.get(f"/api/v1/cases/{large.pk}/"))
    assert (len(answer_small.json()["parties"]), len(answer_large.json()["parties"])) == (2, 20)
    assert few == many == DETAIL_QUERIES


def test_a_timeline_costs_the_same_with_few_and_many_events(tree: Tree, reader: APIClient) -> None:
    quiet = register(actor=tree.admin, centre=tree.s1)
    busy = register(actor=tree.admin, centre=tree.s1)
    actors = [tree.admin, tree.director_d1, tree.intake_s1]
    for i in range(30):
        edit_case(case=busy, actor=actors[i % 3], changes={"facts": f"第{i}次补充"})
    busy = Case.objects.get(pk=busy.pk)
    few, answer_quiet = count_queries(lambda: reader.get(f"/api/v1/cases/{quiet.pk}/events/"))
    many, answer_busy = count_queries(lambda: reader.get(f"/api/v1/cases/{busy.pk}/events/"))
    assert (len(results(answer_quiet)), len(results(answer_busy))) == (1, 31)
    assert few == many == EVENTS_QUERIES


def test_filtering_the_case_list_by_choices_adds_no_select_distinct(
    tree: Tree, reader: APIClient
) -> None:
    """A filter on the case's own columns needs no DISTINCT, which would make PostgreSQL sort every
    matching case before answering the first page (seconds at millions of cases, issue #8)."""
    register(actor=tree.intake_s1, centre=tree.s1)
    url = "/api/v1/cases/?status=registered&status=accepted&channel=walk_in&risk_level=normal"
    with CaptureQueriesContext(connection) as queries:
        response = reader.get(url)
    assert response.status_code == 200
    listed = [q["sql"] for q in queries.captured_queries if 'FROM "cases_case"' in q["sql"]]
    assert listed and not any("DISTINCT" in sql for sql in listed), listed
