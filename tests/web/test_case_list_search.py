"""Searching the case list by words (issue 21): the best matches first unless sorted otherwise,
the words marked in each summary (escaped), scoped; the API's ``q`` and the header's quick
search find by words too; cases written by the bulk loader are found."""

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from cases import search_text
from cases.models import Case, NoteKind, Party
from cases.queries.case_list import CaseFilter
from cases.services.notes import write_note
from tests.api.support import client_for as api_client_for
from tests.api.support import results
from tests.factories import Tree, register

pytestmark = pytest.mark.django_db

URL = reverse("web:case_list")


def listed(client: Client, **params: Any) -> list[str]:
    response = client.get(URL, params, follow=True)
    assert response.status_code == 200, response.content.decode()[:2000]
    return [case.number for case in response.context["cases"]]


@pytest.fixture
def cases(tree: Tree) -> dict[str, Case]:
    once = register(actor=tree.admin, centre=tree.s1, summary="楼上噪音扰民")
    often = register(
        actor=tree.admin, centre=tree.s1, summary="广场舞噪音", facts="噪音大，噪音持续，噪音超标"
    )
    write_note(case=often, actor=tree.admin, kind=NoteKind.CALL, text="噪音测量结果超标")
    other = register(actor=tree.admin, centre=tree.s2, summary="邻居噪音扰民")
    return {"once": once, "often": often, "other": other}


def test_the_list_ranks_the_best_matches_first_unless_sorted_otherwise(
    tree: Tree, cases: dict[str, Case], client_for: Callable[..., Client]
) -> None:
    client = client_for(tree.admin)
    once, often, other = cases["once"].number, cases["often"].number, cases["other"].number
    assert listed(client, q="噪音")[0] == often
    assert set(listed(client, q="噪音")) == {once, often, other}
    # Sorted by number: that order, not the rank.
    assert listed(client, q="噪音", ordering="number") == sorted([once, often, other])
    assert listed(client, q="噪音 扰民", ordering="number") == sorted([once, other])


def test_a_search_keeps_to_the_scope(
    tree: Tree, cases: dict[str, Case], client_for: Callable[..., Client]
) -> None:
    # The intake officer of S1 sees S1's cases only; S2's case matches too but is not listed.
    assert set(listed(client_for(tree.intake_s1), q="噪音")) == {
        cases["once"].number,
        cases["often"].number,
    }
    assert listed(client_for(tree.intake_s1), q="邻居") == []


def test_the_words_are_marked_in_the_summary(
    tree: Tree, cases: dict[str, Case], client_for: Callable[..., Client]
) -> None:
    html = client_for(tree.admin).get(URL, {"q": "噪音"}).content.decode()
    assert "楼上<mark>噪音</mark>扰民" in html
    assert "广场舞<mark>噪音</mark>" in html
    plain = client_for(tree.admin).get(URL).content.decode()
    assert "<mark>" not in plain and "楼上噪音扰民" in plain


def test_the_summary_is_escaped_around_the_marks(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    register(actor=tree.admin, centre=tree.s1, summary="<script>alert(1)</script>噪音<b>x</b>")
    html = client_for(tree.admin).get(URL, {"q": "噪音"}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark>噪音</mark>&lt;b&gt;x&lt;/b&gt;" in html
    assert "<script>alert(1)" not in html


def test_the_api_q_and_the_quick_search_find_by_words(
    tree: Tree, cases: dict[str, Case], client_for: Callable[..., Client]
) -> None:
    api = api_client_for(tree.intake_s1)
    response = api.get("/api/v1/cases/", {"q": "噪音"})
    assert response.status_code == 200
    assert {row["number"] for row in results(response)} == {
        cases["once"].number,
        cases["often"].number,
    }
    posted = api.post("/api/v1/cases/search/", {"q": "广场舞"}, format="json")
    assert [row["number"] for row in results(posted)] == [cases["often"].number]
    web = client_for(tree.intake_s1)
    quick = web.post(reverse("web:quick_search"), {"q": "广场舞"}, follow=True)
    assert [case.number for case in quick.context["cases"]] == [cases["often"].number]


def test_the_cases_written_by_the_bulk_loader_are_found_by_their_words() -> None:
    # Every case of this small demo city is written by the bulk loader (no recent days).
    call_command(
        "seed_demo", cases=30, seed=3, services_days=0, force=True, stdout=StringIO(),
        stderr=StringIO(),
    )  # fmt: skip
    cases = list(Case.objects.order_by("pk"))
    assert len(cases) == 30
    for case in cases[:10]:
        word = max(search_text.words(case.summary), key=len)
        assert case in CaseFilter({"q": word}, queryset=Case.objects.all()).qs, word
        name = Party.objects.filter(case=case).order_by("position")[0].name
        fragment = name[-2:]  # the given name of 张三丰: 三丰
        assert case in CaseFilter({"q": fragment}, queryset=Case.objects.all()).qs, fragment
