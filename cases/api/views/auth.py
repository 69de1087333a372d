"""Tokens and the caller's own profile.

A token is django-rest-knox's (``cases.api.authentication``): stored hashed, expiring once unused for
``API_TOKEN_TTL_DAYS``, revoked by logging out here, by "log out everywhere" on the web, and by any
change of the password.
"""

from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ...errors import error_body
from ...services import preferences, users
from ..base import signed_in_user
from ..docs import error
from ..serializers.auth import (
    MeSerializer,
    MeUpdateSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from ..throttling import AnonRateThrottle


class TokenView(APIView):
    """``POST`` exchanges a username and password for a new token; ``DELETE`` revokes the token the
    request carries. A token expires once unused for 30 days (``API_TOKEN_TTL_DAYS``).

    Administrators revoke anyone's tokens in the admin (Knox → Auth tokens).
    """

    throttle_classes = [AnonRateThrottle]

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        summary="Get a token",
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: error(
                "A field is missing (`invalid`), or the credentials are wrong "
                "(`invalid_credentials`)",
                "invalid_credentials",
                "Unable to log in with these credentials.",
                password=["Unable to log in with these credentials."],
            ),
            429: error(
                "Too many failed sign-ins (`locked_out`, with `Retry-After`), or too many "
                "requests (`throttled`)",
                "locked_out",
                "This account is locked after too many failed logins. Try again in 15 minutes.",
                username=[
                    "This account is locked after too many failed logins. Try again in 15 minutes."
                ],
            ),
        },
        auth=[],
        examples=[
            OpenApiExample("login", value={"username": "intake", "password": "demo12345"}, request_only=True),
            OpenApiExample(
                "token",
                value={"token": "5f0c6d0e86a3a1c5e6b0d0ab6f7a1f2ed3b5a4f1c0e9d8c7b6a5f4e3d2c1b0a9"},
                response_only=True,
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
                error_body(
                    "invalid_credentials",
                    _("Unable to log in with these credentials."),
                    {"password": [str(_("Unable to log in with these credentials."))]},
                ),
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"token": users.issue_api_token(user=user, request=request._request)})

    @extend_schema(summary="Revoke this token", request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        return _revoke_this_token(request)


def _revoke_this_token(request: Request) -> Response:
    # Signed in with a session rather than a token, there is no token to revoke.
    if request.auth is not None:
        users.revoke_api_token(token=request.auth)
    return Response(status=status.HTTP_204_NO_CONTENT)


def _revoke_all_tokens(request: Request) -> Response:
    users.revoke_api_tokens(user=signed_in_user(request))
    return Response(status=status.HTTP_204_NO_CONTENT)


ALL_TOKENS = (
    "Revokes every API token of your account, this one included. Web sessions are not ended: "
    'the web UI\'s "Log out everywhere" or a new password ends those too.'
)


class LogoutView(APIView):
    """``POST``: the same as ``DELETE /auth/token/``, for clients that cannot send ``DELETE``."""

    @extend_schema(summary="Revoke this token", request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        return _revoke_this_token(request)


class TokensView(APIView):
    @extend_schema(
        summary="Revoke all your tokens",
        description=ALL_TOKENS,
        request=None,
        responses={204: None},
    )
    def delete(self, request: Request) -> Response:
        return _revoke_all_tokens(request)


class LogoutAllView(APIView):
    """``POST``: the same as ``DELETE /auth/tokens/``, for clients that cannot send ``DELETE``."""

    @extend_schema(
        summary="Revoke all your tokens",
        description=ALL_TOKENS,
        request=None,
        responses={204: None},
    )
    def post(self, request: Request) -> Response:
        return _revoke_all_tokens(request)


class MeView(APIView):
    @extend_schema(
        summary="You: your user, memberships, language and notification preferences",
        responses={200: MeSerializer},
    )
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(signed_in_user(request), context={"request": request}).data)

    @extend_schema(
        summary="Change your language or notification preferences",
        description=(
            "Stores the language you read the product in (e-mails, notifications, report files, "
            "the web UI) and how you hear of each notification kind given (the others keep "
            "theirs). Answers you as `GET` does."
        ),
        request=MeUpdateSerializer,
        responses={
            200: MeSerializer,
            400: error(
                "A language, kind or delivery that does not exist, or a digest for a user who "
                "directs no centre",
                "invalid",
                "Some fields are not valid.",
                **{
                    "notification_preferences.high_risk": [
                        "Only centre directors may take a daily digest."
                    ]
                },
            ),
        },
    )
    def patch(self, request: Request) -> Response:
        user = signed_in_user(request)
        given = MeUpdateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        preferences.update_settings(
            user=user,
            language=given.validated_data.get("language"),
            notifications=given.validated_data.get("notification_preferences"),
        )
        return Response(MeSerializer(user, context={"request": request}).data)
