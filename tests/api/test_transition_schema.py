"""The transitions in the OpenAPI schema, read as a client generator and a validator read it (issue
17, item 1): one operation per transition of the table, its body typed from the transition's form;
the answers and examples it declares are those the server gives; a typed transitions listing; and
a generated client with one typed function per transition."""

import importlib
import inspect
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.utils import timezone, translation
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator

from cases import workflow
from cases.api.serializers.transitions import FIELD_TYPES, describe_transition
from cases.formfields import ID_MAX
from cases.models import Case, Status
from tests.api.generated import Api
from tests.api.support import assert_error, client_for
from tests.factories import PATHS, Tree, drive, register

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
COMPONENTS = "#/components/schemas/"


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def operation(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(schema["paths"][f"/api/v1/cases/{{id}}/transitions/{name}/"]["post"])


def component(schema: dict[str, Any], ref: str) -> dict[str, Any]:
    assert ref.startswith(COMPONENTS), ref
    return dict(schema["components"]["schemas"][ref.removeprefix(COMPONENTS)])


def flat(schema: dict[str, Any], prop: dict[str, Any]) -> dict[str, Any]:
    """A property with its references, ``allOf`` and nullable ``oneOf`` folded in."""
    prop = dict(prop)
    if "$ref" in prop:
        prop = {**flat(schema, component(schema, prop.pop("$ref"))), **prop}
    for part in prop.pop("allOf", []):
        prop = {**flat(schema, part), **prop}
    for part in prop.pop("oneOf", []):
        resolved = flat(schema, part)
        if resolved.get("type") == "null" or resolved.get("enum") in ([None], [""]):
            prop["nullable"] = True
        else:
            prop = {**resolved, **prop}
    return prop


def validator(schema: dict[str, Any], target: dict[str, Any], *, write: bool) -> Any:
    """A validator of ``target`` (a schema referring to the components) as OpenAPI 3.0 reads it."""
    cls = OAS30WriteValidator if write else OAS30ReadValidator
    return cls({**target, "components": schema["components"]})


def body_component(schema: dict[str, Any], name: str) -> dict[str, Any]:
    request = operation(schema, name)["requestBody"]["content"]["application/json"]["schema"]
    assert request == {"$ref": f"{COMPONENTS}{camel(name)}Request"}
    return component(schema, request["$ref"])


# --- One operation per transition, its body typed from the form ----------------------------------


def test_each_transition_is_an_operation_of_its_own(schema: dict[str, Any]) -> None:
    prefix = "/api/v1/cases/{id}/transitions/"
    under = {p.removeprefix(prefix).strip("/") for p in schema["paths"] if p.startswith(prefix)}
    # The listing (""), and one literal path per transition: no {name} template left.
    assert under == {"", *workflow.TRANSITIONS}
    ids = [operation(schema, name)["operationId"] for name in workflow.TRANSITIONS]
    assert ids == [f"cases_transitions_{name}" for name in workflow.TRANSITIONS]
    listing = schema["paths"][prefix]["get"]
    assert listing["operationId"] == "cases_transitions_list"


def assert_describes(schema: dict[str, Any], prop: dict[str, Any], field: forms.Field) -> None:
    """The property's schema says what the form field accepts."""
    prop = flat(schema, prop)
    assert bool(prop.get("nullable")) == (not field.required), prop  # optional: null is "missing"
    if isinstance(field, forms.ModelMultipleChoiceField):
        assert prop["type"] == "array"
        assert flat(schema, prop["items"])["type"] == "integer"
        assert (prop["items"]["minimum"], prop["items"]["maximum"]) == (1, ID_MAX)
    elif isinstance(field, forms.ModelChoiceField):
        assert (prop["type"], prop["minimum"], prop["maximum"]) == ("integer", 1, ID_MAX)
    elif isinstance(field, forms.DecimalField):
        assert (prop["type"], prop["format"]) == ("string", "decimal")
        assert validator(schema, prop, write=True).is_valid("500.00")
        assert not validator(schema, prop, write=True).is_valid("500.001")
    elif isinstance(field, forms.IntegerField):
        assert prop["type"] == "integer"
        assert (prop.get("minimum"), prop.get("maximum")) == (field.min_value, field.max_value)
    elif isinstance(field, forms.DateField):
        assert (prop["type"], prop["format"]) == ("string", "date")
    elif isinstance(field, forms.ChoiceField):
        values = [v for v, _label in typing.cast(Any, field).choices if v != ""]
        assert (prop["type"], prop["enum"]) == ("string", values)
    else:
        assert type(field) is forms.CharField
        assert (prop["type"], prop["maxLength"]) == ("string", field.max_length)
        assert prop.get("minLength", 0) == (1 if field.required else 0)


@pytest.mark.parametrize("name", list(workflow.TRANSITIONS))
def test_each_transition_body_is_its_form(schema: dict[str, Any], name: str) -> None:
    spec = workflow.TRANSITIONS[name]
    body = body_component(schema, name)
    if spec.nested:
        assert body["required"] == [spec.nested] and set(body["properties"]) == {spec.nested}
        inner = body["properties"][spec.nested]
        assert inner == {"$ref": f"{COMPONENTS}{camel(name)}{camel(spec.nested)}Request"}
        body = component(schema, inner["$ref"])
    fields = spec.form.base_fields
    assert list(body.get("properties", {})) == list(fields)
    assert set(body.get("required", [])) == {key for key, f in fields.items() if f.required}
    for key, field in fields.items():
        assert_describes(schema, body["properties"][key], field)
    if not fields:  # accept, resume, accept_transfer: an empty object
        assert body["additionalProperties"] is False


def refs(prop: dict[str, Any]) -> set[str]:
    """The components a property refers to (directly, or in ``allOf``/``oneOf``)."""
    parts = [prop, *prop.get("allOf", []), *prop.get("oneOf", [])]
    return {part["$ref"].removeprefix(COMPONENTS) for part in parts if "$ref" in part}


def test_the_bodies_choices_are_the_api_s_enumerations(schema: dict[str, Any]) -> None:
    """A choice in a body is the enumeration the case and its agreement are read with (one
    generated class for each set of values, not one per place)."""
    case = schema["components"]["schemas"]["Case"]["properties"]
    agreement = schema["components"]["schemas"]["Agreement"]["properties"]
    guidance = body_component(schema, "fail")["properties"]["guidance"]
    assert refs(guidance) == refs(case["fail_guidance"]) - {"BlankEnum"} == {"FailGuidanceEnum"}
    terms = component(schema, f"{COMPONENTS}ResolveAgreementRequest")["properties"]
    assert refs(terms["form"]) - {"NullEnum"} == refs(agreement["form"]) == {"FormEnum"}
    fulfilment = body_component(schema, "close")["properties"]["fulfilment"]
    assert refs(fulfilment) - {"NullEnum"} == refs(agreement["fulfilment"]) == {"FulfilmentEnum"}


@pytest.mark.parametrize("name", list(workflow.TRANSITIONS))
def test_each_transition_declares_its_answers(schema: dict[str, Any], name: str) -> None:
    op = operation(schema, name)
    params = {(p["in"], p["name"]): p for p in op["parameters"]}
    assert {("path", "id"), ("header", "If-Match"), ("header", "Idempotency-Key")} <= set(params)
    assert ("path", "name") not in params
    assert params["header", "If-Match"]["required"] is True
    answers = op["responses"]
    assert {"200", "400", "404", "409", "412", "428"} <= set(answers)
    assert answers["200"]["content"]["application/json"]["schema"] == {"$ref": f"{COMPONENTS}Case"}
    assert "ETag" in answers["200"]["headers"]
    for status in ("400", "404", "409", "412", "428"):
        content = answers[status]["content"]["application/json"]
        check = validator(schema, content["schema"], write=False)
        for example in content["examples"].values():
            check.validate(example["value"])
    (stale,) = answers["412"]["content"]["application/json"]["examples"].values()
    assert isinstance(stale["value"]["error"]["current_version"], int)


# --- What the schema declares is what the server does ------------------------------------------------


def appropriate_status(spec: workflow.Transition) -> Status:
    """The first status (in the order of ``tests.factories.PATHS``) the transition leaves from."""
    return next(Status(status) for status in PATHS if status in spec.sources)


def case_for(tree: Tree, spec: workflow.Transition, status: str | None = None) -> Case:
    """A case at S1 in the transition's first source status (or ``status``); a transfer goes
    up to D1."""
    return drive(
        register(actor=tree.admin, centre=tree.s1),
        status or appropriate_status(spec),
        actor=tree.admin,
        mediator=tree.med_s1,
        target=tree.d1,
    )


def example_value(
    schema: dict[str, Any], key: str, prop: dict[str, Any], ids: dict[str, int]
) -> Any:
    """A value the property's schema allows; ids (which the schema cannot know) from ``ids``."""
    prop = flat(schema, prop)
    if prop.get("type") == "object":
        return example_body(schema, prop, ids)
    if "enum" in prop:
        return prop["enum"][0]
    if prop.get("type") == "integer":
        if (prop.get("minimum"), prop.get("maximum")) == (1, ID_MAX):
            return ids[key]
        return prop["minimum"]
    if prop.get("format") == "date":
        return timezone.localdate().isoformat()
    if prop.get("format") == "decimal":
        return "500.00"
    if prop.get("type") == "string":
        return "当事人协商一致"[: prop.get("maxLength")]
    raise AssertionError(f"{key}: no example for {prop}")


def example_body(schema: dict[str, Any], body: dict[str, Any], ids: dict[str, int]) -> Any:
    """The body holding the schema's required properties, each with an allowed value."""
    return {
        key: example_value(schema, key, body["properties"][key], ids)
        for key in body.get("required", [])
    }


@pytest.mark.parametrize("name", list(workflow.TRANSITIONS))
def test_a_body_built_from_the_schema_is_accepted(
    schema: dict[str, Any], shared_tree_with_cases: Tree, name: str
) -> None:
    tree, spec = shared_tree_with_cases, workflow.TRANSITIONS[name]
    case = case_for(tree, spec)
    before = case.status
    component_schema = body_component(schema, name)
    ids = {"lead_mediator": tree.med_c.pk, "target_centre": tree.d1.pk}
    body = example_body(schema, component_schema, ids)
    ref = {"$ref": f"{COMPONENTS}{camel(name)}Request"}
    validator(schema, ref, write=True).validate(body)

    response = client_for(tree.admin).post(
        f"{CASES}{case.pk}/transitions/{name}/",
        body,
        format="json",
        headers={"If-Match": f'"{case.version}"'},
    )
    assert response.status_code == 200, response.content
    answer = response.json()
    validator(schema, {"$ref": f"{COMPONENTS}Case"}, write=False).validate(answer)
    assert response["ETag"] == f'"{answer["version"]}"' != f'"{case.version}"'
    if spec.target is not None:
        assert answer["status"] == spec.target
    else:  # extend keeps the status; return_transfer goes back to where it was
        assert answer["status"] == (before if name == "extend" else Status.REGISTERED)


def declared_example(schema: dict[str, Any], name: str, status: str, index: int = 0) -> Any:
    examples = operation(schema, name)["responses"][status]["content"]["application/json"]
    return list(examples["examples"].values())[index]["value"]["error"]


@pytest.mark.parametrize("name", list(workflow.TRANSITIONS))
def test_the_declared_400_is_what_the_server_answers(
    schema: dict[str, Any], shared_tree_with_cases: Tree, name: str
) -> None:
    """The 400 example is the server's answer to the emptiest body (every field wrong, when none
    is required); for a transition without data, to a body that is not JSON."""
    tree, spec = shared_tree_with_cases, workflow.TRANSITIONS[name]
    case = case_for(tree, spec)
    fields = spec.form.base_fields
    url, if_match = f"{CASES}{case.pk}/transitions/{name}/", {"If-Match": f'"{case.version}"'}
    client = client_for(tree.admin)
    if not fields:
        response = client.post(url, b"{", content_type="application/json", headers=if_match)
    else:
        inner = {} if any(f.required for f in fields.values()) else dict.fromkeys(fields, "?")
        body = {spec.nested: inner} if spec.nested else inner
        response = client.post(url, body, format="json", headers=if_match)
    declared = declared_example(schema, name, "400")
    assert assert_error(response, 400) == declared
    if spec.nested:
        assert all(key.startswith(f"{spec.nested}.") for key in declared["fields"])


@pytest.mark.parametrize("name", list(workflow.TRANSITIONS))
def test_the_declared_refusals_are_what_the_server_answers(
    schema: dict[str, Any], shared_tree_with_cases: Tree, name: str
) -> None:
    tree, spec = shared_tree_with_cases, workflow.TRANSITIONS[name]
    admin, observer = client_for(tree.admin), client_for(tree.observer_d1)

    def perform(client: Any, case: Case, **headers: str) -> Any:
        url = f"{CASES}{case.pk}/transitions/{name}/"
        return client.post(url, {}, format="json", headers=headers)

    closed = case_for(tree, spec, Status.CLOSED)
    by_status = perform(admin, closed, **{"If-Match": f'"{closed.version}"'})
    assert assert_error(by_status, 409) == declared_example(schema, name, "409")

    case = case_for(tree, spec)  # a case in the right status, seen by someone it is not for
    by_role = perform(observer, case, **{"If-Match": f'"{case.version}"'})
    assert assert_error(by_role, 409) == declared_example(schema, name, "409", 1)

    stale = perform(admin, case, **{"If-Match": f'"{case.version - 1}"'})
    declared = declared_example(schema, name, "412")
    answered = assert_error(stale, 412, declared["code"])
    assert answered["current_version"] == case.version
    assert set(answered) == set(declared)
    assert assert_error(perform(admin, case), 428) == declared_example(schema, name, "428")


def test_a_second_extension_is_refused_as_declared(
    schema: dict[str, Any], shared_tree_with_cases: Tree
) -> None:
    tree = shared_tree_with_cases
    case = workflow.transition(
        case=case_for(tree, workflow.TRANSITIONS["extend"]),
        name="extend",
        actor=tree.admin,
        data={"days": 5, "reason": "当事人外出"},
    )
    response = client_for(tree.admin).post(
        f"{CASES}{case.pk}/transitions/extend/",
        {"days": 5, "reason": "再次延期"},
        format="json",
        headers={"If-Match": f'"{case.version}"'},
    )
    assert assert_error(response, 409) == declared_example(schema, "extend", "409", 2)


# --- The transitions listing ----------------------------------------------------------------------


def listing_answers(tree: Tree) -> Iterator[tuple[Case, list[dict[str, Any]]]]:
    """The listing of a case in each status the tests can reach, as the administrator sees it."""
    admin = client_for(tree.admin)
    for status in PATHS:
        case = drive(
            register(actor=tree.admin, centre=tree.s1),
            status,
            actor=tree.admin,
            mediator=tree.med_s1,
            target=tree.d1,
        )
        response = admin.get(f"{CASES}{case.pk}/transitions/")
        assert response.status_code == 200, response.content
        assert response["ETag"] == f'"{case.version}"'
        yield case, response.json()


def test_the_listing_validates_against_its_schema_for_every_transition(
    schema: dict[str, Any], shared_tree_with_cases: Tree
) -> None:
    listing = schema["paths"]["/api/v1/cases/{id}/transitions/"]["get"]["responses"]["200"]
    declared = listing["content"]["application/json"]["schema"]
    assert declared == {"type": "array", "items": {"$ref": f"{COMPONENTS}Transition"}}
    check = validator(schema, declared, write=False)
    offered: set[str] = set()
    for _case, answer in listing_answers(shared_tree_with_cases):
        check.validate(answer)
        offered |= {entry["name"] for entry in answer}
        with translation.override("en"):
            for entry in answer:
                assert entry == describe_transition(workflow.TRANSITIONS[entry["name"]])
    assert offered == set(workflow.TRANSITIONS)


def test_the_listing_names_its_enumerations(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    assert components["TransitionNameEnum"]["enum"] == list(workflow.TRANSITIONS)
    assert components["TransitionFieldTypeEnum"]["enum"] == list(FIELD_TYPES)
    field = components["TransitionField"]
    assert set(field["required"]) == {"name", "type", "required", "choices"}
    assert field["properties"]["fields"]["items"] == {"$ref": f"{COMPONENTS}TransitionSubfield"}
    choices = flat(schema, field["properties"]["choices"])
    assert choices["nullable"] is True
    assert choices["items"] == {"$ref": f"{COMPONENTS}TransitionFieldChoice"}


def test_the_listing_examples_are_entries_the_server_gives(schema: dict[str, Any]) -> None:
    listing = schema["paths"]["/api/v1/cases/{id}/transitions/"]["get"]["responses"]["200"]
    content = listing["content"]["application/json"]
    check = validator(schema, content["schema"], write=False)
    assert content["examples"]
    for example in content["examples"].values():
        check.validate(example["value"])
        (entry,) = example["value"]
        with translation.override("en"):
            assert entry == describe_transition(workflow.TRANSITIONS[entry["name"]])


# --- A generated client -----------------------------------------------------------------------------


@pytest.fixture
def generated_client(api: Api) -> str:
    """The name of the package generated from the schema (tests/api/generated.py)."""
    return api.package.__name__


def test_a_generated_client_has_a_typed_function_per_transition(generated_client: str) -> None:
    types = importlib.import_module(f"{generated_client}.types")
    for name, spec in workflow.TRANSITIONS.items():
        module = importlib.import_module(f"{generated_client}.api.cases.cases_transitions_{name}")
        model = importlib.import_module(f"{generated_client}.models.{name}_request").__dict__[
            f"{camel(name)}Request"
        ]
        hints = typing.get_type_hints(module.sync)
        required = any(f.required for f in spec.form.base_fields.values()) or bool(spec.nested)
        assert hints["body"] == (model if required else model | types.Unset), name
        assert {"id", "client", "body", "if_match"} <= set(
            inspect.signature(module.sync).parameters
        )
        # The model's attributes are the form's fields (or the nested object holding them).
        attributes = [
            a for a in inspect.signature(model).parameters if a != "additional_properties"
        ]
        expected = [spec.nested] if spec.nested else list(spec.form.base_fields)
        assert sorted(attributes) == sorted(expected), name
    resolve = importlib.import_module(f"{generated_client}.models.resolve_agreement_request")
    agreement = resolve.ResolveAgreementRequest(terms="协议内容", amount_agreed="500.00")
    assert agreement.to_dict() == {"terms": "协议内容", "amount_agreed": "500.00"}
    listing = importlib.import_module(f"{generated_client}.api.cases.cases_transitions_list")
    transition: Any = importlib.import_module(f"{generated_client}.models.transition").Transition
    assert list[transition] in typing.get_args(typing.get_type_hints(listing.sync)["return"])


# --- docs/api.md --------------------------------------------------------------------------------


def documented_bodies() -> dict[str, str]:
    """docs/api.md's table of the bodies: transition → body as written (`{reason}`)."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    section = docs.split("## Transitions and their bodies", 1)[1].split("\n## ", 1)[0]
    bodies: dict[str, str] = {}
    for row in section.splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) != 2 or not cells[0].startswith("`"):
            continue
        body = cells[1].split("`")[1]
        for name in cells[0].split(","):
            assert name.strip().strip("`") not in bodies, f"{name} twice in docs/api.md"
            bodies[name.strip().strip("`")] = body
    return bodies


def written_body(spec: workflow.Transition) -> str:
    fields = ", ".join(
        name + ("" if field.required else "?") for name, field in spec.form.base_fields.items()
    )
    return f"{{{spec.nested}: {{{fields}}}}}" if spec.nested else f"{{{fields}}}"


def test_the_documented_bodies_are_the_forms() -> None:
    assert documented_bodies() == {
        name: written_body(spec) for name, spec in workflow.TRANSITIONS.items()
    }
