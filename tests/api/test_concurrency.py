"""No lost updates and no double intake over HTTP (DESIGN §6, §9).

- ``If-Match``: a case's PATCH/PUT and its transitions need it (428 without); a stale one is 412 with
  ``current_version`` and changes nothing; the current one succeeds and answers the new ``ETag``.
- ``Idempotency-Key``: a repeated POST replays the first answer and creates nothing twice, also when
  the duplicates arrive at the same moment from several connections; the same key with another body
  is 422; keys are forgotten after ``IDEMPOTENCY_KEY_TTL_HOURS``.
"""

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone

from cases.models import Case, Event, EventKind, IdempotencyKey, Status
from cases.services import intake
from tests.api.support import assert_error, client_for, wait_until_a_request_waits_for_a_lock
from tests.factories import Tree, build_tree, seeded_category

CASES = "/api/v1/cases/"


def detail(case: Case) -> str:
    return f"{CASES}{case.pk}/"


def transition(case: Case, name: str) -> str:
    return f"{CASES}{case.pk}/transitions/{name}/"


def etag(version: int) -> str:
    return f'"{version}"'


def intake_body(
    tree: Tree, *, summary: str = "楼上漏水", phone: str = "13800138000"
) -> dict[str, Any]:
    return {
        "centre": tree.s1.pk,
        "channel": "walk_in",
        "category": seeded_category().pk,
        "summary": summary,
        "parties": [
            {"role": "applicant", "name": "张三", "phone": phone},
            {"role": "respondent", "name": "李四", "phone": "13900139000"},
        ],
    }


# --- If-Match -----------------------------------------------------------------------------------


@pytest.fixture
def registered(tree: Tree) -> Case:
    """A case registered over the API at S1, as its intake officer."""
    response = client_for(tree.intake_s1).post(CASES, intake_body(tree), format="json")
    assert response.status_code == 201, response.content
    return Case.objects.get(pk=response.json()["id"])


@pytest.mark.django_db
class TestIfMatch:
    def test_reading_a_case_gives_its_version_as_etag(self, tree: Tree, registered: Case) -> None:
        response = client_for(tree.director_d1).get(detail(registered))
        assert response.status_code == 200
        assert response["ETag"] == etag(registered.version) == etag(response.json()["version"])

    @pytest.mark.parametrize("method", ["patch", "put"])
    def test_an_edit_without_if_match_is_428(
        self, tree: Tree, registered: Case, method: str
    ) -> None:
        client = client_for(tree.director_d1)
        body = {"summary": "改了", "category": registered.category_id}
        response = getattr(client, method)(detail(registered), body, format="json")
        assert_error(response, 428, "precondition_required")
        assert Case.objects.get(pk=registered.pk).summary == registered.summary

    def test_a_transition_without_if_match_is_428(self, tree: Tree, registered: Case) -> None:
        response = client_for(tree.director_d1).post(
            transition(registered, "accept"), {}, format="json"
        )
        assert_error(response, 428, "precondition_required")
        assert Case.objects.get(pk=registered.pk).status == Status.REGISTERED

    def test_a_stale_edit_is_412_and_overwrites_nothing(self, tree: Tree, registered: Case) -> None:
        director, intake_officer = client_for(tree.director_d1), client_for(tree.intake_s1)
        seen = director.get(detail(registered))["ETag"]  # both read version 1
        assert intake_officer.get(detail(registered))["ETag"] == seen
        first = intake_officer.patch(
            detail(registered), {"summary": "邻居漏水"}, format="json", headers={"If-Match": seen}
        )
        assert first.status_code == 200, first.content
        assert first["ETag"] == etag(registered.version + 1)

        second = director.patch(
            detail(registered),
            {"summary": "楼上噪音", "risk_level": "high"},
            format="json",
            headers={"If-Match": seen},
        )
        error = assert_error(second, 412, "precondition_failed")
        assert error["current_version"] == registered.version + 1
        now = Case.objects.get(pk=registered.pk)
        assert (now.summary, now.risk_level, now.version) == (
            "邻居漏水",
            "normal",
            registered.version + 1,
        )
        edits = Event.objects.filter(case=registered, kind=EventKind.EDIT)
        assert edits.count() == 1

    def test_a_stale_transition_is_412_and_changes_nothing(
        self, tree: Tree, registered: Case
    ) -> None:
        director = client_for(tree.director_d1)
        stale = etag(registered.version)
        edited = client_for(tree.intake_s1).patch(
            detail(registered), {"facts": "补充事实"}, format="json", headers={"If-Match": stale}
        )
        assert edited.status_code == 200
        response = director.post(
            transition(registered, "accept"), {}, format="json", headers={"If-Match": stale}
        )
        error = assert_error(response, 412, "precondition_failed")
        assert error["current_version"] == registered.version + 1
        now = Case.objects.get(pk=registered.pk)
        assert (now.status, now.accepted_at, now.version) == (
            Status.REGISTERED,
            None,
            registered.version + 1,
        )
        assert not Event.objects.filter(case=registered, kind=EventKind.TRANSITION).exists()

    def test_the_current_version_succeeds_and_answers_the_next_etag(
        self, tree: Tree, registered: Case
    ) -> None:
        director = client_for(tree.director_d1)
        current = director.get(detail(registered))["ETag"]
        accepted = director.post(
            transition(registered, "accept"), {}, format="json", headers={"If-Match": current}
        )
        assert accepted.status_code == 200, accepted.content
        assert accepted.json()["status"] == "accepted"
        assert accepted["ETag"] == etag(registered.version + 1)

        edited = director.put(
            detail(registered),
            {
                "summary": "楼上漏水（已核实）",
                "facts": "现场查看属实",
                "category": registered.category_id,
                "amount_in_dispute": "2500.00",
                "location": "5栋",
                "risk_level": "attention",
            },
            format="json",
            headers={"If-Match": accepted["ETag"]},
        )
        assert edited.status_code == 200, edited.content
        assert edited["ETag"] == etag(registered.version + 2)
        body = edited.json()
        assert (body["summary"], body["amount_in_dispute"], body["risk_level"]) == (
            "楼上漏水（已核实）",
            "2500.00",
            "attention",
        )
        assert director.get(detail(registered))["ETag"] == edited["ETag"]

    def test_a_weak_etag_is_read_as_the_same_version(self, tree: Tree, registered: Case) -> None:
        response = client_for(tree.director_d1).patch(
            detail(registered),
            {"summary": "改"},
            format="json",
            headers={"If-Match": f"W/{etag(registered.version)}"},
        )
        assert response.status_code == 200, response.content


# --- Idempotency-Key ----------------------------------------------------------------------------


def intake_events(number: str) -> int:
    return Event.objects.filter(case__number=number, kind=EventKind.INTAKE).count()


@pytest.mark.django_db
class TestIdempotencyKey:
    def test_a_repeated_intake_replays_the_first_answer(self, tree: Tree) -> None:
        client = client_for(tree.intake_s1)
        body = intake_body(tree)
        headers = {"Idempotency-Key": "hotline-20260312-0001"}
        first = client.post(CASES, body, format="json", headers=headers)
        assert first.status_code == 201, first.content
        again = client.post(CASES, body, format="json", headers=headers)
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
        assert Case.objects.count() == 1
        assert intake_events(first.json()["number"]) == 1

    def test_a_replay_keeps_an_error_answer_too(self, tree: Tree) -> None:
        client = client_for(tree.intake_s1)
        body = {**intake_body(tree), "parties": []}
        headers = {"Idempotency-Key": "empty-parties"}
        first = client.post(CASES, body, format="json", headers=headers)
        assert_error(first, 400)
        again = client.post(CASES, body, format="json", headers=headers)
        assert (again.status_code, again.json()) == (400, first.json())

    def test_the_same_key_with_another_body_is_422(self, tree: Tree) -> None:
        client = client_for(tree.intake_s1)
        headers = {"Idempotency-Key": "grid-7781"}
        first = client.post(CASES, intake_body(tree), format="json", headers=headers)
        assert first.status_code == 201
        other = client.post(
            CASES, intake_body(tree, summary="另一起纠纷"), format="json", headers=headers
        )
        assert_error(other, 422, "idempotency_key_reused")
        assert Case.objects.count() == 1

    def test_keys_belong_to_their_user(self, tree: Tree) -> None:
        headers = {"Idempotency-Key": "shared-key"}
        by_intake = client_for(tree.intake_s1).post(
            CASES, intake_body(tree), format="json", headers=headers
        )
        by_director = client_for(tree.director_d1).post(
            CASES, intake_body(tree), format="json", headers=headers
        )
        assert by_intake.status_code == by_director.status_code == 201
        assert by_intake.json()["number"] != by_director.json()["number"]

    def test_a_retried_transition_replays_instead_of_failing(
        self, tree: Tree, registered: Case
    ) -> None:
        director = client_for(tree.director_d1)
        headers = {"If-Match": etag(registered.version), "Idempotency-Key": "accept-once"}
        first = director.post(transition(registered, "accept"), {}, format="json", headers=headers)
        assert first.status_code == 200
        # The retry's If-Match is now stale and the case is no longer "registered": without the
        # key this would be 412; with it the client learns what happened the first time.
        again = director.post(transition(registered, "accept"), {}, format="json", headers=headers)
        assert (again.status_code, again.json()) == (200, first.json())
        assert Event.objects.filter(case=registered, name="accept").count() == 1

    def test_a_replay_repeats_the_etag_of_the_first_answer(
        self, tree: Tree, registered: Case
    ) -> None:
        director = client_for(tree.director_d1)
        headers = {"If-Match": etag(registered.version), "Idempotency-Key": "accept-etag"}
        first = director.post(transition(registered, "accept"), {}, format="json", headers=headers)
        assert first["ETag"] == etag(registered.version + 1)
        again = director.post(transition(registered, "accept"), {}, format="json", headers=headers)
        assert again["Idempotent-Replayed"] == "true"
        assert again["ETag"] == first["ETag"]

    @pytest.mark.parametrize(
        ("age", "forgotten"),
        [
            (timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS, minutes=1), True),
            (timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS, minutes=-5), False),
        ],
    )
    def test_keys_are_forgotten_after_the_retention_period(
        self, tree: Tree, age: timedelta, forgotten: bool
    ) -> None:
        client = client_for(tree.intake_s1)
        headers = {"Idempotency-Key": "old-key"}
        first = client.post(CASES, intake_body(tree), format="json", headers=headers)
        assert first.status_code == 201
        IdempotencyKey.objects.update(created_at=timezone.now() - age)
        again = client.post(CASES, intake_body(tree), format="json", headers=headers)
        assert again.status_code == 201
        if forgotten:
            assert again.json()["number"] != first.json()["number"]
            assert Case.objects.count() == 2
        else:
            assert again.json() == first.json()
            assert Case.objects.count() == 1


# --- Concurrent duplicates (real connections, real commits) ---------------------------------------


def run_together(count: int, request: Callable[[int], Any]) -> list[Any]:
    """Run ``request(i)`` in ``count`` threads released at once; each closes its connection."""
    barrier = threading.Barrier(count)
    answers: list[Any] = [None] * count
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            answers[index] = request(index)
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert all(not t.is_alive() for t in threads)
    return answers


@pytest.fixture
def committed_tree(transactional_db: None) -> Iterator[Tree]:
    yield build_tree()
    connections.close_all()


@pytest.mark.django_db(transaction=True)
class TestConcurrentDuplicates:
    def test_simultaneous_duplicates_create_one_case(self, committed_tree: Tree) -> None:
        tree = committed_tree
        body = intake_body(tree)
        clients = [client_for(tree.intake_s1) for _ in range(4)]

        def post(index: int) -> Any:
            return clients[index].post(
                CASES, body, format="json", headers={"Idempotency-Key": "12345-call-889"}
            )

        answers = run_together(4, post)
        created = [a for a in answers if a.status_code == 201]
        assert created, [a.status_code for a in answers]
        assert all(a.json() == created[0].json() for a in created)
        for answer in answers:
            if answer.status_code != 201:
                assert_error(answer, 409, "idempotency_in_flight")
                assert int(answer["Retry-After"]) >= 1
        assert Case.objects.count() == 1
        assert intake_events(created[0].json()["number"]) == 1

    def test_a_duplicate_that_cannot_wait_answers_409_with_retry_after(
        self, committed_tree: Tree, monkeypatch: pytest.MonkeyPatch, settings: Any
    ) -> None:
        tree = committed_tree
        body = intake_body(tree)
        first_is_inside, duplicate_answered = threading.Event(), threading.Event()
        register_case = intake.register_case

        def slow_register_case(**kwargs: Any) -> Case:
            first_is_inside.set()
            assert duplicate_answered.wait(timeout=20)
            return register_case(**kwargs)

        monkeypatch.setattr(intake, "register_case", slow_register_case)
        settings.IDEMPOTENCY_LEASE_SECONDS = 0.2
        clients = [client_for(tree.intake_s1), client_for(tree.intake_s1, language="zh-hans")]
        headers = {"Idempotency-Key": "slow-window"}

        def post(index: int) -> Any:
            if index == 1:
                assert first_is_inside.wait(timeout=20)
            try:
                return clients[index].post(CASES, body, format="json", headers=headers)
            finally:
                if index == 1:
                    duplicate_answered.set()

        first, duplicate = run_together(2, post)
        assert first.status_code == 201, first.content
        error = assert_error(duplicate, 409, "idempotency_in_flight")
        assert error["message"] == "使用此 Idempotency-Key 的请求仍在处理中，请稍后重试。"
        assert int(duplicate["Retry-After"]) >= 1
        # Retrying after the first answered replays it.
        retry = clients[1].post(CASES, body, format="json", headers=headers)
        assert (retry.status_code, retry.json()) == (201, first.json())
        assert Case.objects.count() == 1

    def test_a_duplicate_of_a_request_that_failed_is_not_a_server_error(
        self, committed_tree: Tree, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The first attempt fails on the server (its key is released); the waiting duplicate
        must then get an answer it can act on, not a 500 of its own."""
        tree = committed_tree
        body = intake_body(tree)
        first_is_inside = threading.Event()
        calls: list[int] = []
        register_case = intake.register_case

        def failing_once(**kwargs: Any) -> Case:
            calls.append(1)
            if len(calls) == 1:
                first_is_inside.set()
                wait_until_a_request_waits_for_a_lock()  # the duplicate waits for this request
                raise RuntimeError("the database went away")
            return register_case(**kwargs)

        monkeypatch.setattr(intake, "register_case", failing_once)
        clients = [client_for(tree.intake_s1) for _ in range(2)]
        headers = {"Idempotency-Key": "fails-first"}

        def post(index: int) -> Any:
            if index == 1:
                assert first_is_inside.wait(timeout=20)
            return clients[index].post(CASES, body, format="json", headers=headers)

        first, duplicate = run_together(2, post)
        assert_error(first, 500, "server_error")
        assert duplicate.status_code in {201, 409}, duplicate.content
        if duplicate.status_code == 409:
            assert int(duplicate["Retry-After"]) >= 1
        retry = clients[1].post(CASES, body, format="json", headers=headers)
        assert retry.status_code == 201
        assert Case.objects.count() == 1
