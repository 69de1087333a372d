"""Early warnings (issue 24): each rule on a crafted history, raised at its threshold and not one
below it; thresholds set per centre and inherited; a re-run raises nothing twice; the directors
above are told; acknowledging, assigning and dismissing are audited."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import count
from typing import Any

import pytest
from django.utils import timezone, translation

from cases.errors import InvalidInput, NotPermitted
from cases.models import (
    AuditAction,
    AuditRecord,
    Case,
    Centre,
    EarlyWarning,
    Notification,
    NotificationKind,
    PartyKind,
    PartyRole,
    WarningRule,
    WarningStatus,
    WarningThreshold,
)
from cases.reports.periods import add_months, current_month, month_start
from cases.services import warnings
from cases.services.intake import PartyData
from tests.factories import Tree, category, register

pytestmark = pytest.mark.django_db

_people = count(1)


def person(role: str = PartyRole.APPLICANT, phone: str = "") -> PartyData:
    """A party nobody else is (a phone of their own), unless ``phone`` is given."""
    n = next(_people)
    return PartyData(name=f"当事人{n}", role=role, phone=phone or f"137{n:08d}")


def case_at(
    tree: Tree,
    centre: Centre,
    *,
    at: datetime | None = None,
    code: str = "wage_arrears",
    parties: Sequence[PartyData] | None = None,
) -> Case:
    return register(
        actor=tree.admin,
        centre=centre,
        category=category(code),
        parties=parties or (person(), person(PartyRole.RESPONDENT)),
        at=at or timezone.now() - timedelta(days=2),
    )


def raised(rule: str) -> list[EarlyWarning]:
    return list(EarlyWarning.objects.filter(rule=rule).order_by("pk"))


def case_ids(warning: EarlyWarning) -> set[int]:
    return set(warning.cases.values_list("pk", flat=True))


def reason_en(warning: EarlyWarning) -> str:
    with translation.override("en"):
        return warning.reason()


# --- Clusters at one place ------------------------------------------------------------------------


def test_five_cases_of_one_category_at_one_place_in_14_days_raise_a_warning(tree: Tree) -> None:
    now = timezone.now()
    cases = [case_at(tree, tree.k1, at=now - timedelta(days=d)) for d in (1, 3, 5, 8, 13)]
    case_at(tree, tree.k1, at=now - timedelta(days=20))  # outside the window
    case_at(tree, tree.k1, code="noise")  # another category

    warnings.raise_warnings(now=now)

    (warning,) = raised(WarningRule.PLACE_CLUSTER)
    assert warning.centre == tree.k1
    assert case_ids(warning) == {c.pk for c in cases}
    assert reason_en(warning) == (
        f"5 cases of Unpaid wages registered at {tree.k1.name_en} in 14 days (threshold 5)."
    )


def test_four_cases_at_one_place_raise_nothing(tree: Tree) -> None:
    now = timezone.now()
    for d in (1, 3, 5, 8):
        case_at(tree, tree.k1, at=now - timedelta(days=d))
    case_at(tree, tree.k1, at=now - timedelta(days=15))

    warnings.raise_warnings(now=now)

    assert raised(WarningRule.PLACE_CLUSTER) == []


def test_a_centre_s_threshold_applies_below_it_and_nowhere_else(tree: Tree) -> None:
    WarningThreshold.objects.create(centre=tree.d1, cluster_cases=3)
    for centre in (tree.k1, tree.s2):
        for _ in range(3):
            case_at(tree, centre)

    warnings.raise_warnings()

    assert [w.centre for w in raised(WarningRule.PLACE_CLUSTER)] == [tree.k1]


# --- Clusters against one respondent ----------------------------------------------------------------


def employer(name: str) -> PartyData:
    return PartyData(name=name, role=PartyRole.RESPONDENT, kind=PartyKind.ORGANISATION)


def test_five_wage_cases_against_one_employer_raise_a_warning_where_all_are_handled(
    tree: Tree,
) -> None:
    names = [
        "武汉某建筑公司",
        "武汉某建筑 公司",
        "武汉某建筑公司 ",
        "武汉某建筑公司",
        "武汉某建筑　公司",
    ]
    places = [tree.k1, tree.k1, tree.s1, tree.s2, tree.s2]
    cases = [
        case_at(tree, place, parties=(person(), employer(name)))
        for place, name in zip(places, names, strict=True)
    ]
    case_at(tree, tree.s2, code="loan", parties=(person(), employer("武汉某建筑公司")))

    warnings.raise_warnings()

    (warning,) = raised(WarningRule.RESPONDENT_CLUSTER)
    assert warning.centre == tree.c  # the lowest centre whose subtree holds all five
    assert case_ids(warning) == {c.pk for c in cases}
    assert reason_en(warning) == (
        "5 cases of Unpaid wages against 武汉某建筑公司 in 14 days (threshold 5)."
    )


def test_four_cases_against_one_employer_raise_nothing(tree: Tree) -> None:
    for place in (tree.k1, tree.s1, tree.s2, tree.s2):
        case_at(tree, place, parties=(person(), employer("武汉某建筑公司")))

    warnings.raise_warnings()

    assert raised(WarningRule.RESPONDENT_CLUSTER) == []


# --- Group disputes -----------------------------------------------------------------------------------


def test_a_case_with_five_applicants_is_a_group_dispute(tree: Tree) -> None:
    group = case_at(
        tree, tree.s1, parties=[*(person() for _ in range(5)), person(PartyRole.RESPONDENT)]
    )
    case_at(tree, tree.s2, parties=[*(person() for _ in range(4)), person(PartyRole.RESPONDENT)])

    warnings.raise_warnings()

    (warning,) = raised(WarningRule.GROUP_DISPUTE)
    assert (warning.centre, case_ids(warning)) == (tree.s1, {group.pk})
    assert reason_en(warning) == f"Case {group.number} has 5 applicants (threshold 5)."


# --- The same person in several open cases ---------------------------------------------------------


def test_the_same_person_in_three_open_cases_raises_a_warning(tree: Tree) -> None:
    cases = [
        case_at(tree, centre, parties=(person(phone="13512345678"), person(PartyRole.RESPONDENT)))
        for centre in (tree.k1, tree.s1, tree.d1)
    ]

    warnings.raise_warnings()

    (warning,) = raised(WarningRule.REPEAT_PERSON)
    assert (warning.centre, case_ids(warning)) == (tree.d1, {c.pk for c in cases})
    assert reason_en(warning) == (
        "The same person (135****5678) is a party to 3 open cases (threshold 3)."
    )


def test_the_same_person_in_two_open_cases_raises_nothing(tree: Tree) -> None:
    for centre in (tree.k1, tree.s1):
        case_at(tree, centre, parties=(person(phone="13512345678"), person(PartyRole.RESPONDENT)))

    warnings.raise_warnings()

    assert raised(WarningRule.REPEAT_PERSON) == []


# --- A place's intake far above its usual level ------------------------------------------------------


def _history(tree: Tree, per_month: Sequence[int], this_month: int) -> None:
    """Cases at K1: ``per_month[k]`` in the (k+1)-th month before this one, ``this_month`` now."""
    month = current_month()
    codes = ["noise", "loan", "divorce", "support", "inheritance", "water_leak"]
    for back, n in enumerate(per_month, start=1):
        for i in range(n):
            at = month_start(add_months(month, -back)) + timedelta(days=2, hours=i)
            case_at(tree, tree.k1, at=at, code=codes[i % len(codes)])
    for i in range(this_month):
        at = max(month_start(month), timezone.now() - timedelta(hours=1 + i))
        case_at(tree, tree.k1, at=at, code=codes[i % len(codes)])


def test_a_month_at_twice_the_usual_intake_is_a_surge(tree: Tree) -> None:
    WarningThreshold.objects.create(centre=tree.s1, surge_minimum=2)  # inherited by K1
    _history(tree, per_month=[1, 1, 1, 1, 1, 1], this_month=2)

    warnings.raise_warnings()

    (warning,) = raised(WarningRule.INTAKE_SURGE)
    assert warning.centre == tree.k1
    assert len(case_ids(warning)) == 2
    assert reason_en(warning) == (
        f"{tree.k1.name_en} registered 2 cases in {current_month():%Y-%m}, 2.0 times its mean of 1.0 "
        "over the previous 6 months (threshold: 2.0 times and at least 2 cases)."
    )


def test_a_month_just_under_twice_the_usual_intake_is_not_a_surge(tree: Tree) -> None:
    WarningThreshold.objects.create(centre=tree.s1, surge_minimum=2)
    _history(tree, per_month=[2, 1, 1, 1, 1, 1], this_month=2)

    warnings.raise_warnings()

    assert raised(WarningRule.INTAKE_SURGE) == []


def test_a_surge_needs_the_minimum_number_of_cases(tree: Tree) -> None:
    _history(tree, per_month=[0, 0, 0, 0, 0, 1], this_month=2)  # ×12, but under 10 cases

    warnings.raise_warnings()

    assert raised(WarningRule.INTAKE_SURGE) == []


# --- Once per occasion; who is told ------------------------------------------------------------------


def test_a_second_run_raises_nothing_and_a_new_case_joins_the_warning(tree: Tree) -> None:
    now = timezone.now()
    cases = [case_at(tree, tree.k1, at=now - timedelta(days=d)) for d in (1, 2, 3, 4, 5)]
    first = warnings.raise_warnings(now=now)
    notified = Notification.objects.filter(kind=NotificationKind.WARNING).count()

    again = warnings.raise_warnings(now=now)
    later = case_at(tree, tree.k1, at=now + timedelta(hours=20))
    next_day = warnings.raise_warnings(now=now + timedelta(days=1))

    assert len(first.raised) == 1
    assert (again.raised, next_day.raised, next_day.joined) == ([], [], 1)
    (warning,) = raised(WarningRule.PLACE_CLUSTER)
    assert case_ids(warning) == {c.pk for c in [*cases, later]}
    assert warning.data["count"] == 6
    assert Notification.objects.filter(kind=NotificationKind.WARNING).count() == notified


def test_the_directors_of_the_centre_and_above_are_notified(tree: Tree) -> None:
    for _ in range(5):
        case_at(tree, tree.k1)

    (warning,) = warnings.raise_warnings().raised

    told = set(
        Notification.objects.filter(kind=NotificationKind.WARNING).values_list("user", flat=True)
    )
    assert told == {tree.director_c.pk, tree.director_d1.pk}
    note = Notification.objects.filter(user=tree.director_d1, kind="warning").get()
    assert note.warning_id == warning.pk
    with translation.override("en"):
        assert note.text() == "Early warning raised"


# --- Acknowledge, assign, dismiss ---------------------------------------------------------------------


@pytest.fixture
def warning(tree: Tree) -> EarlyWarning:
    for _ in range(5):
        case_at(tree, tree.k1)
    (made,) = warnings.raise_warnings().raised
    return made


def _audited(action: str) -> list[Any]:
    return list(AuditRecord.objects.filter(action=action).values("actor", "details", "centre"))


def test_acknowledging_is_audited(tree: Tree, warning: EarlyWarning) -> None:
    done = warnings.acknowledge(actor=tree.director_d1, warning=warning)

    assert (done.status, done.acted_by) == (WarningStatus.ACKNOWLEDGED, tree.director_d1)
    (record,) = _audited(AuditAction.WARNING_ACKNOWLEDGED)
    assert (record["actor"], record["centre"]) == (tree.director_d1.pk, tree.k1.pk)
    assert record["details"]["warning"] == warning.pk


def test_assigning_to_a_user_of_the_subtree_is_audited_and_tells_them(
    tree: Tree, warning: EarlyWarning
) -> None:
    done = warnings.assign(actor=tree.director_d1, warning=warning, user=tree.intake_s1)

    assert (done.status, done.assigned_to) == (WarningStatus.ASSIGNED, tree.intake_s1)
    (record,) = _audited(AuditAction.WARNING_ASSIGNED)
    assert record["details"]["assigned_to"] == tree.intake_s1.username
    assert Notification.objects.filter(user=tree.intake_s1, kind="warning").count() == 1


def test_assigning_to_someone_outside_the_subtree_is_refused_naming_user(
    tree: Tree, warning: EarlyWarning
) -> None:
    with pytest.raises(InvalidInput) as refused:
        warnings.assign(actor=tree.director_d1, warning=warning, user=tree.mediator_s2_user)

    assert list(refused.value.fields) == ["user"]
    assert _audited(AuditAction.WARNING_ASSIGNED) == []


def test_dismissing_needs_a_reason_and_is_audited(tree: Tree, warning: EarlyWarning) -> None:
    with pytest.raises(InvalidInput) as refused:
        warnings.dismiss(actor=tree.director_d1, warning=warning, reason="  ")
    done = warnings.dismiss(
        actor=tree.director_d1, warning=warning, reason="同一工地，已联系劳动监察"
    )

    assert list(refused.value.fields) == ["reason"]
    assert (done.status, done.dismissal_reason) == (
        WarningStatus.DISMISSED,
        "同一工地，已联系劳动监察",
    )
    (record,) = _audited(AuditAction.WARNING_DISMISSED)
    assert record["details"]["reason"] == "同一工地，已联系劳动监察"


def test_a_director_of_another_district_may_not_act(tree: Tree, warning: EarlyWarning) -> None:
    with pytest.raises(NotPermitted):
        warnings.acknowledge(actor=tree.director_d2, warning=warning)

    warning.refresh_from_db()
    assert warning.status == WarningStatus.OPEN
    assert _audited(AuditAction.WARNING_ACKNOWLEDGED) == []


# --- The daily task --------------------------------------------------------------------------------


def test_the_run_is_a_daily_task_before_the_directors_day(tree: Tree) -> None:
    from cases.tasks import raise_early_warnings
    from mediation.celery import app

    for _ in range(5):
        case_at(tree, tree.k1)
    entry = app.conf.beat_schedule["raise-warnings"]

    assert entry["task"] == raise_early_warnings.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({6}, {15})
    assert raise_early_warnings() == {"raised": 1, "joined": 0}
    assert raise_early_warnings() == {"raised": 0, "joined": 0}
