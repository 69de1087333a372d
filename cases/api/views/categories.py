"""Dispute categories (read-only): two levels, the same for everyone signed in."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins

from ...queries.categories import categories_for
from ..base import ScopedViewSet
from ..filters import CategoryFilter
from ..serializers.categories import CategorySerializer

CATEGORY_EXAMPLE = OpenApiExample(
    "A sub-category",
    response_only=True,
    value={
        "id": 7, "code": "noise", "name_zh": "噪音扰民", "name_en": "Noise", "name": "Noise",
        "parent": 2, "active": True,
    },
)  # fmt: skip


@extend_schema_view(
    list=extend_schema(summary="List dispute categories", examples=[CATEGORY_EXAMPLE]),
    retrieve=extend_schema(summary="One dispute category", examples=[CATEGORY_EXAMPLE]),
)
class CategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    scope = staticmethod(categories_for)
    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    ordering_fields = ["id"]
    ordering = ["id"]
