"""The case list and its CSV: what each role sees, every filter, search, sorting, pages, errors at
the field, HTMX fragments, the cost of a page, and the download (scoped, masked, in two languages)."""

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.access import visible_cases
from cases.models import Case, Event, Party, Status
from cases.web.views import case_list as case_list_views
from tests.factories import CITY_LABELS as EVERY
from tests.factories import Tree, build_tree, category, drive, register, unique_suffix

pytestmark = pytest.mark.django_db

URL = reverse("web:case_list")
CSV_URL = reverse("web:case_export")


def labels(city: Tree, cases: list[Case]) -> set[str]:
    by_id = {case.pk: label for label, case in city.cases.items()}
    return {by_id[case.pk] for case in cases}


def listed(city: Tree, client: Client, **params: Any) -> set[str]:
    """The labels of the cases on the (first and only) page the list shows for ``params`` (a
    search holding a phone or ID number is redirected to its opaque key first)."""
    response = client.get(URL, params, follow=True)
    assert response.status_code == 200, response.content.decode()[:2000]
    assert not response.context["next_url"], "more than one page: the test expects one"
    return labels(city, response.context["cases"])


def numbers(cases: Any) -> list[str]:
    return [case.number for case in cases]


def field_html(page: str, name: str) -> str:
    """The HTML of the form's block holding the field ``name`` (its input, label and errors)."""
    at = page.index(f'name="{name}"')
    start = page.rfind('class="field', 0, at)
    end = page.find('class="field', at)
    return page[start : end if end != -1 else None]


def read_csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    assert response.streaming, "the CSV is streamed"
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff"), "UTF-8 byte order mark for Excel"
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.fixture
def admin(city: Tree, client_for: Callable[..., Client]) -> Client:
    return client_for(city.admin)


# --- Who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [
        "admin",
        "director_c",
        "director_d1",
        "director_d2",
        "observer_d1",
        "intake_s1",
        "mediator_s1",
        "mediator_s2",
        "court_liaison",
    ],
)
def test_each_role_sees_exactly_its_visible_cases(
    city: Tree, client_for: Callable[..., Client], role: str
) -> None:
    user = city.users[role]
    response = client_for(user).get(URL)
    assert response.status_code == 200
    expected = set(visible_cases(user).values_list("number", flat=True))
    assert set(numbers(response.context["cases"])) == expected
    page = response.content.decode()
    for case in Case.objects.all():
        assert (case.number in page) == (case.number in expected), (role, case.number)


def test_the_intake_officer_never_sees_another_centres_case(
    city: Tree, client_for: Callable[..., Client]
) -> None:
    client = client_for(city.intake_s1)
    assert listed(city, client) == {
        "s1_queue", "s1_mine", "s1_other", "s1_co", "s1_declined", "overdue",
    }  # fmt: skip
    # Not by a filter, not by a search, not in the CSV either.
    assert listed(city, client, q=city.cases["d2_open"].number) == set()
    assert city.cases["d2_open"].number not in {row[0] for row in read_csv(client.get(CSV_URL))}


def test_the_court_liaison_sees_only_the_cases_of_its_court(
    city: Tree, client_for: Callable[..., Client]
) -> None:
    assert listed(city, client_for(city.court_liaison)) == {"d1_court", "s2_court"}


def test_the_pickers_offer_only_what_the_user_may_see(
    city: Tree, client_for: Callable[..., Client]
) -> None:
    form = client_for(city.director_d1).get(URL).context["form"]
    centres = set(form.fields["centre"].queryset)
    assert centres == {city.d1, city.s1, city.k1, city.court}
    mediators = set(form.fields["mediator"].queryset)
    assert {city.med_s1, city.med_s1b, city.med_c} <= mediators
    assert city.med_s2 not in mediators


def test_categories_are_offered_in_two_levels(admin: Client) -> None:
    page = admin.get(URL).content.decode()
    select = field_html(page, "category")
    neighbours, noise = category("neighbours"), category("noise")
    contract = category("contract")
    # The parent, then its sub-categories indented, then the next parent.
    assert select.index(f'value="{neighbours.pk}">Neighbours<') < select.index(
        f'value="{noise.pk}">\u00a0\u00a0\u00a0Noise<'
    )
    assert select.index(f'value="{noise.pk}"') < select.index(f'value="{contract.pk}">Contract<')


def test_the_page_shows_the_columns_of_a_case(city: Tree, admin: Client) -> None:
    water = city.cases["water"]
    response = admin.get(URL, {"q": water.number})
    page = response.content.decode()
    row = page[page.index(f'href="{reverse("web:case_detail", args=[water.pk])}"') :]
    row = row[: row.index("</tr>")]
    for text in (
        water.number,
        water.summary,
        "欧阳修",
        water.centre.name,
        "Water leaks",
        "Phone / 12345 hotline",
        "risk-high",
        "status-registered",
        "deadline-",
    ):
        assert text in row, text  # fmt: skip
    assert "138****8000" not in page and "13800138000" not in page  # names only in the list


# --- Filters ------------------------------------------------------------------------------------


def test_everything_is_listed_for_the_administrator(city: Tree, admin: Client) -> None:
    assert listed(city, admin) == EVERY


def test_filter_by_status(city: Tree, admin: Client) -> None:
    assert listed(city, admin, status="in_mediation") == {
        "s1_mine",
        "s1_other",
        "s1_co",
        "s2_assigned",
    }
    assert listed(city, admin, status=["declined", "accepted"]) == {
        "s1_declined",
        "d1_accepted",
        "overdue",
    }


def test_filter_by_centre_alone_or_with_its_subtree(city: Tree, admin: Client) -> None:
    assert listed(city, admin, centre=city.d1.pk) == {"d1_open", "d1_accepted", "d1_court"}
    assert listed(city, admin, centre=city.d1.pk, subtree="true") == {
        "d1_open", "d1_accepted", "d1_court", "s1_queue", "s1_mine", "s1_other", "s1_co",
        "s1_declined", "k1_open", "water", "overdue",
    }  # fmt: skip


def test_filter_by_category_includes_its_sub_categories(city: Tree, admin: Client) -> None:
    noise_cases = EVERY - {"water", "loan", "overdue"}
    assert listed(city, admin, category=category("neighbours").pk) == noise_cases | {
        "water",
        "overdue",
    }
    assert listed(city, admin, category=category("water_leak").pk) == {"water"}
    assert listed(city, admin, category=category("contract").pk) == {"loan"}


def test_filter_by_channel_and_risk(city: Tree, admin: Client) -> None:
    assert listed(city, admin, channel="court_entrusted") == {"d1_court", "s2_court"}
    assert listed(city, admin, channel=["hotline", "grid"]) == {"water", "loan"}
    assert listed(city, admin, risk_level="high") == {"water"}
    assert listed(city, admin, risk_level=["high", "attention"]) == {"water", "loan"}


def test_filter_by_mediator_lead_or_co(city: Tree, admin: Client) -> None:
    assert listed(city, admin, mediator=city.med_s1.pk) == {"s1_mine", "s1_co"}
    assert listed(city, admin, mediator=city.med_s1b.pk) == {"s1_other", "s1_co"}


def test_filter_overdue(city: Tree, admin: Client) -> None:
    # Past the mediation deadline, or registered and past the acceptance decision's (3 days).
    assert listed(city, admin, overdue="true") == {"overdue", "water", "loan"}
    page = admin.get(URL, {"overdue": "true"}).content.decode()
    assert 'name="overdue" value="true" checked' in page


def test_filter_by_registration_days(city: Tree, admin: Client) -> None:
    today = timezone.localdate()
    month_ago = today - timedelta(days=30)
    assert listed(city, admin, registered_to=month_ago.isoformat()) == {"water", "overdue"}
    assert listed(city, admin, registered_from=month_ago.isoformat()) == EVERY - {
        "water",
        "overdue",
    }
    assert listed(
        city,
        admin,
        registered_from=(today - timedelta(days=20)).isoformat(),
        registered_to=(today - timedelta(days=5)).isoformat(),
    ) == {"loan"}
    assert listed(city, admin, registered_to=today.isoformat()) == EVERY  # today included


def test_registration_days_are_days_in_shanghai(city: Tree, admin: Client) -> None:
    """23:30 and 00:30 in Shanghai are on two days there, but both on 9 March in UTC."""
    shanghai = timezone.get_default_timezone()
    assert str(shanghai) == "Asia/Shanghai"
    eve = register(
        actor=city.admin, centre=city.s1, at=datetime(2024, 3, 9, 23, 30, tzinfo=shanghai)
    )
    dawn = register(
        actor=city.admin, centre=city.s1, at=datetime(2024, 3, 10, 0, 30, tzinfo=shanghai)
    )
    assert eve.registered_at.astimezone(UTC).date() == dawn.registered_at.astimezone(UTC).date()

    def days(**params: str) -> set[str]:
        response = admin.get(URL, params)
        assert response.status_code == 200
        return set(numbers(response.context["cases"])) & {eve.number, dawn.number}

    assert days(registered_from="2024-03-09", registered_to="2024-03-09") == {eve.number}
    assert days(registered_from="2024-03-10", registered_to="2024-03-10") == {dawn.number}
    assert days(registered_to="2024-03-09") == {eve.number}
    assert days(registered_from="2024-03-10") == {dawn.number}
    assert days(registered_from="2024-03-09", registered_to="2024-03-10") == {
        eve.number,
        dawn.number,
    }


def test_search_by_case_number(city: Tree, admin: Client) -> None:
    water = city.cases["water"]
    assert listed(city, admin, q=water.number) == {"water"}
    assert listed(city, admin, q=water.number.lower()) == {"water"}


def test_search_by_party_name(city: Tree, admin: Client) -> None:
    assert listed(city, admin, q="欧阳") == {"water"}


@pytest.mark.parametrize("typed", ["13800138000", "+86 138 0013 8000", "138-0013-8000"])
def test_search_by_phone_however_it_is_typed(city: Tree, admin: Client, typed: str) -> None:
    assert listed(city, admin, q=typed) == {"water"}


def test_search_by_id_number(city: Tree, admin: Client) -> None:
    # The factory's applicant (420106198001011237) is a party to every case but "water".
    assert listed(city, admin, q="420106198001011237") == EVERY - {"water"}


def test_the_workbench_links_work(city: Tree, client_for: Callable[..., Client]) -> None:
    client = client_for(city.director_d1)
    d1 = city.d1.pk
    in_subtree = {"d1_open", "d1_accepted", "d1_court", "s1_queue", "s1_mine", "s1_other",
                  "s1_co", "s1_declined", "k1_open", "water", "overdue"}  # fmt: skip
    assert listed(city, client, centre=d1, subtree="true") == in_subtree
    assert listed(city, client, centre=d1, subtree="true", status="registered") == {
        "d1_open", "d1_court", "s1_queue", "k1_open", "water",
    }  # fmt: skip
    assert listed(city, client, centre=d1, subtree="true", overdue="true") == {"overdue", "water"}
    assert listed(city, client, centre=d1, subtree="true", risk_level="high") == {"water"}
    page = client.get(URL, {"centre": str(d1), "subtree": "true"}).content.decode()
    assert 'name="subtree" value="true" checked' in page
    # The centre is a type-ahead field holding its id, its name shown beside it (issue 21).
    assert f'name="centre" value="{d1}"' in page
    assert f"Chosen: {city.d1.name} ({city.d1.code})" in page


# --- Sorting and pages --------------------------------------------------------------------------


def ordered(client: Client, ordering: str) -> list[Case]:
    response = client.get(URL, {"ordering": ordering})
    assert response.status_code == 200
    return list(response.context["cases"])


def test_sorting_both_ways(city: Tree, admin: Client) -> None:
    by_number = numbers(ordered(admin, "number"))
    assert by_number == sorted(by_number) and len(by_number) == len(EVERY)
    assert numbers(ordered(admin, "-number")) == sorted(by_number, reverse=True)

    registered = [c.registered_at for c in ordered(admin, "registered_at")]
    assert registered == sorted(registered)
    newest = [c.registered_at for c in ordered(admin, "-registered_at")]
    assert newest == sorted(registered, reverse=True)
    assert [c.registered_at for c in ordered(admin, "")] == newest  # the default

    lifecycle = list(Status)
    ranks = [lifecycle.index(Status(c.status)) for c in ordered(admin, "status")]
    assert ranks == sorted(ranks)
    assert [lifecycle.index(Status(c.status)) for c in ordered(admin, "-status")] == sorted(
        ranks, reverse=True
    )

    risks = [c.risk_level for c in ordered(admin, "-risk_level")]
    assert risks[:2] == ["high", "attention"] and set(risks[2:]) == {"normal"}
    assert [c.risk_level for c in ordered(admin, "risk_level")][-2:] == ["attention", "high"]


def test_sorting_by_the_running_deadline(city: Tree, admin: Client) -> None:
    for ordering, descending in (("deadline", False), ("-deadline", True)):
        cases = ordered(admin, ordering)
        running = [c.running_deadline for c in cases]
        with_clock = [d for d in running if d is not None]
        assert running[: len(with_clock)] == sorted(with_clock, reverse=descending)
        assert all(d is None for d in running[len(with_clock) :])  # no clock: last either way
    # The most pressing first: high risk, registered 60 days ago, its decision due in a day.
    assert ordered(admin, "deadline")[0] == city.cases["water"]


def test_the_current_sort_is_marked_and_its_header_reverses_it(admin: Client) -> None:
    page = admin.get(URL).content.decode()
    assert 'aria-sort="descending"' in page  # registered, newest first
    assert f'href="{URL}?ordering=registered_at"' in page
    page = admin.get(URL, {"ordering": "number", "status": "registered"}).content.decode()
    header = page[page.index('aria-sort="ascending"') :]
    assert header.index(f'href="{URL}?ordering=-number&amp;status=registered"') < header.index(
        "</th>"
    )
    assert page.count("aria-sort=") == 1
    assert '<option value="number" selected>' in page


def test_pages_previous_and_next(
    city: Tree, admin: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(case_list_views, "PAGE_SIZE", 5)
    seen: list[str] = []
    url = f"{URL}?ordering=number"
    pages = 0
    while url:
        response = admin.get(url)
        assert response.status_code == 200
        pages += 1
        assert f"Page {pages}" in response.content.decode()
        seen += numbers(response.context["cases"])
        if pages > 1:
            assert response.context["previous_url"]
        else:
            assert not response.context["previous_url"]
        url = response.context["next_url"]
    assert pages == 4  # 16 cases: 5, 5, 5, 1
    assert seen == sorted(Case.objects.values_list("number", flat=True))  # no gap, no overlap

    second = admin.get(URL, {"ordering": "number", "page": "2"})
    assert second.context["previous_url"] == f"{URL}?ordering=number"  # back to page 1
    beyond = admin.get(URL, {"page": 99})
    assert beyond.status_code == 200 and beyond.context["cases"] == []
    assert "past the end of the list" in beyond.content.decode()


def test_a_page_costs_the_same_queries_for_5_and_60_cases(
    city: Tree,
    client_for: Callable[..., Client],
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    # A tree of its own (codes with a suffix beside the module's), its city director seeing all.
    tree = build_tree(unique_suffix())
    client = client_for(tree.director_c)

    def add(count: int) -> None:
        for i in range(count):
            case = register(actor=tree.admin, centre=tree.s1 if i % 2 else tree.s2)
            if i % 3 == 0:
                # The city's mediator: never at capacity, however many cases the test adds.
                drive(case, Status.IN_MEDIATION, actor=tree.admin, mediator=tree.med_c)

    add(5)
    with CaptureQueriesContext(connection) as few:
        response = client.get(URL, {"status": list(Status)})
    assert len(response.context["cases"]) == 5
    with CaptureQueriesContext(connection) as few_csv:
        read_csv(client.get(CSV_URL))
    add(55)
    # One query more: the count, which the first page of a short list does without (issue 21).
    with django_assert_max_num_queries(len(few) + 1):
        response = client.get(URL, {"status": list(Status)})
    assert len(response.context["cases"]) == 50 and response.context["next_url"]
    assert response.context["total"] == 60
    with django_assert_max_num_queries(len(few_csv)):
        assert len(read_csv(client.get(CSV_URL))) == 61


# --- Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"registered_from": "2026-13-45"}, "registered_from", "Enter a valid date."),
        ({"registered_to": "yesterday"}, "registered_to", "Enter a valid date."),
        (
            {"registered_from": "2026-03-10", "registered_to": "2026-03-09"},
            "registered_to",
            "The last day cannot be before the first day.",
        ),
        ({"centre": "999999"}, "centre", "Select a valid choice."),
        ({"centre": "abc"}, "centre", "Select a valid choice."),
        ({"status": "lost"}, "status", "Select a valid choice."),
        ({"channel": "pigeon"}, "channel", "Select a valid choice."),
        ({"risk_level": "extreme"}, "risk_level", "Select a valid choice."),
        ({"category": "999999"}, "category", "Select a valid choice."),
        ({"overdue": "maybe"}, "overdue", "Enter true or false."),
        ({"subtree": "perhaps"}, "subtree", "Enter true or false."),
        ({"ordering": "salary"}, "ordering", "Select a valid choice."),
    ],
)
def test_bad_filters_answer_400_with_the_error_at_the_field(
    city: Tree, admin: Client, params: dict[str, str], field: str, message: str
) -> None:
    events = Event.objects.count()
    response = admin.get(URL, params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert response.context["cases"] == []  # not a list that ignores the filter
    page = response.content.decode()
    assert message in field_html(page, field)
    assert "Correct the filters marked above" in page
    assert Event.objects.count() == events


def test_a_centre_or_mediator_outside_the_scope_is_an_error_not_an_empty_list(
    city: Tree, client_for: Callable[..., Client]
) -> None:
    client = client_for(city.director_d1)
    for params, field in (
        ({"centre": city.d2.pk}, "centre"),
        ({"mediator": city.med_s2.pk}, "mediator"),
    ):
        response = client.get(URL, params)
        assert response.status_code == 400
        assert "Select a valid choice." in field_html(response.content.decode(), field)
        # The same answer as for an id that does not exist: nothing is disclosed.
    missing = client.get(URL, {"centre": 999999}).context["form"].errors.get_json_data()
    foreign = client.get(URL, {"centre": city.d2.pk}).context["form"].errors.get_json_data()
    assert missing == foreign


def test_bad_page_numbers_are_errors(admin: Client) -> None:
    for page in ("0", "-1", "two", "10000000"):
        response = admin.get(URL, {"page": page})
        assert response.status_code == 400, page
        assert "Page:" in response.content.decode()


def test_the_csv_of_bad_filters_is_the_page_with_the_error(admin: Client) -> None:
    response = admin.get(CSV_URL, {"registered_from": "2026-02-30"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Enter a valid date." in field_html(response.content.decode(), "registered_from")


# --- HTMX ---------------------------------------------------------------------------------------


def test_htmx_gets_only_the_results_and_the_sort_order(city: Tree, admin: Client) -> None:
    response = admin.get(
        URL, {"ordering": "deadline", "status": "registered"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page and 'id="case-filters"' not in page
    assert 'id="case-ordering" hx-swap-oob="true"' in page
    assert '<option value="deadline" selected>' in page
    assert '<span id="case-filter-count" hx-swap-oob="true"> (1)</span>' in page
    assert city.cases["water"].number in page
    assert "HX-Request" in response["Vary"]


def test_htmx_with_bad_filters_gets_the_whole_form_back(admin: Client) -> None:
    response = admin.get(URL, {"registered_from": "2026-13-45"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#case-list"
    assert response["HX-Reswap"] == "outerHTML"
    page = response.content.decode()
    assert 'id="case-filters"' in page and "<html" not in page
    assert "Enter a valid date." in field_html(page, "registered_from")


def test_htmx_history_restore_gets_the_whole_page(admin: Client) -> None:
    response = admin.get(URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert response.status_code == 200
    assert "<html" in response.content.decode()


def test_the_form_updates_the_results_in_place(admin: Client) -> None:
    page = admin.get(URL).content.decode()
    form = page[page.index('<form id="case-filters"') :]
    form = form[: form.index(">")]
    # Posted (a search stays out of the address), and works without JavaScript.
    assert 'method="post"' in form and f'action="{URL}"' in form
    assert f'hx-post="{URL}"' in form and 'hx-target="#case-results"' in form
    assert 'hx-push-url="true"' in form


# --- The CSV ------------------------------------------------------------------------------------


def test_the_csv_is_the_filtered_sorted_list(city: Tree, admin: Client) -> None:
    params = {"centre": str(city.d1.pk), "subtree": "true", "ordering": "number"}
    listed_numbers = numbers(admin.get(URL, params).context["cases"])
    response = admin.get(CSV_URL, params)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().strftime("%Y%m%d")
    assert response["Content-Disposition"] == f'attachment; filename="cases-{today}.csv"'
    rows = read_csv(response)
    assert [row[0] for row in rows[1:]] == listed_numbers
    assert len(listed_numbers) == 11


def test_the_download_link_carries_the_filters(city: Tree, admin: Client) -> None:
    page = admin.get(URL, {"risk_level": "high", "q": "", "page": "1"}).content.decode()
    assert f'href="{CSV_URL}?risk_level=high"' in page
    rows = read_csv(admin.get(CSV_URL, {"risk_level": "high"}))
    assert [row[0] for row in rows[1:]] == [city.cases["water"].number]


def test_the_csv_in_english(city: Tree, admin: Client) -> None:
    rows = read_csv(admin.get(CSV_URL, {"q": city.cases["s1_co"].number}))
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[:3] == ["Case number", "Status", "Summary"]
    assert {"Handling centre", "Channel", "Risk level", "Lead mediator", "Parties"} <= set(header)
    assert row["Status"] == "In mediation"
    assert row["Channel"] == "Walk-in"
    assert row["Risk level"] == "Normal"
    assert row["Category"] == "Neighbours / Noise"
    assert row["Lead mediator"] == city.med_s1b.name
    assert row["Co-mediators"] == city.med_s1.name
    assert row["Parties"].startswith("张三 (Applicant")


def test_the_csv_in_chinese(city: Tree, client_for: Callable[..., Client]) -> None:
    client = client_for(city.admin, language="zh-hans")
    rows = read_csv(client.get(CSV_URL, {"q": city.cases["s1_co"].number}))
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[:2] == ["案号", "状态"]
    assert {"承办中心", "来源渠道", "风险等级", "主持调解员", "当事人"} <= set(header)
    assert row["状态"] == "调解中"
    assert row["来源渠道"] == "现场来访"
    assert row["当事人"].startswith("张三 (申请人")


def test_the_csv_shows_personal_data_masked_only(city: Tree, admin: Client) -> None:
    body = "\n".join(",".join(row) for row in read_csv(admin.get(CSV_URL)))
    water_phone = Party.objects.get(case=city.cases["water"]).phone_masked
    assert water_phone == "138****8000" and water_phone in body
    assert "13800138000" not in body  # the clear phone of 欧阳修
    assert "420***********1237" in body
    assert "420106198001011237" not in body and "13812345678" not in body
    assert "13900001111" not in body


def test_the_csv_is_scoped_like_the_list(city: Tree, client_for: Callable[..., Client]) -> None:
    for user in (city.intake_s1, city.court_liaison, city.mediator_s2_user):
        rows = read_csv(client_for(user).get(CSV_URL))
        expected = set(visible_cases(user).values_list("number", flat=True))
        assert {row[0] for row in rows[1:]} == expected
        assert len(rows) - 1 == len(expected)


def test_the_csv_defuses_formulas(city: Tree, admin: Client) -> None:
    case = register(actor=city.admin, centre=city.s1, summary='=HYPERLINK("http://x","y")')
    rows = read_csv(admin.get(CSV_URL, {"q": case.number}))
    assert rows[1][2] == '\'=HYPERLINK("http://x","y")'
