"""Users are typed as the user model (``django.contrib.auth.models.User``), never as ``Any``.

Every module under ``cases/`` is parsed with ``ast``. A parameter or an annotated attribute that holds
a user (named ``user``, ``users``, ``actor``, ``author``, ``requester``, ``recipient(s)``, ``by``,
or ending in ``_by`` or ``_user``) fails when its annotation mentions ``Any`` (``Any``,
``list[Any]``, ``QuerySet[Any]``, ``SlugRelatedField[Any]``...), or when it has none in a function
that annotates its other parameters. So does a function whose name says it returns users
(``users_for``, ``directors_of``, ``liaisons_of``...) when its return annotation mentions ``Any``,
and an alias of the user model to ``Any`` (``User = Any``).
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "cases"

USER_NAME = re.compile(
    r"^(user|users|actor|author|requester|recipient|recipients|(\w+_)?by|\w+_user)$"
)
# Functions that return users or querysets of them, by their names.
USER_RETURNING = re.compile(r"(^|_)(users?|directors?|liaisons?|recipients?|actor)(_|$)")


def modules() -> Iterator[Path]:
    for path in sorted(CASES.rglob("*.py")):
        if "migrations" not in path.relative_to(CASES).parts:
            yield path


def mentions_any(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return False
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        # A string annotation ("QuerySet[Any]"): parse it and look inside.
        return mentions_any(ast.parse(annotation.value, mode="eval").body)
    return any(
        (isinstance(node, ast.Name) and node.id == "Any")
        or (isinstance(node, ast.Attribute) and node.attr == "Any")
        for node in ast.walk(annotation)
    )


def problems(source: str, where: str) -> Iterator[str]:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args
            params = [
                *arguments.posonlyargs,
                *arguments.args,
                *arguments.kwonlyargs,
                *([arguments.vararg] if arguments.vararg else []),
                *([arguments.kwarg] if arguments.kwarg else []),
            ]
            params = [p for p in params if p.arg not in ("self", "cls")]
            typed = any(p.annotation is not None for p in params) or node.returns is not None
            for param in params:
                if not USER_NAME.match(param.arg):
                    continue
                if mentions_any(param.annotation):
                    yield f"{where}:{param.lineno} {node.name}({param.arg}: Any)"
                elif param.annotation is None and typed:
                    yield f"{where}:{param.lineno} {node.name}({param.arg}) is not annotated"
            if USER_RETURNING.search(node.name) and mentions_any(node.returns):
                yield f"{where}:{node.lineno} {node.name}() -> Any"
        elif (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id.endswith("User") for t in node.targets)
            and mentions_any(node.value)
        ):
            yield f"{where}:{node.lineno} an alias of the user model to Any"
        elif isinstance(node, ast.ClassDef):
            for statement in node.body:
                if (
                    isinstance(statement, ast.AnnAssign)
                    and isinstance(statement.target, ast.Name)
                    and USER_NAME.match(statement.target.id)
                    and mentions_any(statement.annotation)
                ):
                    yield f"{where}:{statement.lineno} {node.name}.{statement.target.id}: Any"


def test_users_are_typed_as_the_user_model() -> None:
    found = [
        problem
        for path in modules()
        for problem in problems(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not found, "a user typed as Any (or not at all):\n" + "\n".join(found)


def test_the_check_sees_what_it_looks_for() -> None:
    source = """
from typing import Any

def a(user: Any, case: int) -> None: ...
def b(*, actor: "Any", case: int) -> None: ...
def c(recipients: list[Any]) -> None: ...
def d(owner_user, case: int) -> None: ...
def e(*, decided_by: "SlugRelatedField[Any]") -> None: ...
def users_for(user: int) -> "QuerySet[Any]": ...
class Step:
    requested_by: Any
def fine(user: int, untyped) -> None: ...
def legacy(user, case): ...
User = Any
"""
    assert [p.split(" ", 1)[1] for p in problems(source, "m.py")] == [
        "a(user: Any)",
        "b(actor: Any)",
        "c(recipients: Any)",
        "d(owner_user) is not annotated",
        "e(decided_by: Any)",
        "users_for() -> Any",
        "Step.requested_by: Any",
        "an alias of the user model to Any",
    ]
