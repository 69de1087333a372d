"""Month-end snapshots (Celery eager, as in the test settings): one per centre per run, with the
report's figures; regenerating gives a new version with the same figures; snapshots cannot be
changed; each centre's directors get one e-mail with the PDF; retries write and send nothing twice;
``build_reports``; the beat entry."""

import io
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from cases.documents.report import pdf_attachment
from cases.models import (
    Centre,
    Membership,
    ReportRun,
    ReportSnapshot,
    Role,
    Status,
)
from cases.models.reports import SnapshotImmutable
from cases.reports import monthly
from cases.services import snapshots
from cases.tasks import report_generate, report_monthly_run
from mediation.celery import app
from tests.factories import MembershipFactory, Tree, UserFactory, drive, register

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Asia/Shanghai")
FEBRUARY = date(2026, 2, 1)
# What the schedule does: 02:00 on the 1st, for the month before.
FIRST_OF_MARCH = datetime(2026, 3, 1, 2, 0, tzinfo=ZONE)


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    """A report's content without the moment it was computed."""
    return {key: value for key, value in data.items() if key != "as_of"}


@pytest.fixture
def february(tree: Tree) -> Tree:
    """The small tree with cases received and concluded in February 2026."""
    admin = tree.admin
    with time_machine.travel(datetime(2026, 2, 9, 9, 0, tzinfo=ZONE)):
        drive(
            register(actor=admin, centre=tree.s1),
            Status.RESOLVED,
            actor=admin,
            mediator=tree.med_s1,
        )
        drive(
            register(actor=admin, centre=tree.s1), Status.FAILED, actor=admin, mediator=tree.med_s1
        )
        drive(
            register(actor=admin, centre=tree.s2),
            Status.IN_MEDIATION,
            actor=admin,
            mediator=tree.med_s2,
        )
        register(actor=admin, centre=tree.k1)
        register(actor=admin, centre=tree.d2)
    return tree


@pytest.fixture
def march_first(february: Tree) -> Iterator[Tree]:
    with time_machine.travel(FIRST_OF_MARCH):
        yield february


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """``with commit():`` runs what waits for a commit (the e-mails) at the end of the block, as
    the commits of production would (the test's own transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def quick_pdf(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """PDFs that cost nothing, for tests about something else; records the language of each."""
    from django.utils import translation

    made: list[str] = []

    def to_pdf(data: dict[str, Any]) -> bytes:
        made.append(translation.get_language() or "")
        return b"%PDF-1.7 test"

    monkeypatch.setattr("cases.documents.report.to_pdf", to_pdf)
    return made


def directors_by_centre(tree: Tree) -> dict[str, Any]:
    return {
        tree.c.code: tree.director_c,
        tree.d1.code: tree.director_d1,
        tree.d2.code: tree.director_d2,
    }


# --- The run ---------------------------------------------------------------------------------------


def test_the_schedule_keeps_one_snapshot_per_centre_with_its_report(
    march_first: Tree, quick_pdf: list[str], commit: Callable[[], Any]
) -> None:
    with commit():
        run = ReportRun.objects.get(pk=report_monthly_run.delay().get())

    assert (run.month, run.version, run.requested_by) == (FEBRUARY, 1, None)
    assert run.finished_at is not None
    assert run.centres == Centre.objects.count() == len(march_first.centres)
    snapshots_ = {s.centre_id: s for s in ReportSnapshot.objects.filter(run=run)}
    assert set(snapshots_) == {c.pk for c in march_first.centres}
    for centre in march_first.centres:
        snapshot = snapshots_[centre.pk]
        assert (snapshot.month, snapshot.version) == (FEBRUARY, 1)
        assert snapshot.generated_at == datetime.fromisoformat(snapshot.data["as_of"])
        assert comparable(snapshot.data) == comparable(monthly.report(centre, FEBRUARY))
    city = snapshots_[march_first.c.pk].data
    assert city["scope"] == "subtree" and city["live"] is False
    assert city["figures"]["received"] == 5
    assert (city["figures"]["resolved"], city["figures"]["failed"]) == (1, 1)
    # S1's subtree: its two cases and K1's.
    assert snapshots_[march_first.s1.pk].data["figures"]["received"] == 3


def test_the_schedule_runs_a_month_once(
    march_first: Tree, quick_pdf: list[str], commit: Callable[[], Any]
) -> None:
    """A beat tick delivered twice finds the month's run there: no second version, no e-mail."""
    with commit():
        first = report_monthly_run.delay().get()
    sent = len(mail.outbox)
    with commit():
        assert report_monthly_run.delay("2026-02").get() == first
    assert ReportRun.objects.count() == 1
    assert ReportSnapshot.objects.count() == len(march_first.centres)
    assert len(mail.outbox) == sent == 3


def test_regenerating_gives_a_new_version_with_the_same_figures(
    march_first: Tree, quick_pdf: list[str], commit: Callable[[], Any]
) -> None:
    first = ReportRun.objects.get(pk=report_monthly_run.delay().get())
    with time_machine.travel(datetime(2026, 3, 20, 15, 0, tzinfo=ZONE)), commit():
        second = snapshots.start_run(FEBRUARY, requested_by=march_first.admin)
        snapshots.complete(second)
    second.refresh_from_db()

    assert (second.version, second.requested_by) == (2, march_first.admin)
    assert second.finished_at is not None and second.finished_at > first.finished_at  # type: ignore[operator]
    old = {s.centre_id: s for s in first.snapshots.all()}
    new = {s.centre_id: s for s in second.snapshots.all()}
    assert set(old) == set(new)
    for centre_id, snapshot in new.items():
        assert snapshot.version == 2
        assert snapshot.generated_at > old[centre_id].generated_at
        assert snapshot.data["as_of"] != old[centre_id].data["as_of"]
        for part in ("figures", "previous_month", "same_month_last_year", "breakdowns"):
            assert snapshot.data[part] == old[centre_id].data[part], part
        assert comparable(snapshot.data) == comparable(old[centre_id].data)
    # The first version is kept as it was.
    assert first.snapshots.count() == len(march_first.centres)


def test_a_month_not_over_has_no_snapshot(march_first: Tree) -> None:
    for month in (date(2026, 3, 1), date(2026, 4, 1)):
        with pytest.raises(ValueError, match="not over"):
            snapshots.start_run(month)
        with pytest.raises(ValueError, match="not over"):
            snapshots.scheduled_run(month)
    assert not ReportRun.objects.exists()


# --- Immutable -------------------------------------------------------------------------------------


def test_a_snapshot_cannot_be_changed_or_deleted(march_first: Tree, quick_pdf: list[str]) -> None:
    report_monthly_run.delay().get()
    snapshot = ReportSnapshot.objects.get(centre=march_first.c)
    kept = (snapshot.data, snapshot.generated_at, snapshot.version)

    snapshot.data = {**snapshot.data, "figures": {"received": 999}}
    with pytest.raises(SnapshotImmutable):
        snapshot.save()
    with pytest.raises(SnapshotImmutable):
        snapshot.save(update_fields=["data", "emailed_at"])
    with pytest.raises(SnapshotImmutable):
        ReportSnapshot.objects.filter(pk=snapshot.pk).update(data={})
    with pytest.raises(SnapshotImmutable):
        snapshot.delete()
    with pytest.raises(SnapshotImmutable):
        ReportSnapshot.objects.filter(pk=snapshot.pk).delete()

    snapshot.refresh_from_db()
    assert (snapshot.data, snapshot.generated_at, snapshot.version) == kept
    assert ReportSnapshot.objects.count() == len(march_first.centres)


def test_the_admin_shows_snapshots_and_runs_read_only(
    march_first: Tree, quick_pdf: list[str]
) -> None:
    report_monthly_run.delay().get()
    snapshot = ReportSnapshot.objects.get(centre=march_first.c)
    client = Client()
    client.force_login(march_first.admin)
    for name, obj in (("reportsnapshot", snapshot), ("reportrun", snapshot.run)):
        assert client.get(reverse(f"admin:cases_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:cases_{name}_add")).status_code == 403
        page = client.get(reverse(f"admin:cases_{name}_change", args=[obj.pk]))
        assert page.status_code == 200
        assert "<textarea" not in page.content.decode()
        assert 'name="_save"' not in page.content.decode()
        delete = client.post(reverse(f"admin:cases_{name}_delete", args=[obj.pk]), {"post": "yes"})
        assert delete.status_code == 403
    assert ReportSnapshot.objects.filter(pk=snapshot.pk).exists()


# --- E-mail ----------------------------------------------------------------------------------------


def test_each_director_gets_one_email_with_the_report(
    march_first: Tree, quick_pdf: list[str], commit: Callable[[], Any]
) -> None:
    """Directors of each centre (not its observers, not other centres' directors), in Chinese."""
    with commit():
        report_monthly_run.delay().get()

    by_address = {message.to[0]: message for message in mail.outbox}
    assert len(mail.outbox) == len(by_address) == 3
    for code, director in directors_by_centre(march_first).items():
        message = by_address[director.email]
        centre = Centre.objects.get(code=code)
        assert centre.name_zh in message.subject and "2026-02" in message.subject
        resolved = ReportSnapshot.objects.get(centre=centre).data["figures"]["resolved"]
        assert f"调解成功：{resolved}" in message.body
        assert message.attachments == [
            (f"report-{code}-2026-02-subtree.pdf", b"%PDF-1.7 test", "application/pdf")
        ]
    assert march_first.observer_d1.email not in by_address
    assert quick_pdf == ["zh-hans"] * 3
    emailed = ReportSnapshot.objects.filter(emailed_at__isnull=False)
    assert set(emailed.values_list("centre__code", flat=True)) == set(
        directors_by_centre(march_first)
    )


def test_the_attachment_is_the_report_as_a_pdf(
    march_first: Tree, commit: Callable[[], Any]
) -> None:
    Membership.objects.filter(role=Role.DIRECTOR).exclude(centre=march_first.d1).delete()
    with commit():
        report_monthly_run.delay().get()

    [message] = mail.outbox
    assert message.to == [march_first.director_d1.email]
    [(name, content, mimetype)] = message.attachments
    assert (name, mimetype) == ("report-JA-2026-02-subtree.pdf", "application/pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "2026-02" in text and march_first.d1.name_zh in text


def test_the_email_is_in_the_directors_language(
    march_first: Tree, quick_pdf: list[str], settings: Any, commit: Callable[[], Any]
) -> None:
    settings.LANGUAGE_CODE = "en"
    with commit():
        report_monthly_run.delay().get()

    message = next(m for m in mail.outbox if m.to == [march_first.director_d1.email])
    assert march_first.d1.name_en in message.subject
    assert march_first.d1.name_zh not in message.subject
    assert "Resolved: " in message.body
    assert quick_pdf == ["en", "en", "en"]


def test_the_email_follows_the_language_each_director_chose(
    march_first: Tree, quick_pdf: list[str], commit: Callable[[], Any]
) -> None:
    from cases.services.preferences import update_settings

    update_settings(user=march_first.director_d1, language="en")
    with commit():
        report_monthly_run.delay().get()

    english = next(m for m in mail.outbox if m.to == [march_first.director_d1.email])
    assert march_first.d1.name_en in english.subject and "Resolved: " in english.body
    chinese = next(m for m in mail.outbox if m.to == [march_first.director_c.email])
    assert march_first.c.name_zh in chinese.subject and "调解成功：" in chinese.body
    assert sorted(quick_pdf) == ["en", "zh-hans", "zh-hans"]


def test_directors_without_an_address_or_inactive_get_nothing(
    march_first: Tree, quick_pdf: list[str], commit: Callable[[], Any]
) -> None:
    no_address = MembershipFactory.create(
        centre=march_first.s1, role=Role.DIRECTOR, user=UserFactory.create(email="")
    ).user
    gone = MembershipFactory.create(
        centre=march_first.s1, role=Role.DIRECTOR, user=UserFactory.create(is_active=False)
    ).user
    present = MembershipFactory.create(centre=march_first.s1, role=Role.DIRECTOR).user

    with commit():
        report_monthly_run.delay().get()

    to_s1 = [m for m in mail.outbox if march_first.s1.name_zh in m.subject]
    assert [m.to for m in to_s1] == [[present.email]]
    assert {gone.email, no_address.email}.isdisjoint(m.to[0] for m in mail.outbox)


# --- Retries ---------------------------------------------------------------------------------------


def test_a_chunk_run_twice_writes_nothing_twice_and_sends_nothing_twice(
    march_first: Tree, quick_pdf: list[str], commit: Callable[[], Any]
) -> None:
    run = snapshots.start_run(FEBRUARY)
    ids = [c.pk for c in march_first.centres]

    with commit():
        assert report_generate.delay(run.pk, ids).get() == len(ids)
    first = {s.pk: (s.generated_at, s.emailed_at) for s in run.snapshots.all()}
    assert len(mail.outbox) == 3

    with commit():
        assert report_generate.delay(run.pk, ids).get() == 0
        assert snapshots.generate(run, ids) == 0
        assert snapshots.send_emails(list(first), pdf_attachment) == 0
        snapshots.complete(run)

    assert {s.pk: (s.generated_at, s.emailed_at) for s in run.snapshots.all()} == first
    assert len(mail.outbox) == 3
    run.refresh_from_db()
    assert run.finished_at is not None


def test_a_duplicate_that_loses_the_race_writes_nothing(
    march_first: Tree, quick_pdf: list[str]
) -> None:
    """The insert of a snapshot another worker has just written fails on (run, centre) and is
    dropped: the chunk goes on."""
    run = snapshots.start_run(FEBRUARY)
    snapshots.generate(run, [march_first.s1.pk])
    kept = ReportSnapshot.objects.get(run=run, centre=march_first.s1)

    assert snapshots._write_snapshot(run, march_first.s1) is False
    assert list(ReportSnapshot.objects.filter(run=run, centre=march_first.s1)) == [kept]


def test_a_failing_chunk_is_retried_and_finishes_once(
    march_first: Tree,
    quick_pdf: list[str],
    monkeypatch: pytest.MonkeyPatch,
    commit: Callable[[], Any],
) -> None:
    """The third centre's report fails once: the task is retried, writing only what is missing."""
    real, calls = snapshots.report, []

    def flaky(centre: Centre, month: date, *args: Any, **kwargs: Any) -> dict[str, Any]:
        calls.append(centre.pk)
        if len(calls) == 3:
            raise ConnectionError("database went away")
        return real(centre, month, *args, **kwargs)

    monkeypatch.setattr(snapshots, "report", flaky)
    run = snapshots.scheduled_run(FEBRUARY)
    # Eager tasks retry in place only when their errors are not propagated at once.
    propagates, app.conf.task_eager_propagates = app.conf.task_eager_propagates, False
    try:
        with commit():
            snapshots.complete(run)
    finally:
        app.conf.task_eager_propagates = propagates

    run.refresh_from_db()
    assert run.finished_at is not None
    assert run.snapshots.count() == len(march_first.centres)
    # Every centre computed once, the failed one twice; nobody e-mailed twice.
    assert len(calls) == len(march_first.centres) + 1
    assert len(mail.outbox) == 3


def test_complete_finishes_an_interrupted_run(
    march_first: Tree, quick_pdf: list[str], commit: Callable[[], Any]
) -> None:
    """A run whose worker died half-way: calling ``complete`` again dispatches only the rest,
    and sends the e-mails that were lost with the worker."""
    run = snapshots.start_run(FEBRUARY)
    half = [march_first.c.pk, march_first.d1.pk, march_first.s1.pk]
    snapshots.generate(run, half)
    # The worker died after writing these three, before their e-mails went out.
    ReportSnapshot.objects.filter(run=run).update(emailed_at=None)
    mail.outbox.clear()
    run.refresh_from_db()
    assert run.finished_at is None

    with commit():
        assert snapshots.complete(run) == len(march_first.centres) - 3

    run.refresh_from_db()
    assert run.finished_at is not None
    assert run.centres == run.snapshots.count() == len(march_first.centres)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        d.email for d in directors_by_centre(march_first).values()
    )
    with commit():
        assert snapshots.complete(run) == 0
    assert len(mail.outbox) == 3


# --- build_reports ---------------------------------------------------------------------------------


def test_build_reports_makes_a_run_in_the_foreground(
    march_first: Tree, quick_pdf: list[str], commit: Callable[[], Any]
) -> None:
    out = io.StringIO()
    with commit():
        call_command("build_reports", "--month", "2026-02", stdout=out)
    with commit():
        call_command("build_reports", stdout=out)  # the previous month by default

    runs = list(ReportRun.objects.order_by("version"))
    assert [(r.month, r.version) for r in runs] == [(FEBRUARY, 1), (FEBRUARY, 2)]
    assert all(r.finished_at is not None for r in runs)
    centres = len(march_first.centres)
    text = out.getvalue()
    assert f"2026-02 version 1: {centres} snapshots written for {centres} centres" in text
    assert f"2026-02 version 2: {centres} snapshots written for {centres} centres" in text
    assert "Directors e-mailed for 3 centres" in text
    assert len(mail.outbox) == 6


def test_build_reports_resume_finishes_the_latest_run(
    march_first: Tree, quick_pdf: list[str], commit: Callable[[], Any]
) -> None:
    run = snapshots.start_run(FEBRUARY)
    with commit():
        snapshots.generate(run, [march_first.c.pk, march_first.d1.pk])
    out = io.StringIO()
    with commit():
        call_command("build_reports", "--month", "2026-02", "--resume", stdout=out)

    run.refresh_from_db()
    assert run.finished_at is not None
    assert ReportRun.objects.count() == 1
    assert run.snapshots.count() == len(march_first.centres)
    rest = len(march_first.centres) - 2
    assert f"2026-02 version 1: {rest} snapshots written for {rest} centres; finished." in (
        out.getvalue()
    )
    assert len(mail.outbox) == 3
    with pytest.raises(CommandError, match="--resume: 2026-01 has no run"):
        call_command("build_reports", "--month", "2026-01", "--resume", stdout=out)


@pytest.mark.parametrize("month", ["2026-13", "26-02", "February", "2026-03", "2027-01"])
def test_build_reports_refuses_a_bad_month(march_first: Tree, month: str) -> None:
    with pytest.raises(CommandError, match="--month"):
        call_command("build_reports", "--month", month, stdout=io.StringIO())
    assert not ReportRun.objects.exists()


# --- The schedule ----------------------------------------------------------------------------------


def test_the_monthly_run_is_scheduled_at_two_on_the_first_in_shanghai() -> None:
    entry = app.conf.beat_schedule["monthly-reports"]
    schedule = entry["schedule"]
    assert entry["task"] == report_monthly_run.name
    assert isinstance(schedule, crontab)
    assert str(app.conf.timezone) == "Asia/Shanghai"
    last_run = datetime(2026, 2, 1, 2, 0, tzinfo=ZONE)
    with time_machine.travel(datetime(2026, 2, 15, 12, 0, tzinfo=ZONE), tick=False):
        next_run = schedule.now() + schedule.remaining_estimate(last_run)
        assert next_run == FIRST_OF_MARCH
    with time_machine.travel(datetime(2026, 3, 1, 1, 59, tzinfo=ZONE), tick=False):
        assert not schedule.is_due(last_run).is_due
    with time_machine.travel(datetime(2026, 3, 1, 2, 0, 5, tzinfo=ZONE), tick=False):
        assert schedule.is_due(last_run).is_due
    # The report tasks go to their own queue, and their e-mails to another (issue 15).
    for task in ("report_monthly_run", "report_generate"):
        route = app.amqp.router.route({}, f"cases.tasks.{task}")
        assert route["queue"].name == "reports"
    assert app.amqp.router.route({}, "cases.tasks.report_email")["queue"].name == "report_emails"
