"""Every web route × every role × an object of a centre outside the role's scope (DESIGN §2, STYLE).

The web UI's counterpart of ``tests/api/test_authorization_matrix.py``. The routes and the methods
each answers are read from the URL resolver (the ``web`` namespace), not from a list kept here.
``COVERAGE`` says, for each route, how an object reaches it and what a request body looks like; a
route in the resolver without an entry, or answering a method its entry cannot cover, fails
``test_every_web_route_is_covered`` with what to add.

What is asserted, per route, method and role:

- an object in the URL (a case, party, session, agreement, follow-up, mediator) outside the role's
  scope: 404, the page a missing id gets (existence is not disclosed), nothing changed;
- an object named in the query string or the posted form (a centre, mediator or room to filter or
  show, a transfer to decide, a notification to mark read, a centre to register at): the answer a
  missing id gets, without the object's case number or name, nothing changed;
- pages about no object (the workbench, the due lists, the bell, intake's helpers): nothing of the
  foreign side on them;
- pages for administrators only (the sent mail): 404 for every other role;
- the administrator (everything is in scope): never 404, never 5xx, and the lists do show the
  object (so the comparisons above are not with an empty page).
"""

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from cases import workflow
from cases.models import (
    Agreement,
    Attachment,
    Case,
    Event,
    Export,
    ExportFormat,
    ExportStatus,
    FollowUp,
    Notification,
    NotificationKind,
    Party,
    SavedFilter,
    Session,
    Transfer,
)
from cases.personal_data import decrypt
from tests.api.world import Side, build_registered_side, build_sides
from tests.factories import Tree, data_for

pytestmark = pytest.mark.django_db

MISSING_ID = 999_999_999
BYSTANDER_KEY = "web-matrix:bystander"

# --- The routes, from the resolver ----------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "case_detail" (in the web namespace)
    kwargs: tuple[str, ...]
    methods: tuple[str, ...]  # GET and/or POST (HEAD and OPTIONS follow GET)

    def __str__(self) -> str:
        return self.name


def _methods(callback: Any) -> tuple[str, ...]:
    """The methods a view answers: a class-based view's handlers, else what its
    ``require_http_methods`` decorator allows (no such decorator: every method)."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        found = {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)}
    else:
        found = {"GET", "POST"}
        function = callback
        while function is not None:
            allowed = inspect.getclosurevars(function).nonlocals.get("request_method_list")
            if allowed is not None:
                found = set(allowed)
                break
            function = getattr(function, "__wrapped__", None)
    return tuple(m for m in ("GET", "POST") if m in found)


def web_routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "web":
                assert pattern.name, f"{pattern.pattern} has no URL name"
                kwargs = tuple(pattern.pattern.converters)
                found.append(Route(pattern.name, kwargs, _methods(pattern.callback)))

    walk(get_resolver().url_patterns, None)
    return found


ROUTES = web_routes()

# --- The world: one object of each kind on each side of the city ------------------------------


@dataclass
class World:
    tree: Tree
    sides: dict[str, Side]
    users: dict[str, Any]
    notifications: dict[str, Notification]  # side → a notification of someone working there


# role → (user attribute of the Tree, the side whose objects are outside the role's scope)
ROLES: dict[str, tuple[str, str]] = {
    "admin": ("admin", "d1"),
    "director": ("director_d2", "d1"),  # directs D2; the objects are in D1's subtree
    "observer": ("observer_d1", "d2"),
    "intake": ("intake_s1", "d2"),
    "mediator": ("mediator_s1_user", "d2"),
    "court_liaison": ("court_liaison", "d2"),
}


@pytest.fixture(scope="module")
def world(shared_tree_with_cases: Tree, django_db_blocker: Any) -> World:
    tree = shared_tree_with_cases
    with django_db_blocker.unblock():
        sides = build_sides(tree)
        users = {role: getattr(tree, attr) for role, (attr, _) in ROLES.items()}
        notifications = {
            name: Notification.objects.create(
                user=side.user, case=side.case, kind=NotificationKind.OVERDUE,
                key=f"web-matrix:{name}",
            )
            for name, side in sides.items()
        }  # fmt: skip
    return World(tree=tree, sides=sides, users=users, notifications=notifications)


# --- How each route is covered ------------------------------------------------------------------

Body = Callable[[World, Side, Mapping[str, str]], dict[str, Any]]


def no_body(world: World, side: Side, kwargs: Mapping[str, str]) -> dict[str, Any]:
    return {}


def _version(side: Side) -> int:
    return Case.objects.get(pk=side.case.pk).version


def _edit(world: World, side: Side, kwargs: Mapping[str, str]) -> dict[str, Any]:
    return {
        "version": _version(side),
        "summary": "越权修改",
        "category": side.case.category_id,
        "risk_level": "high",
    }


def _transition(world: World, side: Side, kwargs: Mapping[str, str]) -> dict[str, Any]:
    data = data_for(kwargs["name"], mediator=side.mediator, target=side.district)
    flat = {**data.pop("agreement", {}), **data}  # the web form's fields are flat
    return {"version": _version(side), **flat}


def _booking(world: World, side: Side, kwargs: Mapping[str, str]) -> dict[str, Any]:
    day = timezone.localdate() + timedelta(days=12)
    return {
        "date": day.isoformat(),
        "starts_at": "09:00",
        "ends_at": "10:00",
        "mode": "in_person",
        "room": side.room.pk,
        "mediators": [side.mediator.pk],
    }


def _party_add(world: World, side: Side, kwargs: Mapping[str, str]) -> dict[str, Any]:
    return {
        "version": _version(side), "role": "third_party", "kind": "person", "name": "越权",
        "phone": "13712345678", "reason": "越权",
    }  # fmt: skip


def _party_correct(world: World, side: Side, kwargs: Mapping[str, str]) -> dict[str, Any]:
    party = side.party
    return {
        "version": _version(side), "role": party.role, "kind": party.kind, "name": party.name,
        "agent": "越权", "reason": "越权",
    }  # fmt: skip


def constant(body: dict[str, Any]) -> Body:
    return lambda world, side, kwargs: body


@dataclass(frozen=True)
class ObjectRoute:
    """Objects in the path: URL kwarg → attribute of ``Side`` (``case``, ``party``...)."""

    ids: Mapping[str, str]
    body: Body = no_body
    each: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # other kwargs' values
    # A user's own object (a saved filter): no sight of another's, the administrator's included.
    personal: bool = False
    # The object hangs from a case (registration sight is tested on it); a personal data
    # request does not.
    case_bound: bool = True


@dataclass(frozen=True)
class QueryRoute:
    """An object named in the query string (GET) or the form (POST): ``params(side)`` names the
    foreign one; the same with ``MISSING_ID`` must get the same answer."""

    params: Callable[[World, str, Any], dict[str, Any]]
    reason: str = ""


@dataclass(frozen=True)
class PageRoute:
    """About no object (or only the caller's own): shows nothing of the foreign side.
    ``body``: what a POST sends."""

    reason: str
    body: Callable[[World, Side], dict[str, Any]] = lambda world, side: {}


@dataclass(frozen=True)
class AdminRoute:
    """Administrators only: every other role gets the 404 of a page that does not exist.
    ``each``: values for the path's kwargs."""

    reason: str
    each: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


Coverage = ObjectRoute | QueryRoute | PageRoute | AdminRoute


def _transfer_decision(world: World, side: str, pk: Any) -> dict[str, Any]:
    return {"transfer": pk, "action": "accept", "version": _version(world.sides[side])}


def _case_filters(world: World, side: str, pk: Any) -> dict[str, Any]:
    return {"centre": pk, "subtree": "true"}


COVERAGE: dict[str, Coverage] = {
    # Signing in and out, and one's own password: about no case.
    "login": PageRoute(reason="The login form."),
    "logout": PageRoute(reason="Ends the caller's own session."),
    "password_change": PageRoute(reason="The caller's own password."),
    "profile": PageRoute(
        reason="The caller's own settings: language and notification preferences.",
        body=lambda world, side: {"language": "en"},
    ),
    "logout_everywhere": PageRoute(
        reason="Ends the caller's own sessions and API tokens, after the caller's own password."
    ),
    "workbench": PageRoute(reason="The caller's own work, from the scoped queries."),
    "due": PageRoute(reason="Due agreements and follow-ups of the caller's scope."),
    "notifications": PageRoute(reason="The caller's own notifications."),
    # Intake: the centre to register at is in the form; the helpers name no case.
    "intake": QueryRoute(
        params=lambda world, side, pk: {
            "centre": pk,
            "channel": "walk_in",
            "summary": "越权登记",
            "category": world.sides[side].category.pk,
            "parties-TOTAL_FORMS": "1",
            "parties-INITIAL_FORMS": "0",
            "parties-0-role": "applicant",
            "parties-0-kind": "person",
            "parties-0-name": "王五",
        },
        reason="Registers at a centre named in the form: only the caller's own.",
    ),
    "intake_party_row": PageRoute(reason="An empty party row."),
    "intake_categories": PageRoute(reason="The national category list, the same for everyone."),
    "intake_person_hint": PageRoute(
        reason="Earlier cases of a person, only those in the caller's scope.",
        body=lambda world, side: {"id_number": "420106198001011237", "phone": "13812345678"},
    ),
    # The list, its CSV, the calendar, the roster and the reports name a centre (or mediator,
    # room) in the query string: one outside the scope is refused like one that does not exist.
    "quick_search": PageRoute(
        reason="Opens a case only when the number names one in the caller's scope; anything else "
        "goes to the caller's own case list (tests/web/test_quick_search.py).",
        body=lambda world, side: {"q": side.case.number},
    ),
    "case_list": QueryRoute(params=_case_filters),
    "case_export": QueryRoute(params=_case_filters),
    "case_export_xlsx": QueryRoute(params=_case_filters),
    # The audit trail (issue 22): administrators all, directors their subtrees, others 403; a
    # centre outside the reader's subtrees is refused as one that does not exist.
    "audit": QueryRoute(params=_case_filters),
    "audit_export": QueryRoute(params=_case_filters),
    # Requests from the people concerned (issue 22): the list and the forms name no case and
    # show only the caller's scope; a request is read by its requester, the directors over its
    # centre (a city-wide search: the city's) and administrators; the export names a request
    # in the form.
    "personal_data": PageRoute(reason="The requests the caller reads."),
    "personal_data_search": PageRoute(
        reason="A person's parties in the caller's own cases only.",
        body=lambda world, side: {"phone": _clear_phone(side), "search": ""},
    ),
    "personal_data_erasure": PageRoute(
        reason="Asks about a person of the caller's own cases only.",
        body=lambda world, side: {"phone": _clear_phone(side), "reason": "越权删除"},
    ),
    "personal_data_export": QueryRoute(
        params=lambda world, side, pk: {"request": pk, "format": "json"}
    ),
    "personal_data_extract": QueryRoute(
        params=lambda world, side, number: {"case_number": number, "format": "csv"},
        reason="A case named by its number: one outside the scope is refused as a missing one.",
    ),
    # Early warnings (issue 24): the list for directors (their subtrees) and administrators, a
    # centre outside the reader's subtrees filtering to nothing, as a missing one does; one
    # warning read and acted on by the directors over its centre.
    "warnings": QueryRoute(params=lambda world, side, pk: {"centre": pk}),
    "warning": ObjectRoute(ids={"pk": "warning"}, case_bound=False),
    "warning_acknowledge": ObjectRoute(ids={"pk": "warning"}, case_bound=False),
    "warning_assign": ObjectRoute(
        ids={"pk": "warning"},
        case_bound=False,
        body=lambda world, side, kwargs: {"user": world.tree.director_d2.pk},
    ),
    "warning_dismiss": ObjectRoute(
        ids={"pk": "warning"}, case_bound=False, body=constant({"reason": "越权撤销"})
    ),
    "personal_data_request": ObjectRoute(
        ids={"pk": "subject_request"},
        body=constant({"decision": "refuse", "reason": "越权决定"}),
        case_bound=False,
    ),
    "personal_data_request_run": ObjectRoute(ids={"pk": "subject_request"}, case_bound=False),
    # A background export (issue 21): its page and file are its owner's only, the administrator
    # included.
    "export_detail": ObjectRoute(ids={"pk": "export"}, personal=True),
    "export_download": ObjectRoute(ids={"pk": "export"}, personal=True),
    # Bulk actions name the cases in the form: a foreign one is "no such case", like a missing one.
    "case_bulk": QueryRoute(
        params=lambda world, side, pk: {"action": "close", "case": str(pk), "confirm": "1"}
    ),
    # Saved filters (issue 20): shared with a centre named in the form, only one's own; applied
    # and deleted by id, only one's own or one's centre's.
    "saved_filter_save": QueryRoute(
        params=lambda world, side, pk: {"name": "越权", "query": "", "share": pk}
    ),
    "saved_filter_apply": ObjectRoute(ids={"pk": "saved_filter"}, personal=True),
    "saved_filter_delete": ObjectRoute(ids={"pk": "saved_filter"}, personal=True),
    "calendar": QueryRoute(params=lambda world, side, pk: {"centre": pk}),
    # Type-ahead for the list's filters (issue 21): the foreign side's centre or mediator typed
    # (by code, by name) is never suggested (test_the_lookups_suggest_only_the_scope below).
    "lookup_centres": QueryRoute(params=lambda world, side, text: {"q": text}),
    "lookup_mediators": QueryRoute(params=lambda world, side, text: {"q": text}),
    "mediator_list": QueryRoute(params=lambda world, side, pk: {"centre": pk}),
    "reports": QueryRoute(params=lambda world, side, pk: {"centre": pk}),
    # The trend and the snapshot archive (issue 24): the report's readers, a centre in the query.
    "report_trend": QueryRoute(params=lambda world, side, pk: {"centre": pk, "months": "24"}),
    "report_archive": QueryRoute(params=lambda world, side, pk: {"centre": pk}),
    # The wall screen (issue 24): the report's readers, a centre in the query.
    "wall": QueryRoute(params=lambda world, side, pk: {"centre": pk}),
    "report_snapshot_file": ObjectRoute(
        ids={"pk": "snapshot"}, each={"kind": ("json", "csv", "xlsx", "pdf")}, case_bound=False
    ),
    "transfers": QueryRoute(params=_transfer_decision),
    "notifications_read": QueryRoute(params=lambda world, side, pk: {"id": pk}),
    # One case and what hangs from it: ids in the path.
    "case_detail": ObjectRoute(ids={"pk": "case"}),
    "case_edit": ObjectRoute(ids={"pk": "case"}, body=_edit),
    # Similar cases (类案参考, issue 21): the panel the case page loads when it is opened.
    "case_similar": ObjectRoute(ids={"pk": "case"}),
    "case_action": ObjectRoute(
        ids={"pk": "case"}, body=_transition, each={"name": tuple(sorted(workflow.TRANSITIONS))}
    ),
    # The legal hold (issue 22): the directors over the case's centre and administrators.
    "case_legal_hold": ObjectRoute(ids={"pk": "case"}, body=constant({"reason": "越权保全"})),
    "party_reveal": ObjectRoute(ids={"pk": "case", "party_pk": "party"}),
    # The phone shown inline on the due lists: the follow-up and the party of its case.
    "due_phone": ObjectRoute(ids={"pk": "follow_up", "party_pk": "follow_up_party"}),
    # A case's parties: add, correct, remove (issue 19).
    "party_add": ObjectRoute(ids={"pk": "case"}, body=_party_add),
    "party_correct": ObjectRoute(ids={"pk": "case", "party_pk": "party"}, body=_party_correct),
    "party_remove": ObjectRoute(
        ids={"pk": "case", "party_pk": "party"},
        body=lambda world, side, kwargs: {"version": _version(side), "reason": "越权"},
    ),
    "session_book": ObjectRoute(ids={"pk": "case"}, body=_booking),
    "note_add": ObjectRoute(
        ids={"pk": "case"},
        body=lambda world, side, kwargs: {
            "kind": "call",
            "happened_on": timezone.localdate().isoformat(),
            "text": "越权记录",
        },
    ),
    # Evidence and attachments (issue 19): each file through its case.
    "attachment_add": ObjectRoute(
        ids={"pk": "case"},
        body=lambda world, side, kwargs: {
            "kind": "other",
            "file": SimpleUploadedFile("越权.pdf", b"%PDF-1.4\n%%EOF\n"),
        },
    ),
    "attachment_download": ObjectRoute(ids={"pk": "case", "aid": "attachment"}),
    "attachment_thumbnail": ObjectRoute(ids={"pk": "case", "aid": "thumbnailed"}),
    "attachment_withdraw": ObjectRoute(
        ids={"pk": "case", "aid": "attachment"}, body=constant({"reason": "越权撤回"})
    ),
    "session_record": ObjectRoute(
        ids={"pk": "session"}, body=constant({"minutes": "越权记录", "result": "达成一致"})
    ),
    "session_cancel": ObjectRoute(ids={"pk": "session"}, body=constant({"confirm": "on"})),
    "session_move": ObjectRoute(
        ids={"pk": "session"},
        body=constant(
            {"date": "2031-01-06", "starts_at": "09:00", "ends_at": "10:00", "reason": "越权改期"}
        ),
    ),
    "session_record_print": ObjectRoute(ids={"pk": "case", "session_pk": "session"}),
    "session_record_pdf": ObjectRoute(ids={"pk": "case", "session_pk": "session"}),
    "registration_print": ObjectRoute(ids={"pk": "case"}),
    "registration_pdf": ObjectRoute(ids={"pk": "case"}),
    # The whole case file; a case with an agreement, whose parties a reveal would name.
    "case_file_print": ObjectRoute(ids={"pk": "agreement_case"}),
    "case_file_pdf": ObjectRoute(ids={"pk": "agreement_case"}),
    "agreement_print": ObjectRoute(ids={"pk": "agreement_case"}),
    "agreement_pdf": ObjectRoute(ids={"pk": "agreement_case"}),
    "closing_summary": ObjectRoute(ids={"pk": "returned"}),
    "closing_summary_pdf": ObjectRoute(ids={"pk": "returned"}),
    "fulfilment": ObjectRoute(ids={"pk": "agreement"}, body=constant({"fulfilment": "fulfilled"})),
    "judicial_confirmation": ObjectRoute(
        ids={"pk": "agreement"},
        body=lambda world, side, kwargs: {
            "status": "applied",
            "applied_on": timezone.localdate().isoformat(),
        },
    ),
    "follow_up_record": ObjectRoute(
        ids={"pk": "follow_up"},
        body=lambda world, side, kwargs: {
            "done_on": timezone.localdate().isoformat(),
            "contact_method": "phone",
            "fulfilment": "fulfilled",
            "satisfaction": "5",
        },
    ),
    "mediator_detail": ObjectRoute(ids={"pk": "mediator"}),
    # The e-mails the file backend kept (make run): no case's scope, administrators only.
    "sent_mail": AdminRoute(reason="The list of sent e-mails."),
    "sent_mail_message": AdminRoute(reason="One sent e-mail.", each={"key": ("x.0",)}),
    "sent_mail_attachment": AdminRoute(
        reason="A sent e-mail's attachment.", each={"key": ("x.0",), "number": ("1",)}
    ),
}

# What the query routes name: the object outside the scope (per side).
QUERY_TARGETS: dict[str, Callable[[World, str], Any]] = {
    "intake": lambda world, side: world.sides[side].centre.pk,
    "case_list": lambda world, side: world.sides[side].centre.pk,
    "case_export": lambda world, side: world.sides[side].centre.pk,
    "case_export_xlsx": lambda world, side: world.sides[side].centre.pk,
    "audit": lambda world, side: world.sides[side].centre.pk,
    "audit_export": lambda world, side: world.sides[side].centre.pk,
    "case_bulk": lambda world, side: world.sides[side].case.pk,
    "personal_data_export": lambda world, side: world.sides[side].subject_request.pk,
    "personal_data_extract": lambda world, side: world.sides[side].case.number,
    "saved_filter_save": lambda world, side: world.sides[side].centre.pk,
    "calendar": lambda world, side: world.sides[side].centre.pk,
    "lookup_centres": lambda world, side: world.sides[side].centre.code,
    "lookup_mediators": lambda world, side: world.sides[side].mediator.name,
    "mediator_list": lambda world, side: world.sides[side].centre.pk,
    "reports": lambda world, side: world.sides[side].district.pk,
    "report_trend": lambda world, side: world.sides[side].district.pk,
    "report_archive": lambda world, side: world.sides[side].district.pk,
    "wall": lambda world, side: world.sides[side].district.pk,
    "warnings": lambda world, side: world.sides[side].centre.pk,
    "transfers": lambda world, side: world.sides[side].transfer.pk,
    "notifications_read": lambda world, side: world.notifications[side].pk,
}


def _target(side: Side, attribute: str) -> Any:
    if attribute == "agreement_case":
        return side.agreement.case
    if attribute == "follow_up_party":  # a party of the follow-up's case
        return side.follow_up.case.parties.order_by("pk").first()
    if attribute == "saved_filter":  # shared with the side's centre by one of its members
        return SavedFilter.objects.get_or_create(
            name=f"matrix {side.centre.code}", owner=side.user, centre=side.centre
        )[0]
    if attribute == "export":  # the side's user's own, ready to download
        return _ready_export(side.user)
    return getattr(side, attribute)


def _clear_phone(side: Side) -> str:
    return decrypt(side.party.phone_encrypted)


def _ready_export(user: Any) -> Export:
    export = Export.objects.filter(user=user, status=ExportStatus.DONE).first()
    if export is None:
        now = timezone.now()
        export = Export.objects.create(
            user=user,
            format=ExportFormat.CSV,
            language="zh-hans",
            time_zone="Asia/Shanghai",
            status=ExportStatus.DONE,
            rows_done=1,
            rows_total=1,
            expires_at=now + timedelta(days=1),
        )
        export.file.save("cases.csv", ContentFile(b"\xef\xbb\xbfmatrix\r\n"))
    return export


def _uncovered(route: Route) -> str | None:
    covers = COVERAGE.get(route.name)
    if covers is None:
        return (
            f"web:{route.name} ({'/'.join(route.methods)}) is not in COVERAGE: add an ObjectRoute "
            "(ids in the path: which object on each side, a body for POST), a QueryRoute (an "
            "object named in the query string or form) or a PageRoute (why it names no object)."
        )
    if isinstance(covers, ObjectRoute):
        if set(route.kwargs) - set(covers.ids) - set(covers.each):
            return f"web:{route.name}: say what {sorted(set(route.kwargs) - set(covers.ids))} are."
    elif isinstance(covers, AdminRoute):
        if set(route.kwargs) - set(covers.each):
            return f"web:{route.name}: say in each what {sorted(route.kwargs)} are."
    elif route.kwargs:
        return f"web:{route.name} names an object in its path: make it an ObjectRoute."
    if isinstance(covers, QueryRoute) and route.name not in QUERY_TARGETS:
        return f"web:{route.name}: say in QUERY_TARGETS which object its query names."
    return None


def test_every_web_route_is_covered() -> None:
    names = {r.name for r in ROUTES}
    assert {"case_detail", "party_reveal", "session_record", "mediator_detail"} <= names
    problems = [p for p in map(_uncovered, ROUTES) if p]
    problems += [f"web:{r.name} answers neither GET nor POST" for r in ROUTES if not r.methods]
    assert not problems, "The web authorization matrix cannot cover:\n" + "\n".join(problems)


# --- The calls ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    route: Route
    method: str
    extra: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return f"{self.method} {self.route}" + "".join(f" {k}={v}" for k, v in self.extra)


def _calls() -> list[Call]:
    calls = []
    for route in ROUTES:
        covers = COVERAGE.get(route.name)
        if covers is None or _uncovered(route):
            continue  # test_every_web_route_is_covered fails for it
        each = covers.each if isinstance(covers, ObjectRoute | AdminRoute) else {}
        combos: list[tuple[tuple[str, str], ...]] = [()]
        for name in route.kwargs:
            if name in each:
                combos = [(*c, (name, v)) for c in combos for v in each[name]]
        calls += [Call(route, method, extra) for method in route.methods for extra in combos]
    return calls


CALLS = _calls()


def _client(user: Any) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _counts() -> dict[str, int]:
    return {
        model.__name__: model._default_manager.count()
        for model in (Case, Party, Session, Agreement, Transfer, FollowUp, Event, Attachment)
    }


def _state(side: Side, world: World, name: str) -> Any:
    """What a refused request must leave as it was: the counts, and the side's rows."""
    rows: list[models.Model] = [
        side.case, side.party, side.session, side.agreement, side.follow_up, side.transfer,
        side.returned, side.mediator, world.notifications[name], side.attachment, side.warning,
    ]  # fmt: skip
    return _counts(), [list(type(r)._default_manager.filter(pk=r.pk).values()) for r in rows]


def _foreign_texts(side: Side) -> list[str]:
    """What would show that a page holds the foreign side's data."""
    return [
        side.case.number,
        side.returned.number,
        side.agreement.case.number,
        side.follow_up.case.number,
        side.transfer.case.number,
    ]


def _send(client: Client, method: str, url: str, data: dict[str, Any]) -> Any:
    if method == "GET":
        return client.get(url, data)
    return client.post(url, data)


def _assert_no_foreign_text(response: Any, side: Side, call: Call, role: str) -> None:
    content = b"".join(response) if response.streaming else response.content
    text = content.decode(errors="replace")
    for marker in _foreign_texts(side):
        assert marker not in text, f"{role} read {marker} (outside their scope) through {call}"


# --- The matrix ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("call", CALLS, ids=str)
def test_route_for_role(world: World, call: Call, role: str) -> None:
    covers = COVERAGE[call.route.name]
    user = world.users[role]
    side_name = ROLES[role][1]
    side = world.sides[side_name]
    client = _client(user)
    before = _state(side, world, side_name)
    if isinstance(covers, ObjectRoute):
        _check_object_route(world, covers, call, role, side, client)
    elif isinstance(covers, QueryRoute):
        _check_query_route(world, covers, call, role, side_name, client)
    elif isinstance(covers, AdminRoute):
        url = reverse(f"web:{call.route.name}", kwargs=dict(call.extra))
        response = _send(client, call.method, url, {})
        assert response.status_code < 500, (call, response.status_code)
        if role != "admin":
            assert response.status_code == 404, f"{role} reached {call}: {response.status_code}"
    else:
        body = covers.body(world, side) if call.method == "POST" else {}
        response = _send(client, call.method, reverse(f"web:{call.route.name}"), body)
        assert response.status_code < 500, (call, response.status_code)
        if role != "admin":
            _assert_no_foreign_text(response, side, call, role)
    if role != "admin":
        assert _state(side, world, side_name) == before, f"{call} by {role} changed something"


def _check_object_route(
    world: World, covers: ObjectRoute, call: Call, role: str, side: Side, client: Client
) -> None:
    kwargs = dict(call.extra)
    body = covers.body(world, side, kwargs) if call.method == "POST" else {}
    foreign = {k: _target(side, attr).pk for k, attr in covers.ids.items()}
    url = reverse(f"web:{call.route.name}", kwargs={**kwargs, **foreign})
    response = _send(client, call.method, url, body)
    if role == "admin" and not covers.personal:
        assert response.status_code != 404, f"the administrator got 404 from {call}"
        assert response.status_code < 500, (call, response.status_code)
        return
    assert response.status_code == 404, (
        f"{role} reached an object outside their scope through {call}: {response.status_code}"
    )
    _assert_no_foreign_text(response, side, call, role)
    missing = {k: MISSING_ID for k in covers.ids}
    url = reverse(f"web:{call.route.name}", kwargs={**kwargs, **missing})
    assert _send(client, call.method, url, body).status_code == 404


def _check_query_route(
    world: World, covers: QueryRoute, call: Call, role: str, side_name: str, client: Client
) -> None:
    side = world.sides[side_name]
    url = reverse(f"web:{call.route.name}")
    target = QUERY_TARGETS[call.route.name](world, side_name)
    response = _send(client, call.method, url, covers.params(world, side_name, target))
    assert response.status_code < 500, (call, response.status_code)
    if role == "admin":
        assert response.status_code != 404, f"the administrator got 404 from {call}"
        return
    _assert_no_foreign_text(response, side, call, role)
    if call.method == "GET":  # and nothing of the foreign side without the filter either
        _assert_no_foreign_text(client.get(url), side, call, role)
    missing = _send(client, call.method, url, covers.params(world, side_name, MISSING_ID))
    assert response.status_code == missing.status_code, (
        f"{call} by {role}: {response.status_code} for an object outside the scope, "
        f"{missing.status_code} for one that does not exist"
    )


# --- Beyond the matrix ----------------------------------------------------------------------------


def test_a_foreign_party_is_not_revealed_through_an_own_case(world: World) -> None:
    """The case in the path is the intake officer's own; the party is another district's."""
    own, foreign = world.sides["d1"], world.sides["d2"]
    client = _client(world.users["intake"])
    events = Event.objects.count()
    url = reverse("web:party_reveal", kwargs={"pk": own.case.pk, "party_pk": foreign.party.pk})
    assert client.post(url).status_code == 404
    assert Event.objects.count() == events
    # The same party of the own case is revealed (so the 404 above is about scope).
    url = reverse("web:party_reveal", kwargs={"pk": own.case.pk, "party_pk": own.party.pk})
    assert client.post(url).status_code == 200


def test_the_administrator_lists_what_the_others_may_not(world: World) -> None:
    """The comparisons of the matrix are not with empty pages."""
    client = _client(world.users["admin"])
    side = world.sides["d2"]
    page = client.get(reverse("web:case_list"), {"centre": str(side.centre.pk), "subtree": "true"})
    assert side.case.number in page.content.decode()
    bystander = Notification.objects.create(
        user=world.tree.director_c, case=side.case, kind=NotificationKind.OVERDUE, key=BYSTANDER_KEY
    )
    # Marking read is about the caller's own notifications, even for the administrator.
    client.post(reverse("web:notifications_read"), {"id": bystander.pk})
    bystander.refresh_from_db()
    assert bystander.read_at is None


@pytest.mark.parametrize("role", list(ROLES))
def test_the_lookups_suggest_only_the_scope(world: World, role: str) -> None:
    """The foreign side's centre, district and mediator, typed by code or name, are never
    suggested; the administrator is suggested each (so the lookups do find them)."""
    side = world.sides[ROLES[role][1]]
    client = _client(world.users[role])

    def suggested(route: str, text: str) -> set[int]:
        response = client.get(reverse(f"web:{route}"), {"q": text})
        assert response.status_code == 200
        return {entry["id"] for entry in response.json()["results"]}

    centres: set[int] = set()
    for text in (side.centre.code, side.centre.name_zh, side.district.code, side.district.name_zh):
        centres |= suggested("lookup_centres", text)
    mediators = suggested("lookup_mediators", side.mediator.name)
    mediators |= suggested("lookup_mediators", side.centre.code)
    foreign_centres, foreign_mediator = {side.centre.pk, side.district.pk}, side.mediator.pk
    if role == "admin":
        assert foreign_centres <= centres and foreign_mediator in mediators
    else:
        assert not centres & foreign_centres, role
        assert foreign_mediator not in mediators, role


def test_the_matrix_reads_the_methods_from_the_views() -> None:
    methods = {r.name: r.methods for r in ROUTES}
    assert methods["case_detail"] == ("GET",)
    assert methods["party_reveal"] == ("POST",)
    assert methods["case_edit"] == ("GET", "POST")
    assert methods["notifications_read"] == ("POST",)
    assert re.fullmatch(r"(GET, )?POST", ", ".join(methods["logout"]))


# --- The registering centre: sees, may not act (DESIGN §2, issue 20) ------------------------------

# Cases registered at S1 and handled at the city (``build_registered_side``): S1's intake officer
# and D1's director and observer see them by registration alone.
REGISTRAR_ROLES = {
    "intake": "intake_s1",
    "director_above": "director_d1",
    "observer": "observer_d1",
}
# What registration sight reads: the case's page. Everything else about the case is an action, a
# reveal, a file or a printed document: refused as "sees but may not act" (403), never 404.
READ_BY_REGISTRATION = frozenset({"case_detail"})
REGISTERED_CALLS = [
    c
    for c in CALLS
    if isinstance(COVERAGE[c.route.name], ObjectRoute)
    and "mediator" not in COVERAGE[c.route.name].ids.values()  # type: ignore[union-attr]
    and not COVERAGE[c.route.name].personal  # type: ignore[union-attr]
    and COVERAGE[c.route.name].case_bound  # type: ignore[union-attr]
]


@pytest.fixture(scope="module")
def registered(world: World, django_db_blocker: Any) -> World:
    with django_db_blocker.unblock():
        side = build_registered_side(world.tree)
        notification = Notification.objects.create(
            user=side.user, case=side.case, kind=NotificationKind.OVERDUE, key="web-matrix:reg"
        )
    users = {role: getattr(world.tree, attr) for role, attr in REGISTRAR_ROLES.items()}
    return World(
        tree=world.tree,
        sides={"registered": side},
        users=users,
        notifications={"registered": notification},
    )


@pytest.mark.parametrize("role", list(REGISTRAR_ROLES))
@pytest.mark.parametrize("call", REGISTERED_CALLS, ids=str)
def test_the_registering_centre_reads_but_may_not_act(
    registered: World, call: Call, role: str
) -> None:
    covers = COVERAGE[call.route.name]
    assert isinstance(covers, ObjectRoute)
    side = registered.sides["registered"]
    client = _client(registered.users[role])
    before = _state(side, registered, "registered")
    kwargs = dict(call.extra)
    body = covers.body(registered, side, kwargs) if call.method == "POST" else {}
    ids = {k: _target(side, attr).pk for k, attr in covers.ids.items()}
    response = _send(
        client, call.method, reverse(f"web:{call.route.name}", kwargs={**kwargs, **ids}), body
    )
    if call.route.name in READ_BY_REGISTRATION:
        assert response.status_code == 200, (call, response.status_code)
    else:
        assert response.status_code == 403, (call, role, response.status_code)
    assert _state(side, registered, "registered") == before, f"{call} by {role} changed something"


@pytest.mark.parametrize("role", list(REGISTRAR_ROLES))
def test_the_registering_centre_sees_the_case_read_only(registered: World, role: str) -> None:
    """The page says where the case is handled, offers no action, no file, no document, and the
    list marks the case "registered here, handled by …" (and its filter picks it out)."""
    side = registered.sides["registered"]
    client = _client(registered.users[role])
    page = client.get(reverse("web:case_detail", args=[side.case.pk])).content.decode()
    assert "data-registered-only" in page
    assert "handled by" in page and side.case.centre.name in page
    download = reverse("web:attachment_download", args=[side.case.pk, side.attachment.pk])
    markers = ["data-action=", "data-edit", "data-registration-print", "data-case-file",
               "data-session-print", 'id="attachments"', download, 'name="text"']  # fmt: skip
    for marker in markers:
        assert marker not in page, (role, marker)
    listed = client.get(reverse("web:case_list"), {"registered_only": "true"}).content.decode()
    assert side.case.number in listed and "data-registered-only" in listed
    others = client.get(reverse("web:case_list"), {"registered_only": "false"}).content.decode()
    assert side.case.number not in others
