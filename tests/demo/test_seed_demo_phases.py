"""``seed_demo`` in phases (issue 18): the history by the bulk loader, the recent cases through
the services, so that the first ``make run`` takes under two minutes.

The cases registered more than ``--services-days`` days ago are written by the bulk loader (the
rows the services would write: tests/demo/test_bulk_equals_services.py); the recent ones go
through the services, one ``INSERT`` per case, and leave their notifications. The report
counters of both are those a rebuild from the rows computes.
"""

from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import (
    Case,
    Centre,
    DurationBucket,
    Event,
    EventKind,
    Notification,
    RiskLevel,
    Rollup,
)
from cases.reports.rollups.rebuild import rebuild

CASES = 400
DAYS = 45


def counters() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The report counters' rows, ids aside; rows of zeros count nothing."""
    columns = [f.attname for f in Rollup._meta.concrete_fields if f.attname != "id"]
    rollups = sorted(row for row in Rollup.objects.values_list(*columns) if any(v for v in row[5:]))
    buckets = sorted(
        row
        for row in DurationBucket.objects.values_list(
            "centre_id", "subtree", "month", "tenths", "count"
        )
        if row[-1]
    )
    return rollups, buckets


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        with CaptureQueriesContext(connection) as queries:
            call_command(
                "seed_demo", cases=CASES, services_days=DAYS, force=True, stdout=out,
                stderr=StringIO(),
            )  # fmt: skip
        inserts = [
            q["sql"] for q in queries.captured_queries if 'INSERT INTO "cases_case"' in q["sql"]
        ]
        yield {"out": out.getvalue(), "case inserts": inserts}
        transaction.set_rollback(True)


def _cut_off() -> Any:
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - timedelta(days=DAYS)


@pytest.mark.slow
@pytest.mark.django_db
def test_the_history_is_written_by_the_bulk_loader_and_the_recent_cases_by_the_services(
    seeded: dict[str, Any],
) -> None:
    assert Case.objects.count() == CASES
    old = Case.objects.filter(registered_at__lt=_cut_off())
    recent = Case.objects.filter(registered_at__gte=_cut_off())
    assert old.count() > 300 and recent.count() > 10
    # One INSERT per recent case (the services); the history in a few bulk writes at most.
    assert len(seeded["case inserts"]) - recent.count() <= 1
    said = seeded["out"]
    assert f"{old.count()} cases older than {DAYS} days by the bulk loader" in said
    assert f"{recent.count()} recent cases through the services" in said
    assert f"Seeded {CASES} cases" in said
    # Every case has its timeline from its registration on, old or recent.
    registered = set(
        Event.objects.filter(kind=EventKind.INTAKE, name="register").values_list(
            "case_id", flat=True
        )
    )
    assert registered == set(Case.objects.values_list("pk", flat=True))
    # Case numbers go on from the history's: the services numbered after the bulk loader.
    numbers = list(Case.objects.values_list("number", flat=True))
    assert len(set(numbers)) == CASES
    # The recent high-risk cases told their directors, as the services do.
    high = recent.filter(risk_level=RiskLevel.HIGH)
    if high.exists():
        assert Notification.objects.filter(case__in=high).exists()
    assert not Notification.objects.filter(case__in=old).exists()


@pytest.mark.slow
@pytest.mark.django_db
def test_the_report_counters_are_those_a_rebuild_computes(seeded: dict[str, Any]) -> None:
    assert Centre.objects.exists()
    seeded_counters = counters()
    assert seeded_counters[0] and seeded_counters[1]
    rebuild()
    assert counters() == seeded_counters


@pytest.mark.django_db
def test_a_negative_services_days_is_refused_naming_the_option() -> None:
    centres = Centre.objects.count()
    with pytest.raises(CommandError, match="--services-days"):
        call_command("seed_demo", cases=1, services_days=-1, force=True, stdout=StringIO())
    assert Centre.objects.count() == centres
