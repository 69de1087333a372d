"""Retention (issue 22): retention periods per centre and category, the legal hold, and the daily
run that anonymises the cases past retention (docs/personal-data.md)."""

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.utils import timezone

from cases import personal_data
from cases.errors import CaseNotFound, FileRemoved, InvalidInput, NotPermitted
from cases.models import (
    AuditAction,
    AuditRecord,
    Case,
    Event,
    Note,
    Party,
    RetentionRule,
    Status,
)
from cases.queries.retention import Rules, add_years, retention_ends, retention_years
from cases.queries.search import matching
from cases.reports import monthly
from cases.services.anonymisation import anonymise_case, anonymise_parties
from cases.services.attachments import download_attachment, upload_attachment
from cases.services.cases import reveal_party
from cases.services.intake import PartyData
from cases.services.notes import write_note
from cases.services.parties import add_party, correct_party, remove_party
from cases.services.retention import anonymise_expired, set_legal_hold
from mediation.celery import app
from tests.attachment_files import pdf, upload, use_tmp_storage
from tests.factories import CategoryFactory, Tree, drive, register, seeded_category
from tests.reports import plain

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture(autouse=True)
def one_year(settings: Any) -> None:
    settings.RETENTION_YEARS = 1


@pytest.fixture
def files(settings: Any, tmp_path: Path) -> Path:
    return use_tmp_storage(settings, tmp_path)


def closed_case(tree: Tree, closed: datetime, **extra: Any) -> Case:
    """A case at S1 registered a month before ``closed`` and closed then (failed, then closed)."""
    case = register(actor=tree.intake_s1, centre=tree.s1, at=closed - timedelta(days=30), **extra)
    case = drive(
        case, Status.IN_MEDIATION, actor=tree.director_d1, mediator=tree.med_s1,
        at=closed - timedelta(days=29),
    )  # fmt: skip
    write_note(
        case=case, actor=tree.mediator_s1_user, kind="call", text="电话联系张三，住址光谷大道1号",
        happened_on=(closed - timedelta(days=20)).date(), at=closed - timedelta(days=20),
    )  # fmt: skip
    from cases import workflow

    for name, data in (("fail", {"guidance": "litigation", "note": "建议诉讼"}), ("close", {})):
        case = workflow.transition(
            case=case, name=name, actor=tree.director_d1, data=data, at=closed
        )
    return Case.objects.get(pk=case.pk)


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def facts(event: Mapping[str, Any]) -> dict[str, Any]:
    """An event's row but its values (``before``, ``after``): what anonymisation never changes."""
    return {key: value for key, value in event.items() if key not in ("before", "after")}


def stored_people(events: Sequence[Mapping[str, Any]], *words: str) -> list[str]:
    """The ``words`` still found in the events' stored values."""
    stored = json.dumps([[e["before"], e["after"]] for e in events], ensure_ascii=False)
    return [word for word in words if word in stored]


# --- Retention periods --------------------------------------------------------------------------


def test_the_nearest_centre_with_a_rule_wins_its_category_rule_before_its_general_one(
    tree: Tree,
) -> None:
    noise = seeded_category()
    assert noise.parent is not None
    case = register(actor=tree.director_c, centre=tree.k1, category=noise)
    assert retention_years(case) == 1  # RETENTION_YEARS

    RetentionRule.objects.create(centre=tree.c, years=5)
    assert retention_years(case) == 5
    RetentionRule.objects.create(centre=tree.d1, years=7)
    assert retention_years(case) == 7  # a nearer centre
    RetentionRule.objects.create(centre=tree.c, category=noise, years=3)
    assert retention_years(case) == 7  # a category rule further up does not beat a nearer centre
    RetentionRule.objects.create(centre=tree.d1, category=noise.parent, years=8)
    assert retention_years(case) == 8  # the main category covers its subcategories
    RetentionRule.objects.create(centre=tree.d1, category=noise, years=4)
    assert retention_years(case) == 4  # the case's own category before its main category
    RetentionRule.objects.create(centre=tree.s1, years=6)
    assert retention_years(case) == 6  # the nearest centre's general rule
    other = CategoryFactory.create(code="retention-other", name_zh="其他", name_en="Other")
    elsewhere = register(actor=tree.director_c, centre=tree.s2, category=other)
    assert retention_years(elsewhere) == 5  # only the city's general rule reaches it


def test_retention_ends_on_the_anniversary_of_closing_at_the_centre(tree: Tree) -> None:
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    case = closed_case(tree, datetime(2025, 3, 1, 17, 0, tzinfo=UTC))  # 01:00 in Wuhan
    assert retention_ends(case, Rules.load()) == date(2026, 3, 2)


# --- The run ------------------------------------------------------------------------------------


def snapshot() -> dict[str, Any]:
    return {
        "parties": sorted(tuple(model_to_dict(p).values()) for p in Party.objects.all()),
        "notes": sorted(Note.objects.values_list("pk", "text")),
        "events": Event.objects.count(),
        "audit": AuditRecord.objects.count(),
        "cases": sorted(Case.objects.values_list("pk", "version", "anonymised_at")),
    }


def test_the_run_anonymises_cases_past_retention_and_spares_held_and_recent_ones(
    tree: Tree,
) -> None:
    expired = closed_case(tree, ago(400))
    held = closed_case(tree, ago(400))
    set_legal_hold(case=held, actor=tree.director_d1, hold=True, reason="诉讼中，法院要求保全")
    recent = closed_case(tree, ago(300))
    open_case = register(actor=tree.intake_s1, centre=tree.s1, at=ago(800))

    before = snapshot()
    out = StringIO()
    call_command("anonymise_expired", "--dry-run", stdout=out)
    assert expired.number in out.getvalue()
    assert held.number not in out.getvalue() and recent.number not in out.getvalue()
    assert "1 case(s) would be anonymised" in out.getvalue()
    assert snapshot() == before  # a dry run writes nothing

    done = anonymise_expired()
    assert [c.number for c in done] == [expired.number]
    expired.refresh_from_db()
    assert expired.anonymised_at is not None
    names = dict(Party.objects.filter(case=expired).values_list("role", "name"))
    assert names == {"applicant": "申请人1", "respondent": "被申请人1"}
    records = AuditRecord.objects.filter(action=AuditAction.CASE_ANONYMISED)
    assert [(r.case_id, r.actor, r.details["parties"]) for r in records] == [(expired.pk, None, 2)]
    for untouched in (held, recent, open_case):
        assert set(Party.objects.filter(case=untouched).values_list("name", flat=True)) == {
            "张三",
            "李四",
        }
        assert Case.objects.get(pk=untouched.pk).anonymised_at is None
    # A second run finds nothing left; releasing the hold lets the next run take the case.
    assert anonymise_expired() == []
    set_legal_hold(case=held, actor=tree.admin, hold=False, reason="诉讼已结束")
    assert [c.number for c in anonymise_expired()] == [held.number]
    assert AuditRecord.objects.filter(action=AuditAction.CASE_ANONYMISED).count() == 2


def test_the_run_reads_the_cases_in_chunks_and_misses_none(tree: Tree) -> None:
    cases = [closed_case(tree, ago(400 + n)) for n in range(3)]
    done = anonymise_expired(chunk=1)
    # Oldest closing first, each once.
    assert [c.pk for c in done] == [c.pk for c in reversed(cases)]
    assert Case.objects.filter(anonymised_at__isnull=True).count() == 0


def test_a_shorter_period_for_a_category_brings_its_cases_forward(tree: Tree) -> None:
    case = closed_case(tree, ago(200))
    assert anonymise_expired() == []
    RetentionRule.objects.create(centre=tree.d1, category=case.category, years=1)
    RetentionRule.objects.create(centre=tree.c, years=30)
    assert anonymise_expired() == []  # still under a year
    case = closed_case(tree, ago(370))
    assert [c.number for c in anonymise_expired()] == [case.number]


def test_anonymisation_removes_personal_data_notes_and_files_and_keeps_the_case(
    tree: Tree, files: Path, django_capture_on_commit_callbacks: Any
) -> None:
    case = closed_case(tree, ago(400))
    attachment = upload_attachment(
        case=case, actor=tree.mediator_s1_user, file=upload("合同.pdf", pdf()), kind="contract"
    )
    stored = files / attachment.file.name
    assert stored.exists()
    phone_hash = personal_data.digest(personal_data.Kind.PHONE, "13812345678")
    assert Party.objects.filter(phone_hash=phone_hash).exists()
    assert matching(Case.objects.all(), "张三").filter(pk=case.pk).exists()
    case = Case.objects.get(pk=case.pk)
    changed = ("version", "updated_at", "anonymised_at")

    def fields() -> dict[str, Any]:
        row = Case.objects.filter(pk=case.pk).values().get()
        return {k: v for k, v in row.items() if k not in changed}

    kept_fields = fields()
    kept_events = list(Event.objects.filter(case=case).values())

    with django_capture_on_commit_callbacks(execute=True):
        assert [c.pk for c in anonymise_expired()] == [case.pk]

    after = Case.objects.get(pk=case.pk)
    assert fields() == kept_fields
    assert after.version == case.version + 1
    # The events are the same events (kind, time, author, centre, version), what they held of
    # the people masked in place, and one more says what was done (ids, no names).
    events = list(Event.objects.filter(case=case).values())
    assert [facts(e) for e in events[: len(kept_events)]] == [facts(e) for e in kept_events]
    assert [(e["name"], e["after"]["reason"]) for e in events[len(kept_events) :]] == [
        ("anonymise_parties", "retention")
    ]
    (registered,) = [e["after"] for e in events if e["name"] == "register"]
    assert registered["parties"] == [
        {"name": "申请人1", "role": "applicant", "kind": "person", "id_number": "***",
         "phone": "***"},
        {"name": "被申请人1", "role": "respondent", "kind": "person", "id_number": "",
         "phone": "***"},
    ]  # fmt: skip
    assert registered["number"] == case.number
    assert not stored_people(events, "张三", "李四", "138****5678", "420***********1237")
    for party in Party.objects.filter(case=case):
        assert party.name in {"申请人1", "被申请人1"}
        assert party.kind == "person" and party.role in {"applicant", "respondent"}
        for column in (
            "id_number_encrypted", "id_number_hash", "id_number_masked", "phone_encrypted",
            "phone_hash", "phone_masked", "phone_tail_hash", "address", "agent", "gender",
            "ethnicity", "document_type",
        ):  # fmt: skip
            assert getattr(party, column) == "", column
        assert party.birth_date is None and party.sms_consent is False
    assert not Party.objects.filter(phone_hash=phone_hash).exists()
    assert list(Note.objects.filter(case=case).values_list("text", flat=True)) == [""]
    # Not found by the old name, nor by the note's words.
    assert not matching(Case.objects.all(), "张三").filter(pk=case.pk).exists()
    assert not matching(Case.objects.all(), "光谷大道").filter(pk=case.pk).exists()
    # The file is gone from storage; its row stays, marked; a download says why.
    assert not stored.exists()
    attachment.refresh_from_db()
    assert attachment.removed_at == after.anonymised_at
    with pytest.raises(FileRemoved):
        download_attachment(attachment=attachment, actor=tree.director_d1)


def test_every_report_is_the_same_before_and_after_anonymisation(tree: Tree) -> None:
    cases = [closed_case(tree, ago(400)), closed_case(tree, ago(420))]
    months = sorted(
        {plain.month_of(m) for c in cases for m in (c.registered_at, c.closed_at) if m}
        | {plain.month_of(NOW)}
    )

    def reports() -> list[dict[str, Any]]:
        world = plain.World.load()
        found = []
        for centre in tree.centres:
            for scope in ("centre", "subtree"):
                for month in months:
                    got = monthly.report(centre, month, scope, now=NOW)
                    assert (
                        plain.differences(plain.report(world, centre, month, scope, NOW), got) == []
                    )
                    found.append({k: v for k, v in got.items() if k != "generated_at"})
        return found

    before = reports()
    assert len(anonymise_expired()) == 2
    assert reports() == before


# --- anonymise_parties: the entry point of an erasure --------------------------------------------


def test_anonymise_parties_takes_the_people_named_and_passes_cases_on_hold(tree: Tree) -> None:
    first = register(actor=tree.intake_s1, centre=tree.s1)
    second = register(actor=tree.intake_s1, centre=tree.s1)
    set_legal_hold(case=second, actor=tree.director_c, hold=True, reason="纪检调查")
    zhang = list(Party.objects.filter(name="张三", case__in=[first, second]))

    done = anonymise_parties(zhang, actor=tree.director_d1, reason="erasure")

    assert [c.pk for c in done.cases] == [first.pk] and [c.pk for c in done.held] == [second.pk]
    assert sorted(Party.objects.filter(case=first).values_list("name", flat=True)) == [
        "李四",
        "申请人1",
    ]
    assert Party.objects.filter(case=second, name="张三").exists()
    assert Case.objects.get(pk=first.pk).anonymised_at is None  # the case as a whole is not


def test_anonymising_one_person_masks_them_in_every_event_and_nobody_else(tree: Tree) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    wang = add_party(
        case=case, actor=tree.intake_s1, reason="漏登",
        data=PartyData(name="王五", role="respondent", phone="13700002222", address="解放大道9号"),
    )  # fmt: skip
    correct_party(party=wang, actor=tree.intake_s1, changes={"name": "王五一"}, reason="笔误")
    zhao = add_party(
        case=case,
        actor=tree.intake_s1,
        reason="误登",
        data=PartyData(name="赵六", role="respondent"),
    )
    remove_party(party=zhao, actor=tree.intake_s1, reason="误登")
    reveal_party(party=Party.objects.get(pk=wang.pk), actor=tree.director_d1)
    kept = list(Event.objects.filter(case=case).values())

    anonymise_parties([Party.objects.get(pk=wang.pk)], actor=tree.director_d1, reason="erasure")

    events = list(Event.objects.filter(case=case).values())
    assert [facts(e) for e in events[: len(kept)]] == [facts(e) for e in kept]
    by_name = {e["name"]: e for e in events}
    # 王五 (the second respondent) is 被申请人2 wherever the events named them ...
    assert [
        (e["after"]["name"], e["after"].get("address"), e["after"].get("phone"))
        for e in events if e["name"] == "add_party"
    ] == [("被申请人2", "***", "***"), ("赵六", None, None)]  # fmt: skip
    (corrected,) = [e for e in events if e["name"] == "correct_party"]
    assert (corrected["before"]["name"], corrected["after"]["name"]) == ("被申请人2", "被申请人2")
    assert corrected["after"]["reason"] == "笔误"
    assert by_name["reveal"]["after"] == {"party": wang.pk, "id_number": "", "phone": "***"}
    assert not stored_people(events, "王五", "解放大道", "137****2222")
    # ... and nobody else was touched: the others' names, the removed party's, the registration.
    assert by_name["register"] == next(e for e in kept if e["name"] == "register")
    assert by_name["remove_party"] == next(e for e in kept if e["name"] == "remove_party")
    assert by_name["anonymise_parties"]["after"] == {
        "parties": [wang.pk], "reason": "erasure", "events": 3
    }  # fmt: skip

    # The whole case at the end of retention: everyone ever named, the removed party too.
    anonymise_case(case, actor=None, reason="retention")
    events = list(Event.objects.filter(case=case).values())
    assert not stored_people(events, "张三", "李四", "赵六", "138****5678", "139****1111")
    (removed,) = [e for e in events if e["name"] == "remove_party"]
    assert removed["before"]["name"] == "***" and removed["after"] == {"reason": "误登"}


# --- The legal hold -----------------------------------------------------------------------------


def test_a_director_over_the_case_sets_and_releases_a_hold_with_a_reason(tree: Tree) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    for user in (tree.mediator_s1_user, tree.intake_s1, tree.observer_d1):
        with pytest.raises(NotPermitted):
            set_legal_hold(case=case, actor=user, hold=True, reason="x")
    with pytest.raises(CaseNotFound):
        set_legal_hold(case=case, actor=tree.director_d2, hold=True, reason="x")
    with pytest.raises(InvalidInput) as empty:
        set_legal_hold(case=case, actor=tree.director_d1, hold=True, reason=" ")
    assert list(empty.value.fields) == ["reason"]

    held = set_legal_hold(case=case, actor=tree.director_d1, hold=True, reason="涉诉保全")
    assert (held.legal_hold, held.legal_hold_reason, held.version) == (
        True,
        "涉诉保全",
        case.version + 1,
    )
    event = Event.objects.filter(case=case).latest("id")
    assert (event.name, event.after) == (
        "set_legal_hold",
        {"legal_hold": True, "reason": "涉诉保全"},
    )
    with pytest.raises(InvalidInput) as again:
        set_legal_hold(case=case, actor=tree.director_d1, hold=True, reason="再次")
    assert list(again.value.fields) == ["hold"]
    released = set_legal_hold(case=case, actor=tree.admin, hold=False, reason="已结案")
    assert (released.legal_hold, released.legal_hold_reason) == (False, "")
    assert Event.objects.filter(case=case).latest("id").name == "release_legal_hold"


def test_the_daily_run_is_on_beats_schedule() -> None:
    entry = app.conf.beat_schedule["anonymise-expired"]
    assert entry["task"] == "cases.tasks.anonymise_expired"
    from cases import tasks

    assert tasks.anonymise_expired_cases.name == entry["task"]
