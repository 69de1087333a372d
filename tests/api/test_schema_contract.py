"""The OpenAPI schema as integrators' tools use it (issue 17): valid, one English document whoever
asks, one shared error component whose codes are the catalogue's, every error status and header of
every operation declared; the rate-limit headers and the token schemes it declares."""

import io
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import JsonResponse
from django.test import Client
from django.test.client import RequestFactory
from openapi_spec_validator import validate
from rest_framework import exceptions
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

import cases.api.base
import cases.api.errors
from cases import errors
from cases.api.errors import DOMAIN_STATUS, exception_handler
from cases.services.users import issue_api_token
from tests import contract
from tests.api.support import assert_error, client_for
from tests.factories import Tree

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
CODES = {e.code for e in errors.ERROR_CODES}
METHODS = ("get", "put", "patch", "post", "delete")


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return Client().get("/api/schema/", {"format": "json"}).json()  # type: ignore[no-any-return]


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


# --- Valid, and one English document ------------------------------------------------------------


def test_the_schema_is_a_valid_openapi_document(schema: dict[str, Any], tmp_path: Path) -> None:
    validate(schema)
    # What `manage.py spectacular` writes is the same document, valid too.
    call_command("spectacular", "--file", str(tmp_path / "schema.yaml"))
    written = yaml.safe_load((tmp_path / "schema.yaml").read_text(encoding="utf-8"))
    validate(written)
    assert written == schema


def test_the_schema_is_the_same_bytes_whatever_the_language_asked() -> None:
    answers = {
        language: Client().get(
            "/api/schema/",
            {"format": "json"},
            headers={"Accept-Language": language} if language else {},
        )
        for language in ("zh-hans", "en", None)
    }
    bodies = {language: answer.content for language, answer in answers.items()}
    assert {answer["Content-Language"] for answer in answers.values()} == {"en"}
    assert bodies["zh-hans"] == bodies["en"] == bodies[None]
    yaml_answers = {
        Client().get("/api/schema/", HTTP_ACCEPT_LANGUAGE=language).content
        for language in ("zh-hans", "en")
    }
    assert len(yaml_answers) == 1


def _texts(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every string of the schema (keys included) with where it is, leaving out example values:
    those are data, such as a party's Chinese name."""
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            found.append((f"{path}/{key}", key))
            if key not in ("example", "examples"):
                found += _texts(item, f"{path}/{key}")
        return found
    if isinstance(value, list):
        return [t for i, item in enumerate(value) for t in _texts(item, f"{path}/{i}")]
    return [(path, value)] if isinstance(value, str) else []


def test_every_title_description_and_name_of_the_schema_is_english() -> None:
    schema = Client().get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    chinese = [(where, text) for where, text in _texts(schema) if CJK.search(text)]
    assert chinese == []
    # The report's figure definitions, among others, are the English ones.
    figures = schema["paths"]["/api/v1/reports/monthly/"]["get"]["responses"]["200"]["content"]
    received = figures["application/json"]["schema"]["properties"]["figures"]["properties"]
    assert received["received"]["description"].startswith("Cases registered")
    # Component names and enum values are ASCII.
    assert all(name.isascii() for name in schema["components"]["schemas"])


def test_components_describe_the_api_not_the_code(schema: dict[str, Any]) -> None:
    descriptions = {
        name: component.get("description", "")
        for name, component in schema["components"]["schemas"].items()
    }
    for name, text in descriptions.items():
        # "issue 17" is the code's history; "API token issued" (an audit action) is the API's.
        assert not re.search(r"\bissue\b|#\d|ModelSerializer|DRF|``", text), (name, text)
    assert "If-Match" in descriptions["Case"]
    assert "masked" in descriptions["Party"]


# --- Errors: one component, the catalogue's codes -----------------------------------------------


def test_every_error_answer_refers_to_the_one_error_component(schema: dict[str, Any]) -> None:
    error = schema["components"]["schemas"]["Error"]
    assert error["properties"]["error"] == {"$ref": "#/components/schemas/ErrorDetail"}
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message", "fields"}
    assert detail["properties"]["current_version"]["type"] == "integer"
    assert schema["components"]["schemas"]["ErrorCodeEnum"]["enum"] == [
        e.code for e in errors.ERROR_CODES
    ]
    for method, path, operation in operations(schema):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                (media_type,) = response["content"]
                assert media_type == "application/json", (method, path, status)
                assert response["content"][media_type]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }, (method, path, status)


def _handled(exc: Exception) -> tuple[int, str]:
    answer = exception_handler(exc, {})
    return answer.status_code, answer.data["error"]["code"]


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_code_the_exception_handler_answers_is_in_the_catalogue(db: None) -> None:
    assert cases.api.base  # its exceptions are among the subclasses below
    answered: set[tuple[int, str]] = set()
    for domain in _subclasses(errors.DomainError):  # DomainError itself is never raised
        if domain is errors.VersionConflict:
            answered.add(_handled(domain(3)))
        else:
            answered.add(_handled(domain()))
    for api in _subclasses(exceptions.APIException):
        if api.__module__.startswith(("rest_framework.", "cases.")):
            arguments: tuple[Any, ...] = {
                exceptions.MethodNotAllowed: ("PATCH",),
                exceptions.UnsupportedMediaType: ("text/plain",),
                cases.api.base._KeyInUse: (3,),
            }.get(api, ())
            answered.add(_handled(api(*arguments)))
    answered.add(_handled(RuntimeError("boom")))
    answered.add(_handled(cases.api.errors.OperationalError("connection refused")))
    for status, code in answered:
        entry = next((e for e in errors.ERROR_CODES if e.code == code), None)
        assert entry is not None, code
        assert status in entry.statuses, (code, status)
    assert {code for _, code in answered} | {"invalid_credentials", "locked_out"} | {
        "pdf_unavailable"
    } == CODES
    for domain, status in DOMAIN_STATUS:
        assert status in next(e.statuses for e in errors.ERROR_CODES if e.code == domain.code)


def test_every_code_written_into_an_error_body_is_in_the_catalogue() -> None:
    written = {
        match
        for source in (ROOT / "cases").rglob("*.py")
        for match in re.findall(r'error_body\(\s*"([a-z_]+)"', source.read_text(encoding="utf-8"))
    }
    assert written, "no error_body calls found"
    assert written <= CODES
    assert not re.search(
        r"\bAPIException\(",
        "".join(p.read_text(encoding="utf-8") for p in (ROOT / "cases").rglob("*.py")),
    ), "a bare APIException answers the code 'error', which is not in the catalogue"


def test_the_committed_error_catalogue_is_the_generated_one(tmp_path: Path) -> None:
    call_command("error_catalogue", "--check", stdout=io.StringIO())
    written = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for entry in errors.ERROR_CODES:
        assert f"| `{entry.code}` |" in written
    stale = tmp_path / "errors.md"
    stale.write_text(written.replace("| `throttled` | 429 |", "| `throttled` | 400 |"))
    with pytest.raises(CommandError):
        call_command("error_catalogue", "--check", "--file", str(stale), stdout=io.StringIO())
    call_command("error_catalogue", "--file", str(stale), stdout=io.StringIO())
    assert stale.read_text(encoding="utf-8") == written


def test_the_api_doc_links_the_catalogue_and_says_what_the_server_answers() -> None:
    api = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert "(errors.md)" in api
    rows = re.findall(r"^\| (\d{3}) \| `([a-z_]+)`", api, flags=re.M)
    for status, code in rows:
        assert int(status) in next(e.statuses for e in errors.ERROR_CODES if e.code == code), code
    assert ("409", "double_booked") in rows and ("503", "pdf_unavailable") in rows


# --- Every operation declares its errors and headers --------------------------------------------


def _header(response: dict[str, Any], name: str) -> dict[str, Any] | None:
    return response.get("headers", {}).get(name)  # type: ignore[no-any-return]


def test_every_operation_declares_the_errors_it_can_answer(schema: dict[str, Any]) -> None:
    for method, path, operation in operations(schema):
        statuses = set(operation["responses"])
        parameters = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
        where = (method, path)
        assert {"500", "503", "429"} <= statuses, where
        if path != "/api/v1/auth/token/" or method != "POST":
            assert {"401", "403"} <= statuses, where
        if "{" in path:
            assert "404" in statuses, where
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= statuses, where
        if any(place == "query" for place, _ in parameters):
            assert "400" in statuses, where
        if ("header", "If-Match") in parameters:
            assert {"412", "428"} <= statuses, where
            # Its success (200, or 201/204 for adding and removing a case's party) carries the
            # case's new ETag.
            successes = [r for code, r in operation["responses"].items() if code.startswith("2")]
            assert successes and all(_header(r, "ETag") for r in successes), where
        if ("header", "Idempotency-Key") in parameters:
            assert {"409", "422"} <= statuses, where
            assert _header(operation["responses"]["409"], "Retry-After"), where
            for status, response in operation["responses"].items():
                if int(status) < 500:
                    assert _header(response, "Idempotent-Replayed"), (where, status)
        for status in ("429", "503"):
            assert _header(operation["responses"][status], "Retry-After"), where
        for response in operation["responses"].values():
            assert _header(response, "X-RateLimit-Remaining"), where


def test_the_case_answers_declare_their_etag(schema: dict[str, Any]) -> None:
    case = schema["paths"]["/api/v1/cases/{id}/"]
    assert _header(case["get"]["responses"]["200"], "ETag")
    assert _header(case["patch"]["responses"]["200"], "ETag")
    assert _header(schema["paths"]["/api/v1/cases/"]["post"]["responses"]["201"], "ETag")
    etag = schema["components"]["headers"]["ETag"]
    assert etag["required"] is True
    if_match = next(p for p in case["patch"]["parameters"] if p["name"] == "If-Match")
    assert "ETag" in if_match["description"]
    # Every POST whose answer is kept for replay takes Idempotency-Key; a reveal's is not kept.
    post = schema["paths"]["/api/v1/notifications/read/"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in post["parameters"]}
    reveal = schema["paths"]["/api/v1/parties/{id}/reveal/"]["post"]
    assert "Idempotency-Key" not in {p["name"] for p in reveal.get("parameters", [])}


# --- The token under both prefixes ---------------------------------------------------------------


def test_the_token_is_declared_for_generators_as_bearer_and_as_token(
    schema: dict[str, Any],
) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearerAuth"]["description"],
    }
    assert schemes["tokenAuth"]["name"] == "Authorization"
    me = schema["paths"]["/api/v1/me/"]["get"]
    assert {"tokenAuth": []} in me["security"] and {"bearerAuth": []} in me["security"]


def test_a_token_works_after_bearer_as_after_token(tree: Tree) -> None:
    token = issue_api_token(user=tree.intake_s1)
    for prefix in ("Token", "Bearer", "bearer"):
        answer = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"{prefix} {token}")
        assert answer.status_code == 200, prefix
        assert answer.json()["username"] == tree.intake_s1.username
    for header in ("Bearer nonsense", "Bearer", f"Bearer {token} extra", f"Basic {token}"):
        answer = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=header)
        assert_error(answer, 401)
        assert answer["WWW-Authenticate"] == "Token"


# --- E-mail addresses ------------------------------------------------------------------------------


def test_an_account_without_an_email_address_answers_null(tree: Tree) -> None:
    user = tree.intake_s1
    user.email = ""
    user.save(update_fields=["email"])
    assert client_for(user).get("/api/v1/me/").json()["email"] is None
    user.email = "intake@example.org"
    user.save(update_fields=["email"])
    assert client_for(user).get("/api/v1/me/").json()["email"] == "intake@example.org"


def test_an_administrator_clears_an_address_with_null(tree: Tree) -> None:
    admin = client_for(tree.admin)
    user = tree.intake_s1
    answer = admin.patch(f"/api/v1/users/{user.pk}/", {"email": None}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["email"] is None
    user.refresh_from_db()
    assert user.email == ""
    created = admin.post("/api/v1/users/", {"username": "no_mail"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["email"] is None


# --- Rate-limit headers ----------------------------------------------------------------------------


def test_every_throttled_answer_says_where_the_caller_stands(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute"})
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "100/minute"})
    client = client_for(tree.observer_d1)
    # An error answered after the throttles ran (404) counts and carries them too.
    urls = ["/api/v1/cases/", "/api/v1/cases/999999999/", "/api/v1/cases/", "/api/v1/cases/"]
    answers = [client.get(url) for url in urls]
    assert [a.status_code for a in answers] == [200, 404, 200, 429]
    assert [a["X-RateLimit-Limit"] for a in answers] == ["3"] * 4
    assert [a["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    for answer in answers:
        assert 1 <= int(answer["X-RateLimit-Reset"]) <= 60
    assert answers[3]["X-RateLimit-Reset"] == answers[3]["Retry-After"]


def test_without_a_token_the_tighter_limit_is_reported(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "50/minute"})
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "5/minute"})
    answer = Client().post(
        "/api/v1/auth/token/", {"username": "x", "password": "y"}, content_type="application/json"
    )
    assert_error(answer, 400, "invalid_credentials")
    assert (answer["X-RateLimit-Limit"], answer["X-RateLimit-Remaining"]) == ("5", "4")


def test_the_rate_limit_headers_are_absent_before_the_throttles_run(db: None) -> None:
    answer = Client().get("/api/v1/me/", HTTP_AUTHORIZATION="Token nonsense")
    assert_error(answer, 401, "authentication_failed")
    assert "X-RateLimit-Remaining" not in answer


# --- The harness itself --------------------------------------------------------------------------


def test_the_harness_finds_an_undeclared_status_or_a_body_off_its_schema() -> None:
    request = RequestFactory().get("/api/v1/me/")
    assert contract.violations_of(request, JsonResponse({}, status=418))
    assert contract.violations_of(request, JsonResponse({"id": "seven"}))
    bad_code = JsonResponse({"error": {"code": "nope", "message": "m", "fields": {}}}, status=401)
    assert contract.violations_of(request, bad_code)
    # An ETag the schema requires, missing; a Retry-After that is not a number.
    transitions = RequestFactory().get("/api/v1/cases/3/transitions/")
    assert contract.violations_of(transitions, JsonResponse([], safe=False))
    slow = JsonResponse(
        {"error": {"code": "throttled", "message": "m", "fields": {}}},
        status=429,
        headers={"Retry-After": "soon"},
    )
    assert contract.violations_of(request, slow)
    # What OpenAPI cannot declare is let through: a path or a method the schema does not have.
    unknown = RequestFactory().get("/api/v1/nothing/")
    assert contract.violations_of(unknown, JsonResponse({}, status=404)) == []
    assert (
        contract.violations_of(RequestFactory().delete("/api/v1/me/"), JsonResponse({}, status=405))
        == []
    )
