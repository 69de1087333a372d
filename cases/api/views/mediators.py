"""Mediators (read-only): who serves at the centres you may see, and how loaded they are."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins

from ...queries.mediators import mediators_for
from ..base import ScopedViewSet
from ..filters import MediatorFilter
from ..serializers.mediators import MediatorSerializer

MEDIATOR_EXAMPLE = OpenApiExample(
    "A full-time mediator with a seat elsewhere",
    response_only=True,
    value={
        "id": 5, "name": "王调解", "has_account": True, "home_centre": 21, "seats": [2],
        "kind": "full_time", "kind_label": "Full-time people's mediator", "specialties": [7, 12],
        "languages": ["普通话", "武汉话"], "capacity": 10, "open_load": 4, "active": True,
    },
)  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        summary="List mediators serving at the centres you may see",
        description=(
            "`open_load` is the number of open cases the mediator leads, which assigning holds "
            "against `capacity`. `centre`: based or seated there; `specialty`: a category id "
            "(a top-level category includes its sub-categories)."
        ),
        examples=[MEDIATOR_EXAMPLE],
    ),
    retrieve=extend_schema(summary="One mediator", examples=[MEDIATOR_EXAMPLE]),
)
class MediatorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    scope = staticmethod(mediators_for)
    serializer_class = MediatorSerializer
    filterset_class = MediatorFilter
    ordering_fields = ["id", "name"]
    ordering = ["-id"]
