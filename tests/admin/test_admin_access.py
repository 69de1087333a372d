"""Only administrators use the Django admin (issue 15, leak 1; DESIGN §2).

An administrator is who the scope rule says (``cases.access.scope_of(user).is_admin``): a
superuser, or a user with an ``administrator`` membership. Everyone else, staff or not, whatever
Django permissions they hold, gets the admin's login page and never a row.

The matrix is built from the URL resolver: every named pattern of the admin site (the site's own
views and each registered model's changelist, add, change, history and delete pages, the user
admin's password page), every autocomplete field, × every non-administrator role, each made staff
with every ``view`` permission (as ``seed_demo`` used to make the demo logins), on an object of a
district outside the role's scope. Administrators get the same pages.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from cases.models import (
    AuditRecord,
    CaseNumberCounter,
    CaseSearch,
    DeadlinePolicy,
    DigestItem,
    DurationBucket,
    EarlyWarning,
    Event,
    Export,
    IdempotencyKey,
    Membership,
    Notification,
    NotificationKind,
    ReportRun,
    ReportSnapshot,
    RetentionRule,
    Role,
    Rollup,
    RollupState,
    SavedFilter,
    SavedSearch,
    SessionMediator,
    SubjectRequest,
    SubjectRequestKind,
    UserSettings,
    WarningThreshold,
)
from cases.services.exports import record_export
from cases.services.searches import save_search
from tests.api.world import Side, build_sides
from tests.factories import MembershipFactory, Tree, UserFactory

pytestmark = pytest.mark.django_db

# --- The admin's routes, from the resolver ----------------------------------------------------


@dataclass(frozen=True)
class AdminRoute:
    name: str  # "admin:cases_party_change"
    kwargs: tuple[str, ...]
    model: type[models.Model] | None  # the model of a ModelAdmin's page

    def __str__(self) -> str:
        return self.name


def admin_routes() -> list[AdminRoute]:
    found: list[AdminRoute] = []
    by_label = {
        f"{m._meta.app_label}_{m._meta.model_name}_": m for m in admin.site._registry if m._meta
    }

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "admin" and pattern.name:
                model = next((m for p, m in by_label.items() if pattern.name.startswith(p)), None)
                kwargs = tuple(re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", str(pattern.pattern)))
                names = tuple(a or b for a, b in kwargs)
                found.append(AdminRoute(f"admin:{pattern.name}", names, model))

    walk(get_resolver().url_patterns, None)
    return found


ROUTES = admin_routes()
PUBLIC = {"admin:login"}  # the login page itself: a form, no data

# --- The world --------------------------------------------------------------------------------

# role → (user attribute of the Tree, or None for a staff user without memberships;
#         the side whose objects are outside the role's scope)
ROLES: dict[str, tuple[str | None, str]] = {
    "intake": ("intake_s1", "d2"),
    "mediator": ("mediator_s1_user", "d2"),
    "director": ("director_d2", "d1"),
    "observer": ("observer_d1", "d2"),
    "court_liaison": ("court_liaison", "d2"),
    "staff_with_every_view_permission": (None, "d2"),
}
ADMINISTRATORS = ("superuser", "administrator_membership")


@dataclass
class World:
    tree: Tree
    sides: dict[str, Side]
    users: dict[str, Any]
    objects: dict[str, dict[type[models.Model], models.Model]]  # side → model → a row there


def _rows_at(side: Side, tree: Tree) -> dict[type[models.Model], models.Model]:
    """One row of each registered model that belongs to ``side`` (its street or district)."""
    user = get_user_model()
    centre, district = side.centre, side.district
    month = timezone.localdate().replace(day=1)
    run = ReportRun.objects.create(
        month=month, version=ReportRun.objects.count() + 1, started_at=timezone.now()
    )
    made: dict[type[models.Model], Callable[[], models.Model | None]] = {
        type(side.case): lambda: side.case,
        type(side.party): lambda: side.party,
        type(side.session): lambda: side.session,
        SessionMediator: lambda: SessionMediator.objects.filter(session=side.session).first(),
        type(side.agreement): lambda: side.agreement,
        type(side.transfer): lambda: side.transfer,
        type(side.follow_up): lambda: side.follow_up,
        Event: lambda: Event.objects.filter(case=side.case).first(),
        Notification: lambda: Notification.objects.create(
            user=side.user, case=side.case, kind=NotificationKind.OVERDUE, key=f"adm:{centre.pk}"
        ),
        type(centre): lambda: centre,
        type(side.room): lambda: side.room,
        type(side.mediator): lambda: side.mediator,
        Membership: lambda: Membership.objects.filter(user=side.user).first(),
        DeadlinePolicy: lambda: DeadlinePolicy.objects.create(centre=district, mediation_days=9),
        RetentionRule: lambda: RetentionRule.objects.create(centre=district, years=12),
        WarningThreshold: lambda: WarningThreshold.objects.create(centre=district, cluster_cases=4),
        EarlyWarning: lambda: side.warning,
        SubjectRequest: lambda: SubjectRequest.objects.create(
            kind=SubjectRequestKind.ERASURE,
            id_number_hash="a" * 64,
            reason="admin matrix",
            centre=centre,
            requested_by=side.user,
        ),
        CaseNumberCounter: lambda: CaseNumberCounter.objects.filter(centre=centre).first(),
        IdempotencyKey: lambda: IdempotencyKey.objects.create(
            user=side.user, key=f"adm-{centre.pk}", fingerprint="f" * 64
        ),
        SavedSearch: lambda: save_search(user=side.user, text=f"1391111{centre.pk:04d}"),
        AuditRecord: lambda: record_export(
            user=side.user, params={"centre": [str(centre.pk)]}, text="", format="csv", rows=1
        ),
        Export: lambda: Export.objects.create(
            user=side.user,
            format="csv",
            language="zh-hans",
            time_zone="Asia/Shanghai",
            expires_at=timezone.now() + timedelta(days=7),
        ),
        SavedFilter: lambda: SavedFilter.objects.create(
            name=f"filter at {centre.code}", owner=side.user, centre=centre
        ),
        UserSettings: lambda: UserSettings.objects.get_or_create(user=side.user)[0],
        CaseSearch: lambda: CaseSearch.objects.filter(case=side.case).first(),
        DigestItem: lambda: DigestItem.objects.create(
            user=side.user, case=side.case, kind=NotificationKind.HIGH_RISK, key=f"d:{centre.pk}"
        ),
        ReportRun: lambda: run,
        ReportSnapshot: lambda: ReportSnapshot.objects.create(
            run=run,
            centre=district,
            month=month,
            version=run.version,
            generated_at=timezone.now(),
            data={},
        ),
        Rollup: lambda: Rollup.objects.filter(centre=centre).first(),
        DurationBucket: lambda: (
            DurationBucket.objects.filter(centre=centre).first()
            or DurationBucket.objects.create(
                centre=centre, subtree=False, month=month, tenths=10, count=1
            )
        ),
        RollupState: lambda: (
            RollupState.objects.first()
            or RollupState.objects.create(stocks_through=date(2026, 1, 1))
        ),
        side.category.__class__: lambda: side.category,
        user: lambda: side.user,
        Group: lambda: Group.objects.get_or_create(name=f"Group at {centre.code}")[0],
    }
    rows: dict[type[models.Model], models.Model] = {}
    for model in admin.site._registry:
        row = made[model]() if model in made else model._default_manager.first()
        if row is not None:
            rows[model] = row
    return rows


@pytest.fixture(scope="module")
def world(shared_tree_with_cases: Tree, django_db_blocker: Any) -> World:
    tree = shared_tree_with_cases
    with django_db_blocker.unblock():
        sides = build_sides(tree)
        everything = Permission.objects.filter(codename__startswith="view_")
        users: dict[str, Any] = {}
        for role, (attr, _) in ROLES.items():
            user = getattr(tree, attr) if attr else UserFactory.create()
            # Staff with every view permission, as seed_demo made the demo logins: none of it
            # may open the admin to someone the scope rule does not make an administrator.
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            user.user_permissions.set(everything)
            users[role] = user
        users["superuser"] = tree.admin
        # An administrator by membership: not a superuser, not staff, no Django permissions.
        users["administrator_membership"] = MembershipFactory.create(
            centre=tree.c, role=Role.ADMIN, user=UserFactory.create(is_staff=False)
        ).user
        objects = {name: _rows_at(side, tree) for name, side in sides.items()}
    return World(tree=tree, sides=sides, users=users, objects=objects)


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(pk=user.pk))  # a fresh scope
    return client


def _identifying_text(obj: models.Model) -> str:
    """What would show that the page holds this row: the case number, the centre, or the row."""
    case = obj if hasattr(obj, "number") else getattr(obj, "case", None)
    if case is not None and getattr(case, "number", None):
        return str(case.number)
    for name in ("centre", "home_centre"):
        centre = getattr(obj, name, None)
        if centre is not None:
            return str(centre.name_zh)
    return str(obj)


# --- The calls --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    route: AdminRoute
    method: str
    query: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.query)
        return f"{self.method} {self.route}{'?' + query if query else ''}"


OBJECT_KWARGS = {"object_id", "id"}
WRITES = ("_add", "_change", "_delete", "_password_change")


def _autocomplete_queries() -> list[tuple[tuple[str, str], ...]]:
    """Every autocomplete field of every registered ModelAdmin (what the admin's widgets ask)."""
    found: list[tuple[tuple[str, str], ...]] = []
    for model, model_admin in admin.site._registry.items():
        for field_name in model_admin.autocomplete_fields:
            found.append(
                (
                    ("app_label", model._meta.app_label),
                    ("model_name", str(model._meta.model_name)),
                    ("field_name", field_name),
                )
            )
    return found


def _calls() -> list[Call]:
    calls = []
    for route in ROUTES:
        if route.name == "admin:autocomplete":
            calls += [Call(route, "GET", q) for q in _autocomplete_queries()]
            continue
        calls.append(Call(route, "GET"))
        if route.name.endswith(WRITES) or route.name == "admin:logout":
            calls.append(Call(route, "POST"))
    return calls


CALLS = _calls()


def _url(world: World, call: Call, side: str) -> tuple[str, models.Model | None]:
    route = call.route
    obj = world.objects[side].get(route.model) if route.model is not None else None
    kwargs: dict[str, Any] = {}
    for name in route.kwargs:
        if name in OBJECT_KWARGS:
            kwargs[name] = obj.pk if obj is not None else 999_999_999
        elif name == "app_label":
            kwargs[name] = "cases"
        elif name == "content_type_id":
            case = world.sides[side].case
            kwargs[name] = ContentType.objects.get_for_model(case).pk
            obj = case
        else:
            raise AssertionError(f"{route}: which value for {name}?")
    url = reverse(route.name, kwargs=kwargs)
    if route.name == "admin:view_on_site":
        url = reverse(route.name, kwargs={**kwargs, "object_id": world.sides[side].case.pk})
    return url, obj


def _send(client: Client, world: World, call: Call, side: str) -> tuple[Any, models.Model | None]:
    url, obj = _url(world, call, side)
    query = dict(call.query)
    if call.route.name == "admin:autocomplete":
        query["term"] = ""
    if call.method == "GET":
        return client.get(url, query), obj
    return client.post(url, {"post": "yes"}), obj


def _rows_written() -> int:
    """Rows this test's transaction has inserted, updated or deleted so far in any table but the
    sessions' (a login writes its session): one query that sees every write of a call."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
            " FROM pg_stat_xact_user_tables WHERE relname <> 'django_session'"
        )
        return int(cursor.fetchone()[0])


# --- The matrix -------------------------------------------------------------------------------


def test_the_matrix_covers_the_admin() -> None:
    names = {r.name for r in ROUTES}
    for model in ("case", "party", "event", "notification", "centre", "membership"):
        assert {f"admin:cases_{model}_{page}" for page in ("changelist", "change", "add")} <= names
    assert {"admin:auth_user_changelist", "admin:auth_user_password_change"} <= names
    assert {"admin:index", "admin:app_list", "admin:autocomplete"} <= names
    assert _autocomplete_queries(), "no autocomplete field found"


@pytest.mark.parametrize("role", list(ROLES))
def test_a_non_administrator_gets_no_admin(world: World, role: str) -> None:
    """Each call of the matrix, for one role (one test per role: the calls are many and cheap)."""
    side = ROLES[role][1]
    user = world.users[role]
    # A fresh session for each call: logging out (where it works) must not hide the calls after it.
    problems = [p for call in CALLS if (p := _refused(world, _login(user), call, role, side))]
    assert not problems, f"{len(problems)} of {len(CALLS)} calls:\n" + "\n".join(problems)


def _refused(world: World, client: Client, call: Call, role: str, side: str) -> str | None:
    """What is wrong with the answer ``role`` gets to ``call`` (``None``: nothing)."""
    writes = call.method == "POST"
    before = _rows_written() if writes else 0
    response, obj = _send(client, world, call, side)
    content = response.content.decode(errors="replace")
    if obj is not None and _identifying_text(obj) in content:
        return f"{call}: shows {obj!r} ({response.status_code})"
    if call.route.name in PUBLIC and call.method == "GET":
        if response.status_code != 200:  # the login form, nothing else
            return f"{call}: {response.status_code}"
    elif response.status_code != 302:
        return f"{call}: {response.status_code} {content[:200]!r}"
    # Straight to the login page, or (logging out) to the index that sends there.
    elif not response["Location"].startswith((reverse("admin:login"), reverse("admin:index"))):
        return f"{call}: redirected to {response['Location']}"
    if writes and _rows_written() != before:
        return f"{call}: changed something"
    return None


def _allowed(model: type[models.Model] | None, page: str, user: Any) -> bool:
    """Whether the ModelAdmin offers ``page`` at all (service-written rows are read-only)."""
    if model is None:
        return True
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(pk=user.pk)
    model_admin = admin.site._registry[model]
    if page == "add":
        return model_admin.has_add_permission(request)
    if page == "delete":
        return model_admin.has_delete_permission(request)
    if page == "password_change":
        return model_admin.has_change_permission(request)
    return True


ADMIN_CALLS = [
    c for c in CALLS if c.method == "GET" and c.route.name not in {*PUBLIC, "admin:logout"}
]


@pytest.mark.parametrize("administrator", ADMINISTRATORS)
def test_an_administrator_gets_the_admin(world: World, administrator: str) -> None:
    user = world.users[administrator]
    client = _login(user)
    problems = [p for call in ADMIN_CALLS if (p := _served(world, client, call, user))]
    assert not problems, f"{len(problems)} of {len(ADMIN_CALLS)} calls:\n" + "\n".join(problems)


def _served(world: World, client: Client, call: Call, user: Any) -> str | None:
    response, obj = _send(client, world, call, "d1")
    status = response.status_code
    page = call.route.name.rsplit("_", 1)[-1] if call.route.model is not None else ""
    if call.route.name == "admin:auth_user_password_change":
        page = "password_change"
    if call.route.name == "admin:view_on_site":
        expected = {302, 404}  # a redirect to the object's page on the site, if it has one
    elif call.route.model is not None and obj is None and page in {"change", "history", "delete"}:
        expected = {302}  # no such row (a model nothing wrote yet): back to the index
    elif _allowed(call.route.model, page, user):
        expected = {200}
        shown = response.content.decode()
        if status == 200 and page == "change" and obj and _identifying_text(obj) not in shown:
            return f"{call}: {obj!r} not shown"
    else:
        expected = {403}  # a page the ModelAdmin does not offer (read-only rows)
    if status not in expected:
        return f"{call}: {status}, expected {sorted(expected)}: {response.content[:200]!r}"
    return None


# --- Logging in at the admin ------------------------------------------------------------------


def test_a_non_administrator_cannot_log_in_at_the_admin(world: World) -> None:
    user = world.users["mediator"]
    user.set_password("a-long-Passw0rd")
    user.save(update_fields=["password"])
    client = Client()
    response = client.post(
        reverse("admin:login"), {"username": user.username, "password": "a-long-Passw0rd"}
    )
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert client.get(reverse("admin:cases_party_changelist")).status_code == 302


def test_an_administrator_by_membership_logs_in_at_the_admin(world: World) -> None:
    user = world.users["administrator_membership"]
    user.set_password("a-long-Passw0rd")
    user.save(update_fields=["password"])
    client = Client()
    response = client.post(
        reverse("admin:login"),
        {"username": user.username, "password": "a-long-Passw0rd", "next": "/admin/"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.get(reverse("admin:cases_party_changelist")).status_code == 200


def test_an_inactive_administrator_gets_no_admin(world: World) -> None:
    user = get_user_model().objects.get(pk=world.users["superuser"].pk)
    client = _login(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get(reverse("admin:cases_case_changelist"))
    assert response.status_code == 302


def test_every_admin_class_asks_the_scope_rule() -> None:
    """Including other apps' (groups, tokens, login attempts) and every inline: none falls back
    to Django's model permissions, which the demo once handed to every login."""
    from cases.admin import AdministratorPermissions

    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, AdministratorPermissions), model
        for inline in model_admin.inlines:
            assert issubclass(inline, AdministratorPermissions), (model, inline)
