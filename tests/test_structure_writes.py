"""One writer per record (STYLE, "Floors"): domain models are written only by ``cases/services/`` and
``cases/workflow.py``, and by the few exceptions listed here, each with its reason.

Every module under ``cases/`` is parsed with ``ast`` and its calls of the model write methods are
found. A call is a domain write when its receiver is a domain model's manager or queryset
(``Case.objects.filter(...).update(...)``, ``case.parties.create(...)``, a name bound to one), or
when it is ``.save()``/``.delete()`` as a model instance's (no positional argument; not a session's,
not ``form.save(commit=False)``). Calls on other apps' classes (``AuthToken``, ``AccessAttempt``),
dicts, sets, caches, workbooks and ``super()`` are not. The Django admin's own saves are not calls
in our code: the second test lists what each writable admin page writes, and how.
"""

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "cases"

# Where domain writes belong, by path prefix (relative to the repository), with the reason.
WRITERS: dict[str, str] = {
    "cases/services/": "the services: the writes (STYLE, Floors)",
    "cases/workflow.py": "the transition table's one transition() and its effects",
    "cases/migrations/": "migrations",
    "cases/bulkload.py": "the bulk loader (COPY) of the demo generator",
    "cases/demo/bulk.py": "the bulk generator of a demo city, compared with the services by a test",
    "cases/demo/network.py": "the demo city's network (centres, users, memberships, mediators), "
    "bulk-created once by seed_demo / generate_city from generated reference data",
    "cases/reports/rollups": "the report counters (rollups.py or the rollups/ package): derived "
    "tables written inside the change's transaction, or rebuilt by rebuild_rollups",
    "cases/management/commands/rotate_field_key.py": "maintenance: re-encrypts every party's "
    "personal data and every saved search or filter under the new key, in bulk; no domain rule "
    "applies",
    "cases/management/commands/backfill_phone_tails.py": "maintenance: fills the hash of the "
    "last four digits of the parties' phones registered before it existed, in bulk; derived "
    "from the sealed phone, no domain rule applies",
}

MANAGER_ONLY = frozenset(
    {
        "bulk_create",
        "bulk_update",
        "get_or_create",
        "update_or_create",
        "create_user",
        "create_superuser",
    }
)
# SQL that writes, run by hand (``cursor.execute``, psycopg's ``cursor.copy``).
SQL_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|MERGE|COPY|TRUNCATE)\b", re.IGNORECASE)
QUERYSET_WRITES = frozenset({"create", "update", "delete", *MANAGER_ONLY})
RELATED_WRITES = frozenset({*QUERYSET_WRITES, "add", "remove", "set", "clear"})
INSTANCE_WRITES = frozenset({"save", "delete"})
WRITES = RELATED_WRITES | INSTANCE_WRITES
# Queryset methods that keep a chain a queryset (``Case.objects.filter(...)``).
QUERYSET_METHODS = frozenset(
    {
        "all",
        "filter",
        "exclude",
        "select_for_update",
        "select_related",
        "prefetch_related",
        "order_by",
        "using",
        "annotate",
        "alias",
        "distinct",
        "none",
        "only",
        "defer",
    }
)


@dataclass(frozen=True)
class Domain:
    """What counts as a domain model: class names, and the related managers' attribute names."""

    models: frozenset[str]
    related: frozenset[str]


def domain() -> Domain:
    found: list[type[models.Model]] = [*apps.get_app_config("cases").get_models(), get_user_model()]
    related: set[str] = set()
    for model in found:
        for field in model._meta.get_fields(include_hidden=False):
            if field.many_to_many and not field.auto_created:
                related.add(field.name)
            elif field.one_to_many or (field.many_to_many and field.auto_created):
                accessor = field.get_accessor_name()  # type: ignore[union-attr]
                if accessor and not accessor.endswith("+"):
                    related.add(accessor)
    return Domain(models=frozenset(m.__name__ for m in found), related=frozenset(related))


@dataclass(frozen=True)
class Write:
    path: str
    line: int
    code: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.code}"


def _chain(node: ast.expr) -> tuple[list[tuple[str, bool]], ast.expr]:
    """The attribute names from the root outwards (each with: was it called?), and the root."""
    links: list[tuple[str, bool]] = []
    while True:
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                links.append((func.attr, True))
                node = func.value
                continue
            return links[::-1], node
        if isinstance(node, ast.Attribute):
            links.append((node.attr, False))
            node = node.value
            continue
        if isinstance(node, ast.Subscript):
            node = node.value
            continue
        return links[::-1], node


def _sql_write(node: ast.Call) -> bool:
    """``execute("UPDATE ...")`` or ``copy(f"COPY ...")``: its SQL's first word writes."""
    if not node.args:
        return False
    sql = node.args[0]
    if isinstance(sql, ast.JoinedStr) and sql.values:
        sql = sql.values[0]
    return (
        isinstance(sql, ast.Constant)
        and isinstance(sql.value, str)
        and bool(SQL_WRITE.match(sql.value))
    )


class _Finder(ast.NodeVisitor):
    def __init__(self, dom: Domain, path: str, source: str) -> None:
        self.dom, self.path, self.source = dom, path, source
        self.bound: set[str] = set()  # names bound to a domain manager or queryset
        self.found: list[Write] = []

    def _root_kind(self, root: ast.expr) -> str:
        """``domain``, ``foreign`` (another app's class, ``super()``) or ``unknown``."""
        if isinstance(root, ast.Name):
            if root.id in self.dom.models or root.id in self.bound:
                return "domain"
            return "foreign" if root.id[:1].isupper() else "unknown"
        if isinstance(root, ast.Call) and isinstance(root.func, ast.Name):
            if root.func.id == "get_user_model":
                return "domain"
            if root.func.id == "super":
                return "foreign"
        return "unknown"

    def _is_queryset(self, expr: ast.expr) -> bool:
        links, root = _chain(expr)
        kind = self._root_kind(root)
        if kind == "foreign":
            return False
        names = [name for name, _called in links]
        managers = {"objects", "_default_manager"}
        if kind == "domain" and (not links or managers & set(names)):
            return True
        if managers & set(names) and kind == "unknown":
            return True  # ``model.objects``: a model held in a variable
        # ``case.parties`` / ``mediator.seats.filter(...)``: a related manager (not ``self.x``).
        for position, (name, called) in enumerate(links):
            if not called and name in self.dom.related:
                rest = links[position + 1 :]
                return all(called and n in QUERYSET_METHODS for n, called in rest)
        return False

    def visit_Assign(self, node: ast.Assign) -> None:
        if self._is_queryset(node.value) and not isinstance(node.value, ast.Name):
            self.bound.update(t.id for t in node.targets if isinstance(t, ast.Name))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and (
            (func.attr in {"execute", "copy"} and _sql_write(node))
            or (func.attr in WRITES and self._is_write(node, func.attr, func.value))
        ):
            self._found(node, func.attr)
        self.generic_visit(node)

    def _found(self, node: ast.Call, method: str) -> None:
        code = ast.get_source_segment(self.source, node) or method
        self.found.append(Write(self.path, node.lineno, " ".join(code.split())[:120]))

    def _is_write(self, node: ast.Call, method: str, receiver: ast.expr) -> bool:
        links, root = _chain(receiver)
        if self._root_kind(root) == "foreign" and not self._is_queryset(receiver):
            return False
        if method in RELATED_WRITES and self._is_queryset(receiver):
            return method not in {"add", "remove", "set", "clear"} or bool(links)
        if method in INSTANCE_WRITES:
            commit = {k.arg: k.value for k in node.keywords}.get("commit")
            if node.args or (isinstance(commit, ast.Constant) and commit.value is False):
                return False  # a workbook's save(out), a cache's delete(key), a form's commit=False
            # Not request.session.save().
            return not (links and links[-1][0] == "session")
        return False


def writes_in(source: str, path: str = "<test>", dom: Domain | None = None) -> list[Write]:
    finder = _Finder(dom or domain(), path, source)
    finder.visit(ast.parse(source))
    return finder.found


def modules() -> Iterator[tuple[str, str]]:
    for file in sorted(CASES.rglob("*.py")):
        yield file.relative_to(ROOT).as_posix(), file.read_text(encoding="utf-8")


def allowed(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in WRITERS)


def test_domain_models_are_written_only_by_services_and_the_workflow() -> None:
    dom = domain()
    outside = [
        str(write)
        for path, source in modules()
        if not allowed(path)
        for write in writes_in(source, path, dom)
    ]
    assert outside == [], "domain writes outside services/ and workflow.py:\n" + "\n".join(outside)


def test_each_named_exception_still_writes() -> None:
    """An exception that no longer writes is dropped from the list (the directories excepted)."""
    dom = domain()
    for prefix in WRITERS:
        if prefix.endswith(".py") and (ROOT / prefix).exists():
            assert writes_in((ROOT / prefix).read_text(encoding="utf-8"), prefix, dom), prefix


# --- The check itself ----------------------------------------------------------------------------

FLAGGED = {
    "Case.objects.filter(pk=1).update(status='closed')": "a queryset's update",
    "Party.objects.create(case=case)": "a manager's create",
    "case.parties.create(name='x')": "a related manager's create",
    "case.co_mediators.clear()": "a many-to-many write",
    "get_user_model().objects.filter(pk=1).delete()": "the user model's queryset",
    "Mediator.seats.through.objects.bulk_create(rows)": "a through model's manager",
    "Membership.objects.get_or_create(user=u, centre=c)": "get_or_create",
    "case.save(update_fields=['status'])": "a model instance's save",
    "membership.delete()": "a model instance's delete",
    "form.save()": "a model form's save",
    "rows = Case.objects.filter(centre=c)\nrows.update(version=2)": "a queryset held in a name",
    "model = get_user_model()\nmodel.objects.bulk_create(users)": "a model held in a name",
    "model._default_manager.bulk_update(rows, fields)": "a model's default manager",
    "User.objects.create_user('x')": "a user created",
    "cursor.execute('UPDATE cases_case SET status = %s', [s])": "SQL that writes",
    "cursor.copy(f'COPY {table} FROM STDIN')": "COPY",
}
NOT_FLAGGED = {
    "context.update(page=1)": "a dict",
    "seen.add(case.pk)": "a set",
    "request.session.save()": "the session",
    "cache.delete(key)": "a cache key",
    "book.save(out)": "a workbook",
    "form.save(commit=False)": "an unsaved instance",
    "super().save(*args, **kwargs)": "a model's own save",
    "AuthToken.objects.filter(user=u).delete()": "another app's model",
    "AccessAttempt.objects.create(username='x')": "another app's model",
    "self.fields['parent'].widget.attrs.update(x)": "widget attributes",
    "bar.update(len(rows))": "a progress bar",
    "out.update(_flatten(value))": "a dict, from a call",
    "case.parties.values_list('pk', flat=True)": "a read",
    "cursor.execute('SELECT pg_advisory_xact_lock(%s)', [1])": "SQL that reads",
    "cursor.execute('ANALYZE')": "statistics",
}


@pytest.mark.parametrize("source", sorted(FLAGGED))
def test_the_check_flags_a_domain_write(source: str) -> None:
    assert writes_in(source), FLAGGED[source]


@pytest.mark.parametrize("source", sorted(NOT_FLAGGED))
def test_the_check_leaves_other_calls_alone(source: str) -> None:
    assert writes_in(source) == [], NOT_FLAGGED[source]


def test_the_check_reports_where() -> None:
    source = "def close(case):\n    case.status = 'closed'\n    case.save()\n"
    assert [str(w) for w in writes_in(source, "cases/web/views/x.py")] == [
        "cases/web/views/x.py:3: case.save()"
    ]


# --- The admin ---------------------------------------------------------------------------------

# Every cases model the admin may add, change or delete, and what writes it there. "service": the
# ModelAdmin saves through cases/services (its own save_model); "plain": Django's generic save,
# allowed because the model has no rule beyond its fields and constraints (reference data).
ADMIN_WRITES: dict[str, tuple[str, str]] = {
    "centre": ("service", "services.centres.save_centre keeps the tree's paths right"),
    "membership": ("service", "services.users.change_memberships: an active centre, a valid role"),
    "category": ("plain", "reference data: codes, names and order of the categories"),
    "room": ("plain", "reference data: a centre's rooms; bookings check them in services.sessions"),
    "mediator": ("plain", "reference data: a mediator's seats, capacity and specialties"),
    "deadlinepolicy": ("plain", "reference data: the days of each clock; read by cases.deadlines"),
    "retentionrule": (
        "plain",
        "reference data: years kept after closing; read by cases.queries.retention",
    ),
    "warningthreshold": (
        "plain",
        "reference data: the early-warning thresholds; read by cases.queries.warnings",
    ),
    "workingdayoverride": (
        "plain",
        "reference data: corrections to the official calendar; read by cases.working_days",
    ),
}
# The user model's page is Django's UserAdmin (names, password, flags): plain. Its memberships, like
# the centre page's, are rows of another model and go through the service.


def test_each_writable_admin_page_is_listed_with_its_writer() -> None:
    from cases.admin import ViewOnlyAdmin
    from cases.models import Membership

    writable = {
        str(model._meta.model_name): model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == "cases" and not isinstance(model_admin, ViewOnlyAdmin)
    }
    assert set(writable) == set(ADMIN_WRITES)
    for name, model_admin in writable.items():
        own_save = "save_model" in type(model_admin).__dict__
        assert own_save == (ADMIN_WRITES[name][0] == "service"), name
    with_memberships = [
        model_admin
        for model_admin in admin.site._registry.values()
        if any(inline.model is Membership for inline in model_admin.inlines)
    ]
    assert len(with_memberships) == 2  # the centre's page and the user's
    for model_admin in with_memberships:
        # Its own save_formset: the membership rows go to services.users.change_memberships.
        assert type(model_admin).save_formset is not admin.ModelAdmin.save_formset, model_admin
