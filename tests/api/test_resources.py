"""The API's resources besides cases: each one's happy path and the main refusal of each write."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from cases import workflow
from cases.models import (
    Agreement,
    Case,
    Event,
    FollowUp,
    IdempotencyKey,
    Membership,
    Role,
    Session,
    Status,
    Transfer,
)
from tests.factories import (
    CategoryFactory,
    MediatorFactory,
    RoomFactory,
    Tree,
    data_for,
    drive,
    register,
    seeded_category,
)

pytestmark = pytest.mark.django_db

User = get_user_model()


def api(user: Any, language: str = "en") -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE=language)
    return client


def error_fields(response: Any, status: int, code: str | None = None) -> dict[str, list[str]]:
    """The error shape, asserted; returns its ``fields``."""
    assert response.status_code == status, (response.status_code, response.content[:400])
    error = response.json()["error"]
    assert set(error) >= {"code", "message", "fields"}
    if code is not None:
        assert error["code"] == code, error
    return dict(error["fields"])


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content[:400]
    return [item["id"] for item in response.json()["results"]]


def soon(days: int = 2, hours: int = 0) -> Any:
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    return start + timedelta(days=days, hours=hours)


def session_body(tree: Tree, case: Case, **overrides: Any) -> dict[str, Any]:
    starts = overrides.pop("starts_at", soon())
    return {
        "case": case.pk,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(),
        "mediators": [tree.med_s1.pk],
        "mode": "in_person",
        **overrides,
    }


def closed_resolved(tree: Tree, **agreement: Any) -> Case:
    """A resolved case at S1, led by med_s1, closed: its agreement and follow-up exist."""
    case = register(actor=tree.admin, centre=tree.s1)
    case = drive(case, Status.IN_MEDIATION, actor=tree.admin, mediator=tree.med_s1)
    case = workflow.transition(
        case=case,
        name="resolve",
        actor=tree.admin,
        data={"agreement": {"terms": "按期赔偿", "amount_agreed": "800.00", **agreement}},
    )
    return workflow.transition(case=case, name="close", actor=tree.admin, data={})


# --- Parties --------------------------------------------------------------------------------------


def test_parties_are_listed_masked_and_filtered_by_case(tree_with_cases: Tree) -> None:
    case = tree_with_cases.cases["s1_mine"]
    response = api(tree_with_cases.director_d1).get("/api/v1/parties/", {"case": case.pk})
    parties = response.json()["results"]
    assert {p["case"] for p in parties} == {case.pk} and len(parties) == 2
    applicant = next(p for p in parties if p["role"] == "applicant")
    assert applicant["id_number"] == "420***********1237"
    assert applicant["phone"] == "138****5678"
    detail = api(tree_with_cases.director_d1).get(f"/api/v1/parties/{applicant['id']}/")
    assert detail.json()["phone"] == "138****5678"


def test_reveal_answers_clear_values_once_and_logs_it(tree_with_cases: Tree) -> None:
    party = tree_with_cases.cases["s1_mine"].parties.get(role="applicant")
    events = Event.objects.filter(case=party.case, name="reveal")
    response = api(tree_with_cases.mediator_s1_user).post(
        f"/api/v1/parties/{party.pk}/reveal/", HTTP_IDEMPOTENCY_KEY="reveal-1"
    )
    assert response.status_code == 200
    assert response.json() == {"id_number": "420106198001011237", "phone": "13812345678"}
    assert response["Cache-Control"] == "no-store"
    assert events.count() == 1
    assert events.get().after["phone"] == "138****5678"  # the timeline keeps the masked form
    # Clear personal data is never stored for an Idempotency-Key replay.
    assert not IdempotencyKey.objects.filter(key="reveal-1").exists()


def test_an_observer_may_not_reveal_and_nothing_is_logged(tree_with_cases: Tree) -> None:
    party = tree_with_cases.cases["s1_mine"].parties.get(role="applicant")
    response = api(tree_with_cases.observer_d1).post(f"/api/v1/parties/{party.pk}/reveal/")
    error_fields(response, 403, "permission_denied")
    assert not Event.objects.filter(case=party.case, name="reveal").exists()
    foreign = api(tree_with_cases.director_d2).post(f"/api/v1/parties/{party.pk}/reveal/")
    error_fields(foreign, 404, "not_found")


# --- Sessions -------------------------------------------------------------------------------------


def test_book_list_record_and_cancel_a_session(tree_with_cases: Tree) -> None:
    tree = tree_with_cases
    case = tree.cases["s1_mine"]
    room = RoomFactory.create(centre=tree.s1)
    present = [p.pk for p in case.parties.all()]
    client = api(tree.mediator_s1_user)
    response = client.post(
        "/api/v1/sessions/",
        session_body(tree, case, room=room.pk, parties_present=present),
        format="json",
    )
    assert response.status_code == 201, response.content
    session = response.json()
    assert session["status"] == "scheduled" and session["mediators"] == [tree.med_s1.pk]
    assert sorted(session["parties_present"]) == sorted(present)
    assert Event.objects.filter(case=case, name="book_session").count() == 1

    listed = client.get(
        "/api/v1/sessions/",
        {
            "mediator": str(tree.med_s1.pk),
            "room": str(room.pk),
            "starts_after": str(timezone.now()),
        },
    )
    assert ids(listed) == [session["id"]]
    assert ids(client.get("/api/v1/sessions/", {"mediator": tree.med_s1b.pk})) == []

    recorded = client.patch(
        f"/api/v1/sessions/{session['id']}/",
        {"minutes": "双方各自陈述", "result": "初步共识"},
        format="json",
    )
    assert recorded.status_code == 200
    assert recorded.json()["status"] == "held" and recorded.json()["result"] == "初步共识"

    later = client.post(
        "/api/v1/sessions/", session_body(tree, case, starts_at=soon(days=3)), format="json"
    ).json()
    cancelled = client.post(f"/api/v1/sessions/{later['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    # The slot is free again.
    again = client.post(
        "/api/v1/sessions/", session_body(tree, case, starts_at=soon(days=3)), format="json"
    )
    assert again.status_code == 201
    error_fields(client.post(f"/api/v1/sessions/{later['id']}/cancel/"), 409)


def test_booking_refusals_name_the_field_and_create_nothing(tree_with_cases: Tree) -> None:
    tree = tree_with_cases
    case = tree.cases["s1_mine"]
    client = api(tree.mediator_s1_user)
    assert (
        client.post("/api/v1/sessions/", session_body(tree, case), format="json").status_code == 201
    )
    sessions, events = Session.objects.count(), Event.objects.count()

    double = client.post("/api/v1/sessions/", session_body(tree, case), format="json")
    assert "mediators" in error_fields(double, 409, "double_booked")

    starts = soon(days=4)
    backwards = session_body(
        tree, case, starts_at=starts, ends_at=(starts - timedelta(hours=1)).isoformat()
    )
    assert "ends_at" in error_fields(
        client.post("/api/v1/sessions/", backwards, format="json"), 400
    )

    strangers = session_body(
        tree,
        case,
        starts_at=soon(days=5),
        parties_present=[tree.cases["s1_other"].parties.first().pk],  # type: ignore[union-attr]
    )
    response = client.post("/api/v1/sessions/", strangers, format="json")
    assert "parties_present" in error_fields(response, 400)

    foreign = api(tree.director_d2).post(
        "/api/v1/sessions/", session_body(tree, case, starts_at=soon(days=6)), format="json"
    )
    error_fields(foreign, 404, "not_found")
    assert (Session.objects.count(), Event.objects.count()) == (sessions, events)


def test_a_cancelled_session_cannot_be_recorded(tree_with_cases: Tree) -> None:
    tree = tree_with_cases
    client = api(tree.mediator_s1_user)
    session = client.post(
        "/api/v1/sessions/", session_body(tree, tree.cases["s1_mine"]), format="json"
    ).json()
    client.post(f"/api/v1/sessions/{session['id']}/cancel/")
    response = client.patch(
        f"/api/v1/sessions/{session['id']}/", {"minutes": "x", "result": "y"}, format="json"
    )
    error_fields(response, 409, "transition_not_allowed")
    assert Session.objects.get(pk=session["id"]).minutes == ""


# --- Agreements -----------------------------------------------------------------------------------


def test_agreements_are_filtered_by_deadline_and_fulfilment_is_recorded(
    tree_with_cases: Tree,
) -> None:
    tree = tree_with_cases
    deadline = timezone.localdate() + timedelta(days=20)
    case = closed_resolved(tree, performance_deadline=deadline.isoformat())
    agreement = Agreement.objects.get(case=case)
    client = api(tree.mediator_s1_user)
    due = {"due_after": str(deadline), "due_before": str(deadline + timedelta(days=1))}
    assert ids(client.get("/api/v1/agreements/", due)) == [agreement.pk]
    assert ids(client.get("/api/v1/agreements/", {"fulfilment": "fulfilled"})) == []
    assert client.get(f"/api/v1/agreements/{agreement.pk}/").json()["case"] == case.pk

    response = client.post(
        f"/api/v1/agreements/{agreement.pk}/fulfilment/", {"fulfilment": "partly"}, format="json"
    )
    assert response.status_code == 200 and response.json()["fulfilment"] == "partly"
    assert Event.objects.filter(case=case, name="record_fulfilment").count() == 1


def test_a_bad_fulfilment_is_refused_and_changes_nothing(tree_with_cases: Tree) -> None:
    tree = tree_with_cases
    agreement = Agreement.objects.get(case=closed_resolved(tree))
    url = f"/api/v1/agreements/{agreement.pk}/fulfilment/"
    response = api(tree.mediator_s1_user).post(url, {"fulfilment": "done"}, format="json")
    assert "fulfilment" in error_fields(response, 400, "invalid")
    observer = api(tree.observer_d1).post(url, {"fulfilment": "fulfilled"}, format="json")
    error_fields(observer, 403, "permission_denied")
    agreement.refresh_from_db()
    assert agreement.fulfilment == "pending" and agreement.fulfilment_recorded_at is None


# --- Follow-ups -----------------------------------------------------------------------------------


def test_record_a_follow_up(tree_with_cases: Tree) -> None:
    tree = tree_with_cases
    follow_up = FollowUp.objects.get(case=closed_resolved(tree))
    client = api(tree.mediator_s1_user)
    assert follow_up.pk in ids(client.get("/api/v1/follow-ups/", {"done": "false"}))
    assert ids(client.get("/api/v1/follow-ups/", {"done": "true"})) == []
    body = {"contact_method": "phone", "fulfilment": "fulfilled", "satisfaction": 5, "note": "满意"}
    response = client.patch(f"/api/v1/follow-ups/{follow_up.pk}/", body, format="json")
    assert response.status_code == 200
    assert response.json()["done"] is True and response.json()["satisfaction"] == 5
    assert ids(client.get("/api/v1/follow-ups/", {"done": "true"})) == [follow_up.pk]
    again = client.patch(f"/api/v1/follow-ups/{follow_up.pk}/", body, format="json")
    error_fields(again, 409, "transition_not_allowed")


def test_a_bad_follow_up_is_refused_and_changes_nothing(tree_with_cases: Tree) -> None:
    tree = tree_with_cases
    follow_up = FollowUp.objects.get(case=closed_resolved(tree))
    body = {"contact_method": "phone", "fulfilment": "fulfilled", "satisfaction": 9}
    response = api(tree.mediator_s1_user).patch(
        f"/api/v1/follow-ups/{follow_up.pk}/", body, format="json"
    )
    assert "satisfaction" in error_fields(response, 400, "invalid")
    follow_up.refresh_from_db()
    assert follow_up.done_at is None and follow_up.satisfaction is None


# --- Transfers ------------------------------------------------------------------------------------


def test_incoming_transfers_are_those_the_caller_receives(tree_with_cases: Tree) -> None:
    tree = tree_with_cases
    case = tree.cases["s1_queue"]
    workflow.transition(
        case=case, name="transfer", actor=tree.admin, data=data_for("transfer", target=tree.d1)
    )
    transfer = Transfer.objects.get(case=case)
    director = api(tree.director_d1)
    assert ids(director.get("/api/v1/transfers/", {"incoming": "true"})) == [transfer.pk]
    assert ids(director.get("/api/v1/transfers/", {"centre": tree.d1.pk})) == [transfer.pk]
    assert ids(director.get("/api/v1/transfers/", {"status": "accepted"})) == []
    # The intake officer sees the transfer of their centre's case, but does not receive it.
    intake = api(tree.intake_s1)
    assert ids(intake.get("/api/v1/transfers/")) == [transfer.pk]
    assert ids(intake.get("/api/v1/transfers/", {"incoming": "true"})) == []
    detail = director.get(f"/api/v1/transfers/{transfer.pk}/").json()
    assert (detail["direction"], detail["status"]) == ("up", "pending")
    error_fields(api(tree.director_d2).get(f"/api/v1/transfers/{transfer.pk}/"), 404)


# --- Centres, categories, mediators, rooms -------------------------------------------------------


def test_centres_in_scope_with_subtree_and_search(tree: Tree) -> None:
    client = api(tree.director_d1)
    assert set(ids(client.get("/api/v1/centres/"))) == {
        tree.d1.pk,
        tree.s1.pk,
        tree.k1.pk,
        tree.court.pk,
    }
    assert set(ids(api(tree.director_c).get("/api/v1/centres/", {"subtree": tree.s1.pk}))) == {
        tree.s1.pk,
        tree.k1.pk,
    }
    assert ids(client.get("/api/v1/centres/", {"q": tree.k1.code})) == [tree.k1.pk]
    assert ids(client.get("/api/v1/centres/", {"level": 4})) == [tree.k1.pk]
    assert ids(client.get("/api/v1/centres/", {"kind": "court"})) == [tree.court.pk]
    zh = api(tree.director_d1, "zh-hans").get(f"/api/v1/centres/{tree.s1.pk}/").json()
    assert zh["name"] == tree.s1.name_zh and zh["path"] == tree.s1.path
    error_fields(client.get(f"/api/v1/centres/{tree.d2.pk}/"), 404, "not_found")


def test_categories_for_everyone_signed_in(tree: Tree) -> None:
    noise = seeded_category()
    client = api(tree.intake_s1, "zh-hans")
    detail = client.get(f"/api/v1/categories/{noise.pk}/").json()
    assert detail["name"] == noise.name_zh and detail["parent"] == noise.parent_id
    assert noise.pk in ids(client.get("/api/v1/categories/", {"parent": noise.parent_id}))


def test_mediators_with_their_open_load_and_filters(tree_with_cases: Tree) -> None:
    tree = tree_with_cases
    # Two seats in the director's scope must not multiply the load.
    tree.med_s1.seats.add(tree.d1, tree.k1)
    specialty = CategoryFactory.create(parent=seeded_category().parent)
    tree.med_s1b.specialties.add(specialty)
    client = api(tree.director_d1)
    listed = {m["id"]: m for m in client.get("/api/v1/mediators/").json()["results"]}
    # The city's mediator may be assigned to D1's cases too, so D1's director sees them.
    assert set(listed) == {tree.med_s1.pk, tree.med_s1b.pk, tree.med_c.pk}
    assert listed[tree.med_s1.pk]["open_load"] == 1  # leads s1_mine (co-mediates s1_co)
    assert listed[tree.med_s1b.pk]["open_load"] == 2
    assert sorted(listed[tree.med_s1.pk]["seats"]) == sorted([tree.d1.pk, tree.k1.pk])
    assert ids(client.get("/api/v1/mediators/", {"centre": tree.k1.pk})) == [tree.med_s1.pk]
    assert ids(client.get("/api/v1/mediators/", {"specialty": specialty.pk})) == [tree.med_s1b.pk]
    assert ids(client.get("/api/v1/mediators/", {"kind": "lawyer"})) == []
    error_fields(client.get(f"/api/v1/mediators/{tree.med_s2.pk}/"), 404)


def test_rooms_at_visible_centres(tree: Tree) -> None:
    room = RoomFactory.create(centre=tree.s1)
    elsewhere = RoomFactory.create(centre=tree.s2)
    client = api(tree.director_d1)
    assert ids(client.get("/api/v1/rooms/", {"centre": tree.s1.pk})) == [room.pk]
    assert client.get(f"/api/v1/rooms/{room.pk}/").json()["name"] == room.name
    error_fields(client.get(f"/api/v1/rooms/{elsewhere.pk}/"), 404)


# --- Users ----------------------------------------------------------------------------------------


def test_an_administrator_creates_one_user_or_many(tree: Tree) -> None:
    client = api(tree.admin)
    one = client.post(
        "/api/v1/users/",
        {
            "username": "ja01_window",
            "password": "Dazhi-window-2026",
            "first_name": "小红",
            "memberships": [{"centre": tree.s1.pk, "role": "intake"}],
        },
        format="json",
    )
    assert one.status_code == 201, one.content
    created = one.json()
    assert "password" not in created and created["has_password"] is True
    assert [(m["centre"], m["role"]) for m in created["memberships"]] == [(tree.s1.pk, "intake")]
    assert User.objects.get(username="ja01_window").check_password("Dazhi-window-2026")

    many = client.post(
        "/api/v1/users/",
        [
            {"username": "bulk_1", "memberships": [{"centre": tree.s2.pk, "role": "mediator"}]},
            {"username": "bulk_2", "email": "bulk_2@example.org"},
        ],
        format="json",
    )
    assert many.status_code == 201, many.content
    assert [u["username"] for u in many.json()] == ["bulk_1", "bulk_2"]
    assert not User.objects.get(username="bulk_1").has_usable_password()
    assert ids(client.get("/api/v1/users/", {"q": "bulk_"})) == sorted(
        User.objects.filter(username__startswith="bulk_").values_list("pk", flat=True),
        reverse=True,
    )


def test_a_bulk_creation_is_all_or_nothing_and_names_the_field(tree: Tree) -> None:
    client = api(tree.admin)
    users = User.objects.count()
    taken = tree.intake_s1.username
    response = client.post(
        "/api/v1/users/",
        [{"username": "fresh_one"}, {"username": taken.upper()}, {"username": "fresh_one"}],
        format="json",
    )
    fields = error_fields(response, 400, "invalid")
    assert set(fields) == {"1.username", "2.username"}
    weak = client.post("/api/v1/users/", {"username": "weak", "password": "123"}, format="json")
    assert "password" in error_fields(weak, 400)
    role = client.post(
        "/api/v1/users/",
        [{"username": "r", "memberships": [{"centre": tree.s1.pk, "role": "king"}]}],
        format="json",
    )
    assert "0.memberships.0.role" in error_fields(role, 400)
    assert User.objects.count() == users


def test_only_administrators_manage_users(tree: Tree) -> None:
    client = api(tree.director_c)
    users = User.objects.count()
    response = client.post("/api/v1/users/", {"username": "sneaky"}, format="json")
    error_fields(response, 403, "permission_denied")
    assert User.objects.count() == users
    assert ids(client.get("/api/v1/users/")) == []
    error_fields(client.get(f"/api/v1/users/{tree.intake_s1.pk}/"), 404)
    patch = client.patch(f"/api/v1/users/{tree.intake_s1.pk}/", {"first_name": "x"}, format="json")
    error_fields(patch, 404)


def test_an_administrator_edits_a_user_and_replaces_memberships(tree: Tree) -> None:
    client = api(tree.admin)
    user = tree.mediator_s1b_user
    response = client.patch(
        f"/api/v1/users/{user.pk}/",
        {
            "last_name": "赵",
            "is_active": False,
            "memberships": [
                {"centre": tree.s2.pk, "role": "mediator"},
                {"centre": tree.d2.pk, "role": "observer"},
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    assert set(Membership.objects.filter(user=user).values_list("centre", "role")) == {
        (tree.s2.pk, Role.MEDIATOR),
        (tree.d2.pk, Role.OBSERVER),
    }
    bad = client.patch(f"/api/v1/users/{user.pk}/", {"email": "not-an-email"}, format="json")
    assert "email" in error_fields(bad, 400)
    own = client.patch(f"/api/v1/users/{tree.admin.pk}/", {"is_active": False}, format="json")
    assert "is_active" in error_fields(own, 400)
    user.refresh_from_db()
    assert user.email != "not-an-email"


# --- Query counts ---------------------------------------------------------------------------------

LISTS = [
    "/api/v1/parties/",
    "/api/v1/sessions/",
    "/api/v1/agreements/",
    "/api/v1/transfers/",
    "/api/v1/follow-ups/",
    "/api/v1/centres/",
    "/api/v1/categories/",
    "/api/v1/mediators/",
    "/api/v1/rooms/",
    "/api/v1/users/",
]


@pytest.mark.parametrize("url", LISTS)
def test_a_page_costs_the_same_queries_whatever_its_size(tree_with_cases: Tree, url: str) -> None:
    tree = tree_with_cases
    for _ in range(2):  # agreements, follow-ups and transfers
        closed_resolved(tree)
        workflow.transition(
            case=register(actor=tree.admin, centre=tree.s1),
            name="transfer",
            actor=tree.admin,
            data=data_for("transfer", target=tree.d1),
        )
    for hour in range(3):  # sessions with mediators, rooms, parties; mediators with seats
        room = RoomFactory.create(centre=tree.s1)
        mediator = MediatorFactory.create(home_centre=tree.s1)
        mediator.seats.add(tree.d1)
        mediator.specialties.add(seeded_category())
        api(tree.admin).post(
            "/api/v1/sessions/",
            session_body(
                tree,
                tree.cases["s1_mine"],
                starts_at=soon(hours=hour * 2),
                mediators=[mediator.pk],
                room=room.pk,
                parties_present=[p.pk for p in tree.cases["s1_mine"].parties.all()],
            ),
            format="json",
        )

    def cost(size: int) -> tuple[int, int]:
        client = api(tree.admin)
        client.get(url, {"page_size": 1})  # warm the caller's scope
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"page_size": size})
        return len(queries.captured_queries), len(response.json()["results"])

    (small, one), (large, many) = cost(1), cost(50)
    assert one == 1 and many > 1
    assert small == large
