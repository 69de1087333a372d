"""Rooms (read-only): where sessions are held, at the centres you may see."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins

from ...queries.centres import rooms_for
from ..base import ScopedViewSet
from ..filters import RoomFilter
from ..serializers.rooms import RoomSerializer

ROOM_EXAMPLE = OpenApiExample(
    "A mediation room",
    response_only=True,
    value={"id": 3, "centre": 21, "name": "第一调解室", "active": True},
)


@extend_schema_view(
    list=extend_schema(summary="List rooms at the centres you may see", examples=[ROOM_EXAMPLE]),
    retrieve=extend_schema(summary="One room", examples=[ROOM_EXAMPLE]),
)
class RoomViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    scope = staticmethod(rooms_for)
    serializer_class = RoomSerializer
    filterset_class = RoomFilter
    ordering_fields = ["id"]
    ordering = ["-id"]
