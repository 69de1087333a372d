"""Parties: masked everywhere; revealing the clear ID number and phone is permitted and logged."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ...queries.cases import parties_for
from ...services.cases import reveal_party
from ..base import ScopedViewSet, signed_in_user
from ..filters import PartyFilter
from ..serializers.parties import PartySerializer, RevealedSerializer

PARTY_EXAMPLE = OpenApiExample(
    "An applicant, masked",
    response_only=True,
    value={
        "id": 31, "case": 12, "role": "applicant", "kind": "person", "name": "张三",
        "id_number": "420***********1237", "phone": "138****5678",
        "address": "江岸区大智街道某小区5栋", "agent": "",
    },
)  # fmt: skip

REVEALED_EXAMPLE = OpenApiExample(
    "Clear values",
    response_only=True,
    value={"id_number": "420106198001011237", "phone": "13812345678"},
)


@extend_schema_view(
    list=extend_schema(
        summary="List parties of the cases in your scope (personal data masked)",
        examples=[PARTY_EXAMPLE],
    ),
    retrieve=extend_schema(summary="One party (personal data masked)", examples=[PARTY_EXAMPLE]),
)
class PartyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    scope = staticmethod(parties_for)
    serializer_class = PartySerializer
    filterset_class = PartyFilter
    ordering_fields = ["id"]
    ordering = ["-id"]

    @extend_schema(
        summary="Reveal a party's ID number and phone (permitted roles only; logged)",
        description=(
            "Writes a `reveal` event on the case's timeline. Observers may not reveal (403). The "
            "answer is not stored for Idempotency-Key replay and must not be cached."
        ),
        request=None,
        responses={200: RevealedSerializer},
        examples=[REVEALED_EXAMPLE],
    )
    @action(detail=True, methods=["post"], filter_backends=[], replay_responses=False)
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        party = self.get_object()
        revealed = reveal_party(party=party, actor=signed_in_user(request))
        response = Response(
            RevealedSerializer({"id_number": revealed.id_number, "phone": revealed.phone}).data
        )
        response["Cache-Control"] = "no-store"
        return response
