"""Personal data (DESIGN §6): encrypted at rest, masked when shown, searchable by keyed hash,
revealed only to permitted users with a logged event, and readable across a key rotation."""

import io
import json
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test import override_settings

from cases import personal_data, workflow
from cases.errors import CaseNotFound, InvalidInput, NotPermitted
from cases.models import Case, Event, EventKind, Party, PartyRole, PrintedDocument, Status
from cases.personal_data import Kind
from cases.services.cases import reveal_parties, reveal_party
from cases.services.intake import PartyData
from cases.services.saved_filters import filter_search_text, save_filter
from tests.factories import Tree, drive, register

pytestmark = pytest.mark.django_db

ID_NUMBER = "420106198001011237"
PHONE = "138 1234 5678"
PHONE_DIGITS = "13812345678"
SECRETS = [ID_NUMBER, PHONE, PHONE_DIGITS]

APPLICANT = PartyData(
    name="张三",
    role=PartyRole.APPLICANT,
    id_number=ID_NUMBER,
    phone=PHONE,
    address="江岸区大智路1号",
)
RESPONDENT = PartyData(
    name="李四", role=PartyRole.RESPONDENT, id_number="42010619900202566X", phone="027-8277 1234"
)


def applicant_of(case: Case) -> Party:
    return Party.objects.get(case=case, role=PartyRole.APPLICANT)


def raw_rows(sql: str, params: list[Any]) -> list[str]:
    """Every column of every matching row, as text, straight from the database."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [str(value) for row in cursor.fetchall() for value in row]


def assert_no_clear_text(case: Case, secrets: list[str]) -> None:
    party_columns = raw_rows(f"SELECT * FROM {Party._meta.db_table} WHERE case_id = %s", [case.pk])
    event_columns = raw_rows(f"SELECT * FROM {Event._meta.db_table} WHERE case_id = %s", [case.pk])
    assert party_columns and event_columns
    for secret in secrets:
        for column in party_columns + event_columns:
            assert secret not in column, f"{secret!r} stored in clear: {column!r}"
    for event in Event.objects.filter(case=case):
        text = json.dumps([event.before, event.after], ensure_ascii=False)
        for secret in secrets:
            assert secret not in text, f"{secret!r} in event {event.name}"


@pytest.fixture
def case(tree: Tree) -> Case:
    return register(actor=tree.intake_s1, centre=tree.s1, parties=[APPLICANT, RESPONDENT])


def test_id_numbers_and_phones_are_not_stored_in_clear(tree: Tree, case: Case) -> None:
    # A transition and a reveal add events too: none may hold the clear values.
    drive(case, Status.ACCEPTED, actor=tree.director_d1)
    reveal_party(party=applicant_of(case), actor=tree.director_d1)

    assert_no_clear_text(case, [*SECRETS, "42010619900202566X", "02782771234", "027-8277 1234"])
    party = applicant_of(case)
    current = personal_data.keyring().current_id + "$"
    assert party.id_number_encrypted.startswith(current)
    assert party.phone_encrypted.startswith(current)
    assert personal_data.decrypt(party.phone_encrypted) == PHONE_DIGITS
    assert len(party.phone_hash) == len(party.id_number_hash) == 64


def test_values_are_shown_masked(case: Case) -> None:
    party = applicant_of(case)
    assert party.id_number_masked == "420***********1237"
    assert party.phone_masked == "138****5678"
    respondent = Party.objects.get(case=case, role=PartyRole.RESPONDENT)
    assert respondent.id_number_masked == "420***********566X"
    assert respondent.phone_masked == "027****1234"


def test_a_party_without_personal_data_stores_nothing(tree: Tree) -> None:
    case = register(actor=tree.admin, centre=tree.s1, parties=[PartyData(name="王五")])
    party = applicant_of(case)
    assert (party.phone_encrypted, party.phone_hash, party.phone_masked) == ("", "", "")
    assert (party.id_number_encrypted, party.id_number_hash, party.id_number_masked) == ("", "", "")


@pytest.mark.parametrize(
    "typed", ["13812345678", "138 1234 5678", "+86 138-1234-5678", "8613812345678"]
)
def test_equality_search_by_phone_finds_the_party_however_it_is_typed(
    case: Case, typed: str
) -> None:
    found = Party.objects.filter(phone_hash=personal_data.digest(Kind.PHONE, typed))
    assert [p.case_id for p in found] == [case.pk]
    assert found.get().name == "张三"


def test_equality_search_by_id_number_ignores_case_and_spaces(case: Case) -> None:
    found = Party.objects.filter(
        id_number_hash=personal_data.digest(Kind.ID_NUMBER, "420106 19900202 566x")
    )
    assert [p.name for p in found] == ["李四"]


def test_equality_search_does_not_match_another_number(case: Case) -> None:
    assert not Party.objects.filter(phone_hash=personal_data.digest(Kind.PHONE, "13812345679"))
    # An ID number and a phone with the same digits do not collide.
    assert personal_data.digest(Kind.PHONE, "13812345678") != personal_data.digest(
        Kind.ID_NUMBER, "13812345678"
    )


def test_the_search_hash_is_keyed(case: Case) -> None:
    before = personal_data.digest(Kind.PHONE, PHONE)
    with override_settings(FIELD_HASH_KEY="another-hash-key"):
        assert personal_data.digest(Kind.PHONE, PHONE) != before


def test_reveal_by_a_permitted_user_returns_clear_values_and_logs_one_event(
    tree: Tree, case: Case
) -> None:
    party = applicant_of(case)
    events_before = Event.objects.filter(case=case).count()

    revealed = reveal_party(party=party, actor=tree.intake_s1)

    assert revealed.id_number == ID_NUMBER
    assert revealed.phone == PHONE_DIGITS
    assert ID_NUMBER not in repr(revealed)
    assert Event.objects.filter(case=case).count() == events_before + 1
    event = Event.objects.filter(case=case, kind=EventKind.REVEAL).get()
    assert event.actor == tree.intake_s1
    assert event.after["party"] == party.pk
    assert event.after["phone"] == "138****5678"
    # Revealing does not change the case.
    assert Case.objects.get(pk=case.pk).version == case.version


@pytest.mark.parametrize("role", ["admin", "director_c", "director_d1"])
def test_supervisors_may_reveal(tree: Tree, case: Case, role: str) -> None:
    assert reveal_party(party=applicant_of(case), actor=tree.users[role]).phone == PHONE_DIGITS
    assert Event.objects.filter(case=case, kind=EventKind.REVEAL).count() == 1


def test_the_assigned_mediator_may_reveal(tree: Tree, case: Case) -> None:
    drive(case, Status.IN_MEDIATION, actor=tree.director_d1, mediator=tree.med_s1)
    assert reveal_party(party=applicant_of(case), actor=tree.mediator_s1_user).id_number == (
        ID_NUMBER
    )


def test_reveal_by_an_observer_is_not_permitted_and_logs_nothing(tree: Tree, case: Case) -> None:
    events_before = Event.objects.filter(case=case).count()
    with pytest.raises(NotPermitted):
        reveal_party(party=applicant_of(case), actor=tree.observer_d1)
    assert Event.objects.filter(case=case).count() == events_before
    assert not Event.objects.filter(kind=EventKind.REVEAL).exists()


@pytest.mark.parametrize("role", ["director_d2", "mediator_s2", "court_liaison"])
def test_reveal_out_of_scope_answers_case_not_found_and_logs_nothing(
    tree: Tree, case: Case, role: str
) -> None:
    with pytest.raises(CaseNotFound):
        reveal_party(party=applicant_of(case), actor=tree.users[role])
    assert not Event.objects.filter(kind=EventKind.REVEAL).exists()


# --- Several parties for one document (the 调解协议书) ------------------------------------------


def test_revealing_a_documents_parties_is_one_event_naming_each(tree: Tree, case: Case) -> None:
    parties = list(case.parties.order_by("position", "id"))
    revealed = reveal_parties(
        case=case, parties=parties, actor=tree.intake_s1, document=PrintedDocument.AGREEMENT
    )
    assert {pk: (r.id_number, r.phone) for pk, r in revealed.items()} == {
        parties[0].pk: (ID_NUMBER, PHONE_DIGITS),
        parties[1].pk: ("42010619900202566X", "02782771234"),
    }
    event = Event.objects.get(case=case, kind=EventKind.REVEAL)
    assert event.after["document"] == "agreement"
    assert [p["party"] for p in event.after["parties"]] == [p.pk for p in parties]
    assert event.after["parties"][0]["id_number"] == parties[0].id_number_masked
    assert_no_clear_text(case, [*SECRETS, "42010619900202566X", "02782771234"])


def test_revealing_a_documents_parties_needs_the_permission(tree: Tree, case: Case) -> None:
    with pytest.raises(NotPermitted):
        reveal_parties(
            case=case,
            parties=list(case.parties.all()),
            actor=tree.observer_d1,
            document=PrintedDocument.AGREEMENT,
        )
    with pytest.raises(CaseNotFound):
        reveal_parties(
            case=case,
            parties=list(case.parties.all()),
            actor=tree.director_d2,
            document=PrintedDocument.AGREEMENT,
        )
    assert not Event.objects.filter(kind=EventKind.REVEAL).exists()


def test_only_the_cases_own_parties_are_revealed(tree: Tree, case: Case) -> None:
    other = register(actor=tree.admin, centre=tree.s1)
    with pytest.raises(InvalidInput) as raised:
        reveal_parties(
            case=case,
            parties=[applicant_of(case), applicant_of(other)],
            actor=tree.admin,
            document=PrintedDocument.AGREEMENT,
        )
    assert "parties" in raised.value.fields
    assert not Event.objects.filter(kind=EventKind.REVEAL).exists()


# --- Keys ----------------------------------------------------------------------------------------

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def test_a_value_encrypted_under_an_old_key_still_decrypts_after_rotation() -> None:
    with override_settings(FIELD_ENCRYPTION_KEY=f"old:{OLD_KEY}"):
        stored = personal_data.encrypt(PHONE_DIGITS)
    assert stored.startswith("old$")

    with override_settings(FIELD_ENCRYPTION_KEY=f"new:{NEW_KEY},old:{OLD_KEY}"):
        assert personal_data.decrypt(stored) == PHONE_DIGITS
        assert personal_data.needs_rotation(stored)
        fresh = personal_data.encrypt(PHONE_DIGITS)
        assert fresh.startswith("new$")
        assert not personal_data.needs_rotation(fresh)
        assert personal_data.decrypt(fresh) == PHONE_DIGITS

    with (
        override_settings(FIELD_ENCRYPTION_KEY=f"new:{NEW_KEY}"),
        pytest.raises(ImproperlyConfigured),
    ):
        personal_data.decrypt(stored)  # the old key is gone


def test_parties_registered_under_an_old_key_are_revealed_and_rotated(tree: Tree) -> None:
    with override_settings(FIELD_ENCRYPTION_KEY=f"old:{OLD_KEY}"):
        case = register(actor=tree.intake_s1, centre=tree.s1, parties=[APPLICANT])
        saved = save_filter(
            user=tree.intake_s1, name="calls", params=QueryDict(), search_text=PHONE, centre=None
        )
    assert applicant_of(case).phone_encrypted.startswith("old$")

    with override_settings(FIELD_ENCRYPTION_KEY=f"new:{NEW_KEY},old:{OLD_KEY}"):
        assert reveal_party(party=applicant_of(case), actor=tree.intake_s1).phone == PHONE_DIGITS
        output = io.StringIO()
        call_command("rotate_field_key", stdout=output)
        assert "Re-encrypted 1 parties" in output.getvalue()
        assert "Re-encrypted 1 saved filters" in output.getvalue()
        party = applicant_of(case)
        assert party.phone_encrypted.startswith("new$")
        assert party.id_number_encrypted.startswith("new$")

    with override_settings(FIELD_ENCRYPTION_KEY=f"new:{NEW_KEY}"):
        revealed = reveal_party(party=applicant_of(case), actor=tree.intake_s1)
        assert (revealed.id_number, revealed.phone) == (ID_NUMBER, PHONE_DIGITS)
        # A saved filter holding a phone is kept as long as its owner likes: it follows the key.
        saved.refresh_from_db()
        assert filter_search_text(saved) == PHONE
    # The search hash does not depend on the encryption key.
    assert Party.objects.filter(phone_hash=personal_data.digest(Kind.PHONE, PHONE)).count() == 1


@pytest.mark.parametrize(
    "spec",
    [
        "no-colon-here",
        ":" + Fernet.generate_key().decode(),  # no key id
        "k1:not-a-fernet-key",
        "k$1:" + Fernet.generate_key().decode(),  # "$" separates the id from the token
        f"k1:{Fernet.generate_key().decode()},broken",
    ],
    # Named by what is wrong, not by the random key (the same names in every test process).
    ids=["no-colon", "no-key-id", "not-a-fernet-key", "dollar-in-id", "broken-second-key"],
)
def test_a_bad_key_configuration_is_refused(spec: str) -> None:
    with override_settings(FIELD_ENCRYPTION_KEY=spec):
        with pytest.raises(ImproperlyConfigured):
            personal_data.encrypt("13812345678")
        with pytest.raises(ImproperlyConfigured):
            personal_data.keyring()


def test_a_value_from_an_unknown_key_is_refused() -> None:
    with (
        override_settings(FIELD_ENCRYPTION_KEY=f"k9:{NEW_KEY}"),
        pytest.raises(ImproperlyConfigured),
    ):
        personal_data.decrypt("k1$gAAAAABnotreally")


def test_the_transition_events_carry_no_clear_values(tree: Tree, case: Case) -> None:
    case = drive(case, Status.IN_MEDIATION, actor=tree.director_d1, mediator=tree.med_s1)
    workflow.transition(
        case=case,
        name="fail",
        actor=tree.mediator_s1_user,
        data={"guidance": "litigation", "note": "双方分歧较大"},
    )
    assert_no_clear_text(case, SECRETS)
