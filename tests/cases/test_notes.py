"""Case notes (issue 19): a dated record written by the case's people, corrected by new notes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.errors import CaseNotFound, InvalidInput, NotPermitted
from cases.models import Case, Event, EventKind, Note, Status
from cases.queries.notes import case_notes
from cases.services.notes import mentioned_usernames, write_note
from tests.factories import Tree, UserFactory, drive, register

pytestmark = pytest.mark.django_db


def s1_case(tree: Tree) -> Case:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    return drive(case, Status.IN_MEDIATION, actor=tree.director_d1, mediator=tree.med_s1)


def test_a_note_is_stored_with_its_author_and_writes_one_event_without_the_text(
    tree: Tree,
) -> None:
    case = s1_case(tree)
    version, events = case.version, Event.objects.filter(case=case).count()
    yesterday = timezone.localdate() - timedelta(days=1)

    note = write_note(
        case=case, actor=tree.mediator_s1_user, kind="call", text=" 电话联系被申请人 ",
        happened_on=yesterday,
    )  # fmt: skip

    note.refresh_from_db()
    assert (note.kind, note.text, note.happened_on) == ("call", "电话联系被申请人", yesterday)
    assert note.author == tree.mediator_s1_user and note.corrects is None
    assert Event.objects.filter(case=case).count() == events + 1
    event = Event.objects.filter(case=case).latest("id")
    assert (event.kind, event.name, event.actor) == (EventKind.NOTE, "write_note", note.author)
    assert event.after == {"note": note.pk, "kind": "call", "happened_on": yesterday.isoformat()}
    assert "电话" not in str(event.after)  # the text may hold personal data: not in the audit
    case.refresh_from_db()
    assert case.version == version  # like a session: the case itself is not edited


def test_the_date_defaults_to_today_and_may_not_be_in_the_future(tree: Tree) -> None:
    case = s1_case(tree)
    note = write_note(case=case, actor=tree.director_d1, kind="visit", text="上门走访")
    assert note.happened_on == timezone.localdate()

    with pytest.raises(InvalidInput) as refused:
        write_note(
            case=case, actor=tree.director_d1, kind="visit", text="明天",
            happened_on=timezone.localdate() + timedelta(days=2),
        )  # fmt: skip
    assert set(refused.value.fields) == {"happened_on"}


def test_bad_kind_and_empty_text_are_named(tree: Tree) -> None:
    case = s1_case(tree)
    with pytest.raises(InvalidInput) as refused:
        write_note(case=case, actor=tree.director_d1, kind="gossip", text="   ")
    assert set(refused.value.fields) == {"kind", "text"}
    assert not Note.objects.filter(case=case).exists()


def test_a_correction_references_the_old_note_which_stays_as_written(tree: Tree) -> None:
    case = s1_case(tree)
    first = write_note(case=case, actor=tree.mediator_s1_user, kind="call", text="约定周二调解")

    fixed = write_note(
        case=case, actor=tree.director_d1, kind="call", text="约定周三调解", corrects=first
    )

    first.refresh_from_db()
    assert first.text == "约定周二调解" and first.author == tree.mediator_s1_user
    assert first.corrected_by == fixed and fixed.corrects == first
    assert Event.objects.filter(case=case, name="write_note").latest("id").after["corrects"] == (
        first.pk
    )
    # Both remain; the list reads newest first.
    assert list(case_notes(tree.observer_d1, case)) == [fixed, first]


def test_a_note_is_corrected_once_then_its_correction_is(tree: Tree) -> None:
    case = s1_case(tree)
    first = write_note(case=case, actor=tree.director_d1, kind="other", text="一")
    second = write_note(case=case, actor=tree.director_d1, kind="other", text="二", corrects=first)

    with pytest.raises(InvalidInput) as refused:
        write_note(case=case, actor=tree.director_d1, kind="other", text="三", corrects=first)
    assert set(refused.value.fields) == {"corrects"}

    third = write_note(case=case, actor=tree.director_d1, kind="other", text="三", corrects=second)
    assert third.corrects == second


def test_a_note_of_another_case_cannot_be_corrected(tree: Tree) -> None:
    case, other = s1_case(tree), s1_case(tree)
    foreign = write_note(case=other, actor=tree.director_d1, kind="call", text="另一案件")
    with pytest.raises(InvalidInput) as refused:
        write_note(case=case, actor=tree.director_d1, kind="call", text="更正", corrects=foreign)
    assert set(refused.value.fields) == {"corrects"}


@pytest.mark.parametrize("who", ["mediator_s1_user", "director_d1", "director_c", "intake_s1"])
def test_the_cases_people_may_write(tree: Tree, who: str) -> None:
    case = s1_case(tree)
    write_note(case=case, actor=getattr(tree, who), kind="consultation", text="咨询")
    assert Note.objects.filter(case=case).count() == 1


def test_an_observer_reads_but_may_not_write(tree: Tree) -> None:
    case = s1_case(tree)
    events = Event.objects.count()
    with pytest.raises(NotPermitted):
        write_note(case=case, actor=tree.observer_d1, kind="call", text="只读")
    assert Event.objects.count() == events and not Note.objects.exists()


def test_a_mediator_who_sees_an_unassigned_case_in_the_queue_may_not_write(tree: Tree) -> None:
    queued = register(actor=tree.intake_s1, centre=tree.s1)  # no lead mediator yet
    with pytest.raises(NotPermitted):
        write_note(case=queued, actor=tree.mediator_s1b_user, kind="call", text="不是本案调解员")
    assert not Note.objects.exists()


def test_out_of_scope_is_not_found(tree: Tree) -> None:
    case = s1_case(tree)
    with pytest.raises(CaseNotFound):
        write_note(case=case, actor=tree.director_d2, kind="call", text="越权")


def test_mentions_of_users_who_see_the_case_are_stored(tree: Tree) -> None:
    case = s1_case(tree)
    text = f"已告知 @{tree.director_d1.username}，抄送 @{tree.intake_s1.username}。邮箱 a@b.cn"
    note = write_note(case=case, actor=tree.mediator_s1_user, kind="call", text=text)
    assert set(note.mentions.all()) == {tree.director_d1, tree.intake_s1}
    event = Event.objects.filter(case=case).latest("id")
    assert sorted(event.after["mentions"]) == sorted(
        [tree.director_d1.username, tree.intake_s1.username]
    )


def test_mentioning_someone_who_may_not_see_the_case_or_no_one_is_refused(tree: Tree) -> None:
    case = s1_case(tree)
    inactive = UserFactory.create(is_active=False)
    for name in (tree.director_d2.username, "nobody-here", inactive.username):
        with pytest.raises(InvalidInput) as refused:
            write_note(case=case, actor=tree.director_d1, kind="call", text=f"告知 @{name}")
        assert set(refused.value.fields) == {"text"}
        assert f"@{name}" in refused.value.fields["text"][0]
    assert not Note.objects.filter(case=case).exists()


def test_mentions_are_read_from_text() -> None:
    assert mentioned_usernames("@li.ming 与 @wang_2明天到场，@li.ming。mail x@y.cn") == [
        "li.ming",
        "wang_2",
    ]
