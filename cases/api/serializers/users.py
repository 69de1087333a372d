"""User accounts and their memberships, as administrators see and change them."""

from typing import Any

from django.contrib.auth.models import User
from rest_framework import serializers

from ...models import Centre, Membership, Role
from ..fields import IdRelatedField, OptionalEmailField


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    centre_code = serializers.CharField(source="centre.code", read_only=True)
    centre_name = serializers.CharField(source="centre.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["centre", "centre_code", "centre_name", "role"]


class UserSerializer(serializers.ModelSerializer[User]):
    """An account as administrators see it. Passwords never leave the server."""

    memberships = MembershipSerializer(many=True, read_only=True)
    has_password = serializers.SerializerMethodField()
    email = OptionalEmailField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "has_password",
            "last_login",
            "date_joined",
            "memberships",
        ]
        read_only_fields = fields

    def get_has_password(self, user: User) -> bool:
        return bool(user.has_usable_password())


class MembershipInputSerializer(serializers.Serializer[Any]):
    centre = IdRelatedField(queryset=Centre.objects.all())
    role = serializers.ChoiceField(choices=Role.choices)


class UserCreateSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_null=True,
        default=None,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Checked against the password rules. Omitted: the account has no usable password.",
    )
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    email = OptionalEmailField(required=False)
    is_active = serializers.BooleanField(required=False, default=True)
    memberships = MembershipInputSerializer(many=True, required=False, default=list)


class UserUpdateSerializer(serializers.Serializer[Any]):
    """Omitted fields keep their value; `memberships`, when sent, replace all of them."""

    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = OptionalEmailField(required=False)
    is_active = serializers.BooleanField(required=False)
    memberships = MembershipInputSerializer(many=True, required=False)
