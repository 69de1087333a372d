"""Agreements: as read, their fulfilment and judicial confirmation."""

from datetime import date
from typing import Any

from rest_framework import serializers

from ...deadlines import confirmation_deadline
from ...models import Agreement, Fulfilment, JudicialConfirmation
from ...services.agreements import RULING_NUMBER_LENGTH
from .base import ChoiceLabel


class AgreementSerializer(serializers.ModelSerializer[Agreement]):
    case_number = serializers.CharField(source="case.number", read_only=True)
    form_label = ChoiceLabel("form")
    fulfilment_label = ChoiceLabel("fulfilment")
    judicial_confirmation_label = ChoiceLabel("judicial_confirmation")
    confirmation_window_closes_on = serializers.SerializerMethodField(
        help_text="The last day (included) the parties may apply to the court for judicial "
        "confirmation: `effective_on` + 30 days (People's Mediation Law art. 33)."
    )

    class Meta:
        model = Agreement
        fields = [
            "id",
            "case",
            "case_number",
            "terms",
            "amount_agreed",
            "form",
            "form_label",
            "signed_on",
            "effective_on",
            "performance_deadline",
            "fulfilment",
            "fulfilment_label",
            "fulfilment_recorded_at",
            "judicial_confirmation",
            "judicial_confirmation_label",
            "confirmation_window_closes_on",
            "confirmation_applied_on",
            "ruling_number",
            "ruling_on",
            "created_at",
        ]
        read_only_fields = fields

    def get_confirmation_window_closes_on(self, agreement: Agreement) -> date:
        return confirmation_deadline(agreement)


class FulfilmentSerializer(serializers.Serializer[Any]):
    fulfilment = serializers.ChoiceField(choices=Fulfilment.choices)


class JudicialConfirmationSerializer(serializers.Serializer[Any]):
    """The application for judicial confirmation, or the court's ruling on it."""

    status = serializers.ChoiceField(
        choices=[
            c for c in JudicialConfirmation.choices if c[0] != JudicialConfirmation.NOT_APPLIED
        ],
        help_text="`applied`, then `confirmed` or `rejected` (final).",
    )
    applied_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The day the parties applied to the court; required unless already recorded.",
    )
    ruling_number = serializers.CharField(
        max_length=RULING_NUMBER_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="The court's ruling number; required with `confirmed` or `rejected`.",
    )
    ruling_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The day of the court's ruling; required with `confirmed` or `rejected`.",
    )
