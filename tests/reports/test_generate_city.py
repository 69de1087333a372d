"""``generate_city`` (issue 8) writes what the services would have written.

A small city is generated once for the module (the whole 3,503-centre network, a few hundred
cases over two years); then every generated row must pass its model's validation and constraints,
numbers must be gap-free, every report must equal the plain recomputation of ``plain.py``, and
the report counters must equal a rebuild from the events written.
"""

from collections import Counter, defaultdict
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from cases.demo import bulk
from cases.models import (
    Case,
    CaseNumberCounter,
    Centre,
    CentreLevel,
    DurationBucket,
    Event,
    EventKind,
    Rollup,
    Status,
)
from cases.models.reports import MEASURES
from cases.reports import monthly
from cases.reports.rollups.bulk import BulkCounters
from cases.reports.rollups.rebuild import all_cases, case_facts, rebuild
from cases.reports.rollups.rows import Totals, Tree

from . import plain
from .plain import month_of, months_between, shift
from .test_rollups import counters

CASES = 240


@pytest.fixture(scope="module")
def generated(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """A generated city (kept for the module, rolled back after it); yields the command's output."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command(
            "generate_city",
            cases=CASES,
            years=2,
            seed=11,
            force=True,
            stdout=out,
            stderr=StringIO(),
        )
        # Foreign keys are checked at commit; this transaction never commits, so check them now.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_city_has_its_network_and_the_cases_asked_for(generated: str) -> None:
    assert Centre.objects.count() == 3503
    assert Case.objects.count() == CASES
    assert f"{CASES} cases in" in generated
    statuses = Counter(Case.objects.values_list("status", flat=True))
    # Old cases are mostly closed, recent ones open: every status shows up.
    assert set(statuses) == set(Status.values), statuses
    assert statuses[Status.CLOSED] > CASES // 3


@pytest.mark.django_db
def test_every_generated_row_passes_its_model_validation_and_constraints(generated: str) -> None:
    problems: list[str] = []
    checked: Counter[str] = Counter()
    models: list[Any] = [*bulk.MODELS, CaseNumberCounter]
    for model in models:
        for row in model.objects.all():
            try:
                row.full_clean(validate_unique=False)
            except Exception as exc:
                problems.append(f"{model.__name__} {row.pk}: {exc}")
            checked[model.__name__] += 1
    assert not problems, "\n".join(problems[:30])
    assert checked["Event"] > 5 * CASES
    assert checked["Session"] > 0 and checked["Agreement"] > 0 and checked["FollowUp"] > 0
    assert checked["Transfer"] > 0


@pytest.mark.django_db
def test_numbers_are_gap_free_and_the_counters_continue_them(generated: str) -> None:
    sequences: dict[tuple[int, int], list[int]] = defaultdict(list)
    for case in Case.objects.select_related("registering_centre").order_by("registered_at"):
        sequences[(case.registering_centre_id, case.year)].append(case.sequence)
        assert case.number == f"{case.registering_centre.code}-{case.year}-{case.sequence:05d}"
        assert timezone.localtime(case.registered_at).year == case.year
    last = {(c.centre_id, c.year): c.last for c in CaseNumberCounter.objects.all()}
    for key, numbers in sequences.items():
        # In registration order: 1, 2, 3, ... and the counter holds the last.
        assert numbers == list(range(1, len(numbers) + 1)), key
        assert last[key] == len(numbers)


@pytest.mark.django_db
def test_each_case_timeline_starts_with_its_registration_and_counts_its_versions(
    generated: str,
) -> None:
    events: dict[int, list[Event]] = defaultdict(list)
    for event in Event.objects.order_by("pk"):
        events[event.case_id].append(event)
    for case in Case.objects.all():
        timeline = events[case.pk]
        assert timeline[0].kind == EventKind.INTAKE and timeline[0].case_version == 1
        assert [e.at for e in timeline] == sorted(e.at for e in timeline)
        changes = [e for e in timeline if e.kind == EventKind.TRANSITION]
        assert case.version == 1 + len(changes)
        assert timeline[-1].centre_id == case.centre_id
        assert timeline[0].after["number"] == case.number


@pytest.mark.django_db
def test_every_report_equals_the_plain_recomputation(generated: str) -> None:
    now = timezone.now()
    world = plain.World.load()
    busiest = Counter(Case.objects.values_list("registering_centre_id", flat=True))
    centres = [Centre.objects.get(level=CentreLevel.CITY, parent=None)]
    for pk, _count in busiest.most_common(12):
        centre = Centre.objects.get(pk=pk)
        centres.extend([centre, *Centre.objects.filter(code__in=centre.ancestor_codes())])
    centres = list({c.pk: c for c in centres}.values())
    first = min(h.case.registered_at for h in world.histories)
    months = months_between(shift(month_of(first), -1), month_of(now))
    problems: list[str] = []
    compared = 0
    for centre in centres:
        for scope in ("centre", "subtree"):
            for month in months:
                expected = plain.report(world, centre, month, scope, now)
                got = monthly.report(centre, month, scope, now=now)
                compared += 1
                problems += [
                    f"{centre.code} {month:%Y-%m} {scope}: {p}"
                    for p in plain.differences(expected, got)
                ]
    assert not problems, "\n".join(problems[:40])
    assert compared > 500


@pytest.mark.django_db
def test_the_report_counters_equal_a_rebuild_from_the_events_written(generated: str) -> None:
    written = counters()
    assert written[0] and written[1]
    rebuild()
    assert counters() == written


@pytest.mark.django_db
def test_counters_summed_in_sql_equal_those_summed_in_python(generated: str) -> None:
    """``BulkCounters`` (SQL, for bulk loads) makes exactly the rows ``Totals`` makes."""
    tree = Tree(Centre.objects.only("pk", "path", "level", "kind"))
    totals = Totals()
    Rollup.objects.all().delete()
    DurationBucket.objects.all().delete()
    summed = BulkCounters()
    for case in all_cases():
        found, durations = case_facts(case, list(case.events.all()))
        totals.add(found, durations, tree, None)
        summed.add(found, durations)
    summed.finish()
    expected_rows = {
        key: tuple(values.get(m, 0) for m in MEASURES) for key, values in totals.nonzero_rows()
    }
    expected_buckets = {key: n for key, n in totals.durations.items() if n}
    assert counters() == (expected_rows, expected_buckets)


@pytest.mark.django_db
def test_every_entrusting_court_serves_the_registering_centre(generated: str) -> None:
    """The bulk path names the district's own court, as intake allows (issue 15, leak 4), and
    no entrustment is dated after its registration."""
    entrusted = Case.objects.filter(entrusting_court__isnull=False).select_related(
        "registering_centre"
    )
    assert entrusted.exists()
    for case in entrusted:
        courts = Centre.objects.courts_serving(case.registering_centre)
        assert courts.filter(entrusted_cases=case).exists(), case.number
        assert case.entrusted_on is not None
        assert case.entrusted_on <= timezone.localdate(case.registered_at), case.number
