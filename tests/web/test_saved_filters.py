"""Saved filters of the case list (issue 20): personal or shared with a centre, listed above the
list, applied with one click, deleted by their owner or the shared centre's director; a search
holding a phone number is kept encrypted, never in clear."""

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse

from cases import workflow
from cases.models import SavedFilter, Status
from cases.services.intake import PartyData
from tests.factories import RESPONDENT, Tree, register

pytestmark = pytest.mark.django_db

ClientFor = Callable[..., Client]
LIST = reverse("web:case_list")
SAVE = reverse("web:saved_filter_save")


def fresh(user: Any) -> Any:
    return get_user_model().objects.get(pk=user.pk)


def save(client: Client, name: str, query: str, share: Any = "") -> SavedFilter:
    response = client.post(SAVE, {"name": name, "query": query, "share": share})
    assert response.status_code == 303, response.content.decode()[:2000]
    return SavedFilter.objects.get(name=name)


def listed_filters(client: Client) -> list[str]:
    page = client.get(LIST).content.decode()
    return re.findall(r'<li data-saved-filter="\d+">\s*<a href="[^"]+">([^<]+)</a>', page)


def test_a_personal_filter_is_its_owners_alone(tree: Tree, client_for: ClientFor) -> None:
    owner = client_for(fresh(tree.director_d1))
    saved = save(owner, "待受理", "status=registered&ordering=deadline")
    assert listed_filters(owner) == ["待受理"]
    assert listed_filters(client_for(fresh(tree.observer_d1))) == []
    applied = owner.get(reverse("web:saved_filter_apply", args=[saved.pk]))
    assert applied.status_code == 302
    assert parse_qs(urlsplit(applied["Location"]).query) == {
        "status": ["registered"],
        "ordering": ["deadline"],
    }
    other = client_for(fresh(tree.observer_d1))
    assert other.get(reverse("web:saved_filter_apply", args=[saved.pk])).status_code == 404


def test_the_filter_applied_narrows_the_list(tree: Tree, client_for: ClientFor) -> None:
    registered = register(actor=tree.admin, centre=tree.s1, summary="仍待受理")
    declined = register(actor=tree.admin, centre=tree.s1, summary="已不予受理")
    workflow.transition(case=declined, name="decline", actor=tree.admin, data={"reason": "不属"})
    client = client_for(fresh(tree.director_d1))
    saved = save(client, "待受理", f"status={Status.REGISTERED}&page=3")
    assert "page" not in saved.params
    page = client.get(reverse("web:saved_filter_apply", args=[saved.pk]), follow=True)
    numbers = [c.number for c in page.context["cases"]]
    assert numbers == [registered.number]


def test_a_shared_filter_is_seen_by_the_centres_members(tree: Tree, client_for: ClientFor) -> None:
    observer = client_for(fresh(tree.observer_d1))
    shared = save(observer, "本区高风险", "risk_level=high", share=tree.d1.pk)
    assert shared.centre == tree.d1
    assert listed_filters(client_for(fresh(tree.director_d1))) == ["本区高风险"]
    assert listed_filters(client_for(fresh(tree.director_d2))) == []
    assert listed_filters(client_for(fresh(tree.intake_s1))) == []  # S1 is below D1, not D1


def test_who_may_delete_a_shared_filter(tree: Tree, client_for: ClientFor) -> None:
    director = client_for(fresh(tree.director_d1))
    by_director = save(director, "主任的", "overdue=true", share=tree.d1.pk)
    observer = client_for(fresh(tree.observer_d1))
    delete = reverse("web:saved_filter_delete", args=[by_director.pk])
    assert observer.post(delete).status_code == 403, "a member who is not its owner"
    page = observer.get(LIST).content.decode()
    assert f'data-saved-filter="{by_director.pk}"' in page and delete not in page
    by_observer = save(observer, "观察员的", "overdue=false", share=tree.d1.pk)
    # The centre's director deletes a member's shared filter; another district's cannot see it.
    other = client_for(fresh(tree.director_d2))
    other_delete = reverse("web:saved_filter_delete", args=[by_observer.pk])
    assert other.post(other_delete).status_code == 404
    assert director.post(other_delete).status_code == 303
    assert director.post(delete).status_code == 303
    assert not SavedFilter.objects.exists()


def test_the_list_offers_delete_only_where_allowed(tree: Tree, client_for: ClientFor) -> None:
    director = client_for(fresh(tree.director_d1))
    saved = save(director, "主任的", "overdue=true", share=tree.d1.pk)
    delete = reverse("web:saved_filter_delete", args=[saved.pk])
    assert delete in director.get(LIST).content.decode()
    assert delete not in client_for(fresh(tree.observer_d1)).get(LIST).content.decode()


def test_sharing_with_a_centre_one_does_not_belong_to_is_refused(
    tree: Tree, client_for: ClientFor
) -> None:
    client = client_for(fresh(tree.director_d1))
    response = client.post(SAVE, {"name": "越权", "query": "", "share": tree.d2.pk})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    response = client.post(SAVE, {"name": "", "query": ""})
    assert response.status_code == 400
    assert not SavedFilter.objects.exists()


def test_a_phone_search_is_saved_encrypted(tree: Tree, client_for: ClientFor) -> None:
    case = register(actor=tree.admin, centre=tree.s1)  # the applicant's phone: 138 1234 5678
    other = PartyData(name="王五", phone="13700002222")
    register(actor=tree.admin, centre=tree.s1, parties=(other, RESPONDENT))
    client = client_for(fresh(tree.director_d1))
    searched = client.post(LIST, {"q": "13812345678"})
    assert searched.status_code == 303
    query = urlsplit(searched["Location"]).query
    assert "13812345678" not in query, "the list keeps the number behind a key"
    # The list's "save this filter" form carries the key, not the number.
    page = client.get(searched["Location"]).content.decode()
    assert f'name="query" value="{query.replace("&", "&amp;")}"' in page
    saved = save(client, "回访", query)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT params, search_encrypted FROM cases_savedfilter WHERE id = %s", [saved.pk]
        )
        stored = " ".join(cursor.fetchone())
    for clear in ("13812345678", "5678", "search="):
        assert clear not in stored
    assert saved.search_encrypted
    applied = client.get(reverse("web:saved_filter_apply", args=[saved.pk]))
    assert "13812345678" not in applied["Location"]
    listed = client.get(applied["Location"])
    assert [c.number for c in listed.context["cases"]] == [case.number]
