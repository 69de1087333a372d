"""Signing in: the token exchange and the signed-in user."""

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from .users import MembershipSerializer


class MeSerializer(serializers.ModelSerializer[Any]):
    memberships = MembershipSerializer(many=True, read_only=True)
    language = serializers.SerializerMethodField()
    is_administrator = serializers.SerializerMethodField()
    mediator = serializers.SerializerMethodField(
        help_text="Your mediator profile's id, if you have one."
    )

    class Meta:
        model = get_user_model()
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "language",
            "is_administrator",
            "mediator",
            "memberships",
        ]
        read_only_fields = fields

    def get_language(self, user: Any) -> str:
        request = self.context.get("request")
        return getattr(request, "LANGUAGE_CODE", "zh-hans")

    def get_mediator(self, user: Any) -> int | None:
        from ...access import scope_of

        mediator = scope_of(user).mediator
        return mediator.pk if mediator else None

    def get_is_administrator(self, user: Any) -> bool:
        from ...access import scope_of

        return scope_of(user).is_admin


class TokenRequestSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField()
