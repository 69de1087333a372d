"""The intake page: a window officer registers a dispute with its parties, or sees why not."""

import html
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.access import can_register_at, forget_scope
from cases.errors import InvalidInput
from cases.models import (
    Case,
    CaseNumberCounter,
    Category,
    Centre,
    CentreKind,
    Channel,
    Event,
    EventKind,
    Party,
    PartyKind,
    PartyRole,
    RiskLevel,
    Role,
    Status,
)
from cases.queries.centres import intake_centres
from cases.services.intake import PartyData
from tests.factories import MembershipFactory, Tree, register, seeded_category

pytestmark = pytest.mark.django_db

ClientFor = Callable[..., Client]

INTAKE = reverse("web:intake")
PARTY_ROW = reverse("web:intake_party_row")
CATEGORIES = reverse("web:intake_categories")
HINT = reverse("web:intake_person_hint")

ID_NUMBER = "420106198001011237"  # the applicant of every case of populate_cases
PHONE = "13812345678"  # typed there as "138 1234 5678"


# --- Helpers --------------------------------------------------------------------------------------


def party(**fields: str) -> dict[str, str]:
    return {"kind": PartyKind.PERSON, "role": PartyRole.APPLICANT, "name": "", **fields}


def post_data(
    centre: Centre,
    *rows: dict[str, str],
    category: Category | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A POST of the intake form as the browser sends it (every row, blank or not)."""
    category = category or seeded_category()
    data: dict[str, Any] = {
        "centre": centre.pk,
        "channel": Channel.WALK_IN,
        "parent": category.parent_id or "",
        "category": category.pk,
        "summary": "楼上装修噪音扰民",
        "facts": "晚上十点后仍在施工。",
        "amount_in_dispute": "",
        "location": "大智路1号",
        "risk_level": RiskLevel.NORMAL,
        "entrusting_court": "",
        "court_case_number": "",
        "entrusted_on": "",
        "parties-TOTAL_FORMS": len(rows),
        "parties-INITIAL_FORMS": 0,
        "parties-MIN_NUM_FORMS": 0,
        "parties-MAX_NUM_FORMS": 50,
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"parties-{index}-{name}"] = value
    data.update(fields)
    return data


def two_parties() -> tuple[dict[str, str], dict[str, str]]:
    return (
        party(name="张三", id_number=ID_NUMBER, phone="138 1234 5678", address="大智路1号"),
        party(
            name="武汉某某装饰公司",
            role=PartyRole.RESPONDENT,
            kind=PartyKind.ORGANISATION,
            phone="027-82771234",
            agent="王律师",
        ),
    )


def error_at(page: str, field_id: str) -> str:
    """The error list Django renders next to the field ``field_id`` (empty if none)."""
    found = re.search(rf'<ul class="errorlist" id="{re.escape(field_id)}_error">(.*?)</ul>', page)
    return html.unescape(found.group(1)) if found else ""


def state() -> tuple[int, int, int, list[tuple[int, int, int]]]:
    return (
        Case.objects.count(),
        Party.objects.count(),
        Event.objects.count(),
        list(CaseNumberCounter.objects.order_by("pk").values_list("centre_id", "year", "last")),
    )


def options(page: str, select_id: str) -> dict[str, str]:
    """The options of a ``<select>``: value → label."""
    select = re.search(rf'<select[^>]*id="{re.escape(select_id)}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select {select_id}"
    return {
        value: html.unescape(label)
        for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select[1])
    }


def selected(page: str, select_id: str) -> list[str]:
    select = re.search(rf'<select[^>]*id="{re.escape(select_id)}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select {select_id}"
    return re.findall(r'<option value="([^"]*)"[^>]*selected', select[1])


def checked(page: str, name: str) -> list[str]:
    """The values of the checked radios named ``name`` (a radio group)."""
    radios = re.findall(rf'<input type="radio" name="{re.escape(name)}"[^>]*>', page)
    assert radios, f"no radio group {name}"
    return [re.findall(r'value="([^"]*)"', radio)[0] for radio in radios if " checked" in radio]


# --- Who sees the page ----------------------------------------------------------------------------


def test_an_intake_officer_gets_the_form_for_their_centre(
    tree: Tree, client_for: ClientFor
) -> None:
    response = client_for(tree.intake_s1).get(INTAKE)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Register a dispute" in page
    assert options(page, "id_centre") == {"": "---------", str(tree.s1.pk): tree.s1.name_en}
    assert selected(page, "id_centre") == [str(tree.s1.pk)]  # one centre: preselected
    assert selected(page, "id_channel") == [Channel.WALK_IN]
    # The parties start as an applicant and a respondent.
    assert 'name="parties-TOTAL_FORMS" value="2"' in page
    assert checked(page, "parties-0-role") == [PartyRole.APPLICANT]
    assert checked(page, "parties-1-role") == [PartyRole.RESPONDENT]
    # Without JavaScript, every sub-category is offered, grouped under its category.
    assert '<optgroup label="Neighbours">' in page
    assert "Noise" in options(page, "id_category").values()
    # HTMX: the cascade, the add-row button, the person hint.
    assert f'hx-get="{CATEGORIES}"' in page
    assert f'hx-get="{PARTY_ROW}?index=2"' in page
    assert f'hx-post="{HINT}"' in page


def test_a_director_may_register_anywhere_in_the_subtree(tree: Tree, client_for: ClientFor) -> None:
    page = client_for(tree.director_d1).get(INTAKE).content.decode()

    offered = set(options(page, "id_centre")) - {""}
    # D1, S1, K1; the court under D1 entrusts cases but does not handle them.
    assert offered == {str(c.pk) for c in (tree.d1, tree.s1, tree.k1)}
    assert selected(page, "id_centre") == [""]  # several: the officer chooses
    assert len(options(page, "id_channel")) == len(Channel)


def test_an_administrator_may_register_at_every_centre(tree: Tree, client_for: ClientFor) -> None:
    page = client_for(tree.admin).get(INTAKE).content.decode()

    offered = set(options(page, "id_centre")) - {""}
    assert offered == {str(c.pk) for c in tree.centres if c.kind != CentreKind.COURT}


def test_a_court_liaison_registers_court_entrusted_cases_only(
    tree: Tree, client_for: ClientFor
) -> None:
    page = client_for(tree.court_liaison).get(INTAKE).content.decode()

    assert options(page, "id_channel") == {Channel.COURT_ENTRUSTED: "Court entrusted"}
    assert options(page, "id_entrusting_court") == {
        "": "---------",
        str(tree.court.pk): tree.court.name_en,
    }
    assert selected(page, "id_entrusting_court") == [str(tree.court.pk)]
    # The centres of the court's district.
    offered = set(options(page, "id_centre")) - {""}
    assert offered == {str(c.pk) for c in (tree.d1, tree.s1, tree.k1)}


def test_the_page_renders_in_chinese(tree: Tree, client_for: ClientFor) -> None:
    response = client_for(tree.intake_s1, language="zh-hans").get(INTAKE)

    assert response.status_code == 200
    assert '<optgroup label="邻里纠纷">' in response.content.decode()


@pytest.mark.parametrize(
    "user",
    [
        "admin",
        "director_c",
        "director_d1",
        "observer_d1",
        "intake_s1",
        "mediator_s1",
        "court_liaison",
    ],
)
def test_the_page_is_offered_exactly_to_those_the_navigation_offers_it_to(
    tree: Tree, client_for: ClientFor, user: str
) -> None:
    client = client_for(tree.users[user])
    in_navigation = f'href="{INTAKE}"' in client.get(reverse("web:workbench")).content.decode()

    status = client.get(INTAKE).status_code

    assert status == (200 if in_navigation else 403)
    assert in_navigation == (user not in {"observer_d1", "mediator_s1"})


@pytest.mark.parametrize("user", ["mediator_s1", "observer_d1"])
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", INTAKE),
        ("post", INTAKE),
        ("get", f"{PARTY_ROW}?index=2"),
        ("get", f"{CATEGORIES}?parent=1"),
        ("get", f"{HINT}?phone={PHONE}"),
        ("post", HINT),
    ],
)
def test_who_may_register_nowhere_is_refused_everywhere(
    tree: Tree, client_for: ClientFor, user: str, method: str, url: str
) -> None:
    before = state()

    response = getattr(client_for(tree.users[user]), method)(url, post_data(tree.s1, party()))

    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize(
    "user", ["admin", "director_c", "director_d1", "intake_s1", "court_liaison"]
)
def test_the_centres_offered_are_exactly_where_the_scope_rule_allows(tree: Tree, user: str) -> None:
    actor = tree.users[user]
    court_entrusted = user == "court_liaison"

    offered = set(intake_centres(actor))

    allowed = {
        c
        for c in tree.centres
        if c.kind != CentreKind.COURT and can_register_at(actor, c, court_entrusted=court_entrusted)
    }
    assert offered == allowed


# --- Registering ----------------------------------------------------------------------------------


def test_a_two_party_case_is_registered_and_the_number_shown(
    tree: Tree, client_for: ClientFor
) -> None:
    client = client_for(tree.intake_s1)
    before = state()

    response = client.post(INTAKE, post_data(tree.s1, *two_parties(), amount_in_dispute="3000"))

    assert response.status_code == 303
    case = Case.objects.get()
    assert response["Location"] == reverse("web:case_detail", args=[case.pk])
    assert state()[:3] == (before[0] + 1, before[1] + 2, before[2] + 1)
    assert case.centre == tree.s1
    assert case.registering_centre == tree.s1
    assert case.status == Status.REGISTERED
    assert case.channel == Channel.WALK_IN
    assert case.category == seeded_category()
    assert case.summary == "楼上装修噪音扰民"
    assert case.amount_in_dispute == Decimal("3000")
    assert case.created_by == tree.intake_s1
    applicant, respondent = case.parties.order_by("position")
    assert (applicant.name, applicant.role, applicant.kind) == (
        "张三",
        PartyRole.APPLICANT,
        PartyKind.PERSON,
    )
    assert (respondent.role, respondent.kind, respondent.agent) == (
        PartyRole.RESPONDENT,
        PartyKind.ORGANISATION,
        "王律师",
    )
    # Personal data stored masked (and encrypted), never in clear.
    assert applicant.id_number_masked == "420***********1237"
    assert applicant.phone_masked == "138****5678"
    assert ID_NUMBER not in applicant.id_number_encrypted
    event = Event.objects.get(case=case)
    assert event.kind == EventKind.INTAKE
    # The next page shows the new number, in both forms, and no clear personal data.
    page = client.get(reverse("web:workbench")).content.decode()
    assert f"Registered case {case.number}, {case.number_zh}." in page
    assert ID_NUMBER not in page
    assert PHONE not in page


def test_an_htmx_post_is_redirected_by_header(tree: Tree, client_for: ClientFor) -> None:
    response = client_for(tree.intake_s1).post(
        INTAKE, post_data(tree.s1, *two_parties()), headers={"HX-Request": "true"}
    )

    assert response.status_code == 204
    case = Case.objects.get()
    assert response["HX-Redirect"] == reverse("web:case_detail", args=[case.pk])


def test_a_court_liaison_registers_an_entrusted_case(tree: Tree, client_for: ClientFor) -> None:
    data = post_data(
        tree.s1,
        *two_parties(),
        channel=Channel.COURT_ENTRUSTED,
        entrusting_court=tree.court.pk,
        court_case_number="(2026)鄂0102民诉前调7号",
        entrusted_on="2026-03-02",
    )

    response = client_for(tree.court_liaison).post(INTAKE, data)

    assert response.status_code == 303
    case = Case.objects.get()
    assert case.channel == Channel.COURT_ENTRUSTED
    assert case.entrusting_court == tree.court
    assert case.court_case_number == "(2026)鄂0102民诉前调7号"
    assert str(case.entrusted_on) == "2026-03-02"


def test_untouched_and_removed_rows_make_no_party(tree: Tree, client_for: ClientFor) -> None:
    applicant, _respondent = two_parties()
    rows = (
        applicant,
        party(role=PartyRole.RESPONDENT),  # offered, left as it was
        party(name="已移除", phone="bad", DELETE="on"),  # removed (its bad phone does not count)
        party(name="李四", role=PartyRole.THIRD_PARTY),
    )

    response = client_for(tree.intake_s1).post(INTAKE, post_data(tree.s1, *rows))

    assert response.status_code == 303
    names = list(Case.objects.get().parties.order_by("position").values_list("name", "role"))
    assert names == [("张三", PartyRole.APPLICANT), ("李四", PartyRole.THIRD_PARTY)]


# --- Bad input: 400, the message at the field, nothing created ------------------------------------


def bad(name: str, tree: Tree) -> tuple[Any, dict[str, Any], str, str]:
    """(user, data, the field id where the error shows, the message) for each kind of mistake."""
    applicant, respondent = two_parties()
    court_channel: dict[str, Any] = {"channel": Channel.COURT_ENTRUSTED}
    cases: dict[str, tuple[Any, dict[str, Any], str, str]] = {
        "missing summary": (
            tree.intake_s1,
            post_data(tree.s1, applicant, respondent, summary=""),
            "id_summary",
            "This field is required.",
        ),
        "bad phone in row 2": (
            tree.intake_s1,
            post_data(tree.s1, applicant, {**respondent, "phone": "12-ab"}),
            "id_parties-1-phone",
            "Enter a valid phone number.",
        ),
        "bad ID number in row 1": (
            tree.intake_s1,
            post_data(tree.s1, {**applicant, "id_number": "42#"}, respondent),
            "id_parties-0-id_number",
            "An ID number has 18 characters: 17 digits and a digit or X.",
        ),
        "a party without a name": (
            tree.intake_s1,
            post_data(tree.s1, applicant, {**respondent, "name": ""}),
            "id_parties-1-name",
            "This field is required.",
        ),
        "negative amount": (
            tree.intake_s1,
            post_data(tree.s1, applicant, respondent, amount_in_dispute="-5"),
            "id_amount_in_dispute",
            "Ensure this value is greater than or equal to 0.",
        ),
        "centre outside scope": (
            tree.intake_s1,
            post_data(tree.s2, applicant, respondent),
            "id_centre",
            "Select a valid choice.",
        ),
        "a top-level category with sub-categories": (
            tree.intake_s1,
            post_data(tree.s1, applicant, respondent, category=seeded_category().parent),
            "id_category",
            "Choose a sub-category.",
        ),
        "court-entrusted without court": (
            tree.director_d1,
            post_data(tree.s1, applicant, respondent, **court_channel),
            "id_entrusting_court",
            "A court-entrusted case needs the entrusting court.",
        ),
        "court-entrusted without the court's case number": (
            tree.director_d1,
            post_data(
                tree.s1, applicant, respondent, entrusting_court=tree.court.pk, **court_channel
            ),
            "id_court_case_number",
            "This field is required.",
        ),
        "a court without the court-entrusted channel": (
            tree.director_d1,
            post_data(tree.s1, applicant, respondent, entrusting_court=tree.court.pk),
            "id_channel",
            "A case with an entrusting court must come through the court-entrusted channel.",
        ),
        "a court liaison's walk-in case": (
            tree.court_liaison,
            post_data(tree.s1, applicant, respondent),
            "id_channel",
            "Select a valid choice.",
        ),
        "a court liaison at another district's centre": (
            tree.court_liaison,
            post_data(
                tree.s2,
                applicant,
                respondent,
                entrusting_court=tree.court.pk,
                court_case_number="(2026)鄂0102民诉前调8号",
                entrusted_on="2026-03-02",
                **court_channel,
            ),
            "id_centre",
            "Select a valid choice.",
        ),
    }
    return cases[name]


BAD_INPUT = [
    "missing summary",
    "bad phone in row 2",
    "bad ID number in row 1",
    "a party without a name",
    "negative amount",
    "centre outside scope",
    "a top-level category with sub-categories",
    "court-entrusted without court",
    "court-entrusted without the court's case number",
    "a court without the court-entrusted channel",
    "a court liaison's walk-in case",
    "a court liaison at another district's centre",
]


@pytest.mark.parametrize("mistake", BAD_INPUT)
def test_bad_input_is_shown_at_the_field_and_creates_nothing(
    tree: Tree, client_for: ClientFor, mistake: str
) -> None:
    user, data, field_id, message = bad(mistake, tree)
    before = state()

    response = client_for(user).post(INTAKE, data)

    assert response.status_code == 400
    page = response.content.decode()
    assert message in error_at(page, field_id), page
    assert "Nothing was registered." in page
    assert state() == before
    # What was typed is kept.
    assert 'value="张三"' in page
    assert "晚上十点后仍在施工。" in page


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ((), "A case needs at least one party."),
        ((party(), party(role=PartyRole.RESPONDENT)), "A case needs at least one party."),
        (
            (party(name="张三", role=PartyRole.RESPONDENT), party(name="李四", role="respondent")),
            "A case needs at least one applicant.",
        ),
    ],
    ids=["no rows", "only untouched rows", "no applicant"],
)
def test_parties_missing_are_reported_above_the_rows(
    tree: Tree, client_for: ClientFor, rows: tuple[dict[str, str], ...], message: str
) -> None:
    before = state()

    response = client_for(tree.intake_s1).post(INTAKE, post_data(tree.s1, *rows))

    assert response.status_code == 400
    page = response.content.decode()
    nonform = re.search(r'<ul class="errorlist nonform">(.*?)</ul>', page)
    assert nonform and message in nonform.group(1)
    assert state() == before


def test_a_service_error_on_a_party_lands_on_that_row(
    tree: Tree, client_for: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service numbers the parties it was given; skipped rows do not shift the error."""

    def refuse(**kwargs: Any) -> Case:
        assert [p.name for p in kwargs["parties"]] == ["张三", "李四"]
        raise InvalidInput(fields={"parties.1.phone": ["号码不对"], "parties.0.name": ["名字不对"]})

    monkeypatch.setattr("cases.web.views.intake.register_case", refuse)
    rows = (party(), party(name="张三"), party(name="李四", role=PartyRole.RESPONDENT))

    response = client_for(tree.intake_s1).post(INTAKE, post_data(tree.s1, *rows))

    assert response.status_code == 400
    page = response.content.decode()
    assert "名字不对" in error_at(page, "id_parties-1-name")
    assert "号码不对" in error_at(page, "id_parties-2-phone")
    assert error_at(page, "id_parties-0-name") == ""


def test_a_refusal_at_the_centre_is_shown_at_the_centre(tree: Tree, client_for: ClientFor) -> None:
    """An intake officer of S1 who is also the court's liaison is offered D1, for the court's
    cases only: a walk-in case there is refused by the service, and the refusal shows at the centre."""
    user = tree.intake_s1
    MembershipFactory.create(user=user, centre=tree.court, role=Role.COURT_LIAISON)
    forget_scope(user)
    before = state()

    response = client_for(user).post(INTAKE, post_data(tree.d1, *two_parties()))

    assert response.status_code == 400
    assert "You may not register cases at this centre." in error_at(
        response.content.decode(), "id_centre"
    )
    assert state() == before


# --- Rows, categories -----------------------------------------------------------------------------


def test_add_a_party_without_javascript_keeps_what_was_typed(
    tree: Tree, client_for: ClientFor
) -> None:
    applicant, respondent = two_parties()
    data = post_data(tree.s1, applicant, respondent, summary="", add_party="1")
    before = state()

    response = client_for(tree.intake_s1).post(INTAKE, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="parties-TOTAL_FORMS" value="3"' in page
    assert 'name="parties-2-name"' in page
    assert 'value="武汉某某装饰公司"' in page
    assert checked(page, "parties-1-role") == [PartyRole.RESPONDENT]
    assert 'class="errorlist' not in page  # no errors for fields not reached yet
    assert state() == before


def test_the_party_row_endpoint_returns_the_next_row(tree: Tree, client_for: ClientFor) -> None:
    response = client_for(tree.intake_s1).get(PARTY_ROW, {"index": 2})

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="parties-2"' in page
    for field in ("kind", "role", "name", "id_number", "phone", "address", "agent", "DELETE"):
        assert f'name="parties-2-{field}"' in page
    assert 'id="parties-2-hint"' in page
    assert "Party 3" in page
    # The formset's total and the next button, swapped out of band.
    assert re.search(r'name="parties-TOTAL_FORMS" value="3"[^>]*hx-swap-oob="true"', page)
    assert f'hx-get="{PARTY_ROW}?index=3"' in page


@pytest.mark.parametrize("index", ["", "x", "-1", "50"])
def test_the_party_row_endpoint_refuses_a_bad_index(
    tree: Tree, client_for: ClientFor, index: str
) -> None:
    assert client_for(tree.intake_s1).get(PARTY_ROW, {"index": index}).status_code == 404


def test_the_categories_endpoint_returns_the_children(tree: Tree, client_for: ClientFor) -> None:
    neighbours = Category.objects.get(code="neighbours")

    response = client_for(tree.intake_s1).get(CATEGORIES, {"parent": neighbours.pk})

    assert response.status_code == 200
    found = dict(re.findall(r'<option value="([^"]*)">([^<]*)</option>', response.content.decode()))
    expected = {str(c.pk): c.name_en for c in neighbours.children.filter(active=True)}
    assert found == {"": "---------", **expected}


def test_the_categories_endpoint_without_a_parent_lists_all_grouped(
    tree: Tree, client_for: ClientFor
) -> None:
    response = client_for(tree.intake_s1).get(CATEGORIES, {"parent": ""})

    page = response.content.decode()
    subs = Category.objects.filter(parent__isnull=False, active=True)
    assert page.count("<optgroup") == Category.objects.filter(parent__isnull=True).count()
    assert all(f'<option value="{c.pk}">' in page for c in subs)


# --- The person hint ------------------------------------------------------------------------------


def hint(client: Client, **params: str) -> str:
    response = client.post(HINT, params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "typed",
    [
        {"phone": "13812345678"},
        {"phone": "138 1234 5678"},
        {"phone": "+86 138-1234-5678"},
        {"phone": "8613812345678"},
        {"id_number": ID_NUMBER},
        {"id_number": "4201 0619 8001 0112 37"},
        {"prefix": "parties-3", "parties-3-phone": "138-1234-5678", "parties-3-id_number": ""},
    ],
)
def test_the_hint_matches_a_person_in_any_format(
    tree_with_cases: Tree, client_for: ClientFor, typed: dict[str, str]
) -> None:
    tree = tree_with_cases
    s1_cases = [c for c in tree.cases.values() if c.centre == tree.s1]

    page = hint(client_for(tree.intake_s1), **typed)

    assert f"This person appears in {len(s1_cases)} earlier cases" in page
    assert ID_NUMBER not in page
    assert PHONE not in page


def test_the_hint_counts_only_cases_in_the_users_scope(
    tree_with_cases: Tree, client_for: ClientFor, django_assert_max_num_queries: Any
) -> None:
    tree = tree_with_cases
    s1_cases = {c.number for c in tree.cases.values() if c.centre == tree.s1}
    elsewhere = tree.cases["d2_open"].number

    officer = hint(client_for(tree.intake_s1), phone=PHONE)
    client = client_for(tree.director_c)
    with django_assert_max_num_queries(8):
        director = hint(client, phone=PHONE)

    # The intake officer of S1: S1's cases only, not the other district's.
    assert f"appears in {len(s1_cases)} earlier cases" in officer
    assert elsewhere not in officer
    assert set(re.findall(r">([A-Z0-9]+-\d{4}-\d{5})<", officer)) <= s1_cases
    # The city director sees every case: all counted, five linked, newest first.
    assert f"appears in {len(tree.cases)} earlier cases" in director
    newest = Case.objects.order_by("-registered_at", "-id")[:5]
    links = [f'href="{reverse("web:case_detail", args=[c.pk])}"' for c in newest]
    assert re.findall(r'href="[^"]*"', director) == links
    assert [c.number for c in newest] == re.findall(r">([A-Z0-9]+-\d{4}-\d{5})<", director)


def test_the_hint_finds_an_id_number_with_a_check_letter_in_either_case(
    tree: Tree, client_for: ClientFor
) -> None:
    register(
        actor=tree.admin,
        centre=tree.s1,
        parties=[PartyData(name="王五", id_number="42010619800101100x")],
    )

    page = hint(client_for(tree.intake_s1), id_number="42010619800101100X")

    assert "This person appears in 1 earlier case:" in page


@pytest.mark.parametrize(
    "typed",
    [
        {"phone": "1381"},  # too short to be a phone
        {"id_number": "42"},
        {"phone": "13900009999"},  # nobody
        {"phone": ""},
        {"prefix": "parties-0", "parties-0-phone": ""},
    ],
)
def test_the_hint_is_empty_without_a_match(
    tree_with_cases: Tree, client_for: ClientFor, typed: dict[str, str]
) -> None:
    assert hint(client_for(tree_with_cases.intake_s1), **typed) == ""


def test_the_hint_counts_nothing_outside_the_scope(tree: Tree, client_for: ClientFor) -> None:
    register(actor=tree.admin, centre=tree.s2, at=timezone.now())

    assert hint(client_for(tree.intake_s1), phone=PHONE) == ""
    assert "appears in 1 earlier case" in hint(client_for(tree.director_d2), phone=PHONE)


def test_the_hint_also_answers_a_plain_get(tree_with_cases: Tree, client_for: ClientFor) -> None:
    tree = tree_with_cases
    in_d2 = [c for c in tree.cases.values() if c.centre.is_within(tree.d2)]

    response = client_for(tree.director_d2).get(HINT, {"id_number": ID_NUMBER})

    assert response.status_code == 200
    assert f"This person appears in {len(in_d2)} earlier cases" in response.content.decode()
