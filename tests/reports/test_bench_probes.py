"""``make bench``'s figures of issue 24 on the small tree (the benchmark runs them on the 30k city):
P10 renders the city's report as its PDF, P11 runs the month's snapshots with their e-mails, and
each says what it did."""

import importlib.util
import io
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from pypdf import PdfReader

from cases.documents import report
from cases.models import Centre, ReportSnapshot, Status
from cases.reports import monthly
from tests.factories import Tree, drive, register

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def probe() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_probe", ROOT / "scripts" / "bench_probe.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_probe"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def march(tree: Tree) -> Iterator[Tree]:
    """Cases in February 2026, and the 1st of March: February is the last complete month."""
    with time_machine.travel(datetime(2026, 2, 10, 10, tzinfo=ZONE), tick=False):
        drive(
            register(actor=tree.admin, centre=tree.s1),
            Status.RESOLVED,
            actor=tree.admin,
            mediator=tree.med_s1,
        )
        register(actor=tree.admin, centre=tree.k1)
    with time_machine.travel(datetime(2026, 3, 1, 2, tzinfo=ZONE)):
        yield tree


def test_p11_dispatches_a_new_run_and_follows_it_to_the_last_e_mail(
    probe: ModuleType,
    march: Tree,
    django_capture_on_commit_callbacks: Callable[..., Any],
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The workers' e-mail backend, as make bench names it (scripts/ on the path).
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    sent = tmp_path / "sent.log"
    monkeypatch.setenv("BENCH_MAIL_LOG", str(sent))
    settings.EMAIL_BACKEND = "bench_mail.CountingBackend"

    with django_capture_on_commit_callbacks(execute=True):  # the tasks run eagerly here
        started = probe.cmd_monthly_start()
    status = probe.cmd_monthly_status(str(started["run"]))

    centres = Centre.objects.count()
    snapshots = ReportSnapshot.objects.filter(run_id=started["run"])
    assert started["dispatched"] == centres
    assert (status["centres"], status["snapshots"], snapshots.count()) == (centres,) * 3
    assert status["finished"] is True and status["owed"] == 0
    emailed = snapshots.filter(emailed_at__isnull=False).count()
    assert status["emailed_centres"] == emailed >= 3  # the city's and both districts' directors
    # Every message was built as SMTP would send it, its PDF in it, and none reached the outbox.
    sizes = [int(line) for line in sent.read_text().split()]
    assert len(sizes) >= emailed and min(sizes) > 10_000
    assert mail.outbox == []
    # Each measurement is a new version of the month.
    with django_capture_on_commit_callbacks(execute=True):
        assert probe.cmd_monthly_start()["version"] == started["version"] + 1


def test_p10_renders_the_city_report_as_its_pdf(probe: ModuleType, march: Tree) -> None:
    result = probe.cmd_pdf("1")
    assert result["month"] == "2026-02" and result["runs"] == 1
    assert result["pages"] >= 3 and result["kb"] > 0
    data = monthly.labelled(monthly.report(march.c, date(2026, 2, 1), "subtree"))
    assert len(PdfReader(io.BytesIO(report.to_pdf(data))).pages) == result["pages"]
