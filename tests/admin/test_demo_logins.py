"""The demo logins (``seed_demo``) are not staff: only ``admin`` uses the Django admin (issue 15).

The network (3,503 centres and their users) is built once for the module, without cases.
"""

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from cases.demo.network import DEMO_LOGINS, DEMO_PASSWORD, OLD_DEMO_GROUP
from cases.models import Case, Centre


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", cases=0, force=True, stdout=out, stderr=StringIO())
        yield out.getvalue()
        transaction.set_rollback(True)


def _demo_users() -> Any:
    return get_user_model().objects.filter(username__in=[login.username for login in DEMO_LOGINS])


@pytest.mark.django_db
def test_only_admin_is_staff_and_no_demo_login_holds_a_django_permission(seeded: str) -> None:
    users = {u.username: u for u in _demo_users()}
    assert set(users) == {login.username for login in DEMO_LOGINS}
    assert {name for name, u in users.items() if u.is_staff} == {"admin"}
    assert users["admin"].is_superuser
    assert get_user_model().objects.filter(is_staff=True).count() == 1  # generated users neither
    assert not Group.objects.filter(name=OLD_DEMO_GROUP).exists()
    for name, user in users.items():
        if name != "admin":
            assert not user.get_all_permissions(), name


@pytest.mark.django_db
def test_the_demo_mediator_logging_in_at_the_admin_is_refused(seeded: str) -> None:
    client = Client()
    response = client.post(
        reverse("admin:login"), {"username": "mediator", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200  # the form again, with its error
    assert "errornote" in response.content.decode()
    assert client.get(reverse("admin:cases_party_changelist")).status_code == 302
    # The web UI is where the mediator works.
    assert client.post(
        reverse("web:login"), {"username": "mediator", "password": DEMO_PASSWORD}
    ).status_code in {302, 303}


@pytest.mark.django_db
def test_seeding_again_retires_the_staff_flags_an_earlier_seed_gave(seeded: str) -> None:
    # A database seeded before issue 15: every demo login staff, in a group with every view_*.
    group = Group.objects.create(name=OLD_DEMO_GROUP)
    group.permissions.set(Permission.objects.filter(codename__startswith="view_"))
    for user in _demo_users():
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(group)
    counts = (Centre.objects.count(), get_user_model().objects.count(), Case.objects.count())

    out = StringIO()
    call_command("seed_demo", cases=0, force=True, stdout=out, stderr=StringIO())

    assert "nothing added" in out.getvalue()
    assert (Centre.objects.count(), get_user_model().objects.count(), Case.objects.count()) == (
        counts
    )
    assert {u.username for u in _demo_users() if u.is_staff} == {"admin"}
    assert not Group.objects.filter(name=OLD_DEMO_GROUP).exists()
    assert not get_user_model().objects.get(username="mediator").get_all_permissions()
