"""The events feed: the timeline events of every case in the caller's scope, by ascending id, for
systems that copy what happens without reading each case's timeline (docs/api.md, "Syncing")."""

from typing import Any

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response

from ...formfields import ID_MAX
from ...queries.feeds import event_feed
from ...replica import reading_from_replica
from ..base import ScopedViewSet
from ..filters import EventFeedFilter
from ..pagination import AfterIdPagination
from ..serializers.cases import EventSerializer

EVENT_EXAMPLE = OpenApiExample(
    "An event",
    response_only=True,
    value={
        "id": 1042, "case": 301, "at": "2026-03-11T09:05:00+08:00", "actor": "director_street",
        "kind": "transition", "kind_label": "Status change", "name": "accept",
        "before": {"status": "registered"}, "after": {"status": "accepted"},
        "centre": 21, "case_version": 2,
    },
)  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        summary="Events of all cases in your scope, oldest first (the events feed)",
        description=(
            "The timeline events (the items of `GET /cases/{id}/events/`, each naming its `case`) "
            "of every case you may see now, by ascending `id`, `after` an id: `next` continues "
            "after the page's last event and is null on the last page. To keep up, store the "
            "highest id you processed and ask again with `after` set to it.\n\n"
            "An event's id is taken when it is written and the event is visible once its change "
            "commits, so an event can appear after one with a higher id (two changes committing "
            "in the other order, normally within a second). Resume with an overlap: `after` the "
            "highest id whose `at` is five minutes older than the newest `at` you hold, skipping "
            'the ids you already have (events never change). See docs/api.md, "Syncing".'
        ),
        parameters=[
            OpenApiParameter(
                "after",
                {"type": "integer", "format": "int64", "minimum": 0, "maximum": ID_MAX},
                OpenApiParameter.QUERY,
                required=False,
                description=(
                    "Only events with a greater id (default 0: from the first). A whole number "
                    "from 0 to 2^63-1; anything else is 400 naming `after`."
                ),
            )
        ],
        examples=[EVENT_EXAMPLE],
    ),
)
class EventFeedViewSet(mixins.ListModelMixin, ScopedViewSet):
    scope = staticmethod(event_feed)
    serializer_class = EventSerializer
    filterset_class = EventFeedFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = AfterIdPagination

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with reading_from_replica(request.user):
            return super().list(request, *args, **kwargs)
