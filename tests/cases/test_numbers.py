"""Case numbers (DESIGN §3, §6): unique and gap-free per registering centre and year, also under load."""

import threading
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from cases import workflow
from cases.errors import InvalidInput
from cases.models import (
    Case,
    CaseNumberCounter,
    Centre,
    Event,
    EventKind,
    PartyRole,
    Role,
    Status,
)
from cases.services import intake
from cases.services.intake import PartyData
from tests.factories import (
    CentreFactory,
    MembershipFactory,
    Tree,
    aware,
    data_for,
    register,
    seeded_category,
)

THREADS = 16
INTAKES_PER_THREAD = 50


def counter_last(centre: Centre, year: int) -> int | None:
    return (
        CaseNumberCounter.objects.filter(centre=centre, year=year)
        .values_list("last", flat=True)
        .first()
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_intakes_get_distinct_gap_free_numbers() -> None:
    assert connection.vendor == "postgresql", "concurrent intake is tested on PostgreSQL only"
    centre = CentreFactory.create(code="JA", name_zh="江岸区调解中心", abbreviation_zh="江岸")
    officer_id = MembershipFactory.create(centre=centre, role=Role.INTAKE).user_id
    category = seeded_category()
    at = aware(2026, 5, 11, 9)
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def intake_window(index: int) -> None:
        try:
            officer = get_user_model().objects.get(pk=officer_id)
            barrier.wait(timeout=30)
            for n in range(INTAKES_PER_THREAD):
                intake.register_case(
                    actor=officer,
                    centre=centre,
                    channel="walk_in",
                    category=category,
                    summary=f"窗口{index}第{n}件",
                    parties=[PartyData(name=f"申请人{index}-{n}", role=PartyRole.APPLICANT)],
                    at=at,
                )
        except BaseException as exc:  # reported below, in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=intake_window, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    total = THREADS * INTAKES_PER_THREAD
    rows = list(Case.objects.filter(registering_centre=centre).values_list("sequence", "number"))
    assert len(rows) == total
    assert {sequence for sequence, _ in rows} == set(range(1, total + 1))
    assert {number for _, number in rows} == {f"JA-2026-{n:05d}" for n in range(1, total + 1)}
    assert counter_last(centre, 2026) == total
    assert Event.objects.filter(case__registering_centre=centre, kind=EventKind.INTAKE).count() == (
        total
    )


@pytest.mark.django_db
def test_numbers_have_the_code_year_sequence_form_and_a_chinese_form(tree: Tree) -> None:
    CaseNumberCounter.objects.create(centre=tree.d1, year=2026, last=122)

    case = register(actor=tree.director_d1, centre=tree.d1, at=aware(2026, 4, 8))

    assert case.number == "JA-2026-00123"
    assert Case.objects.get(pk=case.pk).number_zh == "（2026）江岸调字第123号"


@pytest.mark.django_db
def test_the_chinese_form_falls_back_to_the_centre_name(tree: Tree) -> None:
    case = register(actor=tree.director_d1, centre=tree.s1, at=aware(2026, 4, 8))
    assert case.number == "JA01-2026-00001"
    assert case.number_zh == "（2026）大智街调解中心调字第1号"


@pytest.mark.django_db
def test_each_registering_centre_counts_from_one(tree: Tree) -> None:
    at = aware(2026, 4, 8)
    numbers = [
        register(actor=tree.admin, centre=centre, at=at).number
        for centre in (tree.d1, tree.s1, tree.d1, tree.k1, tree.s1, tree.d1)
    ]
    assert numbers == [
        "JA-2026-00001",
        "JA01-2026-00001",
        "JA-2026-00002",
        "JA0101-2026-00001",
        "JA01-2026-00002",
        "JA-2026-00003",
    ]


@pytest.mark.django_db
def test_numbers_restart_at_one_in_a_new_year(tree: Tree) -> None:
    first = register(actor=tree.admin, centre=tree.d1, at=aware(2026, 12, 30))
    second = register(actor=tree.admin, centre=tree.d1, at=aware(2026, 12, 31, 23, 59))
    # 16:30 UTC on 31 December is already 1 January in Wuhan: the year is the centre's local year.
    third = register(
        actor=tree.admin, centre=tree.d1, at=datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    )
    fourth = register(actor=tree.admin, centre=tree.d1, at=aware(2027, 1, 2))

    assert [c.number for c in (first, second, third, fourth)] == [
        "JA-2026-00001",
        "JA-2026-00002",
        "JA-2027-00001",
        "JA-2027-00002",
    ]
    assert third.year == 2027
    assert third.number_zh == "（2027）江岸调字第1号"


@pytest.mark.django_db
def test_a_failed_intake_consumes_no_number(tree: Tree) -> None:
    at = aware(2026, 4, 8)
    register(actor=tree.admin, centre=tree.d1, at=at)

    with pytest.raises(InvalidInput):
        register(
            actor=tree.admin,
            centre=tree.d1,
            at=at,
            parties=[PartyData(name="张三", role=PartyRole.APPLICANT, phone="not a phone")],
        )

    assert counter_last(tree.d1, 2026) == 1
    assert register(actor=tree.admin, centre=tree.d1, at=at).number == "JA-2026-00002"


@pytest.mark.django_db
def test_an_intake_that_fails_after_numbering_gives_its_number_back(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = aware(2026, 4, 8)
    register(actor=tree.admin, centre=tree.d1, at=at)

    def broken_record(**kwargs: object) -> None:
        raise RuntimeError("the event store is down")

    with monkeypatch.context() as patch:
        patch.setattr(intake.events, "record", broken_record)
        with pytest.raises(RuntimeError):
            register(actor=tree.admin, centre=tree.d1, at=at)

    assert counter_last(tree.d1, 2026) == 1
    assert Case.objects.filter(registering_centre=tree.d1).count() == 1
    assert register(actor=tree.admin, centre=tree.d1, at=at).number == "JA-2026-00002"


@pytest.mark.django_db
def test_a_transferred_case_keeps_its_number(tree: Tree) -> None:
    case = register(actor=tree.admin, centre=tree.s1, at=aware(2026, 4, 8))
    case = workflow.transition(
        case=case, name="transfer", actor=tree.director_c, data=data_for("transfer", target=tree.d2)
    )
    case = workflow.transition(case=case, name="accept_transfer", actor=tree.director_d2)
    assert case.status == Status.ACCEPTED
    assert case.centre == tree.d2
    assert case.number == "JA01-2026-00001"
    # The next case registered at D2 is numbered by D2, from 1.
    assert register(actor=tree.admin, centre=tree.d2, at=aware(2026, 4, 9)).number == (
        "JH-2026-00001"
    )
