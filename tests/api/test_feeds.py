"""What an integrator syncs from (issue 17, item 9): the change feed of cases
(``GET /api/v1/cases/?updated_after=``) and the events feed of all cases (``GET /api/v1/events/``).

A system that copies what it may see must get every change once while it pages, whatever number of
cases share an instant and whatever changes meanwhile; nothing outside its scope; a 400 naming the
parameter for a value that is not one; and the same number of queries for any page size.
"""

import base64
from collections import Counter
from datetime import UTC, datetime, timedelta
from importlib import import_module
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from cases import workflow
from cases.access import visible_cases
from cases.models import Case, Event, Status
from cases.services.cases import edit_case
from cases.services.sessions import book_session
from tests.api.support import assert_error, client_for, pages, results
from tests.factories import Tree, data_for, drive, register

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
EVENTS = "/api/v1/events/"
EPOCH = "2000-01-01T00:00:00Z"


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def instant(text: str) -> datetime:
    """A time as the API writes it (in the local time zone, with its offset)."""
    return datetime.fromisoformat(text)


def sync(client: APIClient, updated_after: str = EPOCH, page_size: int = 2) -> list[dict[str, Any]]:
    """Every case of the change feed, following ``next`` as an integrator does."""
    seen: list[dict[str, Any]] = []
    for response in pages(client, CASES, {"updated_after": updated_after, "page_size": page_size}):
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        assert body["previous"] is None
        assert len(body["results"]) <= page_size
        seen.extend(body["results"])
    return seen


def cursor_of(link: str) -> str:
    return parse_qs(urlparse(link).query)["cursor"][0]


def step(case: Case, name: str, tree: Tree, at: datetime) -> Case:
    return workflow.transition(
        case=case, name=name, actor=tree.admin, data=data_for(name, mediator=tree.med_s1), at=at
    )


@pytest.fixture
def noon() -> datetime:
    return timezone.now().replace(microsecond=0) - timedelta(days=1)


# --- The change feed ----------------------------------------------------------------------------


class TestTheChangeFeed:
    def test_a_case_shows_when_it_reached_its_version(self, tree: Tree, noon: datetime) -> None:
        case = register(actor=tree.admin, centre=tree.s1, at=noon)
        step(case, "accept", tree, noon + timedelta(minutes=5))
        client = client_for(tree.admin)
        answer = client.get(f"{CASES}{case.pk}/").json()
        assert instant(answer["updated_at"]) == noon + timedelta(minutes=5)
        edit_case(case=case, actor=tree.admin, changes={"summary": "楼上漏水"})
        edited = Case.objects.get(pk=case.pk)
        answer = client.get(f"{CASES}{case.pk}/").json()
        assert answer["version"] == 3
        assert instant(answer["updated_at"]) == edited.updated_at
        assert edited.updated_at > noon + timedelta(minutes=5)
        # A session is on the timeline (and in the events feed), not a change of the case.
        book_session(
            case=case,
            actor=tree.admin,
            starts_at=timezone.now() + timedelta(days=2),
            ends_at=timezone.now() + timedelta(days=2, hours=1),
            mediators=[tree.med_s1],
            place="调解室",
        )
        assert client.get(f"{CASES}{case.pk}/").json()["updated_at"] == answer["updated_at"]

    def test_every_case_once_in_the_order_of_change_with_equal_timestamps(
        self, tree: Tree, noon: datetime
    ) -> None:
        # Five cases at one instant, so that page boundaries (2 a page) fall inside the tie.
        tied = [register(actor=tree.admin, centre=tree.s1, at=noon) for _ in range(5)]
        earlier = register(actor=tree.admin, centre=tree.k1, at=noon - timedelta(hours=1))
        moved = register(actor=tree.admin, centre=tree.s1, at=noon - timedelta(hours=2))
        step(moved, "accept", tree, noon + timedelta(hours=1))
        seen = sync(client_for(tree.admin))
        assert [c["id"] for c in seen] == [
            earlier.pk, *sorted(c.pk for c in tied), moved.pk,
        ]  # fmt: skip
        assert [instant(c["updated_at"]) for c in seen] == [
            noon - timedelta(hours=1), *[noon] * 5, noon + timedelta(hours=1),
        ]  # fmt: skip
        assert seen[-1]["version"] == 2

    def test_changes_made_while_paging_are_seen_once_each(self, tree: Tree, noon: datetime) -> None:
        cases = [register(actor=tree.admin, centre=tree.s1, at=noon) for _ in range(6)]
        client = client_for(tree.admin)
        first = client.get(CASES, {"updated_after": EPOCH, "page_size": "2"}).json()
        read, waiting = first["results"][0]["id"], cases[-1].pk
        # One case already read and one not yet read change before the next page is asked for.
        step(Case.objects.get(pk=read), "accept", tree, noon + timedelta(minutes=1))
        step(Case.objects.get(pk=waiting), "accept", tree, noon + timedelta(minutes=2))
        seen = list(first["results"])
        for response in pages(client, first["next"]):
            seen.extend(results(response))
        pairs = [(c["id"], c["version"]) for c in seen]
        assert len(pairs) == len(set(pairs)), pairs
        # The version each case has now was seen, every case, and only the read one twice.
        assert {(c.pk, Case.objects.get(pk=c.pk).version) for c in cases} <= set(pairs)
        assert Counter(c["id"] for c in seen) == Counter(
            {c.pk: 2 if c.pk == read else 1 for c in cases}
        )
        assert pairs[-2:] == [(read, 2), (waiting, 2)]

    def test_only_changes_after_the_instant(self, tree: Tree, noon: datetime) -> None:
        before = register(actor=tree.admin, centre=tree.s1, at=noon - timedelta(seconds=1))
        at_the_instant = register(actor=tree.admin, centre=tree.s1, at=noon)
        after = register(actor=tree.admin, centre=tree.s1, at=noon + timedelta(microseconds=1))
        client = client_for(tree.admin)
        assert [c["id"] for c in sync(client, iso(noon))] == [after.pk]
        assert before.pk in {c["id"] for c in sync(client)}
        assert at_the_instant.pk in {c["id"] for c in sync(client, iso(noon - timedelta(1)))}
        # Any offset names the same instant.
        shanghai = (noon + timedelta(hours=8)).replace(tzinfo=None).isoformat() + "+08:00"
        assert [c["id"] for c in sync(client, shanghai)] == [after.pk]

    def test_resuming_with_an_overlap_catches_a_change_that_committed_late(
        self, tree: Tree, noon: datetime
    ) -> None:
        """The recipe of docs/api.md: a change whose updated_at is earlier than the last one
        already read (its transaction committed later) is found by asking again from a few
        minutes before, skipping the (id, version) pairs already held."""
        register(actor=tree.admin, centre=tree.s1, at=noon)
        client = client_for(tree.admin)
        held = {(c["id"], c["version"]) for c in sync(client)}
        last = max(instant(c["updated_at"]) for c in sync(client))
        late = register(actor=tree.admin, centre=tree.s1, at=last - timedelta(minutes=1))
        assert sync(client, iso(last)) == []
        new = [
            (c["id"], c["version"])
            for c in sync(client, iso(last - timedelta(minutes=5)))
            if (c["id"], c["version"]) not in held
        ]
        assert new == [(late.pk, 1)]

    def test_other_filters_narrow_the_feed(self, tree: Tree, noon: datetime) -> None:
        first = register(actor=tree.admin, centre=tree.s1, at=noon)
        second = register(actor=tree.admin, centre=tree.s1, at=noon)
        register(actor=tree.admin, centre=tree.s1, at=noon)
        step(first, "accept", tree, noon + timedelta(minutes=1))
        step(second, "accept", tree, noon + timedelta(minutes=2))
        answer = client_for(tree.admin).get(CASES, {"updated_after": EPOCH, "status": "accepted"})
        assert [c["id"] for c in results(answer)] == [first.pk, second.pk]


class TestTheChangeFeedsScope:
    def test_nothing_outside_the_scope_ever_appears(self, tree_with_cases: Tree) -> None:
        tree = tree_with_cases
        cases = tree.cases
        expected = {
            "director_d2": {"d2_open", "s2_assigned", "s2_court"},
            "intake_s1": {"s1_queue", "s1_mine", "s1_other", "s1_co", "s1_declined"},
            "mediator_s1": {"s1_queue", "s1_mine", "s1_co"},
            "court_liaison": {"d1_court", "s2_court"},
        }
        for role, labels in expected.items():
            ids = [c["id"] for c in sync(client_for(tree.users[role]))]
            theirs = Case.objects.filter(pk__in=[cases[label].pk for label in labels])
            assert ids == list(theirs.order_by("updated_at", "id").values_list("id", flat=True))

    def test_a_case_that_leaves_the_scope_leaves_the_feed(self, tree: Tree, noon: datetime) -> None:
        register(actor=tree.admin, centre=tree.d1, at=noon - timedelta(hours=1))
        case = register(actor=tree.admin, centre=tree.s1, at=noon - timedelta(hours=1))
        # A mediator of S1 sees the case in the centre's queue; the centre's intake officer keeps
        # sight of what S1 registered (DESIGN §2), a mediator does not.
        mediator = client_for(tree.mediator_s1_user)
        assert [c["id"] for c in sync(mediator)] == [case.pk]
        workflow.transition(
            case=case, name="transfer", actor=tree.admin, data=data_for("transfer", target=tree.d1),
            at=noon,
        )  # fmt: skip
        workflow.transition(case=case, name="accept_transfer", actor=tree.admin, at=noon)
        assert sync(mediator) == []
        assert [c["registered_only"] for c in sync(client_for(tree.intake_s1))] == [True]
        # The district's director gets it as a change since it arrived.
        arrived = sync(client_for(tree.director_d1), iso(noon - timedelta(minutes=1)))
        assert [(c["id"], c["version"], c["centre"]) for c in arrived] == [(case.pk, 3, tree.d1.pk)]


class TestTheChangeFeedsBadInput:
    @pytest.mark.parametrize(
        "value",
        ["yesterday", "2026-13-01T00:00:00Z", "2026-02-30", "1700000000", "2026-01-01T25:00"],
    )
    def test_updated_after_that_is_no_instant_is_400(self, tree: Tree, value: str) -> None:
        response = client_for(tree.admin).get(CASES, {"updated_after": value})
        assert set(assert_error(response, 400, "invalid")["fields"]) == {"updated_after"}

    def test_ordering_with_updated_after_is_400(self, tree: Tree) -> None:
        response = client_for(tree.admin).get(
            CASES, {"updated_after": EPOCH, "ordering": "-registered_at"}
        )
        assert set(assert_error(response, 400, "invalid")["fields"]) == {"ordering"}

    def test_a_cursor_the_feed_did_not_give_is_400(self, tree: Tree, noon: datetime) -> None:
        for _ in range(3):
            register(actor=tree.admin, centre=tree.s1, at=noon)
        client = client_for(tree.admin)
        list_next = client.get(CASES, {"page_size": 1}).json()["next"]
        feed_next = client.get(CASES, {"updated_after": EPOCH, "page_size": "1"}).json()["next"]
        # The case list's cursor in the feed, the feed's in the list, and forged ones.
        forged = [
            "p=2026-01-01T00:00:00~1",  # no offset: not an instant
            "p=1' OR 1=1 --",
            "p=2026-01-01T00:00:00+00:00~0",  # no such id
            "o=3&p=2026-01-01T00:00:00+00:00~1",  # an offset: not a cursor of the feed
            f"p=2026-01-01T00:00:00+00:00~{2**63}",
        ]
        cursors = [
            cursor_of(list_next),
            *(base64.b64encode(text.encode()).decode() for text in forged),
            "not-base64",
        ]
        for cursor in cursors:
            response = client.get(CASES, {"updated_after": EPOCH, "cursor": cursor})
            assert set(assert_error(response, 400, "invalid")["fields"]) == {"cursor"}, cursor
        response = client.get(CASES, {"cursor": cursor_of(feed_next)})
        assert set(assert_error(response, 400, "invalid")["fields"]) == {"cursor"}


# --- The events feed ----------------------------------------------------------------------------


def event_ids(client: APIClient, **params: Any) -> list[int]:
    ids: list[int] = []
    for response in pages(client, EVENTS, params):
        assert response.status_code == 200, response.content[:300]
        assert response.json()["previous"] is None
        ids.extend(e["id"] for e in results(response))
    return ids


class TestTheEventsFeed:
    def test_every_event_once_by_ascending_id_across_pages(self, tree_with_cases: Tree) -> None:
        client = client_for(tree_with_cases.admin)
        every = list(Event.objects.order_by("id").values_list("id", flat=True))
        assert len(every) > 20
        assert event_ids(client, page_size=3) == every
        # Resuming after an id answers what came after it, and the last page says there is no more.
        assert event_ids(client, after=every[9], page_size=4) == every[10:]
        last = client.get(EVENTS, {"after": every[-3], "page_size": 5}).json()
        assert ([e["id"] for e in last["results"]], last["next"]) == (every[-2:], None)
        assert results(client.get(EVENTS, {"after": every[-1]})) == []

    def test_next_continues_after_the_last_event_of_the_page(self, tree_with_cases: Tree) -> None:
        client = client_for(tree_with_cases.admin)
        first = client.get(EVENTS, {"page_size": 2}).json()
        assert "after=" in first["next"] and "page_size=2" in first["next"]
        second = client.get(first["next"]).json()
        assert [e["id"] for e in second["results"]] == list(
            Event.objects.filter(pk__gt=first["results"][-1]["id"])
            .order_by("id")
            .values_list("id", flat=True)[:2]
        )

    def test_an_event_is_the_timelines_item(self, tree: Tree) -> None:
        case = drive(
            register(actor=tree.admin, centre=tree.s1), Status.IN_MEDIATION, actor=tree.admin,
            mediator=tree.med_s1,
        )  # fmt: skip
        client = client_for(tree.admin, language="zh-hans")
        timeline = results(client.get(f"{CASES}{case.pk}/events/"))
        feed = results(client.get(EVENTS))
        assert feed == timeline
        assert {e["case"] for e in feed} == {case.pk}
        assert [e["name"] for e in feed] == ["register", "accept", "assign"]

    def test_nothing_outside_the_scope_ever_appears(self, tree_with_cases: Tree) -> None:
        tree = tree_with_cases
        for role in ("director_d2", "intake_s1", "mediator_s1", "court_liaison", "observer_d1"):
            user = tree.users[role]
            visible = visible_cases(user)
            expected = list(
                Event.objects.filter(case__in=visible).order_by("id").values_list("id", flat=True)
            )
            assert expected, role
            assert event_ids(client_for(user), page_size=7) == expected, role

    def test_the_events_of_a_case_that_left_the_scope_leave_the_feed(self, tree: Tree) -> None:
        case = register(actor=tree.admin, centre=tree.s1)
        mediator = client_for(tree.mediator_s1_user)  # S1's queue, no registration sight
        assert len(event_ids(mediator)) == 1
        workflow.transition(
            case=case, name="transfer", actor=tree.admin, data=data_for("transfer", target=tree.d1)
        )
        workflow.transition(case=case, name="accept_transfer", actor=tree.admin)
        assert event_ids(mediator) == []
        assert len(event_ids(client_for(tree.intake_s1))) == 3  # registered at S1: still read
        assert len(event_ids(client_for(tree.director_d1))) == 3

    @pytest.mark.parametrize("value", ["-1", "1.5", "abc", "1e3", str(2**63), "true"])
    def test_after_that_is_no_id_is_400(self, tree: Tree, value: str) -> None:
        response = client_for(tree.admin).get(EVENTS, {"after": value})
        assert set(assert_error(response, 400, "invalid")["fields"]) == {"after"}

    def test_signed_out_is_401(self, tree: Tree) -> None:
        assert_error(client_for(None).get(EVENTS), 401)


# --- Queries --------------------------------------------------------------------------------------

# Token and user (1), the caller's memberships (1) and mediator profile (1), the rows (1), and the
# prefetches of co-mediators and parties (2): the case list's count.
FEED_QUERIES = 6
# Token and user, memberships, mediator profile, the events with their authors.
EVENT_FEED_QUERIES = 4


def count_queries(client: APIClient, url: str, params: dict[str, Any]) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return len(queries), response


@pytest.mark.parametrize("role", ["director_d1", "admin"])
def test_the_feeds_cost_the_same_for_any_page_size(tree: Tree, role: str) -> None:
    at = timezone.now() - timedelta(days=2)
    for i in range(30):
        case = register(actor=tree.admin, centre=tree.s1 if i % 2 else tree.k1, at=at)
        if i % 3 == 0:
            step(case, "accept", tree, at + timedelta(hours=1))
            step(case, "assign", tree, at + timedelta(hours=1))
    client = client_for(getattr(tree, role))
    client.get("/api/v1/me/")  # create the token row before counting
    few, small = count_queries(client, CASES, {"updated_after": EPOCH, "page_size": 3})
    many, large = count_queries(client, CASES, {"updated_after": EPOCH, "page_size": 30})
    later, _ = count_queries(client, small.json()["next"], {})
    assert (len(results(small)), len(results(large))) == (3, 30)
    assert few == many == later == FEED_QUERIES
    few, small = count_queries(client, EVENTS, {"page_size": 3})
    many, large = count_queries(client, EVENTS, {"page_size": 40})
    later, _ = count_queries(client, small.json()["next"], {})
    assert (len(results(small)), len(results(large))) == (3, 40)
    assert few == many == later == EVENT_FEED_QUERIES


def test_the_migration_gives_existing_cases_the_time_of_their_current_version(
    tree: Tree, noon: datetime
) -> None:
    """Migration 0015 fills ``updated_at`` of the cases that existed before it from their events:
    the time of the change that made the current version, not of a later session or reveal."""
    backfill = import_module("cases.migrations.0015_case_updated_at").BACKFILL
    case = register(actor=tree.admin, centre=tree.s1, at=noon - timedelta(hours=2))
    step(case, "accept", tree, noon - timedelta(hours=1))
    book_session(
        case=case,
        actor=tree.admin,
        starts_at=timezone.now() + timedelta(days=2),
        ends_at=timezone.now() + timedelta(days=2, hours=1),
        mediators=[tree.med_s1],
        place="调解室",
        at=noon,
    )
    untouched = register(actor=tree.admin, centre=tree.k1, at=noon - timedelta(hours=3))
    Case.objects.update(updated_at=noon + timedelta(days=1))  # what the column held before
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    assert dict(Case.objects.values_list("pk", "updated_at")) == {
        case.pk: noon - timedelta(hours=1),
        untouched.pk: noon - timedelta(hours=3),
    }
