"""Audit records for what is not a case event (issue 22): each audited act writes exactly one
record, with personal data masked — sign-ins on the web, the admin and the API's token endpoint,
lockouts, sign-outs, tokens, set-up changes in the admin and the API, reveals and downloads."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import AuditAction, AuditRecord, Category, Role
from cases.services.attachments import upload_attachment
from tests.attachment_files import pdf, upload, use_tmp_storage
from tests.factories import APPLICANT, Tree, UserFactory, register

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
CLEAR_ID = "420106198001011237"
CLEAR_PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _with_password(user: Any) -> Any:
    user.set_password(PASSWORD)
    user.save()
    return user


def _records(action: str) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action=action).order_by("pk"))


def _new(before: int) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(pk__gt=before).order_by("pk"))


def _last_pk() -> int:
    return AuditRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# --- Signing in and out --------------------------------------------------------------------------


def test_a_web_sign_in_and_sign_out_write_one_record_each(tree: Tree) -> None:
    user = _with_password(tree.intake_s1)
    client = Client()
    before = _last_pk()
    response = client.post(reverse("web:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    (signed_in,) = _new(before)
    assert (signed_in.action, signed_in.actor, signed_in.details) == (
        AuditAction.LOGIN_SUCCEEDED,
        user,
        {"channel": "web"},
    )
    assert signed_in.centre == tree.s1  # the director of S1's district sees it
    assert signed_in.ip_address == "127.0.0.1"

    before = _last_pk()
    client.post(reverse("web:logout"))
    (signed_out,) = _new(before)
    assert (signed_out.action, signed_out.actor) == (AuditAction.LOGOUT, user)


def test_failed_sign_ins_then_the_lockout_one_record_per_attempt(tree: Tree, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    user = _with_password(tree.intake_s1)
    client = Client()
    before = _last_pk()
    for _attempt in range(4):
        client.post(reverse("web:login"), {"username": user.username, "password": "wrong guess"})
    records = _new(before)
    assert [r.action for r in records] == [
        AuditAction.LOGIN_FAILED,
        AuditAction.LOGIN_FAILED,
        AuditAction.LOGIN_LOCKED_OUT,  # the third failure locked the account
        AuditAction.LOGIN_LOCKED_OUT,  # refused while locked
    ]
    assert all(r.actor is None and r.actor_name == user.username for r in records)
    assert all(r.target == f"auth.user:{user.pk}" for r in records)
    assert records[2].details["locked"] == ["username"]
    assert "wrong guess" not in json.dumps([r.details for r in records])


def test_the_admin_sign_in_is_recorded_as_the_admins(tree: Tree) -> None:
    admin = _with_password(tree.admin)
    before = _last_pk()
    Client().post(
        reverse("admin:login"),
        {"username": admin.username, "password": PASSWORD, "next": "/admin/"},
    )
    (record,) = _new(before)
    assert (record.action, record.actor, record.details) == (
        AuditAction.LOGIN_SUCCEEDED,
        admin,
        {"channel": "admin"},
    )


def test_the_token_endpoint_signs_in_issues_and_revokes(tree: Tree) -> None:
    user = _with_password(tree.intake_s1)
    api = APIClient()
    before = _last_pk()
    wrong = api.post(
        "/api/v1/auth/token/", {"username": user.username, "password": "nope"}, format="json"
    )
    assert wrong.status_code == 400
    (failed,) = _new(before)
    assert (failed.action, failed.details["channel"]) == (AuditAction.LOGIN_FAILED, "api")

    before = _last_pk()
    token = api.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    key = token.json()["token"]
    signed_in, issued = _new(before)
    assert (signed_in.action, signed_in.details) == (
        AuditAction.LOGIN_SUCCEEDED,
        {"channel": "api"},
    )
    assert (issued.action, issued.actor) == (AuditAction.TOKEN_ISSUED, user)
    # The few characters knox names it by in the admin, never the key.
    assert key.startswith(issued.details["token"]) and len(issued.details["token"]) < len(key)
    assert key not in json.dumps(issued.details)

    before = _last_pk()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.delete("/api/v1/auth/token/").status_code == 204
    (revoked,) = _new(before)
    assert (revoked.action, revoked.details["tokens"], revoked.details["reason"]) == (
        AuditAction.TOKEN_REVOKED,
        [issued.details["token"]],
        "logout",
    )


# --- Changes to the set-up -----------------------------------------------------------------------


def test_a_category_changed_in_the_admin_records_the_changed_fields_only(tree: Tree) -> None:
    admin = Client()
    admin.force_login(tree.admin)
    category = Category.objects.create(code="pets", name_zh="宠物纠纷", name_en="Pets", position=9)
    before = _last_pk()
    response = admin.post(
        reverse("admin:cases_category_change", args=[category.pk]),
        {"code": "pets", "name_zh": "宠物纠纷", "name_en": "Pets and animals", "position": 9,
         "active": "on", "parent": ""},
    )  # fmt: skip
    assert response.status_code == 302
    (record,) = _new(before)
    assert (record.action, record.actor, record.target) == (
        AuditAction.CATEGORY_CHANGED,
        tree.admin,
        f"cases.category:{category.pk}",
    )
    assert record.details["before"] == {"name_en": "Pets"}
    assert record.details["after"] == {"name_en": "Pets and animals"}
    assert record.details["channel"] == "admin"


def test_a_password_set_in_the_admin_says_so_and_never_shows_it(tree: Tree) -> None:
    admin = Client()
    admin.force_login(tree.admin)
    user = tree.intake_s1
    before = _last_pk()
    response = admin.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "a brand new passphrase", "password2": "a brand new passphrase",
         "usable_password": "true"},
    )  # fmt: skip
    assert response.status_code == 302
    changed = [r for r in _new(before) if r.action == AuditAction.USER_CHANGED]
    assert len(changed) == 1
    assert changed[0].details["password_changed"] is True
    assert changed[0].details["before"] == {} and changed[0].details["after"] == {}
    user.refresh_from_db()
    assert user.password not in json.dumps(changed[0].details)


def test_a_user_changed_through_the_api_with_memberships(tree: Tree) -> None:
    api = APIClient()
    api.force_authenticate(tree.admin)
    user = UserFactory.create(email="old@example.org")
    before = _last_pk()
    response = api.patch(
        f"/api/v1/users/{user.pk}/",
        {
            "email": "new@example.org",
            "memberships": [{"centre": tree.d2.pk, "role": Role.OBSERVER}],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    records = _new(before)
    assert [r.action for r in records] == [
        AuditAction.USER_CHANGED,
        AuditAction.MEMBERSHIP_CHANGED,
    ]
    assert records[0].details["before"] == {"email": "old@example.org"}
    assert records[0].details["after"] == {"email": "new@example.org"}
    added = records[1]
    assert added.centre == tree.d2 and added.details["operation"] == "created"
    assert added.details["after"]["role"] == Role.OBSERVER
    assert all(r.actor == tree.admin and r.details["channel"] == "api" for r in records)


@pytest.mark.parametrize(
    ("model", "form", "action", "field", "value"),
    [
        (
            "deadlinepolicy",
            {"channel": ""},
            AuditAction.DEADLINE_SETTING_CHANGED,
            "mediation_days",
            20,
        ),
        ("retentionrule", {"category": ""}, AuditAction.RETENTION_SETTING_CHANGED, "years", 15),
        ("warningthreshold", {}, AuditAction.WARNING_SETTING_CHANGED, "cluster_cases", 4),
    ],
)
def test_a_setting_added_in_the_admin_is_filed_under_its_centre(
    tree: Tree, model: str, form: dict[str, Any], action: str, field: str, value: int
) -> None:
    admin = Client()
    admin.force_login(tree.admin)
    before = _last_pk()
    response = admin.post(
        reverse(f"admin:cases_{model}_add"), {"centre": tree.s2.pk, field: value, **form}
    )
    assert response.status_code == 302
    (record,) = _new(before)
    assert (record.action, record.centre, record.details["operation"]) == (
        action,
        tree.s2,
        "created",
    )
    assert record.details["before"] == {}
    assert record.details["after"][field] == value


# --- Reveals and downloads -----------------------------------------------------------------------


def test_a_reveal_keeps_its_event_and_writes_one_masked_record(tree: Tree) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    party = case.parties.get(name=APPLICANT.name)
    client = Client()
    client.force_login(tree.director_d1)
    before = _last_pk()
    response = client.post(
        reverse("web:party_reveal", args=[case.pk, party.pk]), headers={"HX-Request": "true"}
    )
    assert CLEAR_PHONE in response.content.decode()
    (record,) = _new(before)
    assert (record.action, record.case, record.centre) == (AuditAction.REVEAL, case, tree.s1)
    stored = json.dumps(record.details)
    assert CLEAR_PHONE not in stored and CLEAR_ID not in stored
    assert record.details["phone"] == "138****5678"
    assert record.details["id_number"] == "420***********1237"
    assert case.events.filter(kind="reveal").count() == 1


def test_an_attachment_download_writes_one_record(
    tree: Tree, settings: Any, tmp_path: Path
) -> None:
    use_tmp_storage(settings, tmp_path)
    case = register(actor=tree.intake_s1, centre=tree.s1)
    attachment = upload_attachment(
        case=case, actor=tree.intake_s1, file=upload("借条13812345678.pdf", pdf()), kind="contract"
    )
    client = Client()
    client.force_login(tree.observer_d1)
    before = _last_pk()
    response = client.get(reverse("web:attachment_download", args=[case.pk, attachment.pk]))
    assert response.status_code == 200
    (record,) = _new(before)
    assert (record.action, record.case, record.actor) == (
        AuditAction.DOWNLOAD,
        case,
        tree.observer_d1,
    )
    assert record.details["document"] == "attachment"
    assert CLEAR_PHONE not in json.dumps(record.details, ensure_ascii=False)


def test_a_report_download_writes_one_record_per_file(tree: Tree) -> None:
    api = APIClient()
    api.force_authenticate(tree.director_d1)
    before = _last_pk()
    response = api.get(f"/api/v1/reports/monthly/csv/?centre={tree.d1.pk}&scope=subtree")
    assert response.status_code == 200
    (record,) = _new(before)
    assert (record.action, record.centre, record.details["format"]) == (
        AuditAction.REPORT_DOWNLOAD,
        tree.d1,
        "csv",
    )
    # The report read as JSON is no download.
    before = _last_pk()
    assert api.get(f"/api/v1/reports/monthly/?centre={tree.d1.pk}").status_code == 200
    assert _new(before) == []
