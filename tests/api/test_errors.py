"""One error shape for every refusal, in the caller's language (DESIGN §6, §9).

``{"error": {"code", "message", "fields"}}`` for 400, 401, 404, 409, 412, 422, 428, 429 and 500;
the message follows ``Accept-Language`` (zh-hans or en); no body carries a stack trace or SQL.
"""

import re
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from cases.api.views import cases as case_views
from cases.models import Case, IdempotencyKey
from tests.api.support import assert_error, client_for
from tests.factories import Tree, register, seeded_category

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
LANGUAGES = ["zh-hans", "en"]


def assert_language(message: str, language: str) -> None:
    if language == "en":
        assert not CJK.search(message), f"English was asked for: {message!r}"
        assert re.search(r"[A-Za-z]{3}", message), message
    else:
        assert CJK.search(message), f"Chinese was asked for: {message!r}"


def intake_body(tree: Tree, **changes: Any) -> dict[str, Any]:
    return {
        "centre": tree.s1.pk,
        "channel": "walk_in",
        "category": seeded_category().pk,
        "summary": "楼上漏水",
        "parties": [
            {"role": "applicant", "name": "张三", "phone": "13800138000"},
            {"role": "respondent", "name": "李四"},
        ],
        **changes,
    }


@pytest.fixture
def case(tree: Tree) -> Case:
    return register(actor=tree.admin, centre=tree.s1)


@pytest.mark.parametrize("language", LANGUAGES)
class TestEachStatusInBothLanguages:
    def test_400_names_the_field_of_a_party(self, tree: Tree, language: str) -> None:
        body = intake_body(tree)
        body["parties"][0]["name"] = ""
        response = client_for(tree.intake_s1, language=language).post(
            "/api/v1/cases/", body, format="json"
        )
        error = assert_error(response, 400, "invalid")
        assert set(error["fields"]) == {"parties.0.name"}
        assert_language(error["message"], language)
        assert_language(error["fields"]["parties.0.name"][0], language)
        assert (
            error["message"]
            == {"en": "Some fields are not valid.", "zh-hans": "部分字段填写有误。"}[language]
        )
        assert not Case.objects.exists()

    def test_400_from_the_domain_names_the_field_too(self, tree: Tree, language: str) -> None:
        body = intake_body(tree)
        body["parties"][1]["phone"] = "call me"
        response = client_for(tree.intake_s1, language=language).post(
            "/api/v1/cases/", body, format="json"
        )
        error = assert_error(response, 400, "invalid")
        assert set(error["fields"]) == {"parties.1.phone"}
        assert error["fields"]["parties.1.phone"] == [
            {"en": "Enter a valid phone number.", "zh-hans": "请输入有效的电话号码。"}[language]
        ]
        assert not Case.objects.exists()

    def test_401_without_a_token(self, language: str) -> None:
        response = client_for(None, language=language).get("/api/v1/cases/")
        error = assert_error(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == "Token"
        assert (
            error["message"]
            == {
                "en": "Authentication credentials were not provided.",
                "zh-hans": "身份认证信息未提供。",
            }[language]
        )

    def test_401_with_an_unknown_token(self, language: str) -> None:
        client = client_for(None, language=language)
        response = client.get("/api/v1/cases/", headers={"Authorization": "Token " + "0" * 40})
        error = assert_error(response, 401, "authentication_failed")
        assert_language(error["message"], language)

    def test_404_for_a_case_outside_the_scope(self, tree: Tree, case: Case, language: str) -> None:
        response = client_for(tree.director_d2, language=language).get(f"/api/v1/cases/{case.pk}/")
        error = assert_error(response, 404, "not_found")
        assert error["message"] == {"en": "Not found.", "zh-hans": "未找到。"}[language]

    def test_404_for_an_unknown_url(self, tree: Tree, language: str) -> None:
        response = client_for(tree.admin, language=language).get("/api/v1/no-such-thing/")
        error = assert_error(response, 404, "not_found")
        assert_language(error["message"], language)

    def test_409_for_an_illegal_transition(self, tree: Tree, case: Case, language: str) -> None:
        response = client_for(tree.director_d1, language=language).post(
            f"/api/v1/cases/{case.pk}/transitions/close/",
            {},
            format="json",
            headers={"If-Match": f'"{case.version}"'},
        )
        error = assert_error(response, 409, "transition_not_allowed")
        assert (
            error["message"]
            == {
                "en": "“Close” is not possible while the case is “Registered”.",
                "zh-hans": "案件当前状态为“已登记”，不能执行“结案”。",
            }[language]
        )
        assert Case.objects.get(pk=case.pk).version == case.version

    def test_412_for_a_stale_if_match(self, tree: Tree, case: Case, language: str) -> None:
        response = client_for(tree.director_d1, language=language).patch(
            f"/api/v1/cases/{case.pk}/",
            {"summary": "改"},
            format="json",
            headers={"If-Match": f'"{case.version + 5}"'},
        )
        error = assert_error(response, 412, "precondition_failed")
        assert error["current_version"] == case.version
        assert (
            error["message"]
            == {
                "en": "Someone else changed this case meanwhile. Reload it and try again.",
                "zh-hans": "其他人已修改了此案件，请重新加载后再试。",
            }[language]
        )

    def test_422_for_a_reused_idempotency_key(self, tree: Tree, language: str) -> None:
        client = client_for(tree.intake_s1, language=language)
        headers = {"Idempotency-Key": "reused"}
        first = client.post("/api/v1/cases/", intake_body(tree), format="json", headers=headers)
        assert first.status_code == 201
        response = client.post(
            "/api/v1/cases/", intake_body(tree, summary="另一件"), format="json", headers=headers
        )
        error = assert_error(response, 422, "idempotency_key_reused")
        assert_language(error["message"], language)
        assert Case.objects.count() == 1

    def test_428_for_a_missing_if_match(self, tree: Tree, case: Case, language: str) -> None:
        response = client_for(tree.director_d1, language=language).post(
            f"/api/v1/cases/{case.pk}/transitions/accept/", {}, format="json"
        )
        error = assert_error(response, 428, "precondition_required")
        assert_language(error["message"], language)

    def test_429_when_throttled(
        self, tree: Tree, language: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # DRF reads the rates once, at import: patch the classes' copy, and start the counters empty.
        monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/minute"})
        monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
        cache.clear()
        client = client_for(tree.observer_d1, language=language)
        answers = [client.get("/api/v1/cases/") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        error = assert_error(answers[2], 429, "throttled")
        assert_language(error["message"], language)
        assert 1 <= int(answers[2]["Retry-After"]) <= 61
        # Signing in is throttled per address too.
        anonymous = client_for(None, language=language)
        tries = [
            anonymous.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json")
            for _ in range(3)
        ]
        assert [t.status_code for t in tries] == [400, 400, 429]
        assert int(tries[2]["Retry-After"]) >= 1

    def test_500_says_nothing_of_the_cause(
        self, tree: Tree, language: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(**kwargs: Any) -> Case:
            raise RuntimeError('SELECT secret FROM cases_party; File "/srv/app.py", line 1')

        monkeypatch.setattr(case_views.intake, "register_case", broken)
        response = client_for(tree.intake_s1, language=language).post(
            "/api/v1/cases/", intake_body(tree), format="json"
        )
        error = assert_error(response, 500, "server_error")
        assert_language(error["message"], language)
        assert b"secret" not in response.content and b"RuntimeError" not in response.content


def test_messages_differ_between_languages(tree: Tree, case: Case) -> None:
    """The same refusal in both languages: the texts are translations, not one fixed text."""
    url = f"/api/v1/cases/{case.pk}/transitions/accept/"
    answers = {
        language: client_for(tree.director_d1, language=language).post(url, {}, format="json")
        for language in LANGUAGES
    }
    messages = {language: a.json()["error"]["message"] for language, a in answers.items()}
    assert messages["zh-hans"] != messages["en"]


def test_the_default_language_is_chinese(tree: Tree) -> None:
    response = client_for(None, language=None).get("/api/v1/cases/")
    assert assert_error(response, 401)["message"] == "身份认证信息未提供。"


# --- Tokens -------------------------------------------------------------------------------------


@pytest.fixture
def password_user(tree: Tree) -> Any:
    user = tree.intake_s1
    user.set_password("demo12345")
    user.save(update_fields=["password"])
    return user


class TestTokens:
    def test_a_wrong_password_is_400_naming_the_field(self, tree: Tree, password_user: Any) -> None:
        response = client_for(None).post(
            "/api/v1/auth/token/",
            {"username": password_user.username, "password": "demo1234"},
            format="json",
        )
        error = assert_error(response, 400, "invalid_credentials")
        assert set(error["fields"]) == {"password"}
        assert error["message"] == "Unable to log in with these credentials."

    def test_a_missing_username_is_400_naming_the_field(self) -> None:
        response = client_for(None, language="zh-hans").post(
            "/api/v1/auth/token/", {"password": "demo12345"}, format="json"
        )
        error = assert_error(response, 400, "invalid")
        assert set(error["fields"]) == {"username"}
        assert_language(error["fields"]["username"][0], "zh-hans")

    def test_a_revoked_token_no_longer_opens_the_api(self, password_user: Any) -> None:
        anonymous = client_for(None)
        obtained = anonymous.post(
            "/api/v1/auth/token/",
            {"username": password_user.username, "password": "demo12345"},
            format="json",
        )
        assert obtained.status_code == 200
        key = obtained.json()["token"]
        headers = {"Authorization": f"Token {key}"}
        assert anonymous.get("/api/v1/me/", headers=headers).status_code == 200

        revoked = anonymous.delete("/api/v1/auth/token/", headers=headers)
        assert revoked.status_code == 204
        after = anonymous.get("/api/v1/me/", headers=headers)
        assert_error(after, 401, "authentication_failed")

        again = anonymous.post(
            "/api/v1/auth/token/",
            {"username": password_user.username, "password": "demo12345"},
            format="json",
        )
        assert again.json()["token"] != key
        new_headers = {"Authorization": f"Token {again.json()['token']}"}
        assert anonymous.get("/api/v1/me/", headers=new_headers).status_code == 200

    def test_idempotency_keys_of_anonymous_requests_are_not_stored(self) -> None:
        client_for(None).post(
            "/api/v1/cases/", {}, format="json", headers={"Idempotency-Key": "anonymous"}
        )
        assert not IdempotencyKey.objects.exists()
