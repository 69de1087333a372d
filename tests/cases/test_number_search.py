"""The search by number (issue 21): a case number in part, a phone's last four digits, and a phone
or ID number through its keyed hash alone, each within the caller's scope.

Cases: ``s1_96`` (JA01, sequence 96, a party whose phone ends 4803, ID number ``SHARED_ID``),
``s2_96`` (JH01 in the other district: the same sequence, the same last four digits, the same ID
number), ``k1_4803`` (JA0101, sequence 4803, no such phone) and ``s1_97``.
"""

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from django.test import RequestFactory
from django.utils import timezone

from cases import personal_data
from cases.demo.bulk import PARTY_COLUMNS, BulkGenerator, party_row
from cases.models import Case, CaseNumberCounter, Centre, Party, PartyRole
from cases.queries import number_search
from cases.queries.case_list import CaseFilter
from cases.queries.cases import detailed_cases
from cases.services.intake import PartyData
from cases.services.parties import add_party, correct_party
from tests.factories import Tree, register

pytestmark = pytest.mark.django_db

SHARED_ID = "420106198001011237"
PHONE_S1 = "13912344803"
PHONE_S2 = "13655554803"


def person(name: str, phone: str, id_number: str = "") -> list[PartyData]:
    return [PartyData(name=name, role=PartyRole.APPLICANT, phone=phone, id_number=id_number)]


def numbered(tree: Tree, centre: Centre, sequence: int, parties: list[PartyData]) -> Case:
    """A case registered at ``centre`` with the sequence number ``sequence``."""
    year = timezone.localdate().year
    CaseNumberCounter.objects.update_or_create(
        centre=centre, year=year, defaults={"last": sequence - 1}
    )
    return register(actor=tree.admin, centre=centre, parties=parties)


@pytest.fixture
def cases(tree: Tree) -> dict[str, Case]:
    return {
        "s1_96": numbered(tree, tree.s1, 96, person("张三", PHONE_S1, SHARED_ID)),
        "s1_97": numbered(tree, tree.s1, 97, person("李四", "13800001111")),
        "s2_96": numbered(tree, tree.s2, 96, person("王五", PHONE_S2, SHARED_ID)),
        "k1_4803": numbered(tree, tree.k1, 4803, person("赵六", "13700002222")),
    }


def filtered(user: Any, text: str) -> Any:
    """The case list's queryset when ``user`` searches ``text``."""
    request = RequestFactory().get("/")
    request.user = user
    return CaseFilter({"q": text}, detailed_cases(user), request=request).qs


def search(user: Any, text: str) -> tuple[set[str], int]:
    """The labels of the cases ``user`` finds with ``text`` in the list's search, and their count."""
    found = filtered(user, text)
    by_id = {c.pk: c.number for c in Case.objects.all()}
    labels = {LABELS[by_id[pk]] for pk in found.values_list("pk", flat=True)}
    return labels, found.count()


LABELS: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _labels(cases: dict[str, Case]) -> None:
    LABELS.clear()
    LABELS.update({case.number: label for label, case in cases.items()})


@pytest.mark.parametrize("typed", ["00096", "96", "96号", "第96号", " 96 号 ", "000096"])
def test_a_sequence_finds_the_cases_of_the_users_centres_only(tree: Tree, typed: str) -> None:
    assert search(tree.director_d1, typed) == ({"s1_96"}, 1)
    assert search(tree.director_d2, typed) == ({"s2_96"}, 1)
    assert search(tree.intake_s1, typed) == ({"s1_96"}, 1)
    assert search(tree.admin, typed) == ({"s1_96", "s2_96"}, 2)


def test_a_sequence_of_a_centre_the_user_does_not_serve_is_not_found(tree: Tree) -> None:
    # The court's liaison follows D1's court cases only: S1's case 96 is no case of theirs.
    assert search(tree.court_liaison, "96") == (set(), 0)
    assert search(tree.mediator_s2_user, "96号") == ({"s2_96"}, 1)


def test_the_whole_number_in_either_form_still_finds_its_case(
    tree: Tree, cases: dict[str, Case]
) -> None:
    s1_96 = cases["s1_96"]
    assert search(tree.director_d1, s1_96.number) == ({"s1_96"}, 1)
    assert search(tree.director_d1, s1_96.number.lower()) == ({"s1_96"}, 1)
    assert search(tree.director_d1, s1_96.number_zh) == ({"s1_96"}, 1)
    assert search(tree.director_d1, s1_96.number[:-1]) == ({"s1_96", "s1_97"}, 2)
    assert search(tree.director_d1, cases["s2_96"].number) == (set(), 0)
    assert search(tree.director_d1, cases["s2_96"].number_zh) == (set(), 0)


@pytest.mark.parametrize("typed", ["尾号4803", "尾号 4803"])
def test_the_last_four_digits_of_a_phone_find_its_cases_in_scope(tree: Tree, typed: str) -> None:
    assert search(tree.director_d1, typed) == ({"s1_96"}, 1)
    assert search(tree.director_d2, typed) == ({"s2_96"}, 1)
    assert search(tree.admin, typed) == ({"s1_96", "s2_96"}, 2)
    assert search(tree.director_d1, "尾号1234") == (set(), 0)


def test_four_digits_alone_are_a_phone_tail_or_a_sequence(tree: Tree) -> None:
    assert search(tree.director_d1, "4803") == ({"s1_96", "k1_4803"}, 2)
    assert search(tree.director_d2, "4803") == ({"s2_96"}, 1)
    assert search(tree.director_d1, "1111") == ({"s1_97"}, 1)


@pytest.mark.parametrize(
    "typed", [PHONE_S1, "139 1234 4803", "139-1234-4803", "+86 139 1234 4803", "+8613912344803"]
)
def test_a_full_phone_finds_its_case_in_scope(tree: Tree, typed: str) -> None:
    assert search(tree.director_d1, typed) == ({"s1_96"}, 1)
    assert search(tree.director_d2, typed) == (set(), 0)


@pytest.mark.parametrize("typed", [SHARED_ID, "420106 19800101 1237"])
def test_an_id_number_finds_its_cases_in_scope(tree: Tree, typed: str) -> None:
    assert search(tree.director_d1, typed) == ({"s1_96"}, 1)
    assert search(tree.director_d2, typed) == ({"s2_96"}, 1)
    assert search(tree.admin, typed) == ({"s1_96", "s2_96"}, 2)


def test_a_name_is_still_searched_by_name(tree: Tree) -> None:
    assert search(tree.director_d1, "张") == ({"s1_96"}, 1)
    assert search(tree.director_d1, "王五") == (set(), 0)
    assert search(tree.admin, "王五") == ({"s2_96"}, 1)


# --- The tail hash is written wherever a phone is --------------------------------------------------


def tail_of(party: Party) -> str:
    return Party.objects.get(pk=party.pk).phone_tail_hash


def test_intake_writes_the_tail_hash_under_its_own_kind(tree: Tree, cases: dict[str, Case]) -> None:
    party = cases["s1_96"].parties.get()
    assert tail_of(party) == personal_data.tail_digest("4803")
    assert tail_of(party) == personal_data.digest(personal_data.Kind.PHONE_TAIL, "4803")
    # Not the hash of a whole number "4803": the two kinds cannot be confused.
    assert tail_of(party) != personal_data.digest(personal_data.Kind.PHONE, "4803")
    assert party.phone_hash != tail_of(party)
    assert "4803" not in tail_of(party)
    no_phone = register(
        actor=tree.admin,
        centre=cases["s1_96"].centre,
        parties=[PartyData(name="周七", role=PartyRole.APPLICANT)],
    )
    assert tail_of(no_phone.parties.get()) == ""


def test_a_corrected_or_added_phone_is_found_by_its_new_tail(
    tree: Tree, cases: dict[str, Case]
) -> None:
    case = cases["s1_97"]
    party = case.parties.get()
    correct_party(
        party=party, actor=tree.admin, changes={"phone": "13800005678"}, reason="电话变更"
    )
    assert tail_of(party) == personal_data.tail_digest("5678")
    assert search(tree.director_d1, "尾号5678") == ({"s1_97"}, 1)
    assert search(tree.director_d1, "尾号1111") == (set(), 0)
    add_party(
        case=case,
        actor=tree.admin,
        data=PartyData(name="钱八", role=PartyRole.RESPONDENT, phone="027-8277 9999"),
        reason="追加当事人",
    )
    assert search(tree.director_d1, "尾号9999") == ({"s1_97"}, 1)


def test_the_bulk_loader_writes_the_tail_hash() -> None:
    generator = BulkGenerator.__new__(BulkGenerator)
    generator.sealed = {}
    data = PartyData(name="孙九", role=PartyRole.APPLICANT, phone="13512348803")
    generator._seal(data)
    sealed = generator.sealed[(data.id_number, data.phone)]
    row = dict(
        zip(
            PARTY_COLUMNS,
            party_row(1, 1, data, sealed, 0, 1, timezone.now() - timedelta(days=1)),
            strict=True,
        )
    )
    assert row["phone_tail_hash"] == personal_data.tail_digest("8803")
    assert row["phone_hash"] == personal_data.digest(personal_data.Kind.PHONE, "13512348803")


def test_backfill_fills_the_missing_tail_hashes(tree: Tree, cases: dict[str, Case]) -> None:
    Party.objects.update(phone_tail_hash="")
    assert search(tree.director_d1, "尾号4803") == (set(), 0)
    out = io.StringIO()
    call_command("backfill_phone_tails", batch=2, stdout=out, stderr=io.StringIO())
    assert "4 parties" in out.getvalue()
    assert search(tree.director_d1, "尾号4803") == ({"s1_96"}, 1)
    for party in Party.objects.all():
        phone = personal_data.decrypt(party.phone_encrypted)
        assert party.phone_tail_hash == personal_data.tail_digest(phone)
    again = io.StringIO()
    call_command("backfill_phone_tails", stdout=again, stderr=io.StringIO())
    assert "0 parties" in again.getvalue()


# --- The phone path uses the phone_hash index --------------------------------------------------


def plan(queryset: Any) -> str:
    """The plan of ``queryset`` with sequential scans forbidden: the tables are tiny here, so the
    plan shows whether an index can answer at all (an ILIKE on the name in one OR with the hashes
    cannot, and the planner falls back to scanning every party)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":  # SQLite (make run): its own words for the plan
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def scans(table: str, explained: str) -> bool:
    """Whether the plan reads every row of ``table`` (PostgreSQL: a sequential scan; SQLite: a
    SCAN that is not through an index)."""
    if connection.vendor == "postgresql":
        return f"Seq Scan on {table}" in explained
    return any(
        line.strip().startswith(f"SCAN {table}") and "INDEX" not in line
        for line in explained.splitlines()
    )


def test_a_phone_search_asks_the_hashes_only(tree: Tree) -> None:
    sql = str(filtered(tree.director_d1, PHONE_S1).query)
    assert "phone_hash" in sql and "id_number_hash" in sql
    assert f'"{Party._meta.db_table}"."name"' not in sql
    assert "UPPER(" not in sql  # neither a name's ILIKE nor a number's prefix


def test_the_phone_path_reads_the_phone_hash_index() -> None:
    explained = plan(number_search.identifier_parties(PHONE_S1).order_by().values("case_id"))
    assert "cases_party_phone_hash" in explained, explained
    assert not scans("cases_party", explained), explained
    # What the search was: the name's ILIKE in one OR with the hash scans every party.
    digest = personal_data.digest(personal_data.Kind.PHONE, PHONE_S1)
    before = Party.objects.filter(Q(name__icontains=PHONE_S1) | Q(phone_hash=digest))
    assert scans("cases_party", plan(before.order_by().values("case_id")))


def test_the_tail_path_reads_the_tail_hash_index(tree: Tree) -> None:
    explained = plan(filtered(tree.director_d1, "尾号4803"))
    assert "phone_tail_hash" in explained, explained
    assert not scans("cases_party", explained), explained


def test_the_sequence_path_reads_an_index_of_the_sequence(tree: Tree) -> None:
    # On tables this small the planner may as well read the registering centre's own index and
    # filter on the sequence; at three million cases it must not have to. Without that index
    # (dropped inside the test's transaction, which rolls back), a sequence index must answer.
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, Case._meta.db_table)
        for name, index in indexes.items():
            if index["index"] and index["columns"] == ["registering_centre_id"]:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    explained = plan(number_search.sequence_cases(96, tree.director_d1).values("pk"))
    assert not scans("cases_case", explained), explained
    assert "case_sequence_centre" in explained, explained
