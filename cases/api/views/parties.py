"""Parties: masked everywhere; revealing the clear ID number and phone is permitted and logged.

A case's parties are added, corrected and removed under the case
(``/cases/{id}/parties/[{party_pk}/]``, ``CasePartyViewSet``), with ``If-Match`` on the case.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from ...models import Case, Party
from ...queries.cases import api_cases_for, case_party, parties_for
from ...services import parties as party_changes
from ...services.cases import reveal_party
from ...services.intake import PartyData
from .. import permissions
from ..base import ScopedViewSet, signed_in_user
from ..docs import FORBIDDEN, NOT_FOUND, error
from ..filters import PartyFilter
from ..serializers.parties import (
    PartyAddSerializer,
    PartyCorrectionSerializer,
    PartyRemovalSerializer,
    PartySerializer,
    RevealedSerializer,
)
from .cases import IDEMPOTENCY_KEY, IF_MATCH

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


# --- A case's parties: add, correct, remove ---------------------------------------------------------

NOT_YOURS = _("You may not change the parties of this case.")
NO_SUCH_PARTY = _("This case has no party with this id.")

PARTY_ADD_EXAMPLE = OpenApiExample(
    "A third party left out at intake",
    request_only=True,
    value={
        "role": "third_party", "kind": "person", "name": "王五", "phone": "13712345678",
        "id_number": "11010519491231002X", "reason": "登记时漏登第三人",
    },
)  # fmt: skip
PARTY_CORRECTION_EXAMPLE = OpenApiExample(
    "A phone typed wrong at the window",
    request_only=True,
    value={"phone": "13987654321", "reason": "窗口登记时电话录错"},
)
PARTY_INVALID = error(
    "Bad input; the fields at fault are named (the reason too)",
    "invalid",
    "Some fields are not valid.",
    phone=["Enter a valid phone number."],
    reason=["This field is required."],
)
PARTY_NOT_NOW = error(
    "The case is concluded (resolved, failed, withdrawn, closed, declined); for a removal also: "
    "the case has an agreement, or the party is its only applicant. With an Idempotency-Key "
    "also `idempotency_in_flight`",
    "transition_not_allowed",
    "The case is Resolved: its parties can no longer be changed.",
)
CHANGES = (
    "For those who may edit the case (its mediators, the directors over its handling centre, "
    "its intake officers; others who see it: 403), while it is open (409 once concluded). Needs "
    "the case's ETag as `If-Match`; answers with the case's new ETag (the change is one new "
    "version of the case). Writes one event (`kind` `parties`) with the changed fields before and "
    "after, ID number and phone masked only, and the reason."
)


@extend_schema_view(
    create=extend_schema(
        summary="Add a party to a case",
        description=(
            "The party's fields as at intake (`POST /cases/`), validated the same way, and a "
            "`reason`. Answers the new party (masked). " + CHANGES + " Event `name`: `add_party`."
        ),
        request=PartyAddSerializer,
        responses={
            201: PartySerializer,
            400: PARTY_INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: PARTY_NOT_NOW,
        },
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        examples=[PARTY_ADD_EXAMPLE],
    ),
    partial_update=extend_schema(
        summary="Correct a party's details",
        description=(
            "Any of the party's intake fields, and a `reason`; fields left out stay as they are. "
            "An `id_number` or `phone` given (in clear) is validated and sealed again; those not "
            "given are kept as stored. The party as corrected is validated as at intake, and may "
            "not leave the case without an applicant (400 naming `role`). Nothing changed: 200, "
            "no event, the same ETag. " + CHANGES + " Event `name`: `correct_party`."
        ),
        request=PartyCorrectionSerializer,
        responses={
            200: PartySerializer,
            400: PARTY_INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: PARTY_NOT_NOW,
        },
        parameters=[IF_MATCH],
        examples=[PARTY_CORRECTION_EXAMPLE],
    ),
    destroy=extend_schema(
        summary="Remove a party registered by mistake",
        description=(
            "Only before the case has an agreement, and never its only applicant (409). The "
            "reason comes in the query string (`?reason=…`: a DELETE has no body). The party's "
            "row is deleted; the event keeps it as it was (masked) and the sessions that listed "
            "it among those present. " + CHANGES + " Event `name`: `remove_party`."
        ),
        parameters=[
            IF_MATCH,
            OpenApiParameter(
                "reason",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=True,
                description="Why the party is removed (at most 500 characters).",
            ),
        ],
        responses={
            204: OpenApiResponse(description="Removed; the case's new ETag in the header"),
            400: PARTY_INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: PARTY_NOT_NOW,
        },
    ),
)
class CasePartyViewSet(ScopedViewSet):
    """A case's parties, changed under the case (the case's ETag guards each change)."""

    scope = staticmethod(api_cases_for)
    serializer_class = PartySerializer
    filter_backends: list[Any] = []
    pagination_class = None

    def _case(self, request: Request) -> tuple[Case, int | None]:
        """The case (404 out of scope), the caller allowed (403), and ``If-Match`` (428/412):
        permission, then the precondition, then the body (RFC 9110 §13.2.2)."""
        case = self.get_object()
        permissions.require(signed_in_user(request), "edit", case, NOT_YOURS)
        return case, self.require_version(case.version)

    def _party(self, request: Request, case: Case, party_pk: Any) -> Party:
        party = case_party(signed_in_user(request), case, party_pk)
        if party is None:
            raise NotFound(NO_SUCH_PARTY)
        return party

    def _answer(self, case: Case, body: Any, status_code: int = status.HTTP_200_OK) -> Response:
        version = Case.objects.values_list("version", flat=True).get(pk=case.pk)
        return self.with_etag(Response(body, status=status_code), version)

    def create(self, request: Request, pk: str | None = None) -> Response:
        case, version = self._case(request)
        incoming = PartyAddSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        reason = data.pop("reason")
        party = party_changes.add_party(
            case=case, actor=signed_in_user(request), data=PartyData(**data), reason=reason,
            expected_version=version,
        )  # fmt: skip
        return self._answer(case, PartySerializer(party).data, status.HTTP_201_CREATED)

    def partial_update(
        self, request: Request, pk: str | None = None, party_pk: str | None = None
    ) -> Response:
        case, version = self._case(request)
        party = self._party(request, case, party_pk)
        incoming = PartyCorrectionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        changes = dict(incoming.validated_data)
        reason = changes.pop("reason")
        party = party_changes.correct_party(
            party=party, actor=signed_in_user(request), changes=changes, reason=reason,
            expected_version=version,
        )  # fmt: skip
        return self._answer(case, PartySerializer(party).data)

    def destroy(
        self, request: Request, pk: str | None = None, party_pk: str | None = None
    ) -> Response:
        case, version = self._case(request)
        party = self._party(request, case, party_pk)
        incoming = PartyRemovalSerializer(data=request.query_params)
        incoming.is_valid(raise_exception=True)
        party_changes.remove_party(
            party=party, actor=signed_in_user(request),
            reason=incoming.validated_data["reason"], expected_version=version,
        )  # fmt: skip
        return self._answer(case, None, status.HTTP_204_NO_CONTENT)
