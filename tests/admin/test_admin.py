"""The Django admin: every model listed, searchable and filterable; the centre tree readable; rows
written by the services are read-only there; centres saved through the admin keep their paths."""

import re

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from cases.models import Case, Centre, CentreKind, CentreLevel, DeadlinePolicy, Event
from tests.factories import Tree, aware, end_of, register

pytestmark = pytest.mark.django_db

SERVICE_WRITTEN = {
    "case",
    "party",
    "session",
    "sessionmediator",
    "agreement",
    "transfer",
    "followup",
    "event",
    "casenumbercounter",
    "auditrecord",
    "export",
}


@pytest.fixture
def client_admin(tree_with_cases: Tree) -> Client:
    client = Client()
    client.force_login(tree_with_cases.admin)
    return client


def cases_model_admins() -> list[tuple[str, admin.ModelAdmin]]:
    return [
        (str(model._meta.model_name), model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == "cases"
    ]


def test_every_domain_model_is_in_the_admin() -> None:
    from django.apps import apps

    registered = {model for model in admin.site._registry if model._meta.app_label == "cases"}
    assert registered == set(apps.get_app_config("cases").get_models())


@pytest.mark.parametrize("model_name", sorted(name for name, _ in cases_model_admins()))
def test_each_changelist_answers_with_search_and_each_filter(
    client_admin: Client, model_name: str
) -> None:
    model_admin = dict(cases_model_admins())[model_name]
    url = reverse(f"admin:cases_{model_name}_changelist")
    assert client_admin.get(url).status_code == 200
    if model_admin.search_fields:
        assert client_admin.get(url, {"q": "S1"}).status_code == 200
    page = client_admin.get(url).content.decode()
    # Every filter link the sidebar offers answers too.
    for query in sorted(set(re.findall(r'href="(\?[^"]+)"', page)))[:40]:
        response = client_admin.get(url + query.replace("&amp;", "&"))
        assert response.status_code == 200, query


def test_service_written_rows_are_read_only(client_admin: Client, tree_with_cases: Tree) -> None:
    case = Case.objects.first()
    assert case is not None
    for name in SERVICE_WRITTEN:
        assert client_admin.get(reverse(f"admin:cases_{name}_add")).status_code == 403
    page = client_admin.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert case.number in body
    assert 'name="status"' not in body  # shown, not editable
    # The timeline is there, and nothing can delete it.
    assert Event.objects.filter(case=case).exists()
    delete = client_admin.post(reverse("admin:cases_case_delete", args=[case.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert Case.objects.filter(pk=case.pk).exists()


def test_personal_data_is_masked_in_the_admin(client_admin: Client) -> None:
    party_page = client_admin.get(reverse("admin:cases_party_changelist")).content.decode()
    assert "****" in party_page
    assert "encrypted" not in party_page


def test_centre_tree_is_listed_in_path_order_indented_by_level(
    client_admin: Client, tree_with_cases: Tree
) -> None:
    page = client_admin.get(reverse("admin:cases_centre_changelist")).content.decode()
    t = tree_with_cases
    positions = [page.index(c.name_zh) for c in (t.c, t.d1, t.s1, t.k1, t.d2, t.s2)]
    assert positions == sorted(positions)
    assert 'class="centre-depth-4">└ ' + t.k1.name_zh in page  # cases/admin.css indents it


def test_a_centre_added_in_the_admin_gets_its_path(
    client_admin: Client, tree_with_cases: Tree
) -> None:
    t = tree_with_cases
    response = client_admin.post(
        reverse("admin:cases_centre_add"),
        {
            "code": "NEW1",
            "name_zh": "新社区",
            "name_en": "New community",
            "level": CentreLevel.COMMUNITY,
            "kind": CentreKind.COMMITTEE,
            "parent": t.s1.pk,
            "timezone": "Asia/Shanghai",
            "active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "children-TOTAL_FORMS": "0",
            "children-INITIAL_FORMS": "0",
            # Its own deadlines, set on the same page.
            "deadline_policies-TOTAL_FORMS": "1",
            "deadline_policies-INITIAL_FORMS": "0",
            "deadline_policies-0-channel": "",
            "deadline_policies-0-mediation_days": "12",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Centre.objects.get(code="NEW1")
    assert created.path == t.s1.path + "NEW1/"
    assert created.depth == t.s1.depth + 1
    policies = DeadlinePolicy.objects.filter(centre=created)
    assert list(policies.values_list("channel", "mediation_days")) == [("", 12)]


def test_moving_a_centre_below_itself_is_refused_at_the_field(
    client_admin: Client, tree_with_cases: Tree
) -> None:
    t = tree_with_cases
    before = t.d1.path
    response = client_admin.post(
        reverse("admin:cases_centre_change", args=[t.d1.pk]),
        {
            "code": t.d1.code,
            "name_zh": t.d1.name_zh,
            "name_en": t.d1.name_en,
            "level": t.d1.level,
            "kind": t.d1.kind,
            "parent": t.s1.pk,
            "timezone": "Asia/Shanghai",
            "active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "children-TOTAL_FORMS": "0",
            "children-INITIAL_FORMS": "0",
            "deadline_policies-TOTAL_FORMS": "0",
            "deadline_policies-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    t.d1.refresh_from_db()
    assert t.d1.path == before


def test_deadlines_set_on_a_centre_in_the_admin_apply_below_it(
    client_admin: Client, tree_with_cases: Tree
) -> None:
    tree = tree_with_cases
    response = client_admin.post(
        reverse("admin:cases_deadlinepolicy_add"),
        {"centre": tree.d1.pk, "channel": "hotline", "acceptance_days": "5"},
    )
    assert response.status_code == 302, response.content[:500]
    duplicate = client_admin.post(
        reverse("admin:cases_deadlinepolicy_add"),
        {"centre": tree.d1.pk, "channel": "hotline", "mediation_days": "10"},
    )
    assert "本中心已有该渠道的期限设置" in duplicate.content.decode()  # the admin speaks Chinese

    case = register(actor=tree.admin, centre=tree.k1, channel="hotline", at=aware(2026, 3, 2, 9))

    assert case.acceptance_due_at == end_of(2026, 3, 9)  # 5 working days after Monday 2 March
