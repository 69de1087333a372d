"""The sessions pages: the week calendar, booking (never double-booked), recording, cancelling."""

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Event, Room, Session, SessionMode, SessionStatus
from cases.services import sessions
from tests.factories import RoomFactory, Tree, aware

pytestmark = pytest.mark.django_db

CALENDAR = reverse("web:calendar")
# A Monday well in the future, so "this week" never interferes.
MONDAY = date(2030, 3, 11)
assert MONDAY.weekday() == 0


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return aware(day.year, day.month, day.day, hour, minute)


def book(
    tree: Tree,
    case: Case,
    day: date,
    start: int,
    end: int,
    *,
    mediators: list[Any] | None = None,
    room: Room | None = None,
) -> Session:
    """A session booked through the service by the administrator."""
    return sessions.book_session(
        case=case,
        actor=tree.admin,
        starts_at=at(day, start),
        ends_at=at(day, end),
        mediators=mediators or [case.lead_mediator],
        room=room,
    )


def week_url(**params: Any) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{CALENDAR}?{query}"


def errors_at(page: str, field: str) -> str:
    """The text of the error list Django renders for ``field`` (empty when there is none)."""
    found = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
    return found.group(1) if found else ""


def counts() -> tuple[int, int]:
    return Session.objects.count(), Event.objects.count()


# --- The calendar -------------------------------------------------------------------------------


@pytest.fixture
def week(tree_with_cases: Tree) -> dict[str, Session]:
    """Sessions around the week of ``MONDAY``: S1 cases in a room, an S2 case, the next week."""
    tree = tree_with_cases
    room = RoomFactory.create(centre=tree.s1, name="第一调解室")
    cases = tree.cases
    return {
        "mine": book(tree, cases["s1_mine"], MONDAY + timedelta(days=1), 9, 10, room=room),
        "other": book(tree, cases["s1_other"], MONDAY + timedelta(days=2), 14, 15),
        "mine_sunday": book(tree, cases["s1_mine"], MONDAY + timedelta(days=6), 20, 21),
        "s2": book(tree, cases["s2_assigned"], MONDAY + timedelta(days=1), 9, 10),
        "mine_next_week": book(tree, cases["s1_mine"], MONDAY + timedelta(days=7), 9, 10),
        "mine_last_week": book(tree, cases["s1_mine"], MONDAY - timedelta(days=1), 9, 10),
    }


def test_a_mediator_sees_their_own_week_by_default(
    tree_with_cases: Tree, week: dict[str, Session], client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    client = client_for(tree.mediator_s1_user)
    response = client.get(week_url(week=(MONDAY + timedelta(days=3)).isoformat()))
    assert response.status_code == 200
    shown = [s.pk for day in response.context["days"] for s in day["sessions"]]
    assert shown == [week["mine"].pk, week["mine_sunday"].pk]
    page = response.content.decode()
    assert "Sessions of 王调解" in page
    assert tree.cases["s1_mine"].number in page
    assert tree.cases["s1_other"].number not in page  # another mediator's session
    assert "第一调解室" in page and "09:00–10:00" in page
    # The Tuesday session is in the Tuesday column, the Sunday one (20:00 local) on Sunday.
    days = response.context["days"]
    assert [d["date"] for d in days] == [MONDAY + timedelta(days=i) for i in range(7)]
    assert days[1]["sessions"] == [week["mine"]] and days[6]["sessions"] == [week["mine_sunday"]]


def test_previous_and_next_week_links(
    tree_with_cases: Tree, week: dict[str, Session], client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    client = client_for(tree.mediator_s1_user)
    response = client.get(week_url(mediator=tree.med_s1.pk, week=MONDAY.isoformat()))
    next_url = response.context["next_url"]
    previous_url = response.context["previous_url"]
    assert f"week={(MONDAY + timedelta(days=7)).isoformat()}" in next_url
    assert f"mediator={tree.med_s1.pk}" in next_url
    page = response.content.decode()
    assert next_url.replace("&", "&amp;") in page and previous_url.replace("&", "&amp;") in page
    assert "This week" in page  # MONDAY is not this week

    following = client.get(next_url)
    assert [s for d in following.context["days"] for s in d["sessions"]] == [week["mine_next_week"]]
    preceding = client.get(previous_url)
    assert [s for d in preceding.context["days"] for s in d["sessions"]] == [week["mine_last_week"]]


def test_this_week_is_the_default_week(
    tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    response = client_for(tree_with_cases.mediator_s1_user).get(CALENDAR)
    assert response.status_code == 200
    monday = response.context["monday"]
    assert monday.weekday() == 0 and 0 <= (date.today() - monday).days <= 7
    assert response.context["is_this_week"]


def test_the_calendar_of_a_room(
    tree_with_cases: Tree, week: dict[str, Session], client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    room = week["mine"].room
    assert room is not None
    response = client_for(tree.director_d1).get(week_url(room=room.pk, week=MONDAY.isoformat()))
    assert response.status_code == 200
    assert [s for d in response.context["days"] for s in d["sessions"]] == [week["mine"]]
    assert "Sessions in 第一调解室" in response.content.decode()


def test_the_calendar_of_a_centre_and_its_subtree(
    tree_with_cases: Tree, week: dict[str, Session], client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    client = client_for(tree.director_d1)
    s1 = client.get(week_url(centre=tree.s1.pk, week=MONDAY.isoformat()))
    assert s1.status_code == 200
    assert [s for d in s1.context["days"] for s in d["sessions"]] == [
        week["mine"],
        week["other"],
        week["mine_sunday"],
    ]
    d1_alone = client.get(week_url(centre=tree.d1.pk, week=MONDAY.isoformat()))
    assert [s for d in d1_alone.context["days"] for s in d["sessions"]] == []
    d1_below = client.get(week_url(centre=tree.d1.pk, subtree="on", week=MONDAY.isoformat()))
    assert len([s for d in d1_below.context["days"] for s in d["sessions"]]) == 3
    assert week["s2"].case.number not in d1_below.content.decode()  # another district's


def test_a_director_sees_their_centre_and_below_by_default(
    tree_with_cases: Tree, week: dict[str, Session], client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    response = client_for(tree.director_d1).get(week_url(week=MONDAY.isoformat()))
    assert response.context["subject"] == tree.d1 and response.context["subtree"]
    assert len([s for d in response.context["days"] for s in d["sessions"]]) == 3


def options(page: str, name: str) -> list[str]:
    """The labels a select offers (without the empty choice)."""
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    assert select is not None
    labels = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select.group(0))
    return [label.strip("\u3000") for _, label in labels]


def test_the_pickers_offer_short_lists_near_the_users_centres(
    tree_with_cases: Tree, week: dict[str, Session], client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    RoomFactory.create(centre=tree.d1, name="区调解室")
    client = client_for(tree.director_c)
    page = client.get(CALENDAR).content.decode()
    # The city and the districts; the streets come into the list once a district is chosen.
    assert options(page, "centre") == [tree.c.name_en, tree.d1.name_en, tree.d2.name_en]
    assert options(page, "mediator") == ["钱老 · " + tree.c.name_en]  # serving at the city
    district = client.get(week_url(centre=tree.d1.pk)).content.decode()
    assert tree.s1.name_en in options(district, "centre")
    assert tree.k1.name_en not in options(district, "centre")
    assert options(district, "room") == ["区调解室 · " + tree.d1.name_en]
    # A centre further down is accepted all the same (e.g. from a link), and opens its level.
    community = client.get(week_url(centre=tree.k1.pk))
    assert community.status_code == 200
    assert tree.k1.name_en in options(community.content.decode(), "centre")
    # A mediator's pickers are around their home centre.
    mine = client_for(tree.mediator_s1_user).get(CALENDAR).content.decode()
    assert options(mine, "mediator") == [
        "王调解 · " + tree.s1.name_en,
        "赵调解 · " + tree.s1.name_en,
    ]
    assert options(mine, "room") == ["第一调解室 · " + tree.s1.name_en]


def test_someone_without_a_centre_is_asked_to_choose(
    tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    response = client_for(tree_with_cases.admin).get(CALENDAR)
    assert response.status_code == 200
    assert "Choose a centre, a mediator or a room" in response.content.decode()


@pytest.mark.parametrize(
    ("user", "param"),
    [
        ("mediator_s2", "centre"),
        ("director_d2", "mediator"),
        ("director_d2", "room"),
        ("observer_d1", "centre"),
    ],
)
def test_a_centre_mediator_or_room_out_of_scope_is_refused_at_its_field(
    tree_with_cases: Tree,
    week: dict[str, Session],
    client_for: Callable[..., Client],
    user: str,
    param: str,
) -> None:
    tree = tree_with_cases
    target = {"centre": tree.s2, "mediator": tree.med_s1, "room": week["mine"].room}[param]
    if user == "mediator_s2":
        target = tree.s1
    assert target is not None
    response = client_for(tree.users[user]).get(
        week_url(**{param: target.pk, "week": MONDAY.isoformat()})
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice" in errors_at(page, param)
    for session in week.values():
        assert session.case.number not in page  # nothing leaked


def test_an_unknown_id_and_a_bad_date_are_refused_at_their_fields(
    tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    client = client_for(tree_with_cases.director_d1)
    unknown = client.get(week_url(centre=999999))
    assert unknown.status_code == 400
    assert "Select a valid choice" in errors_at(unknown.content.decode(), "centre")
    bad_date = client.get(week_url(centre=tree_with_cases.s1.pk, week="2030-13-45"))
    assert bad_date.status_code == 400
    assert "Enter a valid date" in errors_at(bad_date.content.decode(), "week")
    not_a_number = client.get(week_url(room="abc"))
    assert not_a_number.status_code == 400


def test_choosing_two_at_once_is_refused(
    tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    response = client_for(tree.director_d1).get(
        week_url(centre=tree.s1.pk, mediator=tree.med_s1.pk)
    )
    assert response.status_code == 400
    assert "Choose one of a centre, a mediator or a room." in response.content.decode()


def test_held_and_cancelled_sessions_are_shown_distinctly(
    tree_with_cases: Tree, week: dict[str, Session], client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    sessions.record_session(session=week["mine"], actor=tree.admin, minutes="…", result="初步共识")
    sessions.cancel_session(session=week["mine_sunday"], actor=tree.admin)
    page = (
        client_for(tree.mediator_s1_user)
        .get(week_url(mediator=tree.med_s1.pk, week=MONDAY.isoformat()))
        .content.decode()
    )
    assert 'class="calendar-session session-held"' in page
    assert 'class="calendar-session session-cancelled"' in page
    assert ">Held</span>" in page and ">Cancelled</span>" in page


def test_the_calendars_queries_do_not_grow_with_its_sessions(
    tree_with_cases: Tree,
    client_for: Callable[..., Client],
    django_assert_max_num_queries: Any,
) -> None:
    tree = tree_with_cases
    client = client_for(tree.director_d1)
    url = week_url(centre=tree.s1.pk, week=MONDAY.isoformat())
    book(tree, tree.cases["s1_mine"], MONDAY, 9, 10)
    client.get(url)  # warm the session and the language
    with django_assert_max_num_queries(20) as one:
        client.get(url)
    for day in range(1, 7):
        book(tree, tree.cases["s1_mine"], MONDAY + timedelta(days=day), 9, 10)
        book(tree, tree.cases["s1_other"], MONDAY + timedelta(days=day), 9, 10)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert response.context["count"] == 13


# --- Booking ------------------------------------------------------------------------------------


def book_url(case: Case) -> str:
    return reverse("web:session_book", args=[case.pk])


def booking(tree: Tree, case: Case, **overrides: Any) -> dict[str, Any]:
    """A valid booking form for ``case`` on the Tuesday of ``MONDAY``'s week, 09:00–10:30."""
    data: dict[str, Any] = {
        "date": (MONDAY + timedelta(days=1)).isoformat(),
        "starts_at": "09:00",
        "ends_at": "10:30",
        "mode": SessionMode.IN_PERSON,
        "room": "",
        "place": "社区活动室",
        "mediators": [case.lead_mediator_id],
        "parties_present": [p.pk for p in case.parties.all()],
    }
    data.update(overrides)
    return data


def test_the_booking_form_offers_the_cases_mediators_rooms_and_parties(
    tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    RoomFactory.create(centre=tree.s1, name="第一调解室")
    RoomFactory.create(centre=tree.s2, name="民族街调解室")
    case = tree.cases["s1_co"]  # lead 赵调解, co-mediator 王调解
    response = client_for(tree.mediator_s1_user).get(book_url(case))
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.initial["mediators"]) == {tree.med_s1b.pk, tree.med_s1.pk}
    offered = set(form.fields["mediators"].queryset)
    assert {tree.med_s1, tree.med_s1b, tree.med_c} <= offered
    assert tree.med_s2 not in offered  # serves in another district
    page = response.content.decode()
    assert "第一调解室" in page and "民族街调解室" not in page
    assert "张三" in page and "李四" in page
    assert 'type="date"' in page and 'type="time"' in page
    assert f"{CALENDAR}?mediator={tree.med_s1b.pk}" in page  # the lead's week, to find a time


def test_booking_a_session(tree_with_cases: Tree, client_for: Callable[..., Client]) -> None:
    tree = tree_with_cases
    case = tree.cases["s1_mine"]
    room = RoomFactory.create(centre=tree.s1, name="第一调解室")
    client = client_for(tree.mediator_s1_user)
    response = client.post(
        book_url(case),
        booking(tree, case, room=room.pk, place="", mediators=[tree.med_s1.pk, tree.med_c.pk]),
    )
    assert response.status_code == 303
    assert response["Location"] == reverse("web:case_detail", args=[case.pk])
    [session] = Session.objects.filter(case=case)
    assert session.starts_at == at(MONDAY + timedelta(days=1), 9)
    assert session.ends_at == at(MONDAY + timedelta(days=1), 10, 30)
    assert session.room == room and session.status == SessionStatus.SCHEDULED
    assert set(session.mediators.all()) == {tree.med_s1, tree.med_c}
    assert set(session.parties_present.all()) == set(case.parties.all())
    event = Event.objects.filter(case=case).latest("id")
    assert event.name == "book_session" and event.after["session"] == session.pk
    follow = client.get(book_url(case))
    assert "Session booked for" in follow.content.decode()


def test_booking_in_chinese_keeps_html_date_and_time_formats(
    tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    case = tree.cases["s1_mine"]
    client = client_for(tree.mediator_s1_user, language="zh-hans")
    page = client.get(book_url(case)).content.decode()
    today = timezone.localdate().isoformat()
    assert f'<input type="date" name="date" value="{today}"' in page  # ISO, not 2030/03/12
    bad = client.post(book_url(case), booking(tree, case, ends_at="08:00"))
    assert bad.status_code == 400
    assert 'name="date" value="2030-03-12"' in bad.content.decode()
    assert 'name="starts_at" value="09:00"' in bad.content.decode()
    assert client.post(book_url(case), booking(tree, case)).status_code == 303


def test_booking_with_htmx_redirects_through_the_header(
    tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    case = tree.cases["s1_mine"]
    response = client_for(tree.mediator_s1_user).post(
        book_url(case), booking(tree, case), headers={"HX-Request": "true"}
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("web:case_detail", args=[case.pk])
    bad = client_for(tree.mediator_s1_user).post(
        book_url(case), booking(tree, case, ends_at="08:00"), headers={"HX-Request": "true"}
    )
    assert bad.status_code == 400
    assert bad.content.decode().lstrip().startswith("<form")  # just the form, to swap in


def test_a_double_booked_mediator_is_refused_at_the_field(
    tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    book(tree, tree.cases["s1_co"], MONDAY + timedelta(days=1), 10, 11, mediators=[tree.med_s1])
    case = tree.cases["s1_mine"]
    before = counts()
    response = client_for(tree.mediator_s1_user).post(book_url(case), booking(tree, case))
    assert response.status_code == 400
    message = errors_at(response.content.decode(), "mediators")
    assert "王调解 is already booked from 2030-03-12 10:00 to 11:00." in message
    assert counts() == before


def test_a_double_booked_room_is_refused_at_the_field(
    tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    room = RoomFactory.create(centre=tree.s1, name="第一调解室")
    other = tree.cases["s1_other"]
    book(tree, other, MONDAY + timedelta(days=1), 10, 11, room=room)
    case = tree.cases["s1_mine"]
    before = counts()
    response = client_for(tree.director_d1).post(
        book_url(case), booking(tree, case, room=room.pk, place="")
    )
    assert response.status_code == 400
    assert "第一调解室 is already booked from 2030-03-12 10:00 to 11:00." in errors_at(
        response.content.decode(), "room"
    )
    assert counts() == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_at": "08:30"}, "ends_at", "A session must end after it starts."),
        ({"ends_at": "09:00"}, "ends_at", "A session must end after it starts."),
        ({"date": "2030-02-30"}, "date", "Enter a valid date."),
        ({"starts_at": "25:00"}, "starts_at", "Enter a valid time."),
        ({"mediators": []}, "mediators", "This field is required."),
        ({"mode": "carrier_pigeon"}, "mode", "Select a valid choice."),
        ({"place": ""}, "room", "An in-person session needs a room or a place."),
    ],
    ids=["end-before-start", "no-length", "date", "time", "no-mediator", "mode", "nowhere"],
)
def test_bad_input_is_refused_at_the_field_and_nothing_is_booked(
    tree_with_cases: Tree,
    client_for: Callable[..., Client],
    overrides: dict[str, Any],
    field: str,
    message: str,
) -> None:
    tree = tree_with_cases
    case = tree.cases["s1_mine"]
    before = counts()
    response = client_for(tree.mediator_s1_user).post(
        book_url(case), booking(tree, case, **overrides)
    )
    assert response.status_code == 400
    assert message in errors_at(response.content.decode(), field)
    assert counts() == before


def test_a_room_of_another_centre_or_a_stranger_mediator_is_refused(
    tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    case = tree.cases["s1_mine"]
    elsewhere = RoomFactory.create(centre=tree.s2)
    before = counts()
    client = client_for(tree.admin)
    room = client.post(book_url(case), booking(tree, case, room=elsewhere.pk))
    assert room.status_code == 400 and errors_at(room.content.decode(), "room")
    stranger = client.post(book_url(case), booking(tree, case, mediators=[tree.med_s2.pk]))
    assert stranger.status_code == 400 and errors_at(stranger.content.decode(), "mediators")
    assert counts() == before


def test_a_case_not_in_mediation_cannot_have_sessions(
    tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    case = tree.cases["s1_queue"]  # registered
    client = client_for(tree.director_d1)
    page = client.get(book_url(case))
    assert page.status_code == 200
    assert "Sessions can be booked only while a case is being mediated." in page.content.decode()
    before = counts()
    response = client.post(book_url(case), booking(tree, case, mediators=[tree.med_s1.pk]))
    assert response.status_code == 400
    assert "Sessions can be booked only while a case is being mediated." in (
        response.content.decode()
    )
    assert counts() == before


@pytest.mark.parametrize(("user", "status"), [("observer_d1", 403), ("intake_s1", 403)])
def test_roles_that_may_not_book_are_forbidden(
    tree_with_cases: Tree, client_for: Callable[..., Client], user: str, status: int
) -> None:
    tree = tree_with_cases
    case = tree.cases["s1_mine"]
    client = client_for(tree.users[user])
    before = counts()
    assert client.get(book_url(case)).status_code == status
    assert client.post(book_url(case), booking(tree, case)).status_code == status
    assert counts() == before


@pytest.mark.parametrize("user", ["mediator_s2", "director_d2", "mediator_s1b"])
def test_a_case_out_of_scope_is_not_found(
    tree_with_cases: Tree, client_for: Callable[..., Client], user: str
) -> None:
    tree = tree_with_cases
    case = tree.cases["s1_mine"]
    client = client_for(tree.users[user])
    before = counts()
    assert client.get(book_url(case)).status_code == 404
    assert client.post(book_url(case), booking(tree, case)).status_code == 404
    assert counts() == before


# --- Recording and cancelling -------------------------------------------------------------------


@pytest.fixture
def session(tree_with_cases: Tree) -> Session:
    tree = tree_with_cases
    return book(tree, tree.cases["s1_mine"], MONDAY + timedelta(days=1), 9, 10)


def test_recording_a_session(
    tree_with_cases: Tree, session: Session, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    url = reverse("web:session_record", args=[session.pk])
    client = client_for(tree.mediator_s1_user)
    page = client.get(url)
    assert page.status_code == 200
    assert tree.cases["s1_mine"].number in page.content.decode()
    response = client.post(url, {"result": "达成初步共识", "minutes": "双方同意下周签署协议。"})
    assert response.status_code == 303
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD
    assert (session.result, session.minutes) == ("达成初步共识", "双方同意下周签署协议。")
    assert Event.objects.filter(case=session.case, name="record_session").count() == 1


def test_recording_who_was_present(
    tree_with_cases: Tree, session: Session, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    case = tree.cases["s1_mine"]
    applicant, respondent = case.parties.order_by("position", "id")[:2]
    url = reverse("web:session_record", args=[session.pk])
    client = client_for(tree.mediator_s1_user)
    page = client.get(url).content.decode()
    assert applicant.name in page and respondent.name in page  # offered, ticked as booked
    response = client.post(url, {"result": "被申请人未到场", "parties_present": [applicant.pk]})
    assert response.status_code == 303
    assert list(session.parties_present.all()) == [applicant]
    event = Event.objects.get(case=case, name="record_session")
    assert event.after["parties_present"] == [applicant.pk]


def test_a_party_of_another_case_cannot_be_recorded_present(
    tree_with_cases: Tree, session: Session, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    stranger = tree.cases["s1_other"].parties.first()
    assert stranger is not None
    url = reverse("web:session_record", args=[session.pk])
    before = counts()
    response = client_for(tree.mediator_s1_user).post(
        url, {"result": "达成初步共识", "parties_present": [stranger.pk]}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in errors_at(response.content.decode(), "parties_present")
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED and counts() == before


def test_recording_without_a_result_is_refused_at_the_field(
    tree_with_cases: Tree, session: Session, client_for: Callable[..., Client]
) -> None:
    url = reverse("web:session_record", args=[session.pk])
    before = counts()
    response = client_for(tree_with_cases.mediator_s1_user).post(url, {"minutes": "…"})
    assert response.status_code == 400
    assert "This field is required." in errors_at(response.content.decode(), "result")
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED and counts() == before


def test_a_cancelled_session_cannot_be_recorded(
    tree_with_cases: Tree, session: Session, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    sessions.cancel_session(session=session, actor=tree.admin)
    url = reverse("web:session_record", args=[session.pk])
    before = counts()
    response = client_for(tree.mediator_s1_user).post(url, {"result": "x"})
    assert response.status_code == 400
    assert "This session was cancelled." in response.content.decode()
    assert counts() == before


def test_cancelling_a_session_frees_its_time(
    tree_with_cases: Tree, session: Session, client_for: Callable[..., Client]
) -> None:
    tree = tree_with_cases
    url = reverse("web:session_cancel", args=[session.pk])
    client = client_for(tree.mediator_s1_user)
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Cancel this session" in confirm.content.decode()
    response = client.post(url)
    assert response.status_code == 303
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert Event.objects.filter(case=session.case, name="cancel_session").count() == 1
    # The mediator is free again at that time.
    case = tree.cases["s1_mine"]
    again = client.post(book_url(case), booking(tree, case, starts_at="09:00", ends_at="10:00"))
    assert again.status_code == 303

    before = counts()
    twice = client.post(url)
    assert twice.status_code == 400
    assert "Only a scheduled session can be cancelled." in twice.content.decode()
    assert counts() == before


@pytest.mark.parametrize(
    ("user", "status"),
    [("observer_d1", 403), ("intake_s1", 403), ("mediator_s2", 404), ("director_d2", 404)],
)
@pytest.mark.parametrize("page", ["web:session_record", "web:session_cancel"])
def test_recording_and_cancelling_need_the_right_relation(
    tree_with_cases: Tree,
    session: Session,
    client_for: Callable[..., Client],
    user: str,
    status: int,
    page: str,
) -> None:
    url = reverse(page, args=[session.pk])
    client = client_for(tree_with_cases.users[user])
    before = counts()
    assert client.get(url).status_code == status
    assert client.post(url, {"result": "x"}).status_code == status
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED and counts() == before


def test_an_unknown_session_is_not_found(
    tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    client = client_for(tree_with_cases.admin)
    assert client.get(reverse("web:session_record", args=[999999])).status_code == 404
    assert client.post(reverse("web:session_cancel", args=[999999])).status_code == 404
