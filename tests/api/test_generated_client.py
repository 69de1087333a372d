"""An integrator's client, generated from the schema at test time, walks the API end to end.

The client is generated once per session as an integrator would (tests/api/generated.py, the
``api`` fixture). Every request below goes through its operation functions and models, never
through a hand-made request: what the tools cannot express, this test cannot do. Its clients raise
on any status the schema does not declare for the operation.
"""

import io
from datetime import timedelta
from enum import Enum
from typing import Any

import openpyxl
import pytest
from django.utils import timezone

from tests.api.generated import Api
from tests.factories import RoomFactory, Tree, seeded_category
from tests.reports.test_exports import pdf_lines

pytestmark = pytest.mark.django_db

PASSWORD = "walk-the-api-1"


# --- Answers ---------------------------------------------------------------------------------------


def ok(answer: Any, status: int = 200) -> Any:
    """The parsed answer of a successful call."""
    assert answer.status_code == status, (answer.status_code, answer.content[:500])
    assert answer.parsed is not None
    return answer.parsed


def value(choice: Any) -> Any:
    """A generated enum member's value (or the value itself where the schema has no enum)."""
    return choice.value if isinstance(choice, Enum) else choice


def error_of(api: Api, answer: Any, status: int, code: str) -> Any:
    """The error the generated client parsed from an error answer into the schema's one error
    model (``Error``: ``{"error": {"code", "message", "fields"}}``); its ``error``."""
    assert answer.status_code == status, (answer.status_code, answer.content[:500])
    assert isinstance(answer.parsed, api.model("Error")), type(answer.parsed)
    error = answer.parsed.error
    assert value(error.code) == code, (error.code, error.message)
    assert isinstance(error.message, str) and error.message
    return error


def fields_of(error: Any) -> dict[str, list[str]]:
    return dict(error.fields.to_dict())


# --- Signing in and transitions -------------------------------------------------------------------


def sign_in(api: Api, user: Any) -> Any:
    """A client carrying a token that the generated client obtained with a username and password."""
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    body = api.model("TokenRequestRequest")(username=user.username, password=PASSWORD)
    token = ok(api("auth_token_create", client=api.anonymous(), body=body)).token
    assert token
    return api.signed_in(token)


def read(api: Api, client: Any, case_id: int) -> tuple[Any, str]:
    """The case and its ETag."""
    answer = api("cases_retrieve", id=case_id, client=client)
    case = ok(answer)
    assert answer.headers["ETag"] == f'"{case.version}"'
    return case, answer.headers["ETag"]


def transition(api: Api, client: Any, case_id: int, name: str, etag: str, **fields: Any) -> Any:
    """Perform transition ``name`` with ``If-Match: etag``: the generated client's answer.

    Each transition is an operation of its own (``cases_transitions_<name>``) with its typed body
    (``<Name>Request``), built from the fields as the generated model reads them."""
    body = api.model(f"{name.title().replace('_', '')}Request").from_dict(fields)
    return api(f"cases_transitions_{name}", id=case_id, client=client, body=body, if_match=etag)


def step(
    api: Api, client: Any, case_id: int, name: str, etag: str, **fields: Any
) -> tuple[Any, str]:
    """Perform a transition that must succeed; the case and its new ETag."""
    answer = transition(api, client, case_id, name, etag, **fields)
    case = ok(answer)
    assert answer.headers["ETag"] == f'"{case.version}"' != etag, (name, answer.headers["ETag"])
    return case, answer.headers["ETag"]


def register(api: Api, client: Any, centre: int, summary: str, key: str, **extra: Any) -> Any:
    """Register a case with an applicant and a respondent (typed models); the answer."""
    party = api.model("PartyInputRequest")
    role = api.model("PartyRoleEnum")
    body = api.model("CaseCreateRequest")(
        centre=centre,
        channel=api.model("ChannelEnum")(extra.pop("channel", "walk_in")),
        category=extra.pop("category"),
        summary=summary,
        facts="每晚十点后仍在施工，已持续两周。",
        parties=[
            party(role=role.APPLICANT, name="张三", phone="13812345678"),
            party(role=role.RESPONDENT, name="李四", phone="13900139000"),
        ],
        **extra,
    )
    return api("cases_create", client=client, body=body, idempotency_key=key)


def find_centre(api: Api, client: Any, code: str) -> int:
    listed = ok(api("centres_list", client=client, q=code)).results
    return next(centre.id for centre in listed if centre.code == code)


def find_category(api: Api, client: Any, code: str) -> int:
    listed = ok(api("categories_list", client=client, page_size=200)).results
    return next(category.id for category in listed if category.code == code)


def find_mediator(api: Api, client: Any, name: str, **filters: Any) -> int:
    listed = ok(api("mediators_list", client=client, page_size=200, **filters)).results
    return next(mediator.id for mediator in listed if mediator.name == name)


# --- The walk -------------------------------------------------------------------------------------


def test_a_case_from_intake_to_the_monthly_report(api: Api, tree: Tree) -> None:
    RoomFactory.create(centre=tree.s1, name="第一调解室")
    seeded_category()
    window, director = sign_in(api, tree.intake_s1), sign_in(api, tree.director_d1)
    mediator = sign_in(api, tree.mediator_s1_user)
    observer = sign_in(api, tree.observer_d1)

    # Intake, safe to repeat with its Idempotency-Key.
    street = find_centre(api, window, tree.s1.code)
    noise = find_category(api, window, "noise")
    answer = register(api, window, street, "楼上装修噪音扰民", "walk-1", category=noise)
    case = ok(answer, 201)
    assert answer.headers["ETag"] == '"1"'
    assert (value(case.status), case.centre, case.number) == (
        "registered",
        street,
        f"{tree.s1.code}-{timezone.localdate().year}-00001",
    )
    assert [(p.name, value(p.role), p.phone) for p in case.parties] == [
        ("张三", "applicant", "138****5678"),
        ("李四", "respondent", "139****9000"),
    ]
    replay = register(api, window, street, "楼上装修噪音扰民", "walk-1", category=noise)
    assert (ok(replay, 201).id, replay.parsed.number) == (case.id, case.number)
    assert replay.headers["Idempotent-Replayed"] == "true"

    # The director reads it, accepts, extends the deadline once and assigns the mediator.
    _, etag = read(api, director, case.id)
    offered = ok(api("cases_transitions_list", id=case.id, client=director))
    assert [value(t.name) for t in offered] == ["accept", "decline", "transfer", "extend"]
    transfer = next(t for t in offered if value(t.name) == "transfer")
    assert [(f.name, value(f.type_), f.required) for f in transfer.fields] == [
        ("target_centre", "integer", True),
        ("reason", "string", True),
    ]
    error_of(api, transition(api, director, case.id, "accept", ""), 428, "precondition_required")
    outsider = sign_in(api, tree.director_d2)
    error_of(api, api("cases_retrieve", id=case.id, client=outsider), 404, "not_found")
    error_of(api, transition(api, outsider, case.id, "accept", etag), 404, "not_found")
    read_before = etag
    accepted, etag = step(api, director, case.id, "accept", etag)
    stale = transition(api, director, case.id, "decline", read_before, reason="重复登记")
    assert error_of(api, stale, 412, "precondition_failed").current_version == accepted.version
    assert value(accepted.status) == "accepted" and accepted.due_at is not None
    extended, etag = step(api, director, case.id, "extend", etag, days=10, reason="当事人外出务工")
    assert extended.extension_days == 10
    assert extended.due_at == accepted.due_at + timedelta(days=10)
    lead = find_mediator(api, director, "王调解", centre=street)
    assigned, etag = step(
        api, director, case.id, "assign", etag, lead_mediator=lead, co_mediators=[]
    )
    assert (value(assigned.status), assigned.lead_mediator) == ("in_mediation", lead)

    # The mediator books a session in a room of the centre and records it as held.
    room = ok(api("rooms_list", client=mediator, centre=street)).results[0].id
    starts = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    booking = api.model("SessionCreateRequest")
    session = ok(
        api(
            "sessions_create",
            client=mediator,
            body=booking(
                case=case.id, starts_at=starts, ends_at=starts + timedelta(hours=1),
                mediators=[lead], room=room, parties_present=[p.id for p in case.parties],
            ),
        ),
        201,
    )  # fmt: skip
    assert (session.room, session.mediators, value(session.status)) == (room, [lead], "scheduled")
    assert session.parties_present == [p.id for p in case.parties]
    clash = api(
        "sessions_create",
        client=mediator,
        body=booking(
            case=case.id, starts_at=starts + timedelta(minutes=30),
            ends_at=starts + timedelta(hours=2), mediators=[lead],
        ),
    )  # fmt: skip
    error_of(api, clash, 409, "double_booked")
    refused = api(
        "sessions_create",
        client=observer,
        body=booking(
            case=case.id, starts_at=starts + timedelta(days=1),
            ends_at=starts + timedelta(days=1, hours=1), mediators=[lead],
        ),
    )  # fmt: skip
    error_of(api, refused, 403, "permission_denied")
    held = ok(
        api(
            "sessions_partial_update",
            id=session.id,
            client=mediator,
            body=api.model("PatchedSessionRecordRequest")(
                minutes="双方同意晚十点后停止施工。", result="达成一致"
            ),
        )
    )
    assert (value(held.status), held.result) == ("held", "达成一致")

    # A pause, then the agreement.
    offered = ok(api("cases_transitions_list", id=case.id, client=mediator))
    (agreement,) = next(t for t in offered if value(t.name) == "resolve").fields
    assert (agreement.name, value(agreement.type_)) == ("agreement", "object")
    assert {f.name for f in agreement.fields if f.required} == {"terms"}
    suspended, etag = step(api, mediator, case.id, "suspend", etag, reason="申请人住院")
    assert value(suspended.status) == "suspended"
    _, etag = step(api, mediator, case.id, "resume", etag)
    unsigned = transition(api, mediator, case.id, "resolve", etag, agreement={"terms": ""})
    assert list(fields_of(error_of(api, unsigned, 400, "invalid"))) == ["agreement.terms"]
    resolved, etag = step(
        api,
        mediator,
        case.id,
        "resolve",
        etag,
        agreement={
            "terms": "乙方晚十点后不再施工，并赔偿甲方损失500元。",
            "amount_agreed": "500.00",
            "performance_deadline": str(timezone.localdate() + timedelta(days=30)),
        },
    )
    assert (value(resolved.status), value(resolved.outcome)) == ("resolved", "resolved")

    # Closing schedules the follow-up visit, which the mediator records.
    closed, etag = step(api, director, case.id, "close", etag)
    assert value(closed.status) == "closed" and closed.closed_at is not None
    late = transition(api, director, case.id, "suspend", etag, reason="太迟了")
    error_of(api, late, 409, "transition_not_allowed")
    due = ok(api("follow_ups_list", client=mediator, case=case.id, done=False)).results
    assert [(f.case, f.done) for f in due] == [(case.id, False)]
    visit = api.model("FollowUpRecordRequest")
    method, fulfilment = api.model("ContactMethodEnum"), api.model("FulfilmentEnum")
    wrong = api(
        "follow_ups_partial_update",
        id=due[0].id,
        client=mediator,
        body=visit(contact_method=method.PHONE, fulfilment=fulfilment.FULFILLED, satisfaction=9),
    )
    assert list(fields_of(error_of(api, wrong, 400, "invalid"))) == ["satisfaction"]
    recorded = ok(
        api(
            "follow_ups_partial_update",
            id=due[0].id,
            client=mediator,
            body=visit(
                contact_method=method.PHONE, fulfilment=fulfilment.FULFILLED, satisfaction=5,
                note="已停止夜间施工，赔偿已付。",
            ),
        )
    )  # fmt: skip
    assert (recorded.done, value(recorded.fulfilment), recorded.satisfaction) == (
        True,
        "fulfilled",
        5,
    )

    # The timeline: one event per step.
    timeline = ok(api("cases_events_list", id=case.id, client=director)).results
    assert [(value(e.kind), e.name) for e in timeline] == [
        ("intake", "register"),
        ("transition", "accept"),
        ("transition", "extend"),
        ("transition", "assign"),
        ("session", "book_session"),
        ("session", "record_session"),
        ("transition", "suspend"),
        ("transition", "resume"),
        ("transition", "resolve"),
        ("transition", "close"),
        ("follow_up", "record_follow_up"),
    ]

    # The street centre's report for this month, as its district director reads it.
    scope = api.model("ReportsMonthlyRetrieveScope")
    report = ok(api("reports_monthly_retrieve", client=director, centre=street, scope=scope.CENTRE))
    assert (report.centre.id, report.live) == (street, True)
    figures = report.figures
    assert (figures.received, figures.accepted, figures.resolved, figures.success_rate) == (
        1,
        1,
        1,
        1.0,
    )
    assert (figures.amount_agreed, figures.follow_ups_done, figures.mean_satisfaction) == (
        "500.00",
        1,
        5.0,
    )
    # ... and its files, each saved as it comes.
    month = report.month
    for kind in ("csv", "xlsx", "pdf"):
        answer = api(
            f"reports_monthly_{kind}_retrieve",
            client=director,
            centre=street,
            scope=api.model(f"ReportsMonthly{kind.title()}RetrieveScope").CENTRE,
        )
        saved = ok(answer).payload.read()
        disposition = answer.headers["Content-Disposition"]
        assert f'filename="report-{tree.s1.code}-{month}-centre.{kind}"' in disposition
        if kind == "csv":
            assert saved.startswith(b"\xef\xbb\xbf") and f"{tree.s1.code}".encode() in saved
        elif kind == "xlsx":
            assert "Figures" in openpyxl.load_workbook(io.BytesIO(saved)).sheetnames
        else:
            assert any("Received" in line for line in pdf_lines(saved))
    later = f"{timezone.localdate().year + 1}-01"
    too_early = api("reports_monthly_retrieve", client=director, centre=street, month=later)
    assert list(fields_of(error_of(api, too_early, 400, "invalid"))) == ["month"]
    elsewhere = find_centre(api, sign_in(api, tree.admin), tree.d2.code)
    error_of(
        api, api("reports_monthly_retrieve", client=director, centre=elsewhere), 404, "not_found"
    )

    # Signing out revokes the token: the next call is 401.
    assert api("auth_logout_create", client=director).status_code == 204
    error_of(api, api("cases_retrieve", id=case.id, client=director), 401, "authentication_failed")


def test_a_court_entrusted_case_goes_back_to_the_court_with_its_summary(
    api: Api, tree: Tree
) -> None:
    seeded_category()
    window, director = sign_in(api, tree.intake_s1), sign_in(api, tree.director_d1)
    court = sign_in(api, tree.court_liaison)
    street = find_centre(api, window, tree.s1.code)
    answer = register(
        api, window, street, "物业费纠纷（法院委派）", "court-1",
        category=find_category(api, window, "noise"), channel="court_entrusted",
        entrusting_court=tree.court.pk, court_case_number="（2026）鄂0102民诉前调7号",
        entrusted_on=timezone.localdate(),
    )  # fmt: skip
    case, etag = ok(answer, 201), answer.headers["ETag"]
    district = find_centre(api, director, tree.d1.code)

    # Sent up to the district, which takes it over and finds no agreement.
    moving, etag = step(
        api, director, case.id, "transfer", etag, target_centre=district, reason="需上级调处"
    )
    assert (value(moving.status), moving.transfer_target) == ("pending_transfer", district)
    taken, etag = step(api, director, case.id, "accept_transfer", etag)
    assert (value(taken.status), taken.centre) == ("accepted", district)
    notable = find_mediator(api, director, "钱老")
    _, etag = step(api, director, case.id, "assign", etag, lead_mediator=notable, co_mediators=[])
    failed, etag = step(
        api, director, case.id, "fail", etag, guidance="litigation", note="建议诉讼"
    )
    assert (value(failed.status), value(failed.fail_guidance)) == ("failed", "litigation")

    # The court downloads the closing summary and saves it.
    answer = api("cases_closing_summary_retrieve", id=case.id, client=court)
    summary = ok(answer)
    content = summary.payload.read()
    assert answer.headers["Content-Type"] == "application/pdf"
    assert f"{case.number}-closing-summary.pdf" in answer.headers["Content-Disposition"]
    text = "\n".join(pdf_lines(content))
    assert case.number in text and "（2026）鄂0102民诉前调7号" in text and "Litigation" in text


def test_the_other_ends_of_a_case(api: Api, tree: Tree) -> None:
    seeded_category()
    window, director = sign_in(api, tree.intake_s1), sign_in(api, tree.director_d1)
    street = find_centre(api, window, tree.s1.code)
    district = find_centre(api, director, tree.d1.code)
    noise = find_category(api, window, "noise")

    def registered(key: str) -> tuple[int, str]:
        answer = register(api, window, street, "邻里纠纷", key, category=noise)
        return ok(answer, 201).id, answer.headers["ETag"]

    # Declined at the door.
    declined_id, etag = registered("end-1")
    declined, _ = step(api, director, declined_id, "decline", etag, reason="不属于受理范围")
    assert value(declined.status) == "declined"

    # Withdrawn by the applicant, recorded at the window.
    withdrawn_id, etag = registered("end-2")
    _, etag = step(api, director, withdrawn_id, "accept", etag)
    withdrawn, _ = step(api, window, withdrawn_id, "withdraw", etag, reason="当事人自行和解")
    assert value(withdrawn.status) == "withdrawn"

    # Sent up and returned: back where it was, at the street centre.
    returned_id, etag = registered("end-3")
    _, etag = step(
        api, director, returned_id, "transfer", etag, target_centre=district, reason="上报"
    )
    returned, _ = step(api, director, returned_id, "return_transfer", etag, reason="应由街道调处")
    assert (value(returned.status), returned.centre, returned.transfer_target) == (
        "registered",
        street,
        None,
    )
