"""User accounts and memberships, for administrators (DESIGN §9): one at a time or in bulk.

Anyone else sees no accounts (the list is empty, a detail is 404) and may not create one (403).
"""

from typing import Any

from drf_spectacular.utils import (
    OpenApiExample,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ...queries.users import users_for
from ...services import users
from ..base import ScopedViewSet, signed_in_user
from ..docs import FORBIDDEN, NOT_FOUND, error
from ..filters import UserFilter
from ..serializers.users import UserCreateSerializer, UserSerializer, UserUpdateSerializer
from .cases import IDEMPOTENCY_KEY

USER_EXAMPLE = OpenApiExample(
    "An intake officer",
    response_only=True,
    value={
        "id": 42, "username": "ja01_intake", "first_name": "小红", "last_name": "刘",
        "email": "ja01_intake@example.org", "is_active": True, "has_password": True,
        "last_login": None, "date_joined": "2026-03-01T09:00:00+08:00",
        "memberships": [
            {"centre": 21, "centre_code": "JA01", "centre_name": "大智街矛盾纠纷调处化解中心",
             "role": "intake"},
        ],
    },
)  # fmt: skip

CREATE_ONE_EXAMPLE = OpenApiExample(
    "One account",
    request_only=True,
    value={
        "username": "ja01_intake", "password": "Dazhi-window-2026", "first_name": "小红",
        "last_name": "刘", "email": "ja01_intake@example.org",
        "memberships": [{"centre": 21, "role": "intake"}],
    },
)  # fmt: skip

CREATE_MANY_EXAMPLE = OpenApiExample(
    "Several accounts at once (all or none)",
    request_only=True,
    value=[
        {"username": "ja01_mediator", "first_name": "建国", "last_name": "王",
         "memberships": [{"centre": 21, "role": "mediator"}]},
        {"username": "ja_director", "password": "Jiangan-director-2026",
         "memberships": [{"centre": 2, "role": "director"}, {"centre": 2, "role": "observer"}]},
    ],
)  # fmt: skip

UPDATE_EXAMPLE = OpenApiExample(
    "Move someone to another centre",
    request_only=True,
    value={"email": "wang@example.org", "memberships": [{"centre": 22, "role": "mediator"}]},
)

INVALID = error(
    "Bad input; the fields at fault are named (by position for a list)",
    "invalid",
    "Some fields are not valid.",
    **{"1.username": ["A user with that username already exists."]},
)

CREATE_REQUEST = PolymorphicProxySerializer(
    component_name="UserCreateOneOrMany",
    serializers=[UserCreateSerializer, UserCreateSerializer(many=True)],
    resource_type_field_name=None,
    many=False,
)
CREATE_RESPONSE = PolymorphicProxySerializer(
    component_name="UserOneOrMany",
    serializers=[UserSerializer, UserSerializer(many=True)],
    resource_type_field_name=None,
    many=False,
)


def _user_data(data: dict[str, Any]) -> users.UserData:
    memberships = [users.MembershipData(**m) for m in data.pop("memberships")]
    return users.UserData(memberships=memberships, **data)


@extend_schema_view(
    list=extend_schema(summary="List user accounts (administrators)", examples=[USER_EXAMPLE]),
    retrieve=extend_schema(summary="One user account (administrators)", examples=[USER_EXAMPLE]),
    create=extend_schema(
        summary="Create one account, or a list of accounts in one transaction (administrators)",
        description=(
            "Send one object or a list of up to 200. A list is created entirely or not at all; "
            "its errors are named by position, e.g. `0.username`, `2.memberships.0.role`. "
            "Without `password` the account has no usable password."
        ),
        request=CREATE_REQUEST,
        responses={201: CREATE_RESPONSE, 400: INVALID, 403: FORBIDDEN},
        parameters=[IDEMPOTENCY_KEY],
        examples=[CREATE_ONE_EXAMPLE, CREATE_MANY_EXAMPLE, USER_EXAMPLE],
    ),
    partial_update=extend_schema(
        summary="Change names, email, active flag or memberships (administrators)",
        description="`memberships`, when sent, replace all of the account's memberships.",
        request=UserUpdateSerializer,
        responses={200: UserSerializer, 400: INVALID, 404: NOT_FOUND},
        examples=[UPDATE_EXAMPLE, USER_EXAMPLE],
    ),
)  # fmt: skip
class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    scope = staticmethod(users_for)
    serializer_class = UserSerializer
    filterset_class = UserFilter
    ordering_fields = ["id", "username"]
    ordering = ["-id"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Refuse before reading the body: a non-administrator learns nothing from validation.
        users.require_administrator(signed_in_user(request))
        many = isinstance(request.data, list)
        incoming: serializers.BaseSerializer[Any] = (
            serializers.ListSerializer(
                child=UserCreateSerializer(),
                data=request.data,
                allow_empty=False,
                max_length=users.MAX_BATCH,
            )
            if many
            else UserCreateSerializer(data=request.data)
        )
        incoming.is_valid(raise_exception=True)
        if many:
            created = users.create_users(
                actor=signed_in_user(request),
                users=[_user_data(dict(item)) for item in incoming.validated_data],
            )
        else:
            created = [
                users.create_user(
                    actor=signed_in_user(request), user=_user_data(dict(incoming.validated_data))
                )
            ]
        fresh = list(self.get_queryset().filter(pk__in=[u.pk for u in created]).order_by("id"))
        data = UserSerializer(fresh, many=True).data
        return Response(data if many else data[0], status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = self.get_object()
        incoming = UserUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        changes = dict(incoming.validated_data)
        memberships = changes.pop("memberships", None)
        users.update_user(
            actor=signed_in_user(request),
            user=user,
            changes=changes,
            memberships=(
                None if memberships is None else [users.MembershipData(**m) for m in memberships]
            ),
        )
        return Response(UserSerializer(self.get_queryset().get(pk=user.pk)).data)
