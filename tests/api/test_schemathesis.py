"""Property-based checks of every operation in the OpenAPI schema (schemathesis).

The schema is read from the application itself (``GET /api/schema/``), so what integrators download
is what is tested. Each operation gets a bounded number of generated requests, sent as an
administrator (the widest scope) to the small centre tree with objects of every kind; every answer
must not be a server error (``not_a_server_error``) and must match what the schema says of that
status code (``response_schema_conformance``).

Generated ids rarely exist, so half of them are swapped for the id of a real object of that
resource (with the case's current ``If-Match``): both the 404 path and the real one are exercised.

The application is served through Django's test handler (the one behind ``django.test.Client``),
so every request runs inside the test's transaction and is rolled back with it.

Nothing is excluded. The logout operations (``DELETE /auth/token/``, ``/auth/tokens/``, ``POST
/auth/logout/``, ``/auth/logout-all/``) would revoke the token the other operations use, so they run
with a second administrator's token.
"""

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from cases.models import Case
from cases.services.users import issue_api_token
from tests.api.support import wsgi_app
from tests.api.world import Side, build_sides
from tests.factories import Tree, UserFactory

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)

# The first path segment of each resource → the Side attribute holding one of its objects.
RESOURCES = {
    "cases": "case",
    "parties": "party",
    "sessions": "session",
    "agreements": "agreement",
    "transfers": "transfer",
    "follow-ups": "follow_up",
    "centres": "centre",
    "categories": "category",
    "mediators": "mediator",
    "rooms": "room",
    "users": "user",
}


@pytest.fixture(scope="module")
def sides(shared_tree_with_cases: Tree, django_db_blocker: Any) -> dict[str, Side]:
    with django_db_blocker.unblock():
        return build_sides(shared_tree_with_cases)


def _token(username: str) -> str:
    user = UserFactory._meta.model.objects.filter(username=username).first()
    if user is None:
        user = UserFactory.create(username=username, is_superuser=True, is_staff=True)
    return issue_api_token(user=user)


def _aim_at_real_objects(case: Any, sides: dict[str, Side]) -> None:
    """Swap an even generated id for a real object's (and send that case's current version)."""
    centre = (case.query or {}).get("centre")
    if isinstance(centre, str) and centre.isdigit() and not int(centre) % 2:
        case.query["centre"] = str(sides["d1"].centre.pk)  # the reports name it in the query
    identifier = case.path_parameters.get("id") if case.path_parameters else None
    if not isinstance(identifier, int) or identifier % 2:
        return
    resource = case.path.removeprefix("/api/v1/").split("/")[0]
    target = RESOURCES.get(resource)
    if target is None:
        return
    obj = getattr(sides["d1"], target)
    case.path_parameters["id"] = obj.pk
    case_id = obj.pk if isinstance(obj, Case) else getattr(obj, "case_id", None)
    if case_id is not None and case.headers and "If-Match" in case.headers:
        case.headers["If-Match"] = f'"{Case.objects.get(pk=case_id).version}"'


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_operation(case: Any, sides: dict[str, Side]) -> None:
    _aim_at_real_objects(case, sides)
    revoking = case.path.endswith(
        ("/auth/token/", "/auth/tokens/", "/logout/", "/logout-all/")
    ) and (case.method.upper() in {"DELETE", "POST"})
    token = _token("schemathesis-spare" if revoking else "schemathesis-admin")
    case.call_and_validate(
        headers={"Authorization": f"Token {token}", "Accept-Language": "en"},
        checks=[
            schemathesis.checks.not_a_server_error,
            schemathesis.checks.response_schema_conformance,
        ],
    )
