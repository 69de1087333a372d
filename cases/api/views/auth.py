"""Tokens and the caller's own profile."""

from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from ..errors import body
from ..serializers import MeSerializer, TokenRequestSerializer, TokenSerializer


class TokenView(APIView):
    """``POST`` exchanges a username and password for a token; ``DELETE`` revokes the caller's token.

    Administrators revoke anyone's token in the admin (Auth Token → Tokens).
    """

    throttle_classes = [AnonRateThrottle]

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        summary="Get a token",
        request=TokenRequestSerializer,
        responses={200: TokenSerializer},
        auth=[],
        examples=[
            OpenApiExample("login", value={"username": "intake", "password": "demo12345"}, request_only=True),
            OpenApiExample(
                "token", value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"}, response_only=True
            ),
        ],
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        incoming = TokenRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=incoming.validated_data["username"],
            password=incoming.validated_data["password"],
        )
        if user is None or not user.is_active:
            return Response(
                body(
                    "invalid_credentials",
                    _("Unable to log in with these credentials."),
                    {"password": [str(_("Unable to log in with these credentials."))]},
                ),
                status=status.HTTP_400_BAD_REQUEST,
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(summary="Revoke your token", request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        user: Any = request.user
        Token.objects.filter(user=user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(
        summary="You: your user, memberships and language", responses={200: MeSerializer}
    )
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user, context={"request": request}).data)
