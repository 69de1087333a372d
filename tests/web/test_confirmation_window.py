"""The judicial confirmation window (People's Mediation Law art. 33) on the web: the days left on
the case page's agreement section, and the due list of windows closing."""

import html
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from cases import workflow
from cases.models import Agreement, Centre, JudicialConfirmation, Status
from cases.services.agreements import record_judicial_confirmation
from tests.factories import Tree, agreement_data, aware, drive, register

pytestmark = pytest.mark.django_db

DUE = reverse("web:due")
NOW = aware(2026, 6, 1, 10, 0)
TODAY = date(2026, 6, 1)
ClientFor = Callable[..., Client]


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    """Today is 1 June 2026 (Asia/Shanghai)."""
    with time_machine.travel(NOW, tick=False):
        yield


def agreement(tree: Tree, *, effective_days_ago: int, centre: Centre | None = None) -> Agreement:
    """A case resolved today with an agreement that took effect ``effective_days_ago``."""
    centre = centre or tree.s1
    at = NOW - timedelta(days=70)
    case = drive(
        register(actor=tree.admin, centre=centre, at=at),
        Status.IN_MEDIATION,
        actor=tree.admin,
        mediator=tree.mediator_for(centre),
        at=at,
    )
    effective = TODAY - timedelta(days=effective_days_ago)
    case = workflow.transition(
        case=case,
        name="resolve",
        actor=tree.admin,
        data=agreement_data(signed_on=effective, effective_on=effective),
        at=NOW,
    )
    return Agreement.objects.get(case=case)


def apply(tree: Tree, found: Agreement, status: str = JudicialConfirmation.APPLIED) -> None:
    ruled = status != JudicialConfirmation.APPLIED
    record_judicial_confirmation(
        agreement=found,
        actor=tree.admin,
        status=status,
        applied_on=found.effective_on,
        ruling_number="（2026）鄂0102民特12号" if ruled else "",
        ruling_on=TODAY if ruled else None,
    )


def section(client: Client, found: Agreement) -> str:
    """The case page's agreement section, as text."""
    response = client.get(reverse("web:case_detail", args=[found.case_id]))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    return page.split('<section id="agreement"', 1)[1].split("</section>", 1)[0]


# --- The case page ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_ago", "english", "chinese"),
    [
        (
            10,
            "The parties may apply to the court for judicial confirmation until 2026-06-21: "
            "20 days left.",
            "当事人可在 2026-06-21 前向人民法院申请司法确认，还剩 20 天。",
        ),
        (
            29,
            "The parties may apply to the court for judicial confirmation until 2026-06-02: "
            "1 day left.",
            "当事人可在 2026-06-02 前向人民法院申请司法确认，还剩 1 天。",
        ),
        (
            30,
            "Today (2026-06-01) is the last day the parties may apply to the court for "
            "judicial confirmation.",
            "今天（2026-06-01）是当事人向人民法院申请司法确认的最后一天。",
        ),
        (
            31,
            "The 30-day period for applying to the court for judicial confirmation ended on "
            "2026-05-31.",
            "申请司法确认的30日期限已于 2026-05-31 届满。",
        ),
    ],
)
def test_the_agreement_shows_the_days_left_or_that_the_window_closed(
    tree: Tree, client_for: ClientFor, days_ago: int, english: str, chinese: str
) -> None:
    found = agreement(tree, effective_days_ago=days_ago)
    assert english in section(client_for(tree.mediator_s1_user), found)
    assert chinese in section(client_for(tree.mediator_s1_user, language="zh-hans"), found)


@pytest.mark.parametrize(
    ("status", "english", "chinese"),
    [
        (JudicialConfirmation.APPLIED, "Applied", "已申请"),
        (JudicialConfirmation.CONFIRMED, "Confirmed", "已确认"),
        (JudicialConfirmation.REJECTED, "Rejected", "已驳回"),
    ],
)
def test_once_applied_for_the_page_says_so_and_counts_no_days(
    tree: Tree, client_for: ClientFor, status: str, english: str, chinese: str
) -> None:
    found = agreement(tree, effective_days_ago=10)
    apply(tree, found, status)
    text = section(client_for(tree.mediator_s1_user), found)
    assert english in text
    assert "data-confirmation-window" not in text and "days left" not in text
    text = section(client_for(tree.mediator_s1_user, language="zh-hans"), found)
    assert chinese in text and "还剩" not in text


def test_the_days_are_counted_in_shanghai(tree: Tree, client_for: ClientFor) -> None:
    """At 00:30 on 1 June in Shanghai (still 31 May in UTC), a window whose last day was 31 May
    has closed."""
    found = agreement(tree, effective_days_ago=31)
    with time_machine.travel(aware(2026, 6, 1, 0, 30), tick=False):
        text = section(client_for(tree.mediator_s1_user), found)
    assert 'data-confirmation-window="closed"' in text and "ended on 2026-05-31" in text


# --- The due list -------------------------------------------------------------------------------------


def listed(response: Any) -> list[int]:
    assert response.status_code == 200
    return [row["item"].pk for row in response.context["confirmations"]]


def test_the_due_list_shows_the_window_until_its_last_day_and_not_after(
    tree: Tree, client_for: ClientFor
) -> None:
    last_day = agreement(tree, effective_days_ago=30)
    tomorrow = agreement(tree, effective_days_ago=29)
    later = agreement(tree, effective_days_ago=10)
    agreement(tree, effective_days_ago=31)  # closed yesterday
    agreement(tree, effective_days_ago=60)  # closed long ago
    applied = agreement(tree, effective_days_ago=5)
    apply(tree, applied)
    response = client_for(tree.director_d1).get(DUE)
    assert listed(response) == [last_day.pk, tomorrow.pk, later.pk]  # soonest first
    page = html.unescape(response.content.decode())
    rows = page.split('id="due-confirmations"', 1)[1].split("</section>", 1)[0]
    assert "today is the last day" in rows and "1 day left" in rows and "20 days left" in rows
    assert "2026-06-01" in rows and "2026-06-21" in rows
    assert last_day.case.number in rows and applied.case.number not in rows
    bands = {row["item"].pk: row["band"] for row in response.context["confirmations"]}
    assert bands == {last_day.pk: "soon", tomorrow.pk: "soon", later.pk: "ok"}


def test_the_due_list_in_chinese(tree: Tree, client_for: ClientFor) -> None:
    agreement(tree, effective_days_ago=30)
    agreement(tree, effective_days_ago=10)
    page = html.unescape(client_for(tree.director_d1, language="zh-hans").get(DUE).content.decode())
    rows = page.split('id="due-confirmations"', 1)[1].split("</section>", 1)[0]
    assert "司法确认申请期限即将届满" in rows and "申请截止日" in rows
    assert "今天是最后一天" in rows and "还剩 20 天" in rows


def test_within_sets_the_horizon(tree: Tree, client_for: ClientFor) -> None:
    found = agreement(tree, effective_days_ago=10)  # closes in 20 days
    client = client_for(tree.director_d1)
    assert listed(client.get(DUE, {"within": 20})) == [found.pk]
    assert listed(client.get(DUE, {"within": 19})) == []


def test_a_closed_case_stays_listed_while_its_window_is_open(
    tree: Tree, client_for: ClientFor
) -> None:
    found = agreement(tree, effective_days_ago=10)
    workflow.transition(case=found.case, name="close", actor=tree.admin, at=NOW)
    assert listed(client_for(tree.director_d1).get(DUE)) == [found.pk]


def test_scope_and_the_record_link(tree: Tree, client_for: ClientFor) -> None:
    s1 = agreement(tree, effective_days_ago=10)
    s2 = agreement(tree, effective_days_ago=10, centre=tree.s2)
    assert listed(client_for(tree.director_d1).get(DUE)) == [s1.pk]
    assert listed(client_for(tree.director_d2).get(DUE)) == [s2.pk]
    link = f'href="{reverse("web:judicial_confirmation", args=[s1.pk])}"'
    # Only those who record judicial confirmation (the court's liaison, administrators) get it.
    assert link in client_for(tree.admin).get(DUE).content.decode()
    page = client_for(tree.director_d1).get(DUE).content.decode()
    assert link not in page and "data-record-confirmation=" not in page


def test_an_empty_list_says_so(tree: Tree, client_for: ClientFor) -> None:
    agreement(tree, effective_days_ago=31)
    page = client_for(tree.director_d1).get(DUE).content.decode()
    assert "No judicial confirmation window is closing." in page
