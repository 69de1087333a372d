"""Full-text search in Chinese (issue 21, "Search"): the words of summaries, facts, notes and
parties' names and addresses, segmented, found through ``CaseFilter``'s ``q`` as the list, the
API and the quick search use it; kept current in the transaction of each change; scoped."""

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from cases.models import Case, CaseSearch, NoteKind, PartyRole
from cases.queries.case_list import CaseFilter
from cases.queries.cases import cases_for
from cases.services.cases import edit_case
from cases.services.intake import PartyData
from cases.services.notes import write_note
from cases.services.parties import add_party, correct_party, remove_party
from tests.factories import APPLICANT, Tree, register

pytestmark = pytest.mark.django_db

ZHANG = PartyData(
    name="张三丰",
    role=PartyRole.APPLICANT,
    address="武汉市江岸区大智街道解放大道123号",
    phone="13800001234",
)


def found(text: str, cases: Any = None) -> set[str]:
    """The numbers of the cases ``q=text`` finds among ``cases`` (all by default)."""
    queryset = Case.objects.all() if cases is None else cases
    return set(CaseFilter({"q": text}, queryset=queryset).qs.values_list("number", flat=True))


@pytest.fixture
def noisy(tree: Tree) -> Case:
    return register(
        actor=tree.admin,
        centre=tree.s1,
        summary="楼上噪音扰民",
        facts="楼上住户深夜装修，电钻声持续到凌晨。",
        parties=[ZHANG, PartyData(name="李四", role=PartyRole.RESPONDENT)],
    )


@pytest.fixture
def debt(tree: Tree) -> Case:
    return register(actor=tree.admin, centre=tree.s1, summary="借款逾期未还", facts="借款三万元")


def test_a_word_inside_the_summary_is_found(noisy: Case, debt: Case) -> None:
    assert found("噪音") == {noisy.number}
    assert found("扰民") == {noisy.number}
    assert found("借款") == {debt.number}


def test_a_word_of_the_facts_is_found(noisy: Case, debt: Case) -> None:
    assert found("装修") == {noisy.number}
    assert found("凌晨") == {noisy.number}


def test_a_word_of_a_note_is_found(tree: Tree, noisy: Case, debt: Case) -> None:
    assert found("道歉") == set()
    write_note(case=debt, actor=tree.admin, kind=NoteKind.CALL, text="电话联系被申请人，已道歉。")
    assert found("道歉") == {debt.number}


def test_fragments_of_a_name_are_found(noisy: Case, debt: Case) -> None:
    assert found("张三丰") == {noisy.number}
    assert found("三丰") == {noisy.number}
    assert found("张三") == {noisy.number, debt.number}  # the factory's applicant is 张三
    assert found("丰") == {noisy.number}


def test_fragments_of_an_address_are_found(noisy: Case, debt: Case) -> None:
    assert found("大智") == {noisy.number}
    assert found("大智街") == {noisy.number}
    assert found("解放大道") == {noisy.number}
    assert found("江岸区") == {noisy.number}


def test_every_word_must_match(tree: Tree, noisy: Case, debt: Case) -> None:
    quiet = register(actor=tree.admin, centre=tree.s1, summary="噪音", facts="广场舞")
    assert found("噪音") == {noisy.number, quiet.number}
    assert found("噪音 装修") == {noisy.number}
    assert found("噪音 广场舞") == {quiet.number}
    assert found("噪音 借款") == set()


def test_no_word_finds_nothing(noisy: Case) -> None:
    assert found("，。！") == set()


def test_a_long_search_of_one_word_is_answered(noisy: Case) -> None:
    assert found("噪" * 200) == set()
    assert found("x" * 200) == set()


def test_the_index_follows_an_edit(tree: Tree, noisy: Case) -> None:
    edit_case(case=noisy, actor=tree.admin, changes={"summary": "邻居饲养宠物狗吠扰民"})
    assert found("噪音") == set()
    assert found("宠物") == {noisy.number}
    assert found("装修") == {noisy.number}  # the facts did not change


def test_the_index_follows_the_parties(tree: Tree, noisy: Case) -> None:
    zhang = noisy.parties.get(name="张三丰")
    correct_party(party=zhang, actor=tree.admin, changes={"name": "欧阳修文"}, reason="写错")
    assert found("三丰") == set()
    assert found("阳修") == {noisy.number}
    added = add_party(
        case=noisy,
        actor=tree.admin,
        data=PartyData(name="司马光", role=PartyRole.RESPONDENT, address="黄陂区前川街道"),
        reason="追加",
    )
    assert found("司马") == found("前川") == {noisy.number}
    remove_party(party=added, actor=tree.admin, reason="登记错误")
    assert found("司马") == found("前川") == set()


class Undone(Exception):
    pass


def test_the_index_changes_in_the_same_transaction(tree: Tree, noisy: Case) -> None:
    with pytest.raises(Undone), transaction.atomic():
        write_note(case=noisy, actor=tree.admin, kind=NoteKind.VISIT, text="上门调查邻居")
        edit_case(case=noisy, actor=tree.admin, changes={"summary": "宠物"})
        # Within the change's transaction: already found by its words.
        assert found("调查") == found("宠物") == {noisy.number}
        raise Undone
    # Rolled back: neither indexed.
    assert found("调查") == found("宠物") == set()
    assert found("噪音") == {noisy.number}


def test_a_corrected_note_is_found_by_its_correction_only(tree: Tree, noisy: Case) -> None:
    wrong = write_note(case=noisy, actor=tree.admin, kind=NoteKind.CALL, text="对方同意赔偿")
    write_note(
        case=noisy, actor=tree.admin, kind=NoteKind.CALL, text="对方拒绝赔偿", corrects=wrong
    )
    assert found("拒绝") == {noisy.number}
    assert found("同意") == set()


def test_more_matches_rank_first(tree: Tree, noisy: Case) -> None:
    many = register(
        actor=tree.admin,
        centre=tree.s1,
        summary="噪音噪音",
        facts="夜间噪音，白天也有噪音，噪音超标。",
    )
    write_note(case=many, actor=tree.admin, kind=NoteKind.CALL, text="测量噪音")
    ranked = CaseFilter({"q": "噪音"}, queryset=Case.objects.all()).qs.order_by("-search_rank")
    assert [case.number for case in ranked] == [many.number, noisy.number]


def test_a_case_outside_the_scope_is_neither_found_nor_counted(tree: Tree, noisy: Case) -> None:
    elsewhere = register(actor=tree.admin, centre=tree.s2, summary="楼上噪音扰民")
    assert found("噪音") == {noisy.number, elsewhere.number}
    visible = cases_for(tree.intake_s1)
    assert found("噪音", visible) == {noisy.number}
    assert CaseFilter({"q": "噪音"}, queryset=visible).qs.count() == 1


def test_numbers_phones_and_id_numbers_are_still_searched_as_such(noisy: Case, debt: Case) -> None:
    assert found(noisy.number) == {noisy.number}
    assert found("138 0000 1234") == {noisy.number}
    assert found(APPLICANT.id_number) == {debt.number}


def test_rebuild_search_index_writes_every_document(noisy: Case, debt: Case) -> None:
    CaseSearch.objects.all().delete()
    assert found("噪音") == found("借款") == set()
    out = StringIO()
    call_command("rebuild_search_index", "--batch", "1", stdout=out, stderr=StringIO())
    assert "2 cases" in out.getvalue()
    assert found("噪音") == {noisy.number}
    assert found("三丰") == {noisy.number}
    assert found("借款") == {debt.number}
    CaseSearch.objects.filter(case=debt).delete()
    call_command("rebuild_search_index", "--missing", stdout=out, stderr=StringIO())
    assert "search documents of 1 cases" in out.getvalue()
    assert found("借款") == {debt.number}
