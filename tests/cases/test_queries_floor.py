"""The reads' floor (STYLE: "Floors"): ``cases.queries`` and the form fields under it import only
from the floors below them, never a write (``services``, ``workflow``) or what sits above."""

import ast
from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parents[2] / "cases"

# What a read may import from the project: the rules, the data, and itself.
QUERIES_MAY_IMPORT = {
    "cases.access",
    "cases.deadlines",
    "cases.errors",
    "cases.formfields",
    "cases.models",
    "cases.personal_data",
    "cases.queries",
    "cases.reports",
}
# The strict id fields sit with the models: workflow and queries both import them.
FORMFIELDS_MAY_IMPORT: set[str] = set()


def package_of(path: Path) -> str:
    """The package a module's relative imports start from (``cases.queries`` for its modules)."""
    dotted = ".".join(path.relative_to(CASES.parent).with_suffix("").parts)
    return (
        dotted.removesuffix(".__init__")
        if path.name == "__init__.py"
        else dotted.rpartition(".")[0]
    )


def project_imports(source: str, package: str) -> set[str]:
    """The ``cases.*`` modules ``source`` imports (relative imports resolved from ``package``), at
    any depth: a late import inside a function counts as much as one at the top."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
                if not node.module:  # "from .. import access, queries"
                    found.update(f"{module}.{alias.name}" for alias in node.names)
                    continue
            else:
                module = node.module or ""
            found.add(module)
    return {name for name in found if name == "cases" or name.startswith("cases.")}


def outside(imports: set[str], allowed: set[str]) -> set[str]:
    return {
        name
        for name in imports
        if not any(name == ok or name.startswith(f"{ok}.") for ok in allowed)
    }


@pytest.mark.parametrize("path", sorted((CASES / "queries").glob("*.py")), ids=lambda p: p.name)
def test_a_read_imports_no_write_and_no_surface(path: Path) -> None:
    imports = project_imports(path.read_text(encoding="utf-8"), package_of(path))
    assert outside(imports, QUERIES_MAY_IMPORT) == set()


def test_the_strict_form_fields_import_nothing_of_the_project() -> None:
    path = CASES / "formfields.py"
    imports = project_imports(path.read_text(encoding="utf-8"), package_of(path))
    assert outside(imports, FORMFIELDS_MAY_IMPORT) == set()


def test_the_check_sees_the_imports_that_put_reads_under_writes() -> None:
    # What cases/queries.py (package ``cases``) imported before the reads had a floor of their own.
    before = "from . import access, workflow\nfrom .services.transfers import incoming_for\n"
    assert outside(project_imports(before, "cases"), QUERIES_MAY_IMPORT) == {
        "cases.workflow",
        "cases.services.transfers",
    }
    # A module of the package: its own floor and below pass, a late import of a task does not.
    module = (
        "from .. import access, deadlines\n"
        "from ..models import Case\n"
        "from .cases import cases_for\n"
        "def f():\n"
        "    from ..tasks import send_notification_emails\n"
    )
    assert outside(project_imports(module, "cases.queries"), QUERIES_MAY_IMPORT) == {"cases.tasks"}
