"""Intake (DESIGN §3, §9): a dispute and all its parties registered in one call, or nothing at all."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from cases.errors import InvalidInput, NotPermitted
from cases.models import (
    Case,
    CaseNumberCounter,
    Category,
    Channel,
    Event,
    EventKind,
    Party,
    PartyKind,
    PartyRole,
    RiskLevel,
    Status,
)
from cases.services.intake import PartyData
from tests.factories import (
    Tree,
    aware,
    end_of,
    register,
    register_entrusted,
    seeded_category,
)

pytestmark = pytest.mark.django_db

PARTIES = [
    PartyData(
        name="张三",
        role=PartyRole.APPLICANT,
        id_number="420106198001011237",
        phone="138 1234 5678",
        address="江岸区大智路1号",
    ),
    PartyData(
        name="武汉某某物业服务有限公司",
        role=PartyRole.RESPONDENT,
        kind=PartyKind.ORGANISATION,
        phone="027-82771234",
        agent="王律师",
    ),
    PartyData(name="李四", role=PartyRole.THIRD_PARTY),
]


def state() -> tuple[int, int, int, list[tuple[int, int, int]]]:
    return (
        Case.objects.count(),
        Party.objects.count(),
        Event.objects.count(),
        list(CaseNumberCounter.objects.order_by("pk").values_list("centre_id", "year", "last")),
    )


def test_a_case_and_all_its_parties_are_registered_in_one_call(tree: Tree) -> None:
    at = aware(2026, 3, 2, 9, 30)

    case = register(
        actor=tree.intake_s1,
        centre=tree.s1,
        parties=PARTIES,
        summary="  物业费及漏水赔偿纠纷  ",
        facts="楼上漏水导致天花板受损。",
        amount_in_dispute=Decimal("3200.50"),
        location="大智路1号3栋",
        at=at,
    )

    fresh = Case.objects.get(pk=case.pk)
    assert fresh.number == "JA01-2026-00001"
    assert fresh.status == Status.REGISTERED
    assert fresh.version == 1
    assert fresh.centre == fresh.registering_centre == tree.s1
    assert fresh.summary == "物业费及漏水赔偿纠纷"
    assert fresh.amount_in_dispute == Decimal("3200.50")
    assert fresh.registered_at == at
    assert fresh.acceptance_due_at == end_of(2026, 3, 5)  # registered on a Monday
    assert fresh.created_by == tree.intake_s1
    assert fresh.lead_mediator is None
    parties = list(Party.objects.filter(case=case))
    assert [(p.name, p.role, p.kind, p.position) for p in parties] == [
        ("张三", PartyRole.APPLICANT, PartyKind.PERSON, 0),
        ("武汉某某物业服务有限公司", PartyRole.RESPONDENT, PartyKind.ORGANISATION, 1),
        ("李四", PartyRole.THIRD_PARTY, PartyKind.PERSON, 2),
    ]
    assert parties[0].phone_masked == "138****5678"
    assert parties[1].agent == "王律师"
    assert parties[2].phone_masked == parties[2].id_number_masked == ""


def test_a_high_risk_case_must_be_accepted_within_a_day(tree: Tree) -> None:
    at = aware(2026, 3, 2, 9, 30)
    case = register(actor=tree.intake_s1, centre=tree.s1, risk_level=RiskLevel.HIGH, at=at)
    assert case.acceptance_due_at == at + timedelta(days=1)


def test_intake_writes_one_event_naming_the_parties_with_masked_data(tree: Tree) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1, parties=PARTIES)

    events = list(Event.objects.filter(case=case))
    assert len(events) == 1
    event = events[0]
    assert event.kind == EventKind.INTAKE
    assert event.actor == tree.intake_s1
    assert event.case_version == 1
    assert event.centre == tree.s1
    assert event.after["number"] == case.number
    named = event.after["parties"]
    assert [p["name"] for p in named] == ["张三", "武汉某某物业服务有限公司", "李四"]
    assert [p["role"] for p in named] == ["applicant", "respondent", "third_party"]
    assert named[0]["phone"] == "138****5678"
    assert named[0]["id_number"] == "420***********1237"
    assert "13812345678" not in str(event.after)
    assert "420106198001011237" not in str(event.after)


def test_a_court_entrusted_case_records_the_court(tree: Tree) -> None:
    case = register_entrusted(actor=tree.court_liaison, centre=tree.s1, court=tree.court)
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.channel == Channel.COURT_ENTRUSTED
    assert fresh.entrusting_court == tree.court
    assert fresh.court_case_number


def court(tree: Tree) -> dict[str, Any]:
    return {
        "channel": Channel.COURT_ENTRUSTED,
        "court_case_number": "(2026)鄂0102民诉前调3号",
        "entrusted_on": aware(2026, 3, 1).date(),
    }


def applicant(**changes: Any) -> PartyData:
    fields: dict[str, Any] = {"name": "张三", "role": PartyRole.APPLICANT, **changes}
    return PartyData(**fields)


BAD_INPUT: list[tuple[str, Any, str]] = [
    ("no parties", lambda t: {"parties": []}, "parties"),
    (
        "no applicant",
        lambda t: {"parties": [PartyData(name="李四", role=PartyRole.RESPONDENT)]},
        "parties",
    ),
    ("empty name", lambda t: {"parties": [applicant(name="   ")]}, "parties.0.name"),
    (
        "bad phone",
        lambda t: {"parties": [applicant(phone="138-1234-567x")]},
        "parties.0.phone",
    ),
    (
        "bad phone of the second party",
        lambda t: {"parties": [applicant(), PartyData(name="李四", role="respondent", phone="12")]},
        "parties.1.phone",
    ),
    (
        "bad ID number",
        lambda t: {"parties": [applicant(id_number="4201-??")]},
        "parties.0.id_number",
    ),
    (
        "bad party role",
        lambda t: {"parties": [applicant(), applicant(role="witness")]},
        "parties.1.role",
    ),
    ("court-entrusted without a court", lambda t: court(t), "entrusting_court"),
    (
        "court-entrusted by a centre that is not a court",
        lambda t: {**court(t), "entrusting_court": t.d1},
        "entrusting_court",
    ),
    (
        "court-entrusted without the court's case number",
        lambda t: {**court(t), "entrusting_court": t.court, "court_case_number": ""},
        "court_case_number",
    ),
    (
        "court-entrusted without the date",
        lambda t: {**court(t), "entrusting_court": t.court, "entrusted_on": None},
        "entrusted_on",
    ),
    ("a court on a walk-in case", lambda t: {"entrusting_court": t.court}, "channel"),
    ("empty summary", lambda t: {"summary": "  "}, "summary"),
    ("negative amount", lambda t: {"amount_in_dispute": Decimal("-1")}, "amount_in_dispute"),
    ("unknown channel", lambda t: {"channel": "carrier_pigeon"}, "channel"),
    ("unknown risk level", lambda t: {"risk_level": "extreme"}, "risk_level"),
    (
        "a top-level category",
        lambda t: {"category": Category.objects.get(code="neighbours")},
        "category",
    ),
]


@pytest.mark.parametrize(
    ("label", "changes", "field"), BAD_INPUT, ids=[label for label, _c, _f in BAD_INPUT]
)
def test_bad_input_is_refused_naming_the_field_and_creates_nothing(
    tree: Tree, label: str, changes: Any, field: str
) -> None:
    seeded_category()
    register(actor=tree.admin, centre=tree.s1)  # the counter exists and stands at 1
    before = state()

    with pytest.raises(InvalidInput) as exc:
        register(actor=tree.admin, centre=tree.s1, **changes(tree))

    assert field in exc.value.fields, exc.value.fields
    assert exc.value.fields[field]
    assert state() == before


def test_every_fault_is_reported_at_once(tree: Tree) -> None:
    with pytest.raises(InvalidInput) as exc:
        register(
            actor=tree.admin,
            centre=tree.s1,
            summary="",
            parties=[applicant(phone="x"), PartyData(name="", role=PartyRole.RESPONDENT)],
        )
    assert {"summary", "parties.0.phone", "parties.1.name"} <= set(exc.value.fields)


def test_an_inactive_centre_takes_no_cases(tree: Tree) -> None:
    tree.k1.active = False
    tree.k1.save(update_fields=["active"])
    with pytest.raises(InvalidInput) as exc:
        register(actor=tree.admin, centre=tree.k1)
    assert "centre" in exc.value.fields
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("user", "centre"),
    [
        ("intake_s1", "s2"),
        ("intake_s1", "k1"),  # own centre only, not the one below
        ("intake_s1", "d1"),
        ("observer_d1", "d1"),
        ("observer_d1", "s1"),
        ("mediator_s1", "s1"),
        ("director_d1", "d2"),
        ("director_d2", "s1"),
        ("court_liaison", "d1"),  # only court-entrusted cases
    ],
)
def test_a_user_without_rights_at_the_centre_is_not_permitted(
    tree: Tree, user: str, centre: str
) -> None:
    before = state()
    with pytest.raises(NotPermitted):
        register(actor=tree.users[user], centre=getattr(tree, centre))
    assert state() == before


@pytest.mark.parametrize(
    ("user", "centre"),
    [
        ("intake_s1", "s1"),
        ("director_d1", "d1"),
        ("director_d1", "k1"),  # anywhere in the director's subtree
        ("director_c", "s2"),
        ("admin", "k1"),
    ],
)
def test_users_with_rights_at_the_centre_may_register(tree: Tree, user: str, centre: str) -> None:
    case = register(actor=tree.users[user], centre=getattr(tree, centre))
    assert case.centre == getattr(tree, centre)


def test_a_court_liaison_registers_entrusted_cases_in_the_courts_district_only(tree: Tree) -> None:
    assert register_entrusted(actor=tree.court_liaison, centre=tree.k1, court=tree.court).pk
    with pytest.raises(NotPermitted):
        register_entrusted(actor=tree.court_liaison, centre=tree.s2, court=tree.court)
