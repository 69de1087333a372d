"""Recording the judicial confirmation (司法确认) of an agreement on the web: the page and form for
the entrusting court's liaison, and what the case page shows of it."""

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    Agreement,
    Case,
    CentreKind,
    CentreLevel,
    Event,
    JudicialConfirmation,
    Role,
)
from cases.services.agreements import record_judicial_confirmation
from tests.cases.test_judicial_confirmation import resolved_entrusted
from tests.factories import CentreFactory, MembershipFactory, Tree

# Every test runs in a savepoint inside the module's shared data, so what it records is undone.
pytestmark = pytest.mark.django_db

RULING = "（2026）鄂0102民特12号"


@dataclass
class Entrusted:
    tree: Tree
    case: Case  # entrusted by tree.court to S1, lead med_s1, resolved; took effect 10 days ago
    late: Case  # the same, but took effect 60 days ago
    other_liaison: Any  # liaison of a court under D2

    @property
    def agreement(self) -> Agreement:
        return Agreement.objects.get(case=self.case)

    @property
    def url(self) -> str:
        return reverse("web:judicial_confirmation", args=[self.agreement.pk])


@pytest.fixture(scope="module")
def entrusted(shared_tree_with_cases: Tree, django_db_blocker: Any) -> Entrusted:
    tree = shared_tree_with_cases
    with django_db_blocker.unblock():
        case = resolved_entrusted(tree)
        late = resolved_entrusted(tree, effective_days_ago=60)
        other_court = CentreFactory.create(
            parent=tree.d2, level=CentreLevel.STREET, kind=CentreKind.COURT
        )
        other_liaison = MembershipFactory.create(centre=other_court, role=Role.COURT_LIAISON).user
    return Entrusted(tree=tree, case=case, late=late, other_liaison=other_liaison)


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _day(days: int = 0) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def _state(entrusted: Entrusted) -> tuple[Any, ...]:
    agreement = entrusted.agreement
    return (
        agreement.judicial_confirmation,
        agreement.confirmation_applied_on,
        agreement.ruling_number,
        agreement.ruling_on,
        Event.objects.filter(case=entrusted.case).count(),
    )


def _apply(entrusted: Entrusted, applied_on: date | None = None) -> None:
    record_judicial_confirmation(
        agreement=entrusted.agreement,
        actor=entrusted.tree.court_liaison,
        status="applied",
        applied_on=applied_on or timezone.localdate() - timedelta(days=2),
    )


def _rule(entrusted: Entrusted) -> None:
    record_judicial_confirmation(
        agreement=entrusted.agreement,
        actor=entrusted.tree.court_liaison,
        status="confirmed",
        applied_on=timezone.localdate() - timedelta(days=2),
        ruling_number=RULING,
        ruling_on=timezone.localdate(),
    )


# --- The page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["court_liaison", "admin"])
def test_the_form_for_those_who_may(
    entrusted: Entrusted, client_for: Callable[..., Client], role: str
) -> None:
    response = client_for(entrusted.tree.users[role]).get(entrusted.url)
    assert response.status_code == 200
    page = _text(response)
    assert entrusted.case.number in page and "Record judicial confirmation" in page
    assert 'name="status"' in page
    for value in ("applied", "confirmed", "rejected"):
        assert f'value="{value}"' in page
    assert 'value="not_applied"' not in page  # the start, not something to record
    for name in ("applied_on", "ruling_number", "ruling_on"):
        assert f'name="{name}"' in page
    agreement = entrusted.agreement
    assert f'min="{agreement.effective_on.isoformat()}"' in page
    assert f'max="{_day()}"' in page
    deadline = (agreement.effective_on + timedelta(days=30)).isoformat()
    assert f"Within 30 days of the agreement taking effect: by {deadline}." in page
    assert "Not applied" in page  # where it stands now
    assert "Confirmation applied on" in page and "Ruling number" in page and "Ruling date" in page


def test_the_form_in_chinese(entrusted: Entrusted, client_for: Callable[..., Client]) -> None:
    response = client_for(entrusted.tree.court_liaison, language="zh-hans").get(entrusted.url)
    assert response.status_code == 200
    page = _text(response)
    assert "登记司法确认" in page
    assert "已申请" in page and "已确认" in page and "已驳回" in page
    assert "申请司法确认日期" in page and "裁定书编号" in page and "裁定日期" in page


@pytest.mark.parametrize("role", ["director_d1", "director_c", "mediator_s1", "observer_d1"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_forbidden_to_others_who_see_the_case(
    entrusted: Entrusted, client_for: Callable[..., Client], role: str, method: str
) -> None:
    before = _state(entrusted)
    client = client_for(entrusted.tree.users[role])
    response = (
        client.get(entrusted.url)
        if method == "get"
        else client.post(entrusted.url, {"status": "applied", "applied_on": _day()})
    )
    assert response.status_code == 403
    assert _state(entrusted) == before


@pytest.mark.parametrize("who", ["other_liaison", "director_d2", "mediator_s2", "mediator_s1b"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_out_of_scope_is_404(
    entrusted: Entrusted, client_for: Callable[..., Client], who: str, method: str
) -> None:
    user = entrusted.other_liaison if who == "other_liaison" else entrusted.tree.users[who]
    before = _state(entrusted)
    client = client_for(user)
    response = (
        client.get(entrusted.url)
        if method == "get"
        else client.post(entrusted.url, {"status": "applied", "applied_on": _day()})
    )
    assert response.status_code == 404
    assert _state(entrusted) == before


def test_a_missing_agreement_is_404(
    entrusted: Entrusted, client_for: Callable[..., Client]
) -> None:
    url = reverse("web:judicial_confirmation", args=[999999999])
    assert client_for(entrusted.tree.admin).get(url).status_code == 404


# --- Recording ----------------------------------------------------------------------------------


def test_the_application_then_the_ruling(
    entrusted: Entrusted, client_for: Callable[..., Client]
) -> None:
    client = client_for(entrusted.tree.court_liaison)
    case_page = reverse("web:case_detail", args=[entrusted.case.pk])
    events = Event.objects.filter(case=entrusted.case).count()
    applied_on = _day(-3)
    response = client.post(entrusted.url, {"status": "applied", "applied_on": applied_on})
    assert response.status_code == 303
    assert response["Location"] == case_page
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The judicial confirmation has been recorded."
    ]
    agreement = entrusted.agreement
    assert agreement.judicial_confirmation == JudicialConfirmation.APPLIED
    assert str(agreement.confirmation_applied_on) == applied_on
    assert Event.objects.filter(case=entrusted.case).count() == events + 1
    event = Event.objects.filter(case=entrusted.case, name="judicial_confirmation").get()
    assert event.actor == entrusted.tree.court_liaison and event.after["late"] is False

    # Now only the ruling can follow; the application date is shown, not asked again.
    page = _text(client.get(entrusted.url))
    assert 'value="applied"' not in page and 'value="confirmed"' in page
    assert 'name="applied_on"' not in page
    assert applied_on in page

    response = client.post(
        entrusted.url,
        # A posted application date is ignored: the recorded one stands.
        {
            "status": "confirmed",
            "applied_on": _day(-1),
            "ruling_number": RULING,
            "ruling_on": _day(),
        },
    )
    assert response.status_code == 303
    agreement = entrusted.agreement
    assert agreement.judicial_confirmation == JudicialConfirmation.CONFIRMED
    assert str(agreement.confirmation_applied_on) == applied_on
    assert (agreement.ruling_number, agreement.ruling_on) == (RULING, timezone.localdate())
    assert Event.objects.filter(case=entrusted.case).count() == events + 2


def test_a_ruling_at_once(entrusted: Entrusted, client_for: Callable[..., Client]) -> None:
    response = client_for(entrusted.tree.admin).post(
        entrusted.url,
        {
            "status": "rejected",
            "applied_on": _day(-5),
            "ruling_number": RULING,
            "ruling_on": _day(-1),
        },
    )
    assert response.status_code == 303
    agreement = entrusted.agreement
    assert agreement.judicial_confirmation == JudicialConfirmation.REJECTED
    assert str(agreement.confirmation_applied_on) == _day(-5)
    assert str(agreement.ruling_on) == _day(-1)


def test_once_ruled_the_page_is_read_only(
    entrusted: Entrusted, client_for: Callable[..., Client]
) -> None:
    _rule(entrusted)
    client = client_for(entrusted.tree.court_liaison)
    shown = client.get(entrusted.url)
    assert shown.status_code == 200
    page = _text(shown)
    assert "its ruling can no longer be changed" in page
    assert "<form" not in page.split('class="judicial-confirmation-form"')[1].split("</main>")[0]
    assert RULING in page and "Confirmed" in page
    before = _state(entrusted)
    again = client.post(
        entrusted.url, {"status": "rejected", "ruling_number": "另一个", "ruling_on": _day()}
    )
    assert again.status_code == 409
    assert _state(entrusted) == before


def _dated(value: str) -> str:
    """``"+1"``, ``"-3"``: days from today; ``"effect-1"``: the day before the agreement took
    effect (ten days ago); anything else as it is."""
    if value.startswith("effect"):
        return _day(-10 + int(value.removeprefix("effect")))
    if value[:1] in "+-" and value[1:].isdigit():
        return _day(int(value))
    return value


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"status": ""}, "status", "This field is required."),
        ({"status": "not_applied"}, "status", "Select a valid choice."),
        ({"applied_on": ""}, "applied_on", "This field is required."),
        ({"applied_on": "tomorrow"}, "applied_on", "Enter a valid date."),
        ({"applied_on": "+1"}, "applied_on", "This date is in the future."),
        (
            {"applied_on": "effect-1"},
            "applied_on",
            "The application cannot be made before the agreement takes effect",
        ),
        ({"ruling_number": RULING}, "ruling_number", "goes with a confirmed or rejected ruling"),
        ({"status": "confirmed"}, "ruling_number", "Give the number of the court's ruling."),
        ({"status": "confirmed", "ruling_number": RULING}, "ruling_on", "Give the date of"),
        (
            {"status": "confirmed", "ruling_number": "号" * 65, "ruling_on": "-1"},
            "ruling_number",
            "Ensure this value has at most 64 characters",
        ),
        (
            {"status": "rejected", "ruling_number": RULING, "ruling_on": "-3"},
            "ruling_on",
            "The ruling cannot come before the application.",
        ),
        (
            {"status": "rejected", "ruling_number": RULING, "ruling_on": "+1"},
            "ruling_on",
            "This date is in the future.",
        ),
    ],
)
def test_bad_input_is_shown_at_the_field(
    entrusted: Entrusted,
    client_for: Callable[..., Client],
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    posted = {"status": "applied", "applied_on": _day(-2), **data}
    posted = {name: _dated(value) for name, value in posted.items()}
    before = _state(entrusted)
    response = client_for(entrusted.tree.court_liaison).post(entrusted.url, posted)
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors, response.context["form"].errors
    assert message in _text(response)
    assert _state(entrusted) == before


def test_a_second_application_is_refused_at_the_status(
    entrusted: Entrusted, client_for: Callable[..., Client]
) -> None:
    """Someone recorded the application while this form was open: the service says so."""
    client = client_for(entrusted.tree.court_liaison)
    assert client.get(entrusted.url).status_code == 200
    _apply(entrusted)
    before = _state(entrusted)
    response = client.post(entrusted.url, {"status": "applied", "applied_on": _day(-1)})
    assert response.status_code == 400
    # The form now offers only a ruling: "applied" is no longer a choice.
    assert response.context["form"].errors["status"]
    assert _state(entrusted) == before


# --- HTMX ---------------------------------------------------------------------------------------


def test_the_form_alone_for_htmx(entrusted: Entrusted, client_for: Callable[..., Client]) -> None:
    client = client_for(entrusted.tree.court_liaison)
    shown = client.get(entrusted.url, headers={"HX-Request": "true"})
    assert shown.status_code == 200
    page = shown.content.decode()
    assert "<html" not in page and 'class="judicial-confirmation-form"' in page
    assert f'hx-post="{entrusted.url}"' in page
    before = _state(entrusted)
    refused = client.post(entrusted.url, {"status": "applied"}, headers={"HX-Request": "true"})
    assert refused.status_code == 400
    assert "<html" not in refused.content.decode()
    assert "This field is required." in _text(refused)
    assert _state(entrusted) == before
    done = client.post(
        entrusted.url,
        {"status": "applied", "applied_on": _day()},
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 204
    assert done["HX-Redirect"] == reverse("web:case_detail", args=[entrusted.case.pk])
    assert entrusted.agreement.judicial_confirmation == JudicialConfirmation.APPLIED


# --- The case page ------------------------------------------------------------------------------


def _case_page(client: Client, case: Case) -> str:
    response = client.get(reverse("web:case_detail", args=[case.pk]))
    assert response.status_code == 200
    return _text(response)


@pytest.mark.parametrize(
    ("role", "linked"),
    [("court_liaison", True), ("admin", True), ("director_d1", False), ("mediator_s1", False)],
)
def test_the_case_page_links_to_the_form(
    entrusted: Entrusted, client_for: Callable[..., Client], role: str, linked: bool
) -> None:
    page = _case_page(client_for(entrusted.tree.users[role]), entrusted.case)
    assert ("data-judicial-confirmation" in page) is linked
    assert (entrusted.url in page) is linked
    assert "Not applied" in page


def test_the_case_page_shows_the_ruling_and_drops_the_link(
    entrusted: Entrusted, client_for: Callable[..., Client]
) -> None:
    _rule(entrusted)
    page = _case_page(client_for(entrusted.tree.court_liaison), entrusted.case)
    agreement_section = page.split('id="agreement"')[1].split("</section>")[0]
    assert "Confirmed" in agreement_section
    assert f"Confirmation applied on {_day(-2)}" in agreement_section
    assert f"Ruling number {RULING}, {_day()}" in agreement_section
    assert "data-judicial-confirmation" not in page
    assert "data-late" not in agreement_section
    timeline = page.split('id="timeline"')[1]
    assert "Judicial confirmation recorded" in timeline
    assert "Applied after the 30-day period:</span> no" in timeline


def test_a_late_application_is_marked(
    entrusted: Entrusted, client_for: Callable[..., Client]
) -> None:
    client = client_for(entrusted.tree.court_liaison)
    agreement = Agreement.objects.get(case=entrusted.late)
    url = reverse("web:judicial_confirmation", args=[agreement.pk])
    response = client.post(url, {"status": "applied", "applied_on": _day(-5)})  # day 55
    assert response.status_code == 303
    event = Event.objects.get(case=entrusted.late, name="judicial_confirmation")
    assert event.after["late"] is True
    page = _case_page(client, entrusted.late)
    agreement_section = page.split('id="agreement"')[1].split("</section>")[0]
    assert "(after the 30-day period)" in agreement_section
    assert "Applied after the 30-day period:</span> yes" in page.split('id="timeline"')[1]
    assert "(after the 30-day period)" in _text(client.get(url))
