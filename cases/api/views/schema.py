"""``/api/schema/``: the OpenAPI schema (``cases.api.schema``), one English document."""

from typing import Any

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from ..schema import SCHEMA_LANGUAGE


class EnglishSchemaView(SpectacularAPIView):
    """The schema, saying that it is English (``Content-Language: en``) whatever the caller's
    language."""

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().get(request, *args, **kwargs)
        response["Content-Language"] = SCHEMA_LANGUAGE
        return response
