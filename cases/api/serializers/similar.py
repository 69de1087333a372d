"""Similar cases (类案参考): one resolved case like the one asked about, without its parties."""

from typing import Any

from rest_framework import serializers

from ...queries.similar import Match, SimilarCase


class SimilarCaseSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="case.pk", read_only=True)
    number = serializers.CharField(source="case.number", read_only=True)
    summary = serializers.CharField(
        read_only=True, help_text="The case's summary, people's names masked (the surname kept)."
    )
    category = serializers.IntegerField(source="case.category_id", read_only=True)
    category_label = serializers.SerializerMethodField(
        help_text='The category, "parent / sub-category", in the language of the answer.'
    )
    match = serializers.ChoiceField(
        choices=[m.value for m in Match],
        read_only=True,
        help_text=(
            "Why it is listed: `same_category` (this case's category), `related_category` (the "
            "category's parent or its other sub-categories), `words` (the summary and facts "
            "share words)."
        ),
    )
    outcome = serializers.CharField(source="case.outcome", read_only=True)
    outcome_label = serializers.CharField(source="case.get_outcome_display", read_only=True)
    registered_at = serializers.DateTimeField(source="case.registered_at", read_only=True)
    concluded_at = serializers.DateTimeField(source="case.concluded_at", read_only=True)
    days_to_conclusion = serializers.IntegerField(
        source="days",
        read_only=True,
        allow_null=True,
        help_text="Days from registration to conclusion, in the handling centre's local dates.",
    )
    terms = serializers.CharField(
        read_only=True,
        help_text=(
            "The agreement's terms, shortened to 120 characters (ending in …), names masked."
        ),
    )

    def get_category_label(self, item: SimilarCase) -> str:
        return str(item.case.category)
