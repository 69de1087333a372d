"""Centres of the network."""

from rest_framework import serializers

from ...models import Centre
from .base import ChoiceLabel


class CentreSerializer(serializers.ModelSerializer[Centre]):
    name = serializers.CharField(read_only=True)
    level_label = ChoiceLabel("level")
    kind_label = ChoiceLabel("kind")

    class Meta:
        model = Centre
        fields = [
            "id",
            "code",
            "name_zh",
            "name_en",
            "name",
            "abbreviation_zh",
            "level",
            "level_label",
            "kind",
            "kind_label",
            "parent",
            "path",
            "depth",
            "active",
            "address",
        ]
        read_only_fields = fields
        # The model's help text quotes a case number in Chinese: the schema is English.
        extra_kwargs = {
            "abbreviation_zh": {
                "help_text": "The short name (in Chinese) that case numbers of the centre carry."
            }
        }
