"""Judicial confirmation (司法确认) of a mediation agreement: who records it, in which order, with
which dates (DESIGN §3, §9; People's Mediation Law art. 33)."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from cases import access, workflow
from cases.deadlines import JUDICIAL_CONFIRMATION_DAYS
from cases.errors import CaseNotFound, InvalidInput, NotPermitted
from cases.models import (
    Agreement,
    Case,
    Centre,
    CentreKind,
    CentreLevel,
    Event,
    EventKind,
    JudicialConfirmation,
    Role,
    Status,
)
from cases.services.agreements import (
    RULING_NUMBER_LENGTH,
    record_judicial_confirmation,
)
from tests.factories import (
    CentreFactory,
    MembershipFactory,
    Tree,
    agreement_data,
    drive,
    register_entrusted,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
RULING = "（2026）鄂0102民特12号"


@dataclass
class Entrusted:
    tree: Tree
    case: Case  # entrusted by tree.court to S1 (in D1), lead mediator med_s1, resolved
    agreement: Agreement  # took effect ten days ago
    other_court: Centre  # a court under D2
    other_liaison: Any  # that court's liaison

    @property
    def liaison(self) -> Any:
        return self.tree.court_liaison


def resolved_entrusted(tree: Tree, *, effective_days_ago: int = 10) -> Case:
    """A case the court entrusted to S1, mediated by med_s1 and resolved with an agreement."""
    case = register_entrusted(actor=tree.admin, centre=tree.s1, court=tree.court)
    case = drive(case, Status.IN_MEDIATION, actor=tree.admin, mediator=tree.med_s1)
    effective = TODAY() - timedelta(days=effective_days_ago)
    return workflow.transition(
        case=case,
        name="resolve",
        actor=tree.mediator_s1_user,
        data=agreement_data(signed_on=effective, effective_on=effective),
    )


@pytest.fixture
def entrusted(tree: Tree) -> Entrusted:
    case = resolved_entrusted(tree)
    other_court = CentreFactory.create(
        parent=tree.d2, level=CentreLevel.STREET, kind=CentreKind.COURT, name_zh="江汉区人民法院"
    )
    other_liaison = MembershipFactory.create(centre=other_court, role=Role.COURT_LIAISON).user
    return Entrusted(
        tree=tree,
        case=case,
        agreement=Agreement.objects.get(case=case),
        other_court=other_court,
        other_liaison=other_liaison,
    )


def state(agreement: Agreement) -> dict[str, Any]:
    """The agreement's confirmation fields and its case's events, read afresh."""
    fresh = Agreement.objects.get(pk=agreement.pk)
    return {
        "judicial_confirmation": fresh.judicial_confirmation,
        "confirmation_applied_on": fresh.confirmation_applied_on,
        "ruling_number": fresh.ruling_number,
        "ruling_on": fresh.ruling_on,
        "events": Event.objects.filter(case_id=fresh.case_id).count(),
        "version": Case.objects.get(pk=fresh.case_id).version,
    }


def confirmation_events(case: Case) -> list[Event]:
    return list(Event.objects.filter(case=case, name="judicial_confirmation").order_by("id"))


def days_after_effect(agreement: Agreement, days: int) -> date:
    return agreement.effective_on + timedelta(days=days)


# --- The happy paths ----------------------------------------------------------------------------


def test_the_liaison_records_the_application(entrusted: Entrusted) -> None:
    agreement = entrusted.agreement
    applied_on = days_after_effect(agreement, 3)
    before = state(agreement)
    saved = record_judicial_confirmation(
        agreement=agreement,
        actor=entrusted.liaison,
        status=JudicialConfirmation.APPLIED,
        applied_on=applied_on,
    )
    assert saved.judicial_confirmation == JudicialConfirmation.APPLIED
    after = state(agreement)
    assert after["judicial_confirmation"] == JudicialConfirmation.APPLIED
    assert after["confirmation_applied_on"] == applied_on
    assert (after["ruling_number"], after["ruling_on"]) == ("", None)
    assert after["events"] == before["events"] + 1
    [event] = confirmation_events(entrusted.case)
    assert event.kind == EventKind.AGREEMENT
    assert event.actor == entrusted.liaison
    assert event.before == {"judicial_confirmation": "not_applied", "confirmation_applied_on": None}
    assert event.after == {
        "judicial_confirmation": "applied",
        "confirmation_applied_on": applied_on.isoformat(),
        "late": False,
    }


def test_then_the_court_confirms(entrusted: Entrusted) -> None:
    agreement, liaison = entrusted.agreement, entrusted.liaison
    applied_on = days_after_effect(agreement, 3)
    record_judicial_confirmation(
        agreement=agreement, actor=liaison, status="applied", applied_on=applied_on
    )
    at = timezone.now()
    record_judicial_confirmation(
        agreement=agreement,
        actor=liaison,
        status="confirmed",
        ruling_number=f"  {RULING} ",
        ruling_on=TODAY(),
        at=at,
    )
    after = state(agreement)
    assert after["judicial_confirmation"] == JudicialConfirmation.CONFIRMED
    assert after["confirmation_applied_on"] == applied_on  # kept as recorded
    assert (after["ruling_number"], after["ruling_on"]) == (RULING, TODAY())
    _applied, ruled = confirmation_events(entrusted.case)
    assert ruled.at == at
    # Only what changed, and no lateness: that belongs to the application's event.
    assert ruled.before == {
        "judicial_confirmation": "applied",
        "ruling_number": "",
        "ruling_on": None,
    }
    assert ruled.after == {
        "judicial_confirmation": "confirmed",
        "ruling_number": RULING,
        "ruling_on": TODAY().isoformat(),
    }


def test_the_court_rejects_with_the_application_date_given_again(entrusted: Entrusted) -> None:
    agreement, liaison = entrusted.agreement, entrusted.liaison
    applied_on = days_after_effect(agreement, 1)
    record_judicial_confirmation(
        agreement=agreement, actor=liaison, status="applied", applied_on=applied_on
    )
    record_judicial_confirmation(
        agreement=agreement,
        actor=liaison,
        status="rejected",
        applied_on=applied_on,  # the same date: harmless
        ruling_number=RULING,
        ruling_on=applied_on,  # the same day as the application is fine
    )
    after = state(agreement)
    assert after["judicial_confirmation"] == JudicialConfirmation.REJECTED
    assert (after["ruling_number"], after["ruling_on"]) == (RULING, applied_on)


def test_a_ruling_recorded_at_once_with_its_application(entrusted: Entrusted) -> None:
    agreement = entrusted.agreement
    applied_on = days_after_effect(agreement, 2)
    record_judicial_confirmation(
        agreement=agreement,
        actor=entrusted.liaison,
        status="confirmed",
        applied_on=applied_on,
        ruling_number=RULING,
        ruling_on=TODAY(),
    )
    after = state(agreement)
    assert after["judicial_confirmation"] == JudicialConfirmation.CONFIRMED
    assert after["confirmation_applied_on"] == applied_on
    [event] = confirmation_events(entrusted.case)  # one step, one event
    assert event.after == {
        "judicial_confirmation": "confirmed",
        "confirmation_applied_on": applied_on.isoformat(),
        "ruling_number": RULING,
        "ruling_on": TODAY().isoformat(),
        "late": False,
    }


def test_a_closed_case_can_be_confirmed(entrusted: Entrusted) -> None:
    case = workflow.transition(
        case=entrusted.case, name="close", actor=entrusted.tree.director_d1, data={}
    )
    assert case.status == Status.CLOSED
    record_judicial_confirmation(
        agreement=entrusted.agreement,
        actor=entrusted.liaison,
        status="applied",
        applied_on=TODAY(),
    )
    assert state(entrusted.agreement)["judicial_confirmation"] == JudicialConfirmation.APPLIED


def test_an_application_on_the_day_the_agreement_takes_effect(entrusted: Entrusted) -> None:
    record_judicial_confirmation(
        agreement=entrusted.agreement,
        actor=entrusted.liaison,
        status="applied",
        applied_on=entrusted.agreement.effective_on,
    )
    assert state(entrusted.agreement)["judicial_confirmation"] == JudicialConfirmation.APPLIED


# --- Late applications (People's Mediation Law art. 33) -----------------------------------------


@pytest.mark.parametrize(
    ("days", "late"),
    [(JUDICIAL_CONFIRMATION_DAYS, False), (JUDICIAL_CONFIRMATION_DAYS + 1, True), (45, True)],
)
def test_a_late_application_is_recorded_and_marked(tree: Tree, days: int, late: bool) -> None:
    case = resolved_entrusted(tree, effective_days_ago=60)
    agreement = Agreement.objects.get(case=case)
    applied_on = days_after_effect(agreement, days)
    record_judicial_confirmation(
        agreement=agreement, actor=tree.court_liaison, status="applied", applied_on=applied_on
    )
    assert state(agreement)["confirmation_applied_on"] == applied_on  # recorded, not refused
    [event] = confirmation_events(case)
    assert event.after["late"] is late


# --- Who may ------------------------------------------------------------------------------------


def test_an_administrator_may(entrusted: Entrusted) -> None:
    record_judicial_confirmation(
        agreement=entrusted.agreement,
        actor=entrusted.tree.admin,
        status="applied",
        applied_on=TODAY(),
    )
    assert state(entrusted.agreement)["judicial_confirmation"] == JudicialConfirmation.APPLIED
    assert access.can(entrusted.tree.admin, "record_judicial_confirmation", entrusted.case)


def test_the_liaison_of_another_court_does_not_see_the_case(entrusted: Entrusted) -> None:
    before = state(entrusted.agreement)
    with pytest.raises(CaseNotFound):
        record_judicial_confirmation(
            agreement=entrusted.agreement,
            actor=entrusted.other_liaison,
            status="applied",
            applied_on=TODAY(),
        )
    assert state(entrusted.agreement) == before


def test_the_other_courts_liaison_may_confirm_their_own_courts_case(
    entrusted: Entrusted,
) -> None:
    tree = entrusted.tree
    case = register_entrusted(actor=tree.admin, centre=tree.s2, court=entrusted.other_court)
    case = drive(case, Status.RESOLVED, actor=tree.admin, mediator=tree.med_s2)
    agreement = Agreement.objects.get(case=case)
    record_judicial_confirmation(
        agreement=agreement, actor=entrusted.other_liaison, status="applied", applied_on=TODAY()
    )
    assert state(agreement)["judicial_confirmation"] == JudicialConfirmation.APPLIED
    with pytest.raises(CaseNotFound):  # and the first court's liaison does not see that one
        record_judicial_confirmation(
            agreement=agreement,
            actor=tree.court_liaison,
            status="confirmed",
            ruling_number=RULING,
            ruling_on=TODAY(),
        )


@pytest.mark.parametrize(
    "role", ["director_c", "director_d1", "observer_d1", "intake_s1", "mediator_s1"]
)
def test_others_who_see_the_case_may_not(entrusted: Entrusted, role: str) -> None:
    """The case's directors, observer, intake officer and its own mediator: in scope, not theirs."""
    user = entrusted.tree.users[role]
    assert not access.can(user, "record_judicial_confirmation", entrusted.case)
    before = state(entrusted.agreement)
    with pytest.raises(NotPermitted):
        record_judicial_confirmation(
            agreement=entrusted.agreement, actor=user, status="applied", applied_on=TODAY()
        )
    assert state(entrusted.agreement) == before


@pytest.mark.parametrize("role", ["director_d2", "mediator_s2", "mediator_s1b"])
def test_users_out_of_scope_are_told_nothing(entrusted: Entrusted, role: str) -> None:
    before = state(entrusted.agreement)
    with pytest.raises(CaseNotFound):
        record_judicial_confirmation(
            agreement=entrusted.agreement,
            actor=entrusted.tree.users[role],
            status="applied",
            applied_on=TODAY(),
        )
    assert state(entrusted.agreement) == before


# --- Refusals: each names its field and changes nothing -----------------------------------------


def _days(agreement: Agreement, value: Any) -> Any:
    """Test data speaks of days: ``("effect", n)`` after the agreement takes effect,
    ``("today", n)`` from today."""
    if isinstance(value, tuple):
        origin, days = value
        start = agreement.effective_on if origin == "effect" else TODAY()
        return start + timedelta(days=days)
    return value


FROM_NOTHING = [
    ({"status": "not_applied", "applied_on": ("today", 0)}, "status"),
    ({"status": "withdrawn", "applied_on": ("today", 0)}, "status"),
    ({"status": ""}, "status"),
    ({"status": "applied"}, "applied_on"),
    ({"status": "applied", "applied_on": ("effect", -1)}, "applied_on"),
    ({"status": "applied", "applied_on": ("today", 1)}, "applied_on"),
    ({"status": "applied", "applied_on": ("today", 0), "ruling_number": RULING}, "ruling_number"),
    ({"status": "applied", "applied_on": ("today", 0), "ruling_on": ("today", 0)}, "ruling_on"),
    ({"status": "confirmed", "ruling_number": RULING, "ruling_on": ("today", 0)}, "applied_on"),
    (
        {"status": "confirmed", "applied_on": ("effect", 1), "ruling_on": ("today", 0)},
        "ruling_number",
    ),
    (
        {
            "status": "rejected",
            "applied_on": ("effect", 1),
            "ruling_number": "   ",
            "ruling_on": ("today", 0),
        },
        "ruling_number",
    ),
    (
        {
            "status": "confirmed",
            "applied_on": ("effect", 1),
            "ruling_number": "号" * (RULING_NUMBER_LENGTH + 1),
            "ruling_on": ("today", 0),
        },
        "ruling_number",
    ),
    ({"status": "confirmed", "applied_on": ("effect", 1), "ruling_number": RULING}, "ruling_on"),
    (
        {
            "status": "confirmed",
            "applied_on": ("effect", 2),
            "ruling_number": RULING,
            "ruling_on": ("effect", 1),
        },
        "ruling_on",
    ),
    (
        {
            "status": "rejected",
            "applied_on": ("effect", 2),
            "ruling_number": RULING,
            "ruling_on": ("today", 1),
        },
        "ruling_on",
    ),
]


@pytest.mark.parametrize(("data", "field"), FROM_NOTHING)
def test_refused_before_any_application(
    entrusted: Entrusted, data: dict[str, Any], field: str
) -> None:
    agreement = entrusted.agreement
    kwargs = {name: _days(agreement, value) for name, value in data.items()}
    before = state(agreement)
    with pytest.raises(InvalidInput) as refused:
        record_judicial_confirmation(agreement=agreement, actor=entrusted.liaison, **kwargs)
    assert field in refused.value.fields, refused.value.fields
    assert refused.value.fields[field] and all(refused.value.fields[field])
    assert state(agreement) == before


AFTER_APPLYING = [
    ({"status": "applied", "applied_on": ("effect", 3)}, "status"),
    ({"status": "applied"}, "status"),
    (
        {
            "status": "confirmed",
            "applied_on": ("effect", 4),  # not the recorded date
            "ruling_number": RULING,
            "ruling_on": ("today", 0),
        },
        "applied_on",
    ),
    (
        {"status": "confirmed", "ruling_number": RULING, "ruling_on": ("effect", 2)},
        "ruling_on",  # before the recorded application
    ),
    ({"status": "rejected", "ruling_on": ("today", 0)}, "ruling_number"),
    ({"status": "rejected", "ruling_number": RULING}, "ruling_on"),
]


@pytest.mark.parametrize(("data", "field"), AFTER_APPLYING)
def test_refused_after_the_application(
    entrusted: Entrusted, data: dict[str, Any], field: str
) -> None:
    agreement = entrusted.agreement
    record_judicial_confirmation(
        agreement=agreement,
        actor=entrusted.liaison,
        status="applied",
        applied_on=days_after_effect(agreement, 3),
    )
    kwargs = {name: _days(agreement, value) for name, value in data.items()}
    before = state(agreement)
    with pytest.raises(InvalidInput) as refused:
        record_judicial_confirmation(agreement=agreement, actor=entrusted.liaison, **kwargs)
    assert field in refused.value.fields, refused.value.fields
    assert state(agreement) == before


@pytest.mark.parametrize("ruling", ["confirmed", "rejected"])
@pytest.mark.parametrize(
    "again",
    [
        {
            "status": "confirmed",
            "ruling_number": "（2026）鄂0102民特99号",
            "ruling_on": ("today", 0),
        },
        {"status": "rejected", "ruling_number": RULING, "ruling_on": ("today", 0)},
        {"status": "applied", "applied_on": ("today", 0)},
    ],
)
def test_a_ruling_is_final(entrusted: Entrusted, ruling: str, again: dict[str, Any]) -> None:
    agreement = entrusted.agreement
    record_judicial_confirmation(
        agreement=agreement,
        actor=entrusted.liaison,
        status=ruling,
        applied_on=days_after_effect(agreement, 1),
        ruling_number=RULING,
        ruling_on=days_after_effect(agreement, 5),
    )
    before = state(agreement)
    for actor in (entrusted.liaison, entrusted.tree.admin):
        with pytest.raises(InvalidInput) as refused:
            record_judicial_confirmation(
                agreement=agreement,
                actor=actor,
                **{name: _days(agreement, value) for name, value in again.items()},
            )
        assert "status" in refused.value.fields
    assert state(agreement) == before


def test_a_stale_copy_of_the_agreement_cannot_overwrite_a_ruling(entrusted: Entrusted) -> None:
    """The row is locked and read afresh: what a second recorder loaded earlier does not count."""
    stale = Agreement.objects.get(pk=entrusted.agreement.pk)  # loaded before the ruling
    record_judicial_confirmation(
        agreement=entrusted.agreement,
        actor=entrusted.liaison,
        status="confirmed",
        applied_on=days_after_effect(entrusted.agreement, 1),
        ruling_number=RULING,
        ruling_on=TODAY(),
    )
    before = state(stale)
    with pytest.raises(InvalidInput) as refused:
        record_judicial_confirmation(
            agreement=stale,
            actor=entrusted.tree.admin,
            status="rejected",
            applied_on=days_after_effect(stale, 1),
            ruling_number="另一个",
            ruling_on=TODAY(),
        )
    assert "status" in refused.value.fields
    assert state(stale) == before


def test_only_a_resolved_or_closed_cases_agreement(entrusted: Entrusted) -> None:
    """The workflow never moves a case with an agreement elsewhere; the service checks anyway."""
    Case.objects.filter(pk=entrusted.case.pk).update(status=Status.FAILED, outcome=Status.FAILED)
    before = state(entrusted.agreement)
    with pytest.raises(InvalidInput) as refused:
        record_judicial_confirmation(
            agreement=entrusted.agreement,
            actor=entrusted.liaison,
            status="applied",
            applied_on=TODAY(),
        )
    assert "__all__" in refused.value.fields
    assert state(entrusted.agreement) == before


def test_the_ruling_number_limit_is_the_models() -> None:
    field = Agreement._meta.get_field("ruling_number")
    assert getattr(field, "max_length", None) == RULING_NUMBER_LENGTH


def test_refusals_are_in_the_users_language(entrusted: Entrusted) -> None:
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as refused:
        record_judicial_confirmation(
            agreement=entrusted.agreement, actor=entrusted.liaison, status="applied"
        )
    assert refused.value.fields["applied_on"] == ["请填写申请司法确认的日期。"]
