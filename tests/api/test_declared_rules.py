"""The rules the server enforces are in the schema, and the server keeps to what the schema says
(issue 17, item 6): each rule read from the schema, and its violation refused with a 400 naming
the field or parameter.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases import workflow
from cases.api.search import ORDERING_FIELDS
from cases.models import Case, FollowUp, Session, Status
from tests.api.support import assert_error, client_for, results
from tests.factories import Tree, drive, register, seeded_category

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
SCHEMA_PREFIX = "/api/v1"


def component(schema: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    name = ref["$ref"].rsplit("/", 1)[1]
    found: dict[str, Any] = schema["components"]["schemas"][name]
    return found


def request_body(schema: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    body = schema["paths"][path][method]["requestBody"]
    return component(schema, body["content"]["application/json"]["schema"]) | {
        "body_required": body.get("required", False)
    }


def query_parameters(schema: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    operation = schema["paths"][path]["get"]
    return {p["name"]: p["schema"] for p in operation.get("parameters", []) if p["in"] == "query"}


# --- Bodies ---------------------------------------------------------------------------------------


def scheduled_follow_up(tree: Tree) -> FollowUp:
    resolved = drive(
        register(actor=tree.admin, centre=tree.s1), Status.RESOLVED, actor=tree.admin,
        mediator=tree.med_s1,
    )  # fmt: skip
    workflow.transition(case=resolved, name="close", actor=tree.admin, data={})
    return FollowUp.objects.get(case=resolved)


@pytest.mark.parametrize("missing", ["contact_method", "fulfilment"])
def test_recording_a_follow_up_requires_how_and_what_was_fulfilled(
    tree: Tree, schema: dict[str, Any], missing: str
) -> None:
    declared = request_body(schema, "/api/v1/follow-ups/{id}/", "patch")
    assert {"contact_method", "fulfilment"} <= set(declared["required"])
    assert declared["body_required"] is True

    follow_up = scheduled_follow_up(tree)
    body = {"contact_method": "phone", "fulfilment": "fulfilled", "satisfaction": 5}
    del body[missing]
    response = client_for(tree.admin).patch(
        f"/api/v1/follow-ups/{follow_up.pk}/", body, format="json"
    )
    assert set(assert_error(response, 400, "invalid")["fields"]) == {missing}
    assert FollowUp.objects.get(pk=follow_up.pk).done_at is None


def intake_body(tree: Tree, **changes: Any) -> dict[str, Any]:
    return {
        "centre": tree.s1.pk,
        "channel": "walk_in",
        "category": seeded_category().pk,
        "summary": "楼上漏水",
        "parties": [{"role": "applicant", "name": "张三", "phone": "13800138000"}],
        **changes,
    }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_case_needs_a_party_and_an_empty_list_is_named_parties(
    tree: Tree, schema: dict[str, Any], language: str
) -> None:
    declared = request_body(schema, CASES, "post")
    assert "parties" in declared["required"]
    assert declared["properties"]["parties"]["minItems"] == 1

    response = client_for(tree.intake_s1, language=language).post(
        CASES, intake_body(tree, parties=[]), format="json"
    )
    error = assert_error(response, 400, "invalid")
    # The documented dotted path: the field itself, not "parties.__all__".
    assert list(error["fields"]) == ["parties"]
    assert not Case.objects.exists()


def test_a_session_needs_a_mediator(tree: Tree, schema: dict[str, Any]) -> None:
    declared = request_body(schema, "/api/v1/sessions/", "post")
    assert "mediators" in declared["required"]
    assert declared["properties"]["mediators"]["minItems"] == 1

    case = drive(register(actor=tree.admin, centre=tree.s1), Status.IN_MEDIATION,
                 actor=tree.admin, mediator=tree.med_s1)  # fmt: skip
    starts = timezone.now().replace(microsecond=0) + timedelta(days=2)
    body = {
        "case": case.pk,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(),
        "mediators": [],
    }
    response = client_for(tree.admin).post("/api/v1/sessions/", body, format="json")
    assert list(assert_error(response, 400, "invalid")["fields"]) == ["mediators"]
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("centre", 0), ("category", -3), ("entrusting_court", 2**63)],
)
def test_ids_in_a_body_are_declared_from_1_to_the_64_bit_limit(
    tree: Tree, schema: dict[str, Any], field: str, value: int
) -> None:
    declared = request_body(schema, CASES, "post")["properties"][field]
    assert (declared["type"], declared["minimum"], declared["maximum"]) == ("integer", 1, 2**63 - 1)

    response = client_for(tree.intake_s1).post(
        CASES, intake_body(tree, **{field: value}), format="json"
    )
    assert field in assert_error(response, 400, "invalid")["fields"]
    assert not Case.objects.exists()


def test_an_amount_in_dispute_is_declared_not_negative(tree: Tree, schema: dict[str, Any]) -> None:
    pattern = request_body(schema, CASES, "post")["properties"]["amount_in_dispute"]["pattern"]
    assert not pattern.startswith("^-")

    response = client_for(tree.intake_s1).post(
        CASES, intake_body(tree, amount_in_dispute="-1.00"), format="json"
    )
    assert list(assert_error(response, 400, "invalid")["fields"]) == ["amount_in_dispute"]


# --- Query parameters ------------------------------------------------------------------------------

TYPED = [
    # (path, parameter, the schema it must have)
    (CASES, "overdue", {"type": "boolean"}),
    (CASES, "subtree", {"type": "boolean"}),
    (CASES, "centre", {"type": "integer", "minimum": 1}),
    ("/api/v1/centres/", "subtree", {"type": "integer", "minimum": 1}),
    ("/api/v1/mediators/", "centre", {"type": "integer", "minimum": 1}),
    ("/api/v1/mediators/", "specialty", {"type": "integer", "minimum": 1}),
    ("/api/v1/sessions/", "mediator", {"type": "integer", "minimum": 1}),
    ("/api/v1/users/", "centre", {"type": "integer", "minimum": 1}),
    ("/api/v1/agreements/", "unfulfilled", {"type": "boolean"}),
    ("/api/v1/transfers/", "incoming", {"type": "boolean"}),
    (CASES, "page_size", {"type": "integer", "minimum": 1}),
    (CASES, "q", {"type": "string", "maxLength": 200}),
    (CASES, "search", {"type": "string", "maxLength": 64}),
]


@pytest.mark.parametrize(("path", "name", "expected"), TYPED, ids=[f"{p}?{n}" for p, n, _ in TYPED])
def test_query_parameters_are_typed(
    schema: dict[str, Any], path: str, name: str, expected: dict[str, Any]
) -> None:
    declared = query_parameters(schema, path)[name]
    assert {key: declared.get(key) for key in expected} == expected


def test_the_case_lists_ordering_is_an_enum_of_the_documented_values(
    tree: Tree, schema: dict[str, Any]
) -> None:
    declared = query_parameters(schema, CASES)["ordering"]
    documented = {prefix + name for name in ORDERING_FIELDS for prefix in ("", "-")}
    assert declared["type"] == "string" and set(declared["enum"]) == documented

    register(actor=tree.admin, centre=tree.s1)
    client = client_for(tree.admin)
    for ordering in declared["enum"]:
        assert len(results(client.get(CASES, {"ordering": ordering}))) == 1, ordering
    for refused in ("salary", "number,-id", "-", "parties"):
        error = assert_error(client.get(CASES, {"ordering": refused}), 400, "invalid")
        assert list(error["fields"]) == ["ordering"], refused


def test_every_list_declares_its_own_orderings(schema: dict[str, Any]) -> None:
    for path, operations in schema["paths"].items():
        ordering = query_parameters(schema, path).get("ordering") if "get" in operations else None
        if ordering is not None:
            assert ordering["type"] == "string" and "-id" in ordering["enum"], path


def test_a_page_size_over_the_maximum_gives_the_maximum(tree: Tree) -> None:
    for _ in range(3):
        register(actor=tree.admin, centre=tree.s1)
    client = client_for(tree.admin)
    assert len(results(client.get(CASES, {"page_size": "500"}))) == 3
    assert len(results(client.get(CASES, {"page_size": "2"}))) == 2
    for refused in ("0", "-1", "two", "1.5"):
        error = assert_error(client.get(CASES, {"page_size": refused}), 400, "invalid")
        assert list(error["fields"]) == ["page_size"], refused


def bad_value(declared: dict[str, Any]) -> str | None:
    """A value the declared schema does not allow (``None``: the schema sets no rule to break)."""
    if declared.get("type") == "array":
        return bad_value(declared["items"])
    if "enum" in declared:
        return "not-one-of-them"
    if declared.get("type") == "boolean":
        return "maybe"
    if declared.get("type") == "integer":
        return "0" if declared.get("minimum") == 1 else "abc"
    if declared.get("format") in ("date", "date-time"):
        return "31/12/2026"
    if "pattern" in declared:
        return "no match"
    if "maxLength" in declared:
        return "7" * (declared["maxLength"] + 1)
    return None


def good_value(declared: dict[str, Any]) -> str | None:
    """A value of the declared type that needs no object to exist (``None``: none such)."""
    if declared.get("type") == "array":
        return good_value(declared["items"])
    if "enum" in declared:
        return str(declared["enum"][0])
    if declared.get("type") == "boolean":
        return "true"
    return {"date": "2026-01-01", "date-time": "2026-01-01T00:00:00+08:00"}.get(
        declared.get("format", "")
    )


def test_every_typed_query_parameter_refuses_a_value_of_another_type_naming_it(
    tree: Tree, schema: dict[str, Any]
) -> None:
    """Every GET operation's query parameters, read from the schema: a value of the declared type
    is taken (200), any other is a 400 naming the parameter (none is silently ignored)."""
    case = register(actor=tree.admin, centre=tree.s1)
    client = client_for(tree.admin)
    checked: list[str] = []
    problems: list[str] = []
    for path, operations in schema["paths"].items():
        parameters = operations.get("get", {}).get("parameters", [])
        query = [p for p in parameters if p["in"] == "query"]
        url = path.replace("{id}", str(case.pk))
        # What a required parameter needs (the report's centre) when another one is probed.
        required = {p["name"]: str(tree.d1.pk) for p in query if p.get("required")}
        for parameter in query:
            name, declared = parameter["name"], parameter["schema"]
            bad = bad_value(declared)
            if bad is not None:
                refused = client.get(url, {**required, name: bad})
                body = refused.json() if refused.status_code == 400 else {}
                if name not in body.get("error", {}).get("fields", {}):
                    problems.append(f"{path}?{name}={bad}: {refused.status_code}")
                checked.append(f"{path}?{name}")
            good = good_value(declared)
            if good is not None:
                taken = client.get(url, {**required, name: good})
                if taken.status_code != 200:
                    problems.append(f"{path}?{name}={good}: {taken.status_code} (refused)")
    assert not problems, "\n".join(problems)
    # Not vacuous: the parameters of the issue are among those checked.
    assert {f"{CASES}?overdue", f"{CASES}?subtree", f"{CASES}?ordering",
            "/api/v1/centres/?subtree", "/api/v1/mediators/?centre"} <= set(checked)  # fmt: skip


def test_a_boolean_filter_reads_true_false_1_and_0_in_any_case_and_nothing_else(
    tree: Tree,
) -> None:
    client = client_for(tree.admin)
    register(actor=tree.admin, centre=tree.s1)
    everything = len(results(client.get(CASES)))
    for value in ("false", "FALSE", "0", ""):
        assert len(results(client.get(CASES, {"overdue": value}))) == everything, value
    for value in ("true", "True", "1"):
        assert results(client.get(CASES, {"overdue": value})) == [], value
    for value in ("yes", "on", "2", "null"):  # all were read as "not given": every case
        error = assert_error(client.get(CASES, {"overdue": value}), 400, "invalid")
        assert error["fields"] == {"overdue": ["Enter true or false."]}, value
