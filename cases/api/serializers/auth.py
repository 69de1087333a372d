"""Signing in: the token exchange and the signed-in user."""

from typing import Any

from django.contrib.auth.models import User
from rest_framework import serializers

from ..fields import OptionalEmailField
from .users import MembershipSerializer


class MeSerializer(serializers.ModelSerializer[User]):
    memberships = MembershipSerializer(many=True, read_only=True)
    email = OptionalEmailField(read_only=True)
    language = serializers.SerializerMethodField()
    is_administrator = serializers.SerializerMethodField()
    mediator = serializers.SerializerMethodField(
        help_text="Your mediator profile's id, if you have one."
    )

    class Meta:
        model = User
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

    def get_language(self, user: User) -> str:
        request = self.context.get("request")
        return getattr(request, "LANGUAGE_CODE", "zh-hans")

    def get_mediator(self, user: User) -> int | None:
        from ...access import scope_of

        mediator = scope_of(user).mediator
        return mediator.pk if mediator else None

    def get_is_administrator(self, user: User) -> bool:
        from ...access import scope_of

        return scope_of(user).is_admin


class TokenRequestSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField()
