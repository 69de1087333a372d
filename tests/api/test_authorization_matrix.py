"""Every API route × every role × an object in a centre outside the role's scope (DESIGN §2, STYLE).

The routes are read from the URL resolver, not from a list kept here. ``COVERAGE`` says, for each
route, how to reach an object through it and what a request body looks like; a route that appears in
the resolver without an entry (or with a method its entry cannot cover) fails
``test_every_api_route_is_covered`` with what to add. Entries for routes not built yet are harmless:
they are exercised as soon as the route exists.

What is asserted, per route and role:

- anonymous: 401 in the error shape, with ``WWW-Authenticate: Token`` (except the public routes:
  signing in, the schema and its docs);
- a signed-in user whose scope does not hold the object: 404, with exactly the body a missing id
  gets (existence is not disclosed), and a write changes nothing and logs nothing;
- the administrator (everything is in scope): never 404, never 5xx;
- lists: never an id of an object outside the caller's scope (the administrator's list has it, so
  the comparison is not empty); creating something against a foreign object creates nothing.
"""

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from cases import access, workflow
from cases.models import AuditAction, Case, Event, Notification, NotificationKind, Session
from cases.personal_data import decrypt
from cases.services import audit
from cases.services.users import issue_api_token
from tests.api.support import all_ids, assert_error, assert_no_leak, client_for
from tests.api.world import Side, build_registered_side, build_sides
from tests.factories import Tree, data_for, seeded_category

pytestmark = pytest.mark.django_db

MISSING_ID = 999_999_999
BYSTANDER_KEY = "matrix:bystander"

# --- The routes, from the resolver ----------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern under /api/ with the methods its view answers."""

    key: str  # canonical template, e.g. "/api/v1/cases/{id}/transitions/{name}/"
    name: str  # for reverse(), e.g. "api:case-perform-transition"
    id_kwarg: str | None  # the URL kwarg naming the object ("pk"), if any
    kwargs: tuple[str, ...]  # every URL kwarg
    methods: tuple[str, ...]  # upper case; HEAD when GET; OPTIONS left out (see its own test)
    suffixed: bool  # DRF's format-suffix twin ("/cases/7.json")

    def __str__(self) -> str:
        return self.key + (" (.json)" if self.suffixed else "")


_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>")


def _is_id(kwarg: str) -> bool:
    return kwarg in {"pk", "id"} or kwarg.endswith(("_pk", "_id"))


def _canonical(raw: str) -> tuple[str, tuple[str, ...]]:
    kwargs: list[str] = []

    def name(match: re.Match[str]) -> str:
        kwarg = match.group(1) or match.group(2)
        kwargs.append(kwarg)
        return "{id}" if _is_id(kwarg) else f"{{{kwarg}}}"

    template = _GROUP.sub(name, raw).replace("^", "").replace("$", "")
    template = re.sub(r"\\\.\{format\}/\?$", "/", template)
    return "/" + template, tuple(kwargs)


def _methods(callback: Any) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions is not None:  # a DRF viewset route: its method → action map
        found = {m.upper() for m in actions}
    else:
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        assert view is not None, f"{callback!r} is not a class-based view"
        found = {m.upper() for m in view.http_method_names if hasattr(view, m)}
    found -= {"HEAD", "OPTIONS"}
    if "GET" in found:
        found.add("HEAD")
    order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
    return tuple(sorted(found, key=lambda m: order.index(m) if m in order else len(order)))


def api_routes() -> list[Route]:
    """Every URL pattern whose path starts with ``api/``, walked from the root resolver."""
    found: list[Route] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(n for n in (namespace, pattern.namespace) if n)
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                raw = prefix + str(pattern.pattern)
                if not raw.lstrip("^").startswith("api/"):
                    continue
                key, kwargs = _canonical(raw)
                assert pattern.name, f"{raw} has no URL name: name it so clients can reverse it"
                id_kwargs = [k for k in kwargs if _is_id(k)]
                found.append(
                    Route(
                        key=key,
                        name=f"{namespace}:{pattern.name}" if namespace else pattern.name,
                        id_kwarg=id_kwargs[0] if id_kwargs else None,
                        kwargs=kwargs,
                        methods=_methods(pattern.callback),
                        suffixed="format" in kwargs,
                    )
                )

    walk(get_resolver().url_patterns, "", "")
    return found


ROUTES = api_routes()

# --- The world: one object of each kind on each side of the city --------------------------------


@dataclass
class World:
    tree: Tree
    sides: dict[str, Side]
    users: dict[str, Any] = field(default_factory=dict)  # role → user (None: anonymous)


# role → (user attribute of the Tree, the side whose objects are outside the role's scope)
ROLES: dict[str, tuple[str | None, str]] = {
    "admin": ("admin", "d1"),
    "foreign_director": ("director_d2", "d1"),  # directs D2; the objects are in D1's subtree
    "observer": ("observer_d1", "d2"),
    "intake": ("intake_s1", "d2"),
    "mediator": ("mediator_s1_user", "d2"),
    "court_liaison": ("court_liaison", "d2"),
    "anonymous": (None, "d1"),
}


@pytest.fixture(scope="module")
def world(shared_tree_with_cases: Tree, django_db_blocker: Any) -> World:
    tree = shared_tree_with_cases
    with django_db_blocker.unblock():
        sides = build_sides(tree)
        users = {role: getattr(tree, attr) if attr else None for role, (attr, _) in ROLES.items()}
        for user in users.values():
            if user is not None:
                issue_api_token(user=user)
                Notification.objects.create(
                    user=user, case=sides["d1"].case, kind=NotificationKind.OVERDUE,
                    key=f"matrix:{user.pk}",
                )  # fmt: skip
        # Someone who is none of the roles: no call may read or mark theirs.
        Notification.objects.create(
            user=tree.director_c, case=sides["d2"].case, kind=NotificationKind.OVERDUE,
            key=BYSTANDER_KEY,
        )  # fmt: skip
    return World(tree=tree, sides=sides, users=users)


# --- How each route is covered ------------------------------------------------------------------

Body = Callable[[World, Any, Mapping[str, str]], dict[str, Any]]


def no_body(world: World, obj: Any, kwargs: Mapping[str, str]) -> dict[str, Any]:
    return {}


def constant(body: dict[str, Any]) -> Body:
    return lambda world, obj, kwargs: body


@dataclass(frozen=True)
class ObjectRoute:
    """A route about one object (``target``: an attribute of ``Side``)."""

    target: str
    body: Body = no_body  # for writes
    each: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # other URL kwargs' values
    centre_bound: bool = True
    reason: str = ""  # why a route is not centre-bound
    # A route naming two objects (a case's party): each id URL kwarg and the attribute of the
    # target that gives it, e.g. {"pk": "case_id", "party_pk": "pk"}.
    ids: Mapping[str, str] = field(default_factory=dict)
    # The URL's kwargs from the object, when it hangs under another (an attachment under its
    # case: ``{"pk": case id, "aid": attachment id}``); ``id`` is the value a missing one gets.
    url: Callable[[Any, Any], dict[str, Any]] | None = None


def _under_case(obj: Any, missing: Any) -> dict[str, Any]:
    return {"pk": obj.case_id if missing is None else missing, "aid": obj.pk}


@dataclass(frozen=True)
class ListRoute:
    """A collection. ``create``: a POST body that names the foreign object (``None``: no POST)."""

    target: str
    create: Body | None = None
    created: type[models.Model] | None = None  # the model a POST would add rows to
    probes: Callable[[World, Any], list[dict[str, Any]]] = lambda world, obj: [{}]
    admin_only: bool = False
    centre_bound: bool = True
    reason: str = ""


@dataclass(frozen=True)
class OpenRoute:
    """A route about no object. ``anonymous``: what it answers signed out, per method."""

    anonymous: Mapping[str, int]
    reason: str


def _is_me(user: Any, response: Any) -> bool:
    return bool(response.json()["username"] == user.username)


@dataclass(frozen=True)
class OwnRoute:
    """About the caller only (``me/``, your notifications): 401 signed out, 200 signed in with
    only the caller's own data (``owns``). ``body``: for a POST."""

    methods: frozenset[str] = frozenset({"GET", "HEAD"})
    body: dict[str, Any] = field(default_factory=dict)
    owns: Callable[[Any, Any], bool] = _is_me


@dataclass(frozen=True)
class QueryRoute:
    """A read about one object named in the query string (``?centre=<id>``), not in the path.

    ``readers``: the roles that read such objects in their own scope; for everyone else an
    object on their own side answers 404 too. ``params``: the other query parameters to send.
    """

    target: str
    param: str
    readers: frozenset[str]
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchRoute:
    """A read by POST: a list's filters in a JSON body (``POST /cases/search/``), answered like
    the list, whose ``next`` links are followed. ``probes``: the bodies to send."""

    target: str
    probes: Callable[[World, Any], list[dict[str, Any]]]


@dataclass(frozen=True)
class ReadersRoute:
    """A list only ``readers`` read (the audit trail): 403 in the error shape for every other
    role; a reader's list never holds what is filed under the foreign side's centre, and naming
    that centre in ``param`` is refused (400) as a centre that does not exist is; the
    administrator's list holds both sides'."""

    readers: frozenset[str]
    param: str
    reason: str


@dataclass(frozen=True)
class PersonalDataRoute:
    """Requests from the people concerned (issue 22): ``readers`` use the route, every other role
    gets 403 in the error shape. A person named in ``body`` is looked up in the caller's own scope
    only: no answer names the foreign side's cases or lists its request; the administrator's
    answers do (so the comparison is not with an empty answer)."""

    readers: frozenset[str]
    reason: str
    body: Callable[[World, Side], dict[str, Any]] = lambda world, side: {}


Coverage = (
    ObjectRoute
    | ListRoute
    | OpenRoute
    | OwnRoute
    | QueryRoute
    | SearchRoute
    | ReadersRoute
    | PersonalDataRoute
)


def _lists_only_own_notifications(user: Any, response: Any) -> bool:
    ids = [row["id"] for row in response.json()["results"]]
    return set(Notification.objects.filter(pk__in=ids).values_list("user_id", flat=True)) <= {
        user.pk
    }


def _marked_only_own_notifications(user: Any, response: Any) -> bool:
    bystanders = Notification.objects.filter(key=BYSTANDER_KEY)
    return bool(
        response.json() == {"marked": response.json()["marked"], "unread": 0}
        and bystanders.exists()
        and not bystanders.filter(read_at__isnull=False).exists()
    )


def _case_put(world: World, case: Any, kwargs: Mapping[str, str]) -> dict[str, Any]:
    return {
        "summary": "越权修改",
        "facts": "",
        "category": case.category_id,
        "amount_in_dispute": None,
        "location": "",
        "risk_level": "high",
    }


def _transition_body(world: World, case: Any, kwargs: Mapping[str, str]) -> dict[str, Any]:
    side = next(s for s in world.sides.values() if s.case.pk == case.pk)
    return data_for(kwargs["name"], mediator=side.mediator, target=side.district)


def _intake_at(world: World, centre: Any, kwargs: Mapping[str, str]) -> dict[str, Any]:
    return {
        "centre": centre.pk,
        "channel": "walk_in",
        "category": seeded_category().pk,
        "summary": "越权登记",
        "parties": [{"role": "applicant", "name": "王五", "phone": "13800138000"}],
    }


def _session_for(world: World, case: Any, kwargs: Mapping[str, str]) -> dict[str, Any]:
    side = next(s for s in world.sides.values() if s.case.pk == case.pk)
    starts = timezone.now() + timedelta(days=10)
    return {
        "case": case.pk,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(),
        "mediators": [side.mediator.pk],
        "room": side.room.pk,
        "mode": "in_person",
    }


def _user_at(world: World, user: Any, kwargs: Mapping[str, str]) -> dict[str, Any]:
    centre = world.sides["d1"].centre
    return {
        "username": "provisioned-by-matrix",
        "password": "a-long-Passw0rd-for-tests",
        "memberships": [{"centre": centre.pk, "role": "intake"}],
    }


CATEGORIES_ARE_SHARED = (
    "Dispute categories are one national list, not centre-bound: everyone signed in reads the "
    "same categories (cases.queries.categories_for)."
)
PUBLIC_DESCRIPTION = (
    "The API's description is public: integrators read it before they hold a token, and it "
    "holds no data of any centre."
)

COVERAGE: dict[str, Coverage] = {
    "/api/v1/auth/token/": OpenRoute(
        anonymous={"POST": 400, "DELETE": 401},
        reason="Signing in: POST must be reachable without a token (400 for bad credentials).",
    ),
    "/api/v1/auth/logout/": OpenRoute(
        anonymous={"POST": 401}, reason="Logging out revokes only the caller's own token."
    ),
    "/api/v1/auth/tokens/": OpenRoute(
        anonymous={"DELETE": 401}, reason="Logging out everywhere revokes only the caller's tokens."
    ),
    "/api/v1/auth/logout-all/": OpenRoute(
        anonymous={"POST": 401}, reason="Logging out everywhere revokes only the caller's tokens."
    ),
    # The caller's own settings: a PATCH changes only the caller's (the answer is the caller).
    "/api/v1/me/": OwnRoute(
        methods=frozenset({"GET", "HEAD", "PATCH"}),
        body={"notification_preferences": {"mentioned": "app"}},
    ),
    # Notifications are the caller's own: the list shows only theirs, marking touches only theirs.
    "/api/v1/notifications/": OwnRoute(owns=_lists_only_own_notifications),
    "/api/v1/notifications/read/": OwnRoute(
        methods=frozenset({"POST"}), body={"all": True}, owns=_marked_only_own_notifications
    ),
    "/api/schema/": OpenRoute(anonymous={"GET": 200, "HEAD": 200}, reason=PUBLIC_DESCRIPTION),
    "/api/docs/": OpenRoute(anonymous={"GET": 200, "HEAD": 200}, reason=PUBLIC_DESCRIPTION),
    # Cases.
    "/api/v1/cases/": ListRoute(
        target="case",
        create=lambda world, case, kwargs: _intake_at(world, case.centre, kwargs),
        created=Case,
        probes=lambda world, case: [
            {},
            {"q": case.number},
            {"q": case.parties.order_by("position")[0].name},
            {"centre": case.centre_id, "subtree": "true"},
            {"mediator": case.lead_mediator_id},
            {"updated_after": "2000-01-01T00:00:00Z"},  # the change feed
        ],
    ),
    "/api/v1/cases/search/": SearchRoute(
        target="case",
        probes=lambda world, case: [
            {},
            {"q": case.number},
            {"q": case.parties.order_by("position")[0].name},
            {"centre": case.centre_id, "subtree": True},
        ],
    ),
    "/api/v1/cases/{id}/": ObjectRoute(target="case", body=_case_put),
    "/api/v1/cases/{id}/transitions/": ObjectRoute(target="case"),
    "/api/v1/cases/{id}/transitions/{name}/": ObjectRoute(
        target="case", body=_transition_body, each={"name": tuple(sorted(workflow.TRANSITIONS))}
    ),
    "/api/v1/cases/{id}/events/": ObjectRoute(target="case"),
    "/api/v1/cases/{id}/similar/": ObjectRoute(target="case"),
    # The legal hold (issue 22): directors over the case's centre and administrators.
    "/api/v1/cases/{id}/legal-hold/": ObjectRoute(
        target="case", body=constant({"hold": True, "reason": "越权保全"})
    ),
    "/api/v1/cases/{id}/notes/": ObjectRoute(
        target="case", body=constant({"kind": "call", "text": "越权记录"})
    ),
    "/api/v1/cases/{id}/closing-summary/": ObjectRoute(target="returned"),
    # A case's parties, changed under the case (issue 19).
    "/api/v1/cases/{id}/parties/": ObjectRoute(
        target="case",
        body=constant({"role": "third_party", "name": "越权", "phone": "13712345678",
                       "reason": "越权"}),
    ),
    "/api/v1/cases/{id}/parties/{id}/": ObjectRoute(
        target="party", body=constant({"agent": "越权", "reason": "越权"}),
        ids={"pk": "case_id", "party_pk": "pk"},
    ),
    "/api/v1/cases/{id}/registration-form/": ObjectRoute(target="case"),
    # The whole case file, of a case with an agreement (a reveal would name its parties).
    "/api/v1/cases/{id}/case-file/": ObjectRoute(target="agreement", ids={"pk": "case_id"}),
    # Attachments (issue 19): under their case; the case's id is what scope is checked on.
    "/api/v1/cases/{id}/attachments/": ObjectRoute(
        target="case",
        body=lambda world, case, kwargs: {"kind": "other", "file": _pdf_upload()},
    ),
    "/api/v1/cases/{id}/attachments/{aid}/download/": ObjectRoute(
        target="attachment", url=_under_case
    ),
    "/api/v1/cases/{id}/attachments/{aid}/thumbnail/": ObjectRoute(
        target="thumbnailed", url=_under_case
    ),
    "/api/v1/cases/{id}/attachments/{aid}/withdraw/": ObjectRoute(
        target="attachment", url=_under_case, body=constant({"reason": "越权撤回"})
    ),
    # The events feed: the events of every case in scope.
    "/api/v1/events/": ListRoute(
        target="event", probes=lambda world, event: [{}, {"after": event.pk - 1}]
    ),
    # Parties.
    "/api/v1/parties/": ListRoute(target="party"),
    "/api/v1/parties/{id}/": ObjectRoute(target="party", body=constant({"name": "越权"})),
    "/api/v1/parties/{id}/reveal/": ObjectRoute(target="party"),
    # Sessions.
    "/api/v1/sessions/": ListRoute(
        target="session",
        create=lambda world, session, kwargs: _session_for(world, session.case, kwargs),
        created=Session,
    ),
    "/api/v1/sessions/{id}/": ObjectRoute(
        target="session", body=constant({"minutes": "越权记录", "result": "达成一致"})
    ),
    "/api/v1/sessions/{id}/cancel/": ObjectRoute(target="session"),
    "/api/v1/sessions/{id}/move/": ObjectRoute(
        target="session",
        body=constant(
            {
                "starts_at": "2031-01-06T09:00:00+08:00",
                "ends_at": "2031-01-06T10:00:00+08:00",
                "reason": "越权改期",
            }
        ),
    ),
    "/api/v1/sessions/{id}/record/": ObjectRoute(target="session"),
    # Agreements.
    "/api/v1/agreements/": ListRoute(target="agreement"),
    "/api/v1/agreements/{id}/": ObjectRoute(target="agreement", body=constant({"terms": "越权"})),
    "/api/v1/agreements/{id}/fulfilment/": ObjectRoute(
        target="agreement", body=constant({"fulfilment": "fulfilled"})
    ),
    # The agreement to sign: the parties in clear, a logged reveal (issue 19).
    "/api/v1/agreements/{id}/pdf/": ObjectRoute(target="agreement"),
    "/api/v1/agreements/{id}/judicial-confirmation/": ObjectRoute(  # DESIGN §9
        target="agreement",
        body=lambda world, agreement, kwargs: {
            "status": "applied",
            "applied_on": timezone.localdate().isoformat(),
        },
    ),
    # Transfers and follow-ups.
    "/api/v1/transfers/": ListRoute(target="transfer"),
    "/api/v1/transfers/{id}/": ObjectRoute(target="transfer"),
    "/api/v1/follow-ups/": ListRoute(target="follow_up"),
    "/api/v1/follow-ups/{id}/": ObjectRoute(
        target="follow_up",
        body=constant({"contact_method": "phone", "fulfilment": "fulfilled", "satisfaction": 5}),
    ),
    # The network.
    "/api/v1/centres/": ListRoute(target="centre"),
    "/api/v1/centres/{id}/": ObjectRoute(target="centre", body=constant({"name_en": "Renamed"})),
    "/api/v1/categories/": ListRoute(
        target="category", centre_bound=False, reason=CATEGORIES_ARE_SHARED
    ),
    "/api/v1/categories/{id}/": ObjectRoute(
        target="category", centre_bound=False, reason=CATEGORIES_ARE_SHARED
    ),
    "/api/v1/mediators/": ListRoute(target="mediator"),
    "/api/v1/mediators/{id}/": ObjectRoute(target="mediator", body=constant({"capacity": 1})),
    "/api/v1/rooms/": ListRoute(target="room"),
    "/api/v1/rooms/{id}/": ObjectRoute(target="room", body=constant({"name": "越权"})),
    # Users: administrators only (DESIGN §9); for everyone else every user is out of scope.
    "/api/v1/audit/": ReadersRoute(
        readers=frozenset({"foreign_director"}), param="centre",
        reason="Audit records: administrators all, directors those filed under their subtrees.",
    ),
    # Early warnings (issue 24): directors over the warning's centre and administrators.
    "/api/v1/warnings/": ListRoute(
        target="warning",
        probes=lambda world, warning: [{}, {"centre": warning.centre_id}, {"status": "open"}],
    ),
    "/api/v1/warnings/{id}/": ObjectRoute(target="warning"),
    "/api/v1/warnings/{id}/acknowledge/": ObjectRoute(target="warning"),
    "/api/v1/warnings/{id}/assign/": ObjectRoute(
        target="warning", body=lambda world, warning, kwargs: {"user": world.tree.director_d2.pk}
    ),
    "/api/v1/warnings/{id}/dismiss/": ObjectRoute(
        target="warning", body=constant({"reason": "越权撤销"})
    ),
    # Requests from the people concerned (issue 22).
    "/api/v1/personal-data/requests/": PersonalDataRoute(
        readers=frozenset({"foreign_director", "intake"}),
        reason="Requests: administrators all, directors those filed under their subtrees, anyone "
        "their own; an erasure only of someone in the caller's own cases.",
        body=lambda world, side: {"kind": "erasure", "phone": _clear_phone(side),
                                  "reason": "越权删除"},
    ),
    "/api/v1/personal-data/requests/{id}/": ObjectRoute(target="subject_request"),
    "/api/v1/personal-data/requests/{id}/decide/": ObjectRoute(
        target="subject_request", body=constant({"approve": False, "reason": "越权决定"})
    ),
    "/api/v1/personal-data/search/": PersonalDataRoute(
        readers=frozenset({"foreign_director"}),
        reason="A person's parties in the caller's own cases only.",
        body=lambda world, side: {"phone": _clear_phone(side)},
    ),
    "/api/v1/personal-data/export/": PersonalDataRoute(
        readers=frozenset({"foreign_director"}),
        reason="What is held about a person, in the caller's own cases only.",
        body=lambda world, side: {"phone": _clear_phone(side)},
    ),
    "/api/v1/users/": ListRoute(target="user", create=_user_at, created=get_user_model(), admin_only=True),
    "/api/v1/users/{id}/": ObjectRoute(target="user", body=constant({"first_name": "越权"})),
    # Monthly reports: directors and observers read their subtrees' (DESIGN §2), no one else.
    "/api/v1/reports/monthly/": QueryRoute(
        target="district", param="centre", readers=frozenset({"foreign_director", "observer"}),
        params={"month": "2026-01"},
    ),
    # ... and its files, an operation each.
    **{
        f"/api/v1/reports/monthly/{kind}/": QueryRoute(
            target="district", param="centre", readers=frozenset({"foreign_director", "observer"}),
            params={"month": "2026-01"},
        )
        for kind in ("csv", "xlsx", "pdf")
    },
    # The trend, its files and the rankings (issue 24): the same readers as the report.
    **{
        path: QueryRoute(
            target="district", param="centre", readers=frozenset({"foreign_director", "observer"}),
        )
        for path in ("/api/v1/reports/trend/", "/api/v1/reports/trend/csv/",
                     "/api/v1/reports/trend/xlsx/", "/api/v1/reports/rankings/")
    },
    # The snapshot archive: the snapshots of centres whose reports the caller reads.
    "/api/v1/reports/snapshots/": ListRoute(
        target="snapshot",
        probes=lambda world, snapshot: [{}, {"centre": str(snapshot.centre_id)},
                                        {"month": f"{snapshot.month:%Y-%m}"}],
    ),
    **{
        f"/api/v1/reports/snapshots/{{id}}/{kind}/": ObjectRoute(target="snapshot")
        for kind in ("json", "csv", "xlsx", "pdf")
    },
}  # fmt: skip


def _uncovered(route: Route) -> str | None:
    """Why the matrix cannot cover ``route`` (``None`` when it can)."""
    covers = COVERAGE.get(route.key)
    if covers is None:
        return (
            f"{route.key} ({route.name}, {'/'.join(route.methods)}) is not in COVERAGE: add an "
            "ObjectRoute (an object id: which object on each side, and a body for writes), a "
            "ListRoute (what it lists; a create body if it takes POST), a QueryRoute (an object "
            "named in the query string) or an OpenRoute (with why it needs no scope)."
        )
    methods = set(route.methods)
    if isinstance(covers, ListRoute):
        known = {"GET", "HEAD"} | ({"POST"} if covers.create else set())
        if methods - known:
            return (
                f"{route.key} now answers {sorted(methods - known)}: give its ListRoute a create "
                "body naming a foreign object (and the model it creates)."
            )
    if isinstance(covers, OpenRoute) and methods - set(covers.anonymous):
        return f"{route.key} now answers {sorted(methods - set(covers.anonymous))}: say what."
    if isinstance(covers, OwnRoute) and methods - covers.methods:
        return f"{route.key} now answers {sorted(methods - covers.methods)}: say what."
    if isinstance(covers, SearchRoute) and methods - {"POST"}:
        return f"{route.key} now answers {sorted(methods - {'POST'})}: say what."
    if isinstance(covers, PersonalDataRoute) and methods - {"GET", "HEAD", "POST"}:
        return f"{route.key} now answers {sorted(methods - {'GET', 'HEAD', 'POST'})}: say what."
    if isinstance(covers, QueryRoute | ReadersRoute) and methods - {"GET", "HEAD"}:
        return f"{route.key} now answers {sorted(methods - {'GET', 'HEAD'})}: say what."
    if isinstance(covers, ObjectRoute):
        if route.id_kwarg is None:
            return f"{route.key} has no object id in its URL but is an ObjectRoute."
        others = set(route.kwargs) - {route.id_kwarg, "format"} - set(covers.ids)
        if covers.url is None and others - set(covers.each):
            return f"{route.key}: say which values of {sorted(others - set(covers.each))} to try."
    elif route.id_kwarg is not None:
        return f"{route.key} names an object in its URL: make it an ObjectRoute."
    return None


def test_every_api_route_is_covered() -> None:
    assert {r.key for r in ROUTES} >= {"/api/v1/cases/", "/api/v1/cases/{id}/", "/api/v1/me/"}
    problems = [p for p in map(_uncovered, ROUTES) if p]
    assert not problems, "The authorization matrix cannot cover:\n" + "\n".join(problems)


# --- The parameters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    route: Route
    method: str
    extra: tuple[tuple[str, str], ...]  # values of the route's other URL kwargs

    def __str__(self) -> str:
        extra = "".join(f" {k}={v}" for k, v in self.extra)
        return f"{self.method} {self.route}{extra}"


def _calls() -> Iterator[Call]:
    for route in ROUTES:
        covers = COVERAGE.get(route.key)
        if covers is None or _uncovered(route):
            continue  # test_every_api_route_is_covered fails for it
        each = covers.each if isinstance(covers, ObjectRoute) else {}
        names = [k for k in route.kwargs if k in each]
        combos: list[tuple[tuple[str, str], ...]] = [()]
        for name in names:
            combos = [(*c, (name, v)) for c in combos for v in each[name]]
        for method in route.methods:
            for extra in combos:
                yield Call(route, method, extra)


CALLS = list(_calls())


def _url(call: Call, object_id: Any | None) -> str:
    kwargs: dict[str, Any] = dict(call.extra)
    if call.route.id_kwarg is not None:
        kwargs[call.route.id_kwarg] = object_id
    if call.route.suffixed:
        kwargs["format"] = "json"
    return reverse(call.route.name, kwargs=kwargs)


def _object_url(call: Call, obj: Any, missing: bool = False) -> str:
    """The URL of ``call`` about ``obj``, an object route's target; ``missing``: with ids that do
    not exist."""
    covers = COVERAGE[call.route.key]
    if isinstance(covers, ObjectRoute) and covers.url is not None:
        return reverse(call.route.name, kwargs=covers.url(obj, MISSING_ID if missing else None))
    ids = covers.ids if isinstance(covers, ObjectRoute) else {}
    if not ids:
        return _url(call, MISSING_ID if missing else obj.pk)
    kwargs: dict[str, Any] = dict(call.extra)
    kwargs.update({k: MISSING_ID if missing else getattr(obj, a) for k, a in ids.items()})
    if call.route.suffixed:
        kwargs["format"] = "json"
    return reverse(call.route.name, kwargs=kwargs)


def _pdf_upload() -> Any:
    return SimpleUploadedFile("越权.pdf", b"%PDF-1.4\n%%EOF\n")


def _send(client: APIClient, method: str, url: str, body: dict[str, Any] | None = None,
          **headers: str) -> Any:  # fmt: skip
    send = getattr(client, method.lower())
    if method in {"GET", "HEAD", "DELETE"}:
        return send(url, headers=headers)
    if any(isinstance(value, SimpleUploadedFile) for value in (body or {}).values()):
        return send(url, body, format="multipart", headers=headers)
    return send(url, body or {}, format="json", headers=headers)


def _if_match(obj: Any) -> dict[str, str]:
    """Writes to a case carry its current ETag, so a refusal can only come from scope."""
    case_id = obj.pk if isinstance(obj, Case) else getattr(obj, "case_id", None)
    if case_id is None:
        return {}
    return {"If-Match": f'"{Case.objects.get(pk=case_id).version}"'}


def _snapshot(obj: Any) -> dict[str, Any]:
    return {
        "row": type(obj).objects.filter(pk=obj.pk).values().get(),
        "events": Event.objects.count(),
    }


def _assert_unauthenticated(response: Any, method: str) -> None:
    assert response.status_code == 401, (response.status_code, response.content[:300])
    assert response["WWW-Authenticate"].startswith("Token"), dict(response.headers)
    if method != "HEAD":
        assert_error(response, 401, "not_authenticated")


# --- The matrix ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("call", CALLS, ids=str)
def test_route_for_role(world: World, call: Call, role: str) -> None:
    covers = COVERAGE[call.route.key]
    user = world.users[role]
    side = world.sides[ROLES[role][1]]
    client = client_for(user)
    if isinstance(covers, ObjectRoute):
        _check_object_route(world, covers, call, role, user, side, client)
    elif isinstance(covers, ListRoute):
        _check_list_route(world, covers, call, role, user, side, client)
    elif isinstance(covers, OwnRoute):
        _check_own_route(covers, call, user, client)
    elif isinstance(covers, QueryRoute):
        _check_query_route(world, covers, call, role, user, side, client)
    elif isinstance(covers, SearchRoute):
        _check_search_route(world, covers, call, role, user, side, client)
    elif isinstance(covers, ReadersRoute):
        _check_readers_route(world, covers, call, role, user, side, client)
    elif isinstance(covers, PersonalDataRoute):
        _check_personal_data_route(world, covers, call, role, user, side, client)
    else:
        _check_open_route(world, covers, call, user, side, client)


def _check_readers_route(
    world: World,
    covers: ReadersRoute,
    call: Call,
    role: str,
    user: Any,
    side: Side,
    client: APIClient,
) -> None:
    url = _url(call, None)
    filed = {
        name: audit.record(
            actor=None, actor_name="matrix", action=AuditAction.LOGOUT, details={},
            centre=other.centre,
        ).pk
        for name, other in world.sides.items()
    }  # fmt: skip
    response = _send(client, call.method, url)
    if user is None:
        _assert_unauthenticated(response, call.method)
        return
    if role != "admin" and role not in covers.readers:
        if call.method == "HEAD":
            assert response.status_code == 403
        else:
            assert_error(response, 403, "permission_denied")
        return
    assert response.status_code == 200, (response.status_code, response.content[:300])
    if call.method == "HEAD":
        return
    ids = set(all_ids(client, url))
    foreign = filed[ROLES[role][1]]
    if role == "admin":
        assert set(filed.values()) <= ids
        return
    assert foreign not in ids, f"{role} read a record of a centre outside their subtrees"
    assert set(filed.values()) - {foreign} <= ids
    refused = client.get(url, {covers.param: side.centre.pk})
    missing = client.get(url, {covers.param: MISSING_ID})
    assert_error(refused, 400)
    assert refused.json() == missing.json()


def _clear_phone(side: Side) -> str:
    return decrypt(side.party.phone_encrypted)


def _check_personal_data_route(
    world: World,
    covers: PersonalDataRoute,
    call: Call,
    role: str,
    user: Any,
    side: Side,
    client: APIClient,
) -> None:
    url = _url(call, None)
    body = covers.body(world, side) if call.method == "POST" else None
    response = _send(client, call.method, url, body)
    if user is None:
        _assert_unauthenticated(response, call.method)
        return
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if role != "admin" and role not in covers.readers:
        if call.method == "HEAD":
            assert response.status_code == 403
        else:
            assert_error(response, 403, "permission_denied")
        return
    assert response.status_code in {200, 201, 400}, (role, call, response.content[:300])
    if call.method == "HEAD":
        return
    text = response.content.decode()
    others = [s for s in world.sides.values() if s is not side]
    if role == "admin":
        if call.method == "GET":
            assert {s.subject_request.pk for s in world.sides.values()} <= set(all_ids(client, url))
        elif response.status_code == 200:
            assert side.case.number in text
        return
    assert side.case.number not in text, f"{role} read a foreign case through {call}"
    if call.method == "GET":
        ids = set(all_ids(client, url))
        assert side.subject_request.pk not in ids, f"{role} read a foreign request"
    elif call.route.key.endswith("/search/"):  # the person's own-side case is found
        assert others[0].case.number in text


def _check_object_route(
    world: World,
    covers: ObjectRoute,
    call: Call,
    role: str,
    user: Any,
    side: Side,
    client: APIClient,
) -> None:
    obj = getattr(side, covers.target)
    body = covers.body(world, obj, dict(call.extra)) if call.method not in {"GET", "HEAD"} else {}
    headers = _if_match(obj) if call.method not in {"GET", "HEAD"} else {}
    before = _snapshot(obj)
    response = _send(client, call.method, _object_url(call, obj), body, **headers)
    if user is None:
        _assert_unauthenticated(response, call.method)
        assert _snapshot(obj) == before
        return
    if role == "admin":
        assert response.status_code != 404, f"the administrator got 404 from {call}"
        assert response.status_code < 500, (response.status_code, response.content[:300])
        if call.method in {"GET", "HEAD"}:
            assert response.status_code == 200, (response.status_code, response.content[:300])
        return
    if not covers.centre_bound:
        # Shared with everyone signed in (covers.reason): readable; writes are not theirs to make.
        if call.method in {"GET", "HEAD"}:
            assert response.status_code == 200, (response.status_code, response.content[:300])
        else:
            assert_error(response, 403)
            assert _snapshot(obj) == before
        return
    assert response.status_code == 404, (
        f"{role} reached a {covers.target} outside their scope through {call}: "
        f"{response.status_code} {response.content[:300]!r}"
    )
    assert _snapshot(obj) == before, f"{call} by {role} answered 404 but changed something"
    if call.method == "HEAD":
        return
    error = assert_error(response, 404, "not_found")
    # Exactly what an id that does not exist gets: nothing tells the two apart.
    missing = _send(client, call.method, _object_url(call, obj, missing=True), body, **headers)
    assert missing.status_code == 404
    assert missing.json()["error"] == error


def _check_list_route(
    world: World,
    covers: ListRoute,
    call: Call,
    role: str,
    user: Any,
    side: Side,
    client: APIClient,
) -> None:
    url = _url(call, None)
    if call.method == "POST":
        assert covers.create is not None and covers.created is not None
        obj = getattr(side, covers.target)
        count = covers.created._default_manager.count()
        response = _send(client, "POST", url, covers.create(world, obj, {}))
        if user is None:
            _assert_unauthenticated(response, "POST")
        elif role == "admin":
            assert response.status_code not in {401, 403, 404}, response.content[:300]
            assert response.status_code < 500, (response.status_code, response.content[:300])
            return
        elif covers.admin_only:
            assert_error(response, 403)
        else:
            assert response.status_code in {400, 403, 404}, (
                f"{role} created something against a foreign {covers.target} through {call}: "
                f"{response.status_code} {response.content[:300]!r}"
            )
            assert_error(response, response.status_code)
        assert covers.created._default_manager.count() == count, "a refused POST created rows"
        return
    response = _send(client, call.method, url)
    if user is None:
        _assert_unauthenticated(response, call.method)
        return
    assert response.status_code == 200, (response.status_code, response.content[:300])
    if call.method == "HEAD":
        return
    theirs = {s: getattr(world.sides[s], covers.target).pk for s in world.sides}
    foreign = theirs[ROLES[role][1]]
    for params in covers.probes(world, getattr(side, covers.target)):
        ids = all_ids(client, url, params)
        assert len(ids) == len(set(ids)), f"{url} {params} lists an object twice"
        if role == "admin":
            # Everything is the administrator's: the comparison below is not with an empty list.
            expected = {foreign} if params else set(theirs.values())
            assert expected <= set(ids), (url, params, expected, ids)
        elif not covers.centre_bound:
            assert foreign in ids, f"{role} does not see the shared {covers.target} in {url}"
        elif covers.admin_only:
            assert ids == [], f"{role} may not list {covers.target}s: {ids}"
        else:
            assert foreign not in ids, (
                f"{role} sees a foreign {covers.target} ({foreign}) in {url} {params}"
            )


def _check_search_route(
    world: World,
    covers: SearchRoute,
    call: Call,
    role: str,
    user: Any,
    side: Side,
    client: APIClient,
) -> None:
    url = _url(call, None)
    events = Event.objects.count()
    if user is None:
        _assert_unauthenticated(_send(client, "POST", url, {}), "POST")
        return
    theirs = {s: getattr(world.sides[s], covers.target).pk for s in world.sides}
    foreign = theirs[ROLES[role][1]]
    for body in covers.probes(world, getattr(side, covers.target)):
        response = _send(client, "POST", url, body)
        assert response.status_code == 200, (response.status_code, response.content[:300])
        ids = [row["id"] for row in response.json()["results"]]
        if response.json()["next"]:
            ids += all_ids(client, response.json()["next"])
        assert len(ids) == len(set(ids)), f"{url} {body} lists an object twice"
        if role == "admin":
            expected = {foreign} if body else set(theirs.values())
            assert expected <= set(ids), (url, body, expected, ids)
        else:
            assert foreign not in ids, f"{role} finds a foreign {covers.target} by {body}"
    assert Event.objects.count() == events, "a search wrote an event"


def _check_own_route(covers: OwnRoute, call: Call, user: Any, client: APIClient) -> None:
    response = _send(client, call.method, _url(call, None), covers.body)
    if user is None:
        _assert_unauthenticated(response, call.method)
        return
    assert response.status_code == 200, (response.status_code, response.content[:300])
    if call.method != "HEAD":
        assert covers.owns(user, response)


def _check_query_route(
    world: World,
    covers: QueryRoute,
    call: Call,
    role: str,
    user: Any,
    side: Side,
    client: APIClient,
) -> None:
    url = _url(call, None)
    send = getattr(client, call.method.lower())

    def ask(obj_id: Any) -> Any:
        return send(url, {**covers.params, covers.param: obj_id})

    response = ask(getattr(side, covers.target).pk)
    if user is None:
        _assert_unauthenticated(response, call.method)
        return
    if role == "admin":
        assert response.status_code == 200, (response.status_code, response.content[:300])
        return
    assert response.status_code == 404, (
        f"{role} reached a {covers.target} outside their scope through {call}: "
        f"{response.status_code} {response.content[:300]!r}"
    )
    # In their own scope: read by its readers, 404 for everyone else.
    own = next(s for s in world.sides.values() if s is not side)
    mine = ask(getattr(own, covers.target).pk)
    assert mine.status_code == (200 if role in covers.readers else 404), (
        role,
        mine.status_code,
        mine.content[:300],
    )
    if call.method == "HEAD":
        return
    error = assert_error(response, 404, "not_found")
    assert ask(MISSING_ID).json()["error"] == error


def _check_open_route(
    world: World, covers: OpenRoute, call: Call, user: Any, side: Side, client: APIClient
) -> None:
    if call.route.key in TOKEN_ROUTES:
        _check_token_route(world, call, user, client)
        return
    response = _send(client, call.method, _url(call, None))
    assert response.status_code == covers.anonymous[call.method], response.status_code
    assert_no_leak(response)
    if call.method == "GET":
        content = response.content.decode()
        assert side.case.number not in content


REVOKE_ALL = {"/api/v1/auth/tokens/", "/api/v1/auth/logout-all/"}
TOKEN_ROUTES = {"/api/v1/auth/token/", "/api/v1/auth/logout/", *REVOKE_ALL}


def _check_token_route(world: World, call: Call, user: Any, client: APIClient) -> None:
    url = _url(call, None)
    if call.route.key == "/api/v1/auth/token/" and call.method == "POST":
        target = world.sides["d1"].user.username
        response = _send(client, "POST", url, {"username": target, "password": "not-it"})
        error = assert_error(response, 400, "invalid_credentials")
        assert "password" in error["fields"]
        return
    response = _send(client, call.method, url)
    if user is None:
        _assert_unauthenticated(response, call.method)
        return
    assert response.status_code == 204
    assert client.get("/api/v1/me/").status_code == 401
    # The caller's token (or all of them: the one ``world`` made too) is revoked; everyone else's
    # is kept.
    kept = 0 if call.route.key in REVOKE_ALL else 1
    assert AuthToken.objects.filter(user=user).count() == kept
    others = [u for u in world.users.values() if u is not None and u.pk != user.pk]
    assert AuthToken.objects.filter(user__in=others).count() == len(others)


# --- OPTIONS --------------------------------------------------------------------------------------

OBJECT_ROUTES = [r for r in ROUTES if isinstance(COVERAGE.get(r.key), ObjectRoute)]


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=str)
def test_options_on_a_foreign_object_tells_nothing(world: World, route: Route) -> None:
    """DRF answers OPTIONS without loading the object: a foreign id looks like a missing one."""
    covers = COVERAGE[route.key]
    assert isinstance(covers, ObjectRoute)
    call = Call(route, "OPTIONS", tuple((k, v[0]) for k, v in covers.each.items()))
    obj = getattr(world.sides["d1"], covers.target)
    client = client_for(world.users["foreign_director"])
    foreign = client.options(_object_url(call, obj))
    missing = client.options(_object_url(call, obj, missing=True))
    if covers.centre_bound:
        assert (foreign.status_code, foreign.content) == (missing.status_code, missing.content)
    assert foreign.status_code in {200, 404}
    _assert_unauthenticated(client_for(None).options(_object_url(call, obj)), "OPTIONS")


# --- Type-ahead lookups (issue 21) ------------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_the_lookups_never_find_outside_the_scope(world: World, role: str) -> None:
    """``/centres/?q=`` and ``/mediators/?q=`` (the type-ahead of integrators, like the web's
    ``/lookup/…``): the foreign side's centre, district and mediator, by code or name, are never
    found; the administrator finds each (so the searches do match them)."""
    side = world.sides[ROLES[role][1]]
    client = client_for(world.users[role])

    def found(path: str, text: str) -> set[int]:
        response = client.get(path, {"q": text, "page_size": "200"})
        assert response.status_code == 200, response.content
        return {entry["id"] for entry in response.json()["results"]}

    centres: set[int] = set()
    for text in (side.centre.code, side.centre.name_zh, side.district.code, side.district.name_zh):
        centres |= found("/api/v1/centres/", text)
    mediators = found("/api/v1/mediators/", side.mediator.name)
    foreign_centres = {side.centre.pk, side.district.pk}
    if role == "admin":
        assert foreign_centres <= centres and side.mediator.pk in mediators
    else:
        assert not centres & foreign_centres, role
        assert side.mediator.pk not in mediators, role


# --- Permission before validation -----------------------------------------------------------------

WRITES = [
    c
    for c in CALLS
    if c.method not in {"GET", "HEAD"}
    and isinstance(COVERAGE[c.route.key], ObjectRoute | ListRoute)
]


def _spoiled(body: dict[str, Any]) -> dict[str, Any]:
    """Every field of a valid body made wrong (an object where a value belongs)."""
    return {name: {"not": ["valid"]} for name in body} or {"unexpected": {"not": ["valid"]}}


@pytest.mark.parametrize("call", WRITES, ids=str)
def test_a_read_only_role_is_refused_before_its_body_is_read(world: World, call: Call) -> None:
    """An observer's write in their own scope is 403 whatever the body (it was 400 for a bad one):
    permission first, then validation. Transitions answer their own refusal (409)."""
    covers = COVERAGE[call.route.key]
    side = world.sides["d1"]  # the observer's own side
    client = client_for(world.users["observer"])
    if isinstance(covers, ListRoute):
        assert covers.create is not None and covers.created is not None
        count = covers.created._default_manager.count()
        good = covers.create(world, getattr(side, covers.target), {})
        response = _send(client, "POST", _url(call, None), _spoiled(good))
        assert_error(response, 403, "permission_denied")
        assert covers.created._default_manager.count() == count
        return
    assert isinstance(covers, ObjectRoute)
    obj = getattr(side, covers.target)
    before = _snapshot(obj)
    good = covers.body(world, obj, dict(call.extra))
    response = _send(client, call.method, _object_url(call, obj), _spoiled(good), **_if_match(obj))
    if call.route.key.endswith("/transitions/{name}/"):
        assert_error(response, 409, "transition_not_allowed")
    elif covers.target in {"user", "subject_request", "warning"}:
        # Accounts are administrators' only, a personal data request its requester's and the
        # directors' over its centre, an early warning the directors' over its centre: none is
        # in the observer's scope.
        assert_error(response, 404, "not_found")
    else:
        assert_error(response, 403, "permission_denied")
    assert _snapshot(obj) == before


# --- The registering centre: sees, may not act (DESIGN §2, issue 20) ------------------------------

# The users who see the registered side's cases by registration alone: the intake officer of S1,
# where they were registered, and the director and observer of D1, above S1. The cases are handled
# at the city C.
REGISTRAR_ROLES = {
    "intake": "intake_s1",
    "director_above": "director_d1",
    "observer": "observer_d1",
}
# What a case's sight reaches: every object that hangs on one of the side's cases.
CASE_TARGETS = frozenset(
    {"case", "party", "session", "note", "attachment", "thumbnailed", "agreement", "follow_up",
     "transfer", "returned", "event"}
)  # fmt: skip
# Reads that registration sight does not reach: the files, the printed documents and a reveal.
NOT_BY_REGISTRATION = frozenset(
    {
        "/api/v1/cases/{id}/attachments/",
        "/api/v1/cases/{id}/attachments/{aid}/download/",
        "/api/v1/cases/{id}/attachments/{aid}/thumbnail/",
        "/api/v1/cases/{id}/registration-form/",
        "/api/v1/cases/{id}/case-file/",
        "/api/v1/cases/{id}/closing-summary/",
        # Similar cases: a mediation aid for those who handle or supervise the case.
        "/api/v1/cases/{id}/similar/",
        "/api/v1/agreements/{id}/pdf/",
        "/api/v1/sessions/{id}/record/",
        "/api/v1/parties/{id}/reveal/",
    }
)
REGISTERED_CALLS = [
    c
    for c in CALLS
    if isinstance(COVERAGE[c.route.key], ObjectRoute)
    and COVERAGE[c.route.key].target in CASE_TARGETS  # type: ignore[union-attr]
]


@pytest.fixture(scope="module")
def registered(world: World, django_db_blocker: Any) -> World:
    """The world's tree with one side more: cases registered at S1, handled at the city."""
    with django_db_blocker.unblock():
        side = build_registered_side(world.tree)
        users = {role: getattr(world.tree, attr) for role, attr in REGISTRAR_ROLES.items()}
        for user in users.values():
            issue_api_token(user=user)
    return World(tree=world.tree, sides={"registered": side}, users=users)


def test_registration_sight_is_not_handling_sight(registered: World) -> None:
    """The cases really are handled elsewhere: none of the roles sees them but by registration."""
    side = registered.sides["registered"]
    assert side.case.registering_centre == registered.tree.s1
    assert side.case.centre == registered.tree.c
    for user in registered.users.values():
        assert access.case_relations(user, side.case) == {access.Relation.REGISTRAR}


@pytest.mark.parametrize("role", list(REGISTRAR_ROLES))
@pytest.mark.parametrize("call", REGISTERED_CALLS, ids=str)
def test_the_registering_centre_reads_but_may_not_act(
    registered: World, call: Call, role: str
) -> None:
    """A read answers; every action, file, document and reveal is refused as "sees but may not
    act" (403, transitions their own 409), never 404: the case is theirs to see. Nothing changes."""
    covers = COVERAGE[call.route.key]
    assert isinstance(covers, ObjectRoute)
    side = registered.sides["registered"]
    obj = getattr(side, covers.target)
    client = client_for(registered.users[role])
    reading = call.method in {"GET", "HEAD"}
    body = {} if reading else covers.body(registered, obj, dict(call.extra))
    headers = {} if reading else _if_match(obj)
    before = _snapshot(obj)
    response = _send(client, call.method, _object_url(call, obj), body, **headers)
    if reading and call.route.key not in NOT_BY_REGISTRATION:
        assert response.status_code == 200, (call, response.status_code, response.content[:300])
        return
    assert _snapshot(obj) == before, f"{call} by {role} changed something"
    if call.method == "HEAD":
        assert response.status_code == 403, (call, response.status_code)
    elif call.route.key.endswith("/transitions/{name}/"):
        assert_error(response, 409, "transition_not_allowed")
    else:
        assert_error(response, 403, "permission_denied")


@pytest.mark.parametrize("role", list(REGISTRAR_ROLES))
def test_the_registering_centre_lists_its_cases_marked(registered: World, role: str) -> None:
    """The list holds the registered cases, each marked ``registered_only``; the filter picks
    them out (``true``) or leaves them out (``false``); a detail read says the same."""
    side = registered.sides["registered"]
    client = client_for(registered.users[role])
    ids = {side.case.pk, side.returned.pk, side.agreement.case_id}
    rows = {
        row["id"]: row for row in client.get("/api/v1/cases/", {"page_size": 100}).json()["results"]
    }
    assert ids <= rows.keys()
    assert all(rows[pk]["registered_only"] for pk in ids)
    only = all_ids(client, "/api/v1/cases/", {"registered_only": "true"})
    assert ids <= set(only)
    assert all(rows[pk]["registered_only"] for pk in only if pk in rows)
    assert not ids & set(all_ids(client, "/api/v1/cases/", {"registered_only": "false"}))
    detail = client.get(f"/api/v1/cases/{side.case.pk}/").json()
    assert detail["registered_only"] is True
    assert detail["centre"] == registered.tree.c.pk
    assert all("*" in (p["phone"] or "*") for p in detail["parties"])  # masked
