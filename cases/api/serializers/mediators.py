"""Mediators, with their open load."""

from rest_framework import serializers

from ...models import Mediator
from .base import ChoiceLabel


class MediatorSerializer(serializers.ModelSerializer[Mediator]):
    kind_label = ChoiceLabel("kind")
    languages = serializers.ListField(
        child=serializers.CharField(), source="language_list", read_only=True
    )
    has_account = serializers.SerializerMethodField()
    open_load = serializers.IntegerField(
        read_only=True, help_text="Open cases this mediator leads (held against capacity)."
    )

    class Meta:
        model = Mediator
        fields = [
            "id",
            "name",
            "has_account",
            "home_centre",
            "seats",
            "kind",
            "kind_label",
            "specialties",
            "languages",
            "capacity",
            "open_load",
            "active",
        ]
        read_only_fields = fields

    def get_has_account(self, mediator: Mediator) -> bool:
        return mediator.user_id is not None
