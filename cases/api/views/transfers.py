"""Transfers (read-only): the hand-overs of cases between centres.

Requesting, accepting and returning a transfer are case transitions (``transfer``,
``accept_transfer``, ``return_transfer`` at ``/cases/{id}/transitions/{name}/``), not writes here.
"""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins

from ...queries.transfers import transfers_for
from ..base import ScopedViewSet
from ..filters import TransferFilter
from ..serializers.transfers import TransferSerializer

TRANSFER_EXAMPLE = OpenApiExample(
    "An escalation awaiting the district's decision",
    response_only=True,
    value={
        "id": 6, "case": 12, "case_number": "JA01-2026-00042", "from_centre": 21, "to_centre": 2,
        "direction": "up", "direction_label": "Up (escalation)", "reason": "涉及多方当事人，需区级调处",
        "automatic": False, "previous_status": "in_mediation", "status": "pending",
        "status_label": "Pending", "requested_by": "director_ja01",
        "requested_at": "2026-03-11T15:20:00+08:00", "decided_by": None, "decided_at": None,
        "return_reason": "",
    },
)  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        summary="List transfers of the cases in your scope",
        description="`incoming=true`: pending transfers into the centres you receive cases for.",
        examples=[TRANSFER_EXAMPLE],
    ),
    retrieve=extend_schema(summary="One transfer", examples=[TRANSFER_EXAMPLE]),
)
class TransferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    scope = staticmethod(transfers_for)
    serializer_class = TransferSerializer
    filterset_class = TransferFilter
    ordering_fields = ["id", "requested_at"]
    ordering = ["-id"]
