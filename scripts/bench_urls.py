"""The product's URLs plus ``/bench/hello/``: the smallest DRF endpoint, for figure P6."""

from typing import Any

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mediation.urls import urlpatterns as product


class Hello(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response({"hello": "world"})


urlpatterns = [path("bench/hello/", Hello.as_view()), *product]
