"""Cases for the similar-cases panel (issue 21): one open case at S1 and resolved cases around it
that differ in category, words, status and scope."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cases import workflow
from cases.models import Case, Category, Centre, Mediator, Status
from tests.factories import Tree, aware, category, drive, register

NOISE_SUMMARY = "楼上噪音扰民"
NOISE_FACTS = "楼上住户深夜装修，电钻声持续到凌晨，多次敲门协商未果。"
TERMS = "被申请人李四于三日内向申请人张三赔偿人民币伍佰元，联系电话13900001111，晚十点后不再施工。"


def resolved(
    tree: Tree,
    *,
    summary: str,
    facts: str = "",
    code: str = "noise",
    centre: Centre | None = None,
    mediator: Mediator | None = None,
    terms: str = TERMS,
    registered: datetime | None = None,
    days: int = 12,
) -> Case:
    """A case resolved with an agreement ``days`` after its registration."""
    centre = centre or tree.s1
    at = registered or aware(2026, 3, 2)
    case = register(
        actor=tree.admin,
        centre=centre,
        category=category(code),
        summary=summary,
        facts=facts,
        at=at,
    )
    done = at + timedelta(days=days)
    case = drive(
        case,
        Status.IN_MEDIATION,
        actor=tree.admin,
        mediator=mediator or tree.mediator_for(centre),
        at=done,
    )
    return workflow.transition(
        case=case,
        name="resolve",
        actor=tree.admin,
        data={"agreement": {"terms": terms, "amount_agreed": "500.00"}},
        at=done,
    )


@dataclass
class World:
    subject: Case  # open, in mediation at S1 (med_s1): the page the panel is on
    words: Case  # same category, shares 噪音 and 楼上
    bare: Case  # same category, shares no word
    sibling: Case  # water leaks (the parent's other sub-category), shares 楼上
    other: Case  # private loans, shares 噪音 and 装修
    unrelated: Case  # private loans, shares nothing: never similar
    open_twin: Case  # same category and text, still open: never
    failed_twin: Case  # same category and text, failed: never
    foreign_twin: Case  # same category and text, resolved at S2 (D2): outside D1's scope
    colleague_twin: Case  # same category and text, resolved at S1 by med_s1b

    @property
    def in_d1(self) -> list[Case]:
        """What D1's director sees, in order."""
        return [self.colleague_twin, self.words, self.bare, self.sibling, self.other]


def build(tree: Tree) -> World:
    noise: dict[str, Any] = {"summary": NOISE_SUMMARY, "facts": NOISE_FACTS}
    subject = drive(
        register(actor=tree.admin, centre=tree.s1, category=category("noise"), **noise),
        Status.IN_MEDIATION,
        actor=tree.admin,
        mediator=tree.med_s1,
    )
    assert Category.objects.get(code="water_leak").parent_id == subject.category.parent_id
    open_twin = register(actor=tree.admin, centre=tree.s1, category=category("noise"), **noise)
    failed_twin = drive(
        register(actor=tree.admin, centre=tree.s1, category=category("noise"), **noise),
        Status.FAILED,
        actor=tree.admin,
        mediator=tree.med_s1,
    )
    return World(
        subject=subject,
        words=resolved(tree, summary="邻居噪音", facts="楼上孩子跑跳", days=12),
        bare=resolved(tree, summary="小区绿化带", facts="物业未修剪", days=20),
        sibling=resolved(tree, code="water_leak", summary="楼上卫生间漏水", days=5),
        other=resolved(tree, code="loan", summary="装修噪音赔偿", facts="借款未还", days=30),
        unrelated=resolved(tree, code="loan", summary="借款逾期", facts="三万元借款未还"),
        open_twin=open_twin,
        failed_twin=failed_twin,
        foreign_twin=resolved(tree, centre=tree.s2, **noise),
        colleague_twin=resolved(tree, mediator=tree.med_s1b, **noise),
    )
