"""Signing in: the token exchange and the signed-in user."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ...models import Delivery
from ...queries.preferences import CHOOSABLE_KINDS, chosen_language, settings_of
from ..fields import OptionalEmailField
from .users import MembershipSerializer


class MeSerializer(serializers.ModelSerializer[User]):
    memberships = MembershipSerializer(many=True, read_only=True)
    email = OptionalEmailField(read_only=True)
    language = serializers.SerializerMethodField(
        help_text="The language you chose on your profile (`zh-hans` or `en`); until you choose "
        "one, the language of this request (`Accept-Language`)."
    )
    notification_preferences = serializers.SerializerMethodField(
        help_text="How you hear of each notification kind: `app` (in the app only), `email` (in "
        "the app and by e-mail: the default), `off`, or `digest` (centre directors only: one "
        "daily digest instead)."
    )
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
            "notification_preferences",
            "is_administrator",
            "mediator",
            "memberships",
        ]
        read_only_fields = fields

    def get_language(self, user: User) -> str:
        chosen = chosen_language(user)
        if chosen:
            return chosen
        request = self.context.get("request")
        return getattr(request, "LANGUAGE_CODE", "zh-hans")

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                kind.value: {"type": "string", "enum": list(Delivery.values)}
                for kind in CHOOSABLE_KINDS
            },
        }
    )
    def get_notification_preferences(self, user: User) -> dict[str, str]:
        row = settings_of(user)
        return {kind.value: row.delivery(kind) for kind in CHOOSABLE_KINDS}

    def get_mediator(self, user: User) -> int | None:
        from ...access import scope_of

        mediator = scope_of(user).mediator
        return mediator.pk if mediator else None

    def get_is_administrator(self, user: User) -> bool:
        from ...access import scope_of

        return scope_of(user).is_admin


class MeUpdateSerializer(serializers.Serializer[Any]):
    """`PATCH /me/`: what you may change about yourself. Either key may be left out; the kinds
    left out of `notification_preferences` keep theirs."""

    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        help_text="The language of your e-mails, notifications, report files and the web UI.",
    )
    notification_preferences = serializers.DictField(
        child=serializers.ChoiceField(choices=Delivery.values),
        required=False,
        help_text="Kind → `app`, `email`, `off` or `digest` (directors only).",
    )


class TokenRequestSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField()
