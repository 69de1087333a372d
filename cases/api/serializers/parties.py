"""Parties: as shown (masked), as given at intake, and revealed in clear."""

from typing import Any

from rest_framework import serializers
from rest_framework.fields import empty

from ...models import DocumentType, Ethnicity, Gender, Party, PartyKind, PartyRole
from .base import FieldsBuiltOnce


class PartySerializer(FieldsBuiltOnce[Party]):
    """A party to a case, its ID number and phone masked (`POST /parties/{id}/reveal/` shows them,
    logged)."""

    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)
    # Empty when not known (``""``, or ``null`` for the date).
    document_type = serializers.ChoiceField(
        choices=DocumentType.choices,
        allow_blank=True,
        read_only=True,
        help_text="The document id_number belongs to; empty when there is no ID number.",
    )
    gender = serializers.ChoiceField(choices=Gender.choices, allow_blank=True, read_only=True)
    ethnicity = serializers.ChoiceField(
        choices=Ethnicity.choices,
        allow_blank=True,
        read_only=True,
        help_text="The GB/T 3304 code of the ethnic group (01 is Han).",
    )

    class Meta:
        model = Party
        fields = [
            "id",
            "case",
            "role",
            "kind",
            "name",
            "document_type",
            "id_number",
            "phone",
            "gender",
            "ethnicity",
            "birth_date",
            "legal_representative",
            "address",
            "agent",
            "sms_consent",
            "sms_consent_at",
        ]
        read_only_fields = fields


class PartyInputSerializer(serializers.Serializer[Any]):
    """A party as given at intake. An ID number is checked as a number of its document_type, a
    resident ID number gives the date of birth and gender, and a field of the other kind of party
    is refused; each mistake names its field as parties.{index}.{field}."""

    role = serializers.ChoiceField(choices=PartyRole.choices, default=PartyRole.APPLICANT)
    kind = serializers.ChoiceField(choices=PartyKind.choices, default=PartyKind.PERSON)
    name = serializers.CharField(max_length=120)
    document_type = serializers.ChoiceField(
        choices=DocumentType.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "The document id_number belongs to. Omitted or empty with an id_number: resident_id "
            "for a person, credit_code for an organisation. A person may have any type but "
            "credit_code; an organisation credit_code or other."
        ),
    )
    id_number = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "Checked as a number of document_type: resident_id and hmt_residence by the GB 11643 "
            "check character and a valid date of birth, credit_code by the GB 32100 check "
            "character, the others by their shape."
        ),
    )
    phone = serializers.CharField(
        max_length=24,
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "A mainland mobile (1[3-9] and 9 digits, +86 allowed) or a fixed line with its area "
            "code (027-85551234, 010-12345678-123); spaces and dashes are ignored."
        ),
    )
    gender = serializers.ChoiceField(
        choices=Gender.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="A person's. Taken from a resident ID number; a different one is refused.",
    )
    ethnicity = serializers.ChoiceField(
        choices=Ethnicity.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="A person's: the GB/T 3304 code of one of the 56 ethnic groups (01 is Han).",
    )
    birth_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A person's. Taken from a resident ID number; a different one is refused.",
    )
    legal_representative = serializers.CharField(
        max_length=120,
        required=False,
        allow_blank=True,
        default="",
        help_text="An organisation's: the person who represents it in law.",
    )
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    agent = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    sms_consent = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "The party agreed to be reminded of sessions by text message (recorded with who "
            "and when; no SMS is sent without it)."
        ),
    )


class RevealedSerializer(serializers.Serializer[Any]):
    """A party's personal data in clear: answered once, never stored, never cached."""

    id_number = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)


#: The longest reason for a change of a case's parties (``cases.services.parties``).
REASON_MAX = 500


def _reason_field() -> "serializers.CharField":
    return serializers.CharField(
        max_length=REASON_MAX,
        help_text="Why the parties change (kept in the case's timeline). Required.",
    )


class PartyAddSerializer(PartyInputSerializer):
    """A party to add to an existing case: its fields as at intake, and the reason."""

    reason = _reason_field()


class PartyCorrectionSerializer(serializers.Serializer[Any]):
    """The fields of a party to correct (any of those given at intake; those left out stay as
    they are), and the reason. An ID number or phone given is validated and sealed again."""

    reason = _reason_field()

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # The intake fields, each optional and without a default: a field left out is unchanged.
        fields: dict[str, serializers.Field[Any, Any, Any, Any]] = {}
        for name, field in PartyInputSerializer().get_fields().items():
            field.required = False
            field.default = empty
            fields[name] = field
        fields.update(super().get_fields())
        return fields


class PartyRemovalSerializer(serializers.Serializer[Any]):
    """The query string of a removal: its reason."""

    reason = _reason_field()
