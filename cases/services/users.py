"""Provisioning user accounts and their memberships (DESIGN §9): administrators only; API tokens.

Centres provision accounts in bulk, so ``create_users`` takes a list and creates all of it or
nothing, naming each problem by its position (``"3.username"``). Passwords are checked with
Django's password validators; an account created without one has an unusable password (its owner
gets one set by an administrator, or logs in some other way).

API tokens are django-rest-knox's: only a hash is stored, and a token expires once unused for
``API_TOKEN_TTL_DAYS``. They are revoked by logging out (one token or all), by "log out everywhere"
on the web, and whenever a new password is saved by any path (``RevokeApiTokensOnPasswordChange``).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from ..access import forget_scope, scope_of
from ..errors import InvalidInput, NotPermitted
from ..models import AuditAction, Centre, Membership, Role
from . import audit_hooks
from .audit import current_request, record, signed_in

EDITABLE_FIELDS = ("first_name", "last_name", "email", "is_active")
MAX_BATCH = 200


@dataclass(frozen=True)
class MembershipData:
    centre: Centre
    role: str


@dataclass(frozen=True)
class UserData:
    """One account to create. ``password`` is clear text here only; ``None``: unusable."""

    username: str
    password: str | None = None
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    is_active: bool = True
    memberships: Sequence[MembershipData] = field(default_factory=tuple)

    def __repr__(self) -> str:  # keep passwords out of logs and tracebacks
        return f"UserData(username={self.username!r})"


def require_administrator(actor: User) -> None:
    """``NotPermitted`` unless ``actor`` administers the system."""
    if not scope_of(actor).is_admin:
        raise NotPermitted(_("Only administrators may manage user accounts."))


def _unique_username_message() -> str:
    return str(User._meta.get_field("username").error_messages["unique"])


def membership_problems(*, centre: Centre, role: str) -> dict[str, list[Any]]:
    """What is wrong with giving someone ``role`` at ``centre``, by field: a valid role at an active
    centre. The rule of every path that writes a membership (the API's and the admin's forms)."""
    problems: dict[str, list[Any]] = {}
    if role not in Role.values:
        problems["role"] = [_("Choose a valid role.")]
    if not centre.active:
        problems["centre"] = [_("This centre is not active.")]
    return problems


def _membership_problems(memberships: Sequence[MembershipData]) -> dict[str, list[Any]]:
    problems: dict[str, list[Any]] = {}
    seen: set[tuple[int, str]] = set()
    for index, membership in enumerate(memberships):
        own = membership_problems(centre=membership.centre, role=membership.role)
        for name, messages in own.items():
            problems[f"memberships.{index}.{name}"] = messages
        key = (membership.centre.pk, membership.role)
        if key in seen:
            problems[f"memberships.{index}"] = [_("This membership is listed twice.")]
        seen.add(key)
    return problems


def _build(data: UserData) -> tuple[User, dict[str, list[Any]]]:
    """An unsaved user from ``data``, and what is wrong with it (field → messages)."""
    user = User(
        username=(data.username or "").strip(),
        first_name=data.first_name,
        last_name=data.last_name,
        email=(data.email or "").strip(),
        is_active=data.is_active,
    )
    if data.password:
        user.set_password(data.password)
    else:
        user.set_unusable_password()
    problems: dict[str, list[Any]] = {}
    try:
        user.full_clean(validate_unique=False)
    except ValidationError as exc:
        problems.update(exc.message_dict)
    if user.username and User.objects.filter(username__iexact=user.username).exists():
        problems.setdefault("username", []).append(_unique_username_message())
    if data.password:
        try:
            password_validation.validate_password(data.password, user)
        except ValidationError as exc:
            problems["password"] = list(exc.messages)
    problems.update(_membership_problems(data.memberships))
    return user, problems


def _create(actor: User, users: Sequence[UserData], *, prefixed: bool) -> list[User]:
    require_administrator(actor)

    def name(index: int, field_name: str) -> str:
        return f"{index}.{field_name}" if prefixed else field_name

    if not users:
        raise InvalidInput(fields={"__all__": [_("Send at least one user.")]})
    if len(users) > MAX_BATCH:
        raise InvalidInput(
            fields={"__all__": [_("Send at most %(max)d users at once.") % {"max": MAX_BATCH}]}
        )
    problems: dict[str, list[Any]] = {}
    built: list[User] = []
    first_seen: dict[str, int] = {}
    for index, data in enumerate(users):
        user, own = _build(data)
        for field_name, messages in own.items():
            problems[name(index, field_name)] = messages
        username = user.username.casefold()
        if username and username in first_seen:
            problems.setdefault(name(index, "username"), []).append(
                _("This username is also used by user %(index)d of this list.")
                % {"index": first_seen[username]}
            )
        first_seen.setdefault(username, index)
        built.append(user)
    if problems:
        raise InvalidInput(fields=problems)

    with transaction.atomic():
        for index, user in enumerate(built):
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:
                # Someone created the same username between our check and this insert.
                raise InvalidInput(
                    fields={name(index, "username"): [_unique_username_message()]}
                ) from None
        created = Membership.objects.bulk_create(
            Membership(user=user, centre=m.centre, role=m.role)
            for user, data in zip(built, users, strict=True)
            for m in data.memberships
        )
        for membership in created:
            audit_hooks.setup_added(instance=membership)
    return built


@transaction.atomic
def create_users(*, actor: User, users: Sequence[UserData]) -> list[User]:
    """Create every account of ``users`` with its memberships, or none of them.

    Problems are named by position and field (``"0.username"``, ``"2.memberships.0.role"``).
    """
    return _create(actor, users, prefixed=True)


@transaction.atomic
def create_user(*, actor: User, user: UserData) -> User:
    """Create one account with its memberships; problems are named by field (``"username"``)."""
    return _create(actor, [user], prefixed=False)[0]


@transaction.atomic
def update_user(
    *,
    actor: User,
    user: User,
    changes: Mapping[str, Any],
    memberships: Sequence[MembershipData] | None = None,
) -> User:
    """Change an account's names, email or active flag; ``memberships`` (when given) replace all.

    An administrator cannot deactivate their own account or drop their own administrator role,
    so the system is never left without anyone able to manage it by accident.
    """
    require_administrator(actor)
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput(fields={name: [_("This field cannot be edited.")] for name in unknown})
    locked = User.objects.select_for_update().get(pk=user.pk)
    is_self = locked.pk == getattr(actor, "pk", None)
    problems: dict[str, list[Any]] = {}
    for name, value in changes.items():
        setattr(locked, name, value.strip() if name == "email" else value)
    if changes:
        try:
            locked.full_clean(
                exclude=[f.name for f in locked._meta.concrete_fields if f.name not in changes],
                validate_unique=False,
            )
        except ValidationError as exc:
            problems.update(exc.message_dict)
    if is_self and changes.get("is_active") is False:
        problems.setdefault("is_active", []).append(_("You cannot deactivate your own account."))
    if memberships is not None:
        problems.update(_membership_problems(memberships))
        keeps_admin = locked.is_superuser or any(m.role == Role.ADMIN for m in memberships)
        if is_self and not keeps_admin:
            problems.setdefault("memberships", []).append(
                _("You cannot remove your own administrator role.")
            )
    if problems:
        raise InvalidInput(fields=problems)
    if changes:
        locked.save(update_fields=list(changes))
    if memberships is not None:
        wanted = {(m.centre.pk, m.role): m for m in memberships}
        current = {(m.centre_id, m.role): m for m in Membership.objects.filter(user=locked)}
        Membership.objects.filter(
            pk__in=[m.pk for k, m in current.items() if k not in wanted]
        ).delete()
        added = Membership.objects.bulk_create(
            Membership(user=locked, centre=m.centre, role=m.role)
            for k, m in wanted.items()
            if k not in current
        )
        for membership in added:
            audit_hooks.setup_added(instance=membership)
        forget_scope(user)
        forget_scope(locked)
    return locked


@transaction.atomic
def change_memberships(
    *, actor: User, saved: Sequence[Membership] = (), removed: Sequence[Membership] = ()
) -> None:
    """Save the new or edited memberships ``saved`` and delete ``removed``, all or none (the
    admin's membership pages). Each saved one must pass ``membership_problems``; problems are
    named by position and field (``"0.centre"``)."""
    require_administrator(actor)
    problems: dict[str, list[Any]] = {}
    for index, membership in enumerate(saved):
        own = membership_problems(centre=membership.centre, role=membership.role)
        problems.update({f"{index}.{name}": messages for name, messages in own.items()})
    if problems:
        raise InvalidInput(fields=problems)
    for membership in removed:
        membership.delete()
    for membership in saved:
        membership.save()
    # Scopes cached on user objects at hand (the actor's own among them) are read again.
    user_field = Membership._meta.get_field("user")
    for membership in (*saved, *removed):
        if user_field.is_cached(membership):
            forget_scope(membership.user)
    if any(m.user_id == getattr(actor, "pk", None) for m in (*saved, *removed)):
        forget_scope(actor)


# --- API tokens -------------------------------------------------------------------------------


@transaction.atomic
def issue_api_token(*, user: User, request: HttpRequest | None = None) -> str:
    """A new API token for ``user``: the clear key, answered once; only its hash is stored.

    Each sign-in gets a token of its own (the clear key of an earlier one is not kept, so it
    cannot be answered again). The user's expired tokens are swept on the way. Audited: the
    sign-in (``login_succeeded``, channel ``api``) and the token issued (its key's first
    characters, which name it in the admin; never the key).
    """
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    token, key = AuthToken.objects.create(user=user)
    if request is not None:
        audit_hooks.logged_in(sender=None, request=request, user=user)
    record(
        actor=user,
        action=AuditAction.TOKEN_ISSUED,
        details={
            "token": token.token_key,
            "expiry": token.expiry.isoformat() if token.expiry else None,
        },
        centre=audit_hooks.home_centre(user),
        target=user,
        request=request,
    )
    return str(key)


def _record_revoked(*, user: User, tokens: list[str], reason: str) -> None:
    request = current_request()
    actor = signed_in(request) or user
    record(
        actor=actor,
        action=AuditAction.TOKEN_REVOKED,
        details={"tokens": tokens, "count": len(tokens), "reason": reason},
        centre=audit_hooks.home_centre(user),
        target=user,
        request=request,
    )


@transaction.atomic
def revoke_api_token(*, token: Any) -> None:
    """Revoke one token (the one a request was authenticated with: ``request.auth``)."""
    key = str(token.token_key)
    user = token.user
    token.delete()
    _record_revoked(user=user, tokens=[key], reason="logout")


@transaction.atomic
def revoke_api_tokens(*, user: User, reason: str = "logout_all") -> int:
    """Revoke every API token of ``user``; the number revoked (one audit record when any)."""
    keys = list(AuthToken.objects.filter(user_id=user.pk).values_list("token_key", flat=True))
    revoked, _by_model = AuthToken.objects.filter(user_id=user.pk).delete()
    if revoked:
        _record_revoked(user=user, tokens=sorted(keys), reason=reason)
    return int(revoked)


@transaction.atomic
def log_out_everywhere(*, user: User, password: str) -> None:
    """End every web session of ``user`` (this one too) and revoke all their API tokens.

    ``password`` confirms that it is the account's owner. It is hashed again with a fresh salt:
    every session carries a signature of the password's hash and ends on its next request when it
    no longer matches (Django's own check, whatever the session store). The password itself does
    not change.
    """
    if not user.check_password(password):
        raise InvalidInput(
            fields={
                "password": [_("Your password was entered incorrectly. Please enter it again.")]
            }
        )
    user.set_password(password)
    user.save(update_fields=["password"])
    revoke_api_tokens(user=user, reason="logout_everywhere")


class RevokeApiTokensOnPasswordChange:
    """Revokes a user's API tokens when a new password of theirs is saved.

    Listed in ``AUTH_PASSWORD_VALIDATORS`` for its ``password_changed``, not to judge passwords:
    Django calls it after ``set_password()`` and ``save()``, whichever path did them (the web
    password page, the admin's password form, ``manage.py changepassword``, a service); Django's
    own paths cannot call a service of ours. Django does not call it when it merely re-hashes the
    same password at login (a harder hasher after an upgrade), so that cuts no integrator off.
    """

    def validate(self, password: str, user: User | None = None) -> None:
        """Every password passes: the other validators judge it."""

    def password_changed(self, password: str, user: User | None = None) -> None:
        if user is not None and user.pk is not None:
            revoke_api_tokens(user=user, reason="password_changed")

    def get_help_text(self) -> str:
        return str(
            _(
                "Saving a new password logs the account out of other browsers "
                "and revokes its API tokens."
            )
        )
