"""Bad input is a 4xx in the error shape naming the field, and changes nothing (issue 15).

A body over the upload limit (413), JSON nested too deep, a forged cursor, ids that are not whole
numbers or lie outside the 64-bit range, an unknown transition (404), an ``If-Match`` that is not
the current version (412), and a read-only role's bad body (403: permission before validation).
"""

import base64
from collections.abc import Callable
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client

from cases import workflow
from cases.models import Case, Event, FollowUp, Notification, NotificationKind, Session, Status
from tests.api.support import assert_error, client_for, results
from tests.factories import RoomFactory, Tree, drive, register, seeded_category

pytestmark = pytest.mark.django_db

TOO_BIG = 99999999999999999999  # > 2**63 - 1
FRACTION = object()  # the right id plus 0.5
CASES = "/api/v1/cases/"


def intake_body(tree: Tree, **changes: Any) -> dict[str, Any]:
    return {
        "centre": tree.s1.pk,
        "channel": "walk_in",
        "category": seeded_category().pk,
        "summary": "楼上漏水",
        "parties": [{"role": "applicant", "name": "张三", "phone": "13800138000"}],
        **changes,
    }


def etag(case: Case) -> dict[str, str]:
    return {"If-Match": f'"{Case.objects.get(pk=case.pk).version}"'}


def snapshot(case: Case) -> dict[str, Any]:
    return {
        "row": Case.objects.filter(pk=case.pk).values().get(),
        "events": Event.objects.filter(case=case).count(),
    }


# --- The size of a body --------------------------------------------------------------------------


class TestBodyOverTheUploadLimit:
    def test_signing_in_anonymously_is_413(self, settings: Any) -> None:
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        response = client_for(None).post(
            "/api/v1/auth/token/", {"username": "x" * 2000, "password": "y"}, format="json"
        )
        error = assert_error(response, 413, "request_too_large")
        assert "1000" in error["message"]

    def test_an_intake_is_413_and_registers_nothing(self, tree: Tree, settings: Any) -> None:
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        body = intake_body(tree, facts="漏" * 1000)
        response = client_for(tree.intake_s1, language="zh-hans").post(
            CASES, body, format="json", headers={"Idempotency-Key": "big"}
        )
        assert_error(response, 413, "request_too_large")
        assert not Case.objects.exists()

    def test_outside_the_api_views_the_api_still_answers_json(self, settings: Any) -> None:
        """A body read by middleware (as a CSRF check reads a form) fails before any API view."""
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.ReadsTheForm"]
        form = "name=" + "x" * 2000
        response = Client().post(CASES, form, content_type="application/x-www-form-urlencoded")
        assert_error(response, 413, "request_too_large")
        page = Client().post("/cases/new/", form, content_type="application/x-www-form-urlencoded")
        assert page.status_code == 400
        assert not page["Content-Type"].startswith("application/json")


class ReadsTheForm:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.POST.get("csrfmiddlewaretoken")
        return self.get_response(request)


# --- JSON nested too deep ------------------------------------------------------------------------


class TestDeepJson:
    @pytest.mark.parametrize("depth", [1000, 100])
    def test_deep_nesting_is_400(self, tree: Tree, depth: int) -> None:
        body = '{"parties": ' + "[" * depth + "]" * depth + "}"
        response = client_for(tree.intake_s1).post(CASES, body, content_type="application/json")
        error = assert_error(response, 400, "parse_error")
        assert "nested" in error["message"]
        assert not Case.objects.exists()

    def test_deep_nesting_in_an_anonymous_sign_in_is_400(self) -> None:
        body = "[" * 1000 + "]" * 1000
        response = client_for(None).post(
            "/api/v1/auth/token/", body, content_type="application/json"
        )
        assert_error(response, 400, "parse_error")

    def test_ordinary_nesting_still_parses(self, tree: Tree) -> None:
        response = client_for(tree.intake_s1).post(CASES, intake_body(tree), format="json")
        assert response.status_code == 201, response.content


# --- Cursors -------------------------------------------------------------------------------------


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class TestCursor:
    @pytest.mark.parametrize(
        ("url", "cursor"),
        [
            (CASES, "cD0xJyBPUiAxPTEgLS0="),  # p=1' OR 1=1 --
            (CASES, "garbage"),
            (CASES, b64("o=-1")),
            (CASES, b64("r=x")),
            (CASES, b64(f"p={TOO_BIG}")),
            (CASES + "?ordering=registered_at", b64("p=yesterday")),
            ("/api/v1/parties/", b64("p=1.5")),
            ("/api/v1/notifications/", b64("p=abc")),
            ("/api/v1/users/?ordering=username", b64("p=a\x00b")),
        ],
    )
    def test_a_forged_cursor_is_400_naming_it(self, tree: Tree, url: str, cursor: str) -> None:
        register(actor=tree.admin, centre=tree.s1)
        separator = "&" if "?" in url else "?"
        response = client_for(tree.admin).get(f"{url}{separator}cursor={cursor}")
        error = assert_error(response, 400, "invalid")
        assert set(error["fields"]) == {"cursor"}

    def test_the_cursors_the_api_gives_still_work(self, tree: Tree) -> None:
        for _ in range(3):
            register(actor=tree.admin, centre=tree.s1)
        client = client_for(tree.admin)
        for ordering in ("-id", "registered_at", "-due_at", "number"):
            first = client.get(CASES, {"page_size": 2, "ordering": ordering})
            following = client.get(first.json()["next"])
            assert following.status_code == 200, (ordering, following.content)
            ids = [c["id"] for c in results(first) + results(following)]
            assert len(set(ids)) == 3, ordering


# --- Ids in query strings ------------------------------------------------------------------------

ID_FILTERS = [
    ("/api/v1/parties/", "case"),
    ("/api/v1/sessions/", "case"),
    ("/api/v1/agreements/", "case"),
    ("/api/v1/transfers/", "case"),
    ("/api/v1/follow-ups/", "case"),
    ("/api/v1/sessions/", "mediator"),
    ("/api/v1/sessions/", "room"),
    ("/api/v1/transfers/", "centre"),
    (CASES, "centre"),
    (CASES, "registering_centre"),
    (CASES, "category"),
    (CASES, "mediator"),
    ("/api/v1/centres/", "parent"),
    ("/api/v1/centres/", "subtree"),
    ("/api/v1/categories/", "parent"),
    ("/api/v1/mediators/", "centre"),
    ("/api/v1/mediators/", "specialty"),
    ("/api/v1/rooms/", "centre"),
    ("/api/v1/users/", "centre"),
    ("/api/v1/reports/monthly/", "centre"),
    ("/api/v1/reports/trend/", "centre"),
    ("/api/v1/reports/rankings/", "centre"),
    ("/api/v1/reports/snapshots/", "centre"),
]


@pytest.mark.parametrize("value", [str(TOO_BIG), "1.5", "1.0", "1e3", "-1", "0", "abc"])
@pytest.mark.parametrize(("url", "param"), ID_FILTERS)
def test_an_id_filter_refuses_what_is_no_id(tree: Tree, url: str, param: str, value: str) -> None:
    response = client_for(tree.admin).get(url, {param: value})
    error = assert_error(response, 400, "invalid")
    assert param in error["fields"], error


def test_a_fractional_case_filter_no_longer_lists_another_case(tree: Tree) -> None:
    """``?case=1.5`` listed the parties of case 1."""
    case = register(actor=tree.admin, centre=tree.s1)
    client = client_for(tree.admin)
    assert len(results(client.get("/api/v1/parties/", {"case": case.pk}))) == 2
    assert_error(client.get("/api/v1/parties/", {"case": f"{case.pk}.5"}), 400, "invalid")


def test_marking_notifications_with_ids_out_of_range_is_400(tree: Tree) -> None:
    case = register(actor=tree.admin, centre=tree.s1)
    mine = Notification.objects.create(
        user=tree.observer_d1, case=case, kind=NotificationKind.OVERDUE, key="n1"
    )
    client = client_for(tree.observer_d1)
    for ids in ([TOO_BIG], [mine.pk + 0.5], [f"{mine.pk}.0"], [True]):
        response = client.post("/api/v1/notifications/read/", {"ids": ids}, format="json")
        error = assert_error(response, 400, "invalid")
        assert set(error["fields"]) == {"ids.0"}, (ids, error)
    assert Notification.objects.get(pk=mine.pk).read_at is None


# --- Ids in bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["fraction", "string fraction", "whole float", "too big", "bool"])
@pytest.mark.parametrize("field", ["centre", "category", "entrusting_court"])
def test_an_intake_refuses_an_id_that_is_no_whole_number(tree: Tree, field: str, bad: str) -> None:
    good = {
        "centre": tree.s1.pk,
        "category": seeded_category().pk,
        "entrusting_court": tree.court.pk,
    }
    value = {
        "fraction": good[field] + 0.5,
        "string fraction": f"{good[field]}.5",
        "whole float": float(good[field]),
        "too big": TOO_BIG,
        "bool": True,
    }[bad]
    body = intake_body(tree, **{field: value})
    if field == "entrusting_court":
        body.update(channel="court_entrusted", court_case_number="(2026)鄂0102民诉前调1号")
    response = client_for(tree.admin).post(CASES, body, format="json")
    error = assert_error(response, 400, "invalid")
    assert field in error["fields"], error
    assert not Case.objects.exists()


def test_an_edit_refuses_a_fractional_category(tree: Tree) -> None:
    case = register(actor=tree.admin, centre=tree.s1)
    before = snapshot(case)
    response = client_for(tree.admin).patch(
        f"{CASES}{case.pk}/",
        {"category": case.category_id + 0.5},
        format="json",
        headers=etag(case),
    )
    assert set(assert_error(response, 400, "invalid")["fields"]) == {"category"}
    assert snapshot(case) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("case", FRACTION),
        ("case", TOO_BIG),
        ("mediators", FRACTION),
        ("mediators", TOO_BIG),
        ("room", FRACTION),
        ("parties_present", FRACTION),
        ("parties_present", TOO_BIG),
    ],
)
def test_a_booking_refuses_ids_that_are_no_whole_numbers(
    tree: Tree, field: str, value: Any
) -> None:
    case = drive(
        register(actor=tree.admin, centre=tree.s1), Status.IN_MEDIATION, actor=tree.admin,
        mediator=tree.med_s1,
    )  # fmt: skip
    room = RoomFactory.create(centre=tree.s1)
    good = {
        "case": case.pk,
        "mediators": tree.med_s1.pk,
        "room": room.pk,
        "parties_present": case.parties.order_by("position")[0].pk,
    }
    wrong = good[field] + 0.5 if value is FRACTION else value
    body: dict[str, Any] = {
        "case": case.pk,
        "starts_at": "2030-03-10T09:30:00+08:00",
        "ends_at": "2030-03-10T11:00:00+08:00",
        "mediators": [tree.med_s1.pk],
        "room": room.pk,
        "parties_present": [good["parties_present"]],
    }
    body[field] = [wrong] if isinstance(body[field], list) else wrong
    response = client_for(tree.admin).post("/api/v1/sessions/", body, format="json")
    error = assert_error(response, 400, "invalid")
    assert [name.split(".")[0] for name in error["fields"]] == [field], error
    assert not Session.objects.exists()


def test_a_new_account_refuses_a_fractional_centre(tree: Tree) -> None:
    body = {
        "username": "fractional",
        "memberships": [{"centre": tree.s1.pk + 0.5, "role": "intake"}],
    }
    response = client_for(tree.admin).post("/api/v1/users/", body, format="json")
    assert set(assert_error(response, 400, "invalid")["fields"]) == {"memberships.0.centre"}


class TestTransitionBodies:
    def test_a_transfer_to_a_fractional_centre_moves_nothing(self, tree: Tree) -> None:
        """``target_centre: 1.5`` sent a case to centre 1 (the city centre)."""
        case = register(actor=tree.admin, centre=tree.s1)
        before = snapshot(case)
        for value in (tree.c.pk + 0.5, f"{tree.c.pk}.5", float(tree.c.pk), TOO_BIG, True):
            response = client_for(tree.admin).post(
                f"{CASES}{case.pk}/transitions/transfer/",
                {"target_centre": value, "reason": "需上级调处"},
                format="json",
                headers=etag(case),
            )
            error = assert_error(response, 400, "invalid")
            assert set(error["fields"]) == {"target_centre"}, (value, error)
        assert snapshot(case) == before

    @pytest.mark.parametrize(
        ("field", "value"),
        [("lead_mediator", "fraction"), ("co_mediators", "fraction"), ("lead_mediator", TOO_BIG)],
    )
    def test_an_assignment_refuses_fractional_mediators(
        self, tree: Tree, field: str, value: Any
    ) -> None:
        case = drive(register(actor=tree.admin, centre=tree.s1), Status.ACCEPTED, actor=tree.admin)
        before = snapshot(case)
        body: dict[str, Any] = {"lead_mediator": tree.med_s1.pk, "co_mediators": []}
        if value == "fraction":
            value = tree.med_s1b.pk + 0.5
        body[field] = [value] if field == "co_mediators" else value
        response = client_for(tree.admin).post(
            f"{CASES}{case.pk}/transitions/assign/", body, format="json", headers=etag(case)
        )
        assert field in assert_error(response, 400, "invalid")["fields"]
        assert snapshot(case) == before

    @pytest.mark.parametrize("days", [5.5, 5.0, "5.5", TOO_BIG])
    def test_an_extension_refuses_days_that_are_no_whole_number(
        self, tree: Tree, days: Any
    ) -> None:
        case = register(actor=tree.admin, centre=tree.s1)
        before = snapshot(case)
        response = client_for(tree.admin).post(
            f"{CASES}{case.pk}/transitions/extend/",
            {"days": days, "reason": "当事人外出"},
            format="json",
            headers=etag(case),
        )
        assert set(assert_error(response, 400, "invalid")["fields"]) == {"days"}
        assert snapshot(case) == before


def scheduled_follow_up(tree: Tree) -> FollowUp:
    """The follow-up that closing a resolved case schedules."""
    resolved = drive(
        register(actor=tree.admin, centre=tree.s1), Status.RESOLVED, actor=tree.admin,
        mediator=tree.med_s1,
    )  # fmt: skip
    workflow.transition(case=resolved, name="close", actor=tree.admin, data={})
    return FollowUp.objects.get(case=resolved)


@pytest.mark.parametrize("satisfaction", [4.5, 4.0, "4.5", True])
def test_a_follow_up_refuses_a_satisfaction_that_is_no_whole_number(
    tree: Tree, satisfaction: Any
) -> None:
    follow_up = scheduled_follow_up(tree)
    body = {"contact_method": "phone", "fulfilment": "fulfilled", "satisfaction": satisfaction}
    response = client_for(tree.admin).patch(
        f"/api/v1/follow-ups/{follow_up.pk}/", body, format="json"
    )
    assert set(assert_error(response, 400, "invalid")["fields"]) == {"satisfaction"}
    assert FollowUp.objects.get(pk=follow_up.pk).done_at is None


# --- Transitions: unknown names, If-Match -------------------------------------------------------


def test_an_unknown_transition_is_404(tree: Tree) -> None:
    case = register(actor=tree.admin, centre=tree.s1)
    before = snapshot(case)
    response = client_for(tree.director_d1).post(
        f"{CASES}{case.pk}/transitions/teleport/", {}, format="json", headers=etag(case)
    )
    assert_error(response, 404, "not_found")
    assert snapshot(case) == before
    # A known transition the case's status does not allow stays 409.
    refused = client_for(tree.director_d1).post(
        f"{CASES}{case.pk}/transitions/close/", {}, format="json", headers=etag(case)
    )
    assert_error(refused, 409, "transition_not_allowed")


@pytest.mark.parametrize("body", [[], ["reason"], "accept", 7])
def test_a_transition_body_that_is_no_object_is_400_and_changes_nothing(
    tree: Tree, body: Any
) -> None:
    case = register(actor=tree.admin, centre=tree.s1)
    before = snapshot(case)
    response = client_for(tree.director_d1).post(
        f"{CASES}{case.pk}/transitions/accept/", body, format="json", headers=etag(case)
    )
    error = assert_error(response, 400, "invalid")
    assert error["fields"] == {"__all__": ["Send the body as a JSON object."]}
    assert snapshot(case) == before


class TestIfMatch:
    @pytest.mark.parametrize("header", ['"abc"', '"stale-0"', "abc", '"0"', 'W/"x"', '""'])
    def test_a_version_that_is_not_the_current_one_is_412(self, tree: Tree, header: str) -> None:
        case = register(actor=tree.admin, centre=tree.s1)
        before = snapshot(case)
        client = client_for(tree.director_d1)
        edit = client.patch(
            f"{CASES}{case.pk}/", {"summary": "改"}, format="json", headers={"If-Match": header}
        )
        accept = client.post(
            f"{CASES}{case.pk}/transitions/accept/", {}, format="json", headers={"If-Match": header}
        )
        for response in (edit, accept):
            error = assert_error(response, 412, "precondition_failed")
            assert error["current_version"] == case.version
        assert snapshot(case) == before

    def test_a_star_matches_any_version(self, tree: Tree) -> None:
        case = register(actor=tree.admin, centre=tree.s1)
        client = client_for(tree.director_d1)
        star = {"If-Match": "*"}
        edited = client.patch(f"{CASES}{case.pk}/", {"summary": "改"}, format="json", headers=star)
        assert edited.status_code == 200, edited.content
        accepted = client.post(
            f"{CASES}{case.pk}/transitions/accept/", {}, format="json", headers=star
        )
        assert accepted.status_code == 200, accepted.content
        assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED

    def test_a_list_of_etags_holding_the_current_one_matches(self, tree: Tree) -> None:
        case = register(actor=tree.admin, centre=tree.s1)
        header = f'"{case.version + 3}", "{case.version}"'
        response = client_for(tree.director_d1).patch(
            f"{CASES}{case.pk}/", {"summary": "改"}, format="json", headers={"If-Match": header}
        )
        assert response.status_code == 200, response.content

    def test_only_a_missing_header_is_428(self, tree: Tree) -> None:
        case = register(actor=tree.admin, centre=tree.s1)
        for headers in ({}, {"If-Match": ""}, {"If-Match": "  "}):
            response = client_for(tree.director_d1).post(
                f"{CASES}{case.pk}/transitions/accept/", {}, format="json", headers=headers
            )
            assert_error(response, 428, "precondition_required")


# --- Permission before validation ----------------------------------------------------------------


def test_an_observers_bad_follow_up_is_403(tree: Tree) -> None:
    follow_up = scheduled_follow_up(tree)
    response = client_for(tree.observer_d1).patch(
        f"/api/v1/follow-ups/{follow_up.pk}/", {"satisfaction": "very"}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    assert FollowUp.objects.get(pk=follow_up.pk).done_at is None
