"""Shared fixtures. Domain-core fixtures build the small centre tree of ``tests.factories``."""

from collections import Counter
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test.utils import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests import contract
from tests.factories import Tree, add_filter_cases, build_tree, populate_cases

# The heavy tests, left out of the fast inner loop (`make test PYTEST_ARGS="-m 'not slow'"`);
# `make test` runs them all. A module may also mark itself with `pytest.mark.slow`.
SLOW_MODULES = {
    "tests/reports/test_recomputation.py",  # hypothesis: histories against a plain recomputation
    "tests/reports/test_generate_city.py",  # builds cities through the bulk loader
    "tests/reports/test_worker.py",  # a real Celery worker and beat
    "tests/deploy/test_backup_restore.py",  # generate_city, backup and restore
    "tests/cases/test_workflow_stateful.py",  # the stateful workflow machine
    "tests/api/test_schemathesis.py",  # every operation of the schema, generated
    "tests/browser",  # Chromium
}
ROOT = Path(__file__).resolve().parent.parent

# Hypothesis's deadline and its "too slow" health check time each example: on a busy machine (CI,
# two cores, pytest -n) they fail tests that are right. Tests here assert no times (the guide);
# what is slow is measured by ``make bench``.
hypothesis_settings.register_profile(
    "suite", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("suite")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.name != item.nodeid.rsplit("::", 1)[-1]:
            # schemathesis names each operation's test (``test_operation[GET /api/v1/cases/]``)
            # but leaves them all one node id; pytest-xdist schedules by node id and would run
            # one of them. Each gets the id its name says.
            item._id = type(item._id).parse(f"{item.nodeid.rsplit('::', 1)[0]}::{item.name}")
        path = item.path.relative_to(ROOT).as_posix()
        if any(path == slow or path.startswith(slow + "/") for slow in SLOW_MODULES):
            item.add_marker(pytest.mark.slow)
    ids = Counter(item.nodeid for item in items)
    shared = sorted(nodeid for nodeid, count in ids.items() if count > 1)
    if shared:  # pytest -n would run one test of each such id and drop the others unseen
        raise pytest.UsageError(f"tests sharing a node id: {shared}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Any:
    contract.VIOLATIONS.clear()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """After a transactional test, whose end empties every table, the categories that migration
    0002 seeds are seeded again: with ``pytest -n`` a test process runs the files it is given in
    their order, so an ordinary test may come after a transactional one (a single process runs
    the transactional ones last)."""
    result = yield
    marker = item.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
    )
    if transactional and nextitem is not None:
        from django.apps import apps
        from pytest_django.plugin import blocking_manager_key

        seed = import_module("cases.migrations.0002_seed_categories").seed
        with item.config.stash[blocking_manager_key].unblock():
            seed(apps, None)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """Fails a test whose API calls (its fixtures' included) received an answer the OpenAPI
    schema does not declare, or that does not match it (tests/contract.py)."""
    result = yield
    if contract.VIOLATIONS:
        found, contract.VIOLATIONS[:] = list(contract.VIOLATIONS), []
        pytest.fail("Answers that break the API schema:\n" + "\n".join(found), pytrace=False)
    return result


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """Passwords hashed with a fast hasher: the suite logs in thousands of times (the authorization
    matrices log in afresh for each call), and the real hasher costs ~0.3 s a login by design."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


# --- Domain core (tests/cases) --------------------------------------------------------------------


@pytest.fixture
def tree(db: None) -> Tree:
    """City C → D1, D2 → S1 (D1), S2 (D2) → K1 (S1); a court under D1; users at each; no cases."""
    return build_tree()


@pytest.fixture
def tree_with_cases(tree: Tree) -> Tree:
    """The tree with cases at each centre in known states (see ``populate_cases``)."""
    populate_cases(tree)
    return tree


@pytest.fixture(scope="module")
def shared_tree_with_cases(django_db_setup: None, django_db_blocker: Any) -> Iterator[Tree]:
    """``tree_with_cases`` built once per module, for modules whose tests mostly read it.

    It lives in a transaction that is rolled back after the module; each test (``db``) runs in a
    savepoint inside it, so what a test changes is undone before the next. Do not mutate the
    Python objects it holds (users cache their scope: reload them).
    """
    with django_db_blocker.unblock(), transaction.atomic():
        tree = build_tree()
        populate_cases(tree)
        yield tree
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def city(shared_tree_with_cases: Tree, django_db_blocker: Any) -> Tree:
    """``shared_tree_with_cases`` plus the cases of ``add_filter_cases`` (for list filters)."""
    with django_db_blocker.unblock():
        add_filter_cases(shared_tree_with_cases)
    return shared_tree_with_cases
