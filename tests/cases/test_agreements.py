"""Recording an agreement's fulfilment: one writer (``services.agreements``), whether it is recorded
on its own or with the closing of the case, and the row locked while it is written."""

import threading
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from cases import workflow
from cases.models import Agreement, Case, Dimension, Event, Fulfilment, Rollup, Status
from cases.services.agreements import record_fulfilment
from tests.factories import Tree, agreement_data, aware, drive, register

pytestmark = pytest.mark.django_db


def resolved_case(tree: Tree, *, performance_deadline: date) -> Case:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    case = drive(case, Status.IN_MEDIATION, actor=tree.admin, mediator=tree.med_s1)
    return workflow.transition(
        case=case,
        name="resolve",
        actor=tree.mediator_s1_user,
        data=agreement_data(performance_deadline=performance_deadline.isoformat()),
    )


def fulfilled_counted(centre_id: int, month: date) -> list[int]:
    """The report's "agreements fulfilled" of ``month`` at the centre itself, per dimension."""
    return list(
        Rollup.objects.filter(centre_id=centre_id, subtree=False, month=month)
        .order_by("dimension", "value")
        .values_list("agreements_fulfilled", flat=True)
    )


def test_a_stale_copy_records_what_was_really_there_and_the_report_follows(tree: Tree) -> None:
    due = timezone.localdate() + timedelta(days=20)
    case = resolved_case(tree, performance_deadline=due)
    # A mediator opens the fulfilment page; meanwhile the director records it fulfilled.
    seen_by_mediator = Agreement.objects.get(case=case)
    record_fulfilment(
        agreement=Agreement.objects.get(case=case),
        actor=tree.director_d1,
        fulfilment=Fulfilment.FULFILLED,
    )
    month = due.replace(day=1)
    assert (
        Rollup.objects.get(
            centre=tree.s1, subtree=False, month=month, dimension=Dimension.TOTAL
        ).agreements_fulfilled
        == 1
    )

    # The mediator then records "partly" from the page loaded before.
    record_fulfilment(
        agreement=seen_by_mediator, actor=tree.mediator_s1_user, fulfilment=Fulfilment.PARTLY
    )

    assert Agreement.objects.get(case=case).fulfilment == Fulfilment.PARTLY
    last = Event.objects.filter(case=case, name="record_fulfilment").latest("id")
    assert (last.before, last.after) == ({"fulfilment": "fulfilled"}, {"fulfilment": "partly"})
    # The monthly report no longer counts it fulfilled.
    counted = fulfilled_counted(tree.s1.pk, month)
    assert counted and set(counted) == {0}


def written_by_close(tree: Tree, at: datetime) -> tuple[dict[str, Any], Event]:
    case = resolved_case(tree, performance_deadline=date(2026, 8, 1))
    workflow.transition(
        case=case,
        name="close",
        actor=tree.director_d1,
        data={"fulfilment": Fulfilment.PARTLY},
        at=at,
    )
    agreement = Agreement.objects.filter(case=case).values("fulfilment", "fulfilment_recorded_at")
    return dict(agreement.get()), Event.objects.filter(case=case).latest("id")


def written_by_service(tree: Tree, at: datetime) -> tuple[dict[str, Any], Event]:
    case = resolved_case(tree, performance_deadline=date(2026, 8, 1))
    record_fulfilment(
        agreement=Agreement.objects.get(case=case),
        actor=tree.director_d1,
        fulfilment=Fulfilment.PARTLY,
        at=at,
    )
    agreement = Agreement.objects.filter(case=case).values("fulfilment", "fulfilment_recorded_at")
    return dict(agreement.get()), Event.objects.filter(case=case).latest("id")


def test_closing_with_fulfilment_writes_what_recording_it_writes(tree: Tree) -> None:
    at = aware(2026, 7, 20, 11)
    by_close, close_event = written_by_close(tree, at)
    by_service, service_event = written_by_service(tree, at)

    assert by_close == by_service == {"fulfilment": "partly", "fulfilment_recorded_at": at}
    # The close transition's event carries the same change the service's own event does.
    assert (close_event.name, service_event.name) == ("close", "record_fulfilment")
    assert close_event.before["fulfilment"] == service_event.before["fulfilment"] == "pending"
    assert close_event.after["fulfilment"] == service_event.after["fulfilment"] == "partly"


@pytest.mark.django_db(transaction=True)
def test_two_recordings_at_once_leave_one_account_of_the_change(tree: Tree) -> None:
    """Each recording reads the fulfilment it replaces under the row lock, so the two events chain:
    the second one's "before" is the first one's "after", whatever the order."""
    assert connection.vendor == "postgresql", "row locking is tested on PostgreSQL only"
    case = resolved_case(tree, performance_deadline=timezone.localdate() + timedelta(days=20))
    loaded = {name: Agreement.objects.get(case=case) for name in ("director", "mediator")}
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def record(name: str, actor: Any, fulfilment: str) -> None:
        try:
            barrier.wait(timeout=30)
            record_fulfilment(agreement=loaded[name], actor=actor, fulfilment=fulfilment)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=record, args=("director", tree.director_d1, Fulfilment.FULFILLED)),
        threading.Thread(target=record, args=("mediator", tree.mediator_s1_user, "not_fulfilled")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures, failures
    first, second = Event.objects.filter(case=case, name="record_fulfilment").order_by("id")
    assert first.before == {"fulfilment": "pending"}
    assert second.before == first.after
    assert Agreement.objects.get(case=case).fulfilment == second.after["fulfilment"]
