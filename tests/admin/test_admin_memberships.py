"""Memberships written in the admin go through ``cases.services.users``, as the API's do: a role at
an inactive centre is refused at the centre field, on each admin page that offers memberships, and
nothing is written."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Centre, Membership, Role
from tests.factories import CentreFactory, MembershipFactory, Tree, UserFactory

pytestmark = pytest.mark.django_db

REFUSED = "此中心未启用。"  # "This centre is not active." (the admin speaks Chinese)


@pytest.fixture
def client_admin(tree: Tree) -> Client:
    client = Client()
    client.force_login(tree.admin)
    return client


@pytest.fixture
def closed_centre(tree: Tree) -> Centre:
    return CentreFactory.create(code="SHUT1", parent=tree.s1, active=False)


def user_change_data(user: Any, memberships: list[dict[str, Any]]) -> dict[str, Any]:
    """The user admin's change form for ``user`` (who has no membership yet), adding ``memberships``."""
    joined = timezone.localtime(user.date_joined)
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": joined.date().isoformat(),
        "date_joined_1": joined.time().replace(microsecond=0).isoformat(),
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": "0",
    }
    for index, membership in enumerate(memberships):
        data.update({f"memberships-{index}-{k}": v for k, v in membership.items()})
    return data


def centre_change_data(centre: Centre, memberships: list[dict[str, Any]]) -> dict[str, Any]:
    """The centre admin's change form for ``centre`` (no members yet), adding ``memberships``."""
    data = {
        "code": centre.code,
        "name_zh": centre.name_zh,
        "name_en": centre.name_en,
        "level": centre.level,
        "kind": centre.kind,
        "parent": centre.parent_id or "",
        "timezone": centre.timezone,
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": "0",
        "children-TOTAL_FORMS": "0",
        "children-INITIAL_FORMS": "0",
        "deadline_policies-TOTAL_FORMS": "0",
        "deadline_policies-INITIAL_FORMS": "0",
    }
    if centre.active:
        data["active"] = "on"
    for index, membership in enumerate(memberships):
        data.update({f"memberships-{index}-{k}": v for k, v in membership.items()})
    return data


def test_the_membership_admin_refuses_an_inactive_centre_at_its_field(
    client_admin: Client, closed_centre: Centre
) -> None:
    user = UserFactory.create()
    response = client_admin.post(
        reverse("admin:cases_membership_add"),
        {"user": user.pk, "centre": closed_centre.pk, "role": Role.MEDIATOR},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert REFUSED in page
    assert 'id="id_centre_error"' in page  # under the centre field, not the whole form
    assert not Membership.objects.filter(user=user).exists()


def test_the_user_admin_refuses_a_membership_at_an_inactive_centre(
    client_admin: Client, closed_centre: Centre, tree: Tree
) -> None:
    user = UserFactory.create()
    response = client_admin.post(
        reverse("admin:auth_user_change", args=[user.pk]),
        user_change_data(
            user,
            [
                {"centre": tree.s1.pk, "role": Role.MEDIATOR},
                {"centre": closed_centre.pk, "role": Role.MEDIATOR},
            ],
        ),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert REFUSED in page
    assert 'id="id_memberships-1-centre_error"' in page
    assert not Membership.objects.filter(user=user).exists()  # not even the valid one


def test_the_centre_admin_refuses_members_of_an_inactive_centre(
    client_admin: Client, closed_centre: Centre
) -> None:
    user = UserFactory.create()
    response = client_admin.post(
        reverse("admin:cases_centre_change", args=[closed_centre.pk]),
        centre_change_data(closed_centre, [{"user": user.pk, "role": Role.MEDIATOR}]),
    )
    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert not Membership.objects.filter(centre=closed_centre).exists()


def test_the_centre_admin_refuses_members_when_the_same_post_closes_the_centre(
    client_admin: Client, tree: Tree
) -> None:
    user = UserFactory.create()
    tree.k1.active = False  # unticked on the page that adds the member
    response = client_admin.post(
        reverse("admin:cases_centre_change", args=[tree.k1.pk]),
        centre_change_data(tree.k1, [{"user": user.pk, "role": Role.MEDIATOR}]),
    )
    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert Centre.objects.get(pk=tree.k1.pk).active
    assert not Membership.objects.filter(user=user).exists()


def test_memberships_at_active_centres_are_added_and_removed_in_the_admin(
    client_admin: Client, tree: Tree
) -> None:
    user = UserFactory.create()
    added = client_admin.post(
        reverse("admin:auth_user_change", args=[user.pk]),
        user_change_data(user, [{"centre": tree.s1.pk, "role": Role.MEDIATOR}]),
    )
    assert added.status_code == 302, added.content.decode()[:3000]
    assert list(Membership.objects.filter(user=user).values_list("centre", "role")) == [
        (tree.s1.pk, Role.MEDIATOR)
    ]

    by_centre = client_admin.post(
        reverse("admin:cases_centre_change", args=[tree.k1.pk]),
        centre_change_data(tree.k1, [{"user": user.pk, "role": Role.INTAKE}]),
    )
    assert by_centre.status_code == 302, by_centre.content.decode()[:3000]
    assert Membership.objects.filter(user=user, centre=tree.k1, role=Role.INTAKE).exists()

    membership = Membership.objects.get(user=user, centre=tree.s1)
    removed = client_admin.post(
        reverse("admin:cases_membership_delete", args=[membership.pk]), {"post": "yes"}
    )
    assert removed.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_a_membership_kept_at_a_centre_closed_since_can_still_be_removed(
    client_admin: Client, tree: Tree
) -> None:
    membership = MembershipFactory.create(centre=tree.k1, role=Role.MEDIATOR)
    Centre.objects.filter(pk=tree.k1.pk).update(active=False)
    changelist = reverse("admin:cases_membership_changelist")
    response = client_admin.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [membership.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
