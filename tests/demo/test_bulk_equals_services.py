"""The bulk loader writes what the services write (issue 16, part 7).

``generate_city`` performs the demo's plans in memory and writes their rows by COPY
(``cases.demo.bulk``); ``seed_demo`` performs the same plans through the services and
``workflow.transition``. Both commands run here on one small city, one after the other from the
same seed (each in a savepoint rolled back afterwards), and every row they write is compared field
by field: cases, parties, events with their before/after, sessions with their mediators and
parties present, co-mediators, agreements, follow-ups, transfers, numbering counters, report
counters and search documents.

What cannot be equal is set aside: the ids of the rows made (a row is known by its case's number
and its place in the case; ids inside events are mapped the same way) and the ciphertexts of
personal data (random nonces: compared decrypted). Notifications are not compared: the bulk
loader makes none (its module says so).
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Model

from cases import personal_data
from cases.demo.cases import SPAN_DAYS
from cases.demo.network import Network, NetworkBuilder
from cases.models import (
    OPEN_STATUSES,
    Agreement,
    Case,
    CaseNumberCounter,
    CaseSearch,
    Category,
    Centre,
    DurationBucket,
    Event,
    FollowUp,
    Mediator,
    Membership,
    Notification,
    Party,
    Rollup,
    RollupState,
    Room,
    Session,
    SessionMediator,
    Transfer,
    TransferStatus,
)

SEED = 1  # a seed whose small city takes every step, returned transfers included
CASES = 150  # enough for every status, transfers, sessions, fulfilment and follow-ups
CAPACITY = 2

PRESENT = Session.parties_present.through
CO_MEDIATORS = Case.co_mediators.through
# Written by the services only, on purpose (``cases.demo.bulk``: "What is not made").
NOT_COMPARED = {Notification}

COUNTER_KEYS = ("centre_id", "subtree", "month", "dimension", "value", "tenths")

Key = tuple[Any, ...]
Table = dict[Key, dict[str, Any]]


class Keys:
    """Natural keys for the rows a run made: a case by its number, the rest by their case and
    their place in it."""

    def __init__(self) -> None:
        self.case = dict(Case.objects.values_list("pk", "number"))
        self.party = {
            pk: (self.case[case], position)
            for pk, case, position in Party.objects.values_list("pk", "case_id", "position")
        }
        self.session = self._in_case(Session.objects.order_by("case_id", "starts_at", "pk"))
        self.event = self._in_case(Event.objects.order_by("case_id", "pk"))
        self.transfer = self._in_case(Transfer.objects.order_by("case_id", "pk"))
        self.agreement = self._in_case(Agreement.objects.order_by("case_id", "pk"))
        self.follow_up = self._in_case(FollowUp.objects.order_by("case_id", "pk"))
        # Columns holding the id of a row made by the run, and ids in the events' before/after.
        self.columns: dict[str, dict[int, Any]] = {
            "case_id": self.case,
            "party_id": self.party,
            "session_id": self.session,
        }
        self.in_events: dict[str, dict[int, Any]] = {
            "session": self.session,
            "agreement": self.agreement,
            "follow_up": self.follow_up,
            "transfer": self.transfer,
            "parties_present": self.party,
        }

    def _in_case(self, rows: Any) -> dict[int, Key]:
        places: dict[int, int] = defaultdict(int)
        out: dict[int, Key] = {}
        for pk, case in rows.values_list("pk", "case_id"):
            places[case] += 1
            out[pk] = (self.case[case], places[case])
        return out

    def event_values(self, values: Any, key: str = "") -> Any:
        """An event's before/after with the ids of rows made mapped to their natural keys."""
        ids = self.in_events.get(key)
        if isinstance(values, dict):
            if ids is not None and "id" in values:
                values = {**values, "id": ids[values["id"]]}
            return {k: self.event_values(v, k) for k, v in values.items()}
        if isinstance(values, list):
            return [self.event_values(v, key) for v in values]
        if ids is not None and isinstance(values, int):
            return ids[values]
        return values


def _table(
    model: type[Model],
    keys: Keys,
    key_of: Callable[[int, dict[str, Any]], Key],
    shape: Callable[[dict[str, Any]], dict[str, Any]] = lambda row: row,
) -> Table:
    out: Table = {}
    for row in model._default_manager.values(*[f.attname for f in model._meta.concrete_fields]):
        pk = row.pop("id")
        row = {
            name: keys.columns[name][value] if name in keys.columns else value
            for name, value in row.items()
        }
        key = key_of(pk, row)
        assert key not in out, f"{model.__name__}: two rows known as {key}"
        out[key] = shape(row)
    return out


def _party(row: dict[str, Any]) -> dict[str, Any]:
    for name in ("id_number", "phone"):
        row[f"{name} (decrypted)"] = personal_data.decrypt(row.pop(f"{name}_encrypted"))
    return row


def snapshot() -> dict[str, Table]:
    """Every row the run made, by table, known by natural keys."""
    keys = Keys()

    def event(row: dict[str, Any]) -> dict[str, Any]:
        for name in ("before", "after"):
            row[name] = keys.event_values(row[name])
        return row

    def counters(row: dict[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in row.items() if name not in COUNTER_KEYS}

    tables = {
        "case": _table(Case, keys, lambda pk, row: (keys.case[pk],)),
        "party": _table(Party, keys, lambda pk, row: keys.party[pk], _party),
        "event": _table(Event, keys, lambda pk, row: keys.event[pk], event),
        "session": _table(Session, keys, lambda pk, row: keys.session[pk]),
        "session mediator": _table(
            SessionMediator, keys, lambda pk, row: (row["session_id"], row["mediator_id"])
        ),
        "party present": _table(
            PRESENT, keys, lambda pk, row: (row["session_id"], row["party_id"])
        ),
        "co-mediator": _table(
            CO_MEDIATORS, keys, lambda pk, row: (row["case_id"], row["mediator_id"])
        ),
        "agreement": _table(Agreement, keys, lambda pk, row: keys.agreement[pk]),
        "follow-up": _table(FollowUp, keys, lambda pk, row: keys.follow_up[pk]),
        "transfer": _table(Transfer, keys, lambda pk, row: keys.transfer[pk]),
        "case number counter": _table(
            CaseNumberCounter, keys, lambda pk, row: (row["centre_id"], row["year"])
        ),
        "rollup": _table(
            Rollup,
            keys,
            lambda pk, row: tuple(row[c] for c in COUNTER_KEYS if c in row),
            counters,
        ),
        "duration bucket": _table(
            DurationBucket,
            keys,
            lambda pk, row: tuple(row[c] for c in COUNTER_KEYS if c in row),
            counters,
        ),
        "rollup state": _table(RollupState, keys, lambda pk, row: ("the one",)),
        # Keyed by its case; the vector is the database's own, from the document.
        "case search": {
            (keys.case[case_id],): {"document": document}
            for case_id, document in CaseSearch.objects.values_list("case_id", "document")
        },
    }
    # A counter row of zeros counts nothing: whether one is left behind is no difference.
    for name in ("rollup", "duration bucket"):
        tables[name] = {k: v for k, v in tables[name].items() if any(v.values())}
    return tables


STEPS = {
    "register", "accept", "decline", "assign", "suspend", "resume", "resolve", "fail", "withdraw",
    "close", "transfer", "accept_transfer", "return_transfer", "book_session", "record_session",
    "record_fulfilment", "record_follow_up",
}  # fmt: skip
COMPARED = {
    Case, Party, Event, Session, SessionMediator, PRESENT, CO_MEDIATORS, Agreement, FollowUp,
    Transfer, CaseNumberCounter, Rollup, DurationBucket, RollupState, CaseSearch,
}  # fmt: skip


def network() -> dict[str, Any]:
    """The network both commands build from the seed: the same ids, or the rows cannot be
    compared as they are."""
    return {
        "centres": list(Centre.objects.order_by("pk").values_list("pk", "code")),
        "users": list(get_user_model().objects.order_by("pk").values_list("pk", "username")),
        "mediators": list(Mediator.objects.order_by("pk").values_list("pk", "name")),
        "rooms": list(Room.objects.order_by("pk").values_list("pk", "centre_id", "name")),
    }


# The network both commands build (and the categories the migrations made): not the cases' rows.
NETWORK = {
    Category, Centre, Centre.served_areas.through, Membership, Mediator, Mediator.seats.through,
    Mediator.specialties.through, Room,
}  # fmt: skip


def written_tables() -> set[Any]:
    """The tables of ``cases`` holding rows, the network's aside."""
    return {
        model
        for model in apps.get_app_config("cases").get_models(include_auto_created=True)
        if model not in NETWORK and model._default_manager.exists()
    }


def sequences() -> list[tuple[str, int | None]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences "
            "WHERE schemaname = current_schema()"
        )
        return list(cursor.fetchall())


def restore(saved: Iterable[tuple[str, int | None]]) -> None:
    """Put the id sequences back (a rollback does not): the second network gets the same ids."""
    with connection.cursor() as cursor:
        for name, last in saved:
            cursor.execute("SELECT setval(%s, %s, %s)", [name, last or 1, last is not None])


def run(command: str, **options: Any) -> tuple[str, dict[str, Any], dict[str, Table], set[Any]]:
    """Run ``command`` in a savepoint rolled back afterwards; what it made, as read before."""
    with transaction.atomic():
        out = StringIO()
        call_command(
            command, cases=CASES, seed=SEED, force=True, stdout=out, stderr=StringIO(), **options
        )
        made = (out.getvalue(), network(), snapshot(), written_tables())
        transaction.set_rollback(True)
    return made


def differences(services: dict[str, Table], bulk: dict[str, Table]) -> list[str]:
    found: list[str] = []
    for name, ours in services.items():
        theirs = bulk[name]
        for key in sorted(ours.keys() - theirs.keys(), key=repr)[:5]:
            found.append(f"{name} {key}: written by the services only: {ours[key]}")
        for key in sorted(theirs.keys() - ours.keys(), key=repr)[:5]:
            found.append(f"{name} {key}: written by the bulk loader only: {theirs[key]}")
        for key in sorted(ours.keys() & theirs.keys(), key=repr):
            a, b = ours[key], theirs[key]
            for field in a:
                if a[field] == b[field]:
                    continue
                if isinstance(a[field], dict) and isinstance(b[field], dict):
                    for part in sorted(a[field].keys() | b[field].keys()):
                        if a[field].get(part, "—") != b[field].get(part, "—"):
                            found.append(
                                f"{name} {key} {field}.{part}: services "
                                f"{a[field].get(part, '—')!r}, bulk {b[field].get(part, '—')!r}"
                            )
                else:
                    found.append(f"{name} {key} {field}: services {a[field]!r}, bulk {b[field]!r}")
    return found


@pytest.fixture
def busy_mediators(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mediators who lead at most two open cases: the small city then meets the capacity check
    (the demo tries another mediator, or the case stops there), as a big one does."""
    build = NetworkBuilder.build

    def built(self: NetworkBuilder, progress: Any = None) -> Network:
        net = build(self, progress)
        Mediator.objects.update(capacity=CAPACITY)
        for mediators in [*net.mediators.values(), *net.seated.values()]:
            for mediator in mediators:
                mediator.capacity = CAPACITY
        return net

    monkeypatch.setattr(NetworkBuilder, "build", built)


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.usefixtures("busy_mediators")
def test_generate_city_writes_every_row_seed_demo_writes() -> None:
    before = sequences()
    assert not Centre.objects.exists()
    # Every case through the services (seed_demo writes its history by the bulk loader otherwise).
    said, services_network, services, services_wrote = run("seed_demo", services_days=SPAN_DAYS)
    assert f"Seeded {CASES} cases" in said, said
    restore(before)
    _, bulk_network, bulk, bulk_wrote = run("generate_city", years=2)

    assert bulk_network == services_network
    # Every table either writes is compared (notifications aside).
    assert services_wrote - NOT_COMPARED == COMPARED == bulk_wrote
    assert len(services["case"]) == CASES
    # The small city takes every step the demo knows, so every effect is compared.
    events = services["event"].values()
    assert {row["name"] for row in events} == STEPS
    assert any(row["name"] == "close" and "fulfilment" in row["after"] for row in events)
    assert {row["status"] for row in services["transfer"].values()} == set(TransferStatus.values)
    # The demo mediator is offered first for five open cases: capacity refused them some.
    leading = Counter(
        row["lead_mediator_id"]
        for row in services["case"].values()
        if row["status"] in OPEN_STATUSES and row["lead_mediator_id"] is not None
    )
    assert max(leading.values()) == CAPACITY
    problems = differences(services, bulk)
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems[:60])
