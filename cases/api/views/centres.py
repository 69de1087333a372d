"""Centres (read-only): the network of centres you may see. Administrators edit them in the admin."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins

from ...queries.centres import centres_for
from ..base import ScopedViewSet
from ..filters import CentreFilter
from ..serializers.centres import CentreSerializer

CENTRE_EXAMPLE = OpenApiExample(
    "A street centre",
    response_only=True,
    value={
        "id": 21, "code": "JA01", "name_zh": "大智街矛盾纠纷调处化解中心",
        "name_en": "Dazhi Street Mediation Centre", "name": "Dazhi Street Mediation Centre",
        "abbreviation_zh": "大智", "level": 3, "level_label": "Street / town",
        "kind": "comprehensive", "kind_label": "Comprehensive mediation centre", "parent": 2,
        "path": "WH/JA/JA01/", "depth": 3, "active": True, "address": "江岸区大智路1号",
    },
)  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        summary="List the centres you may see",
        description="`subtree=<id>`: that centre and every centre below it. `q`: code or name.",
        examples=[CENTRE_EXAMPLE],
    ),
    retrieve=extend_schema(summary="One centre", examples=[CENTRE_EXAMPLE]),
)
class CentreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    scope = staticmethod(centres_for)
    serializer_class = CentreSerializer
    filterset_class = CentreFilter
    ordering_fields = ["id", "path", "code"]
    ordering = ["path"]
