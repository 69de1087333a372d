"""The floors of STYLE.md, checked: who may import whom, and no import loops.

The floors themselves are import-linter's contract in ``pyproject.toml`` (``make lint`` runs it too);
this module runs it as part of the suite and adds what import-linter does not check: that no two
modules of ``cases`` import each other, directly or round a loop, except through the one accepted
kind of upward import, a late ``from ..tasks import x`` inside a function that queues work after a
commit.
"""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
TASKS = "cases.tasks"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    sys.path.insert(0, str(ROOT))
    try:
        return grimp.build_graph("cases", cache_dir=None)
    finally:
        sys.path.remove(str(ROOT))


def source_line(module: str, line_number: int) -> str:
    path = ROOT / Path(*module.split("."))
    file = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    return file.read_text(encoding="utf-8").splitlines()[line_number - 1]


def is_late(graph: grimp.ImportGraph, importer: str, imported: str) -> bool:
    """True when every import of ``imported`` in ``importer`` sits inside a function."""
    details = graph.get_import_details(importer=importer, imported=imported)
    return bool(details) and all(
        source_line(importer, d["line_number"])[:1].isspace() for d in details
    )


def modules(graph: grimp.ImportGraph) -> set[str]:
    return {m for m in graph.modules if not m.startswith("cases.migrations")}


def loops(edges: dict[str, set[str]]) -> Iterator[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(edges[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        yield sorted(component)


def import_edges(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    """Every import between two modules of ``cases``, the late imports of the tasks left out."""
    inside = modules(graph)
    return {
        importer: {
            imported
            for imported in graph.find_modules_directly_imported_by(importer)
            if imported in inside and not (imported == TASKS and is_late(graph, importer, imported))
        }
        for importer in inside
    }


def test_the_floors_hold() -> None:
    """import-linter's contract: web and api never import each other, nothing below them imports
    either, no read imports a write, and so on down the floors."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_imports_itself_round_a_loop(graph: grimp.ImportGraph) -> None:
    assert list(loops(import_edges(graph))) == []


def test_the_only_upward_imports_of_tasks_are_late(graph: grimp.ImportGraph) -> None:
    """The contract lets services import the tasks module; only inside a function, to queue work
    after a commit, never at the top where it would close a loop."""
    above = (
        "cases.apps",
        "cases.web",
        "cases.api",
        "cases.admin",
        "cases.management",
        "cases.demo",
    )
    importers = graph.find_modules_that_directly_import(TASKS)
    below = {m for m in importers if not m.startswith(above)}
    assert {m for m in below if not is_late(graph, m, TASKS)} == set()


def test_the_loop_finder_finds_a_loop() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert list(loops(edges)) == [["a", "b", "c"]]
