"""Mediation sessions, the rooms they use, and the bookings that keep people and rooms single-booked."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import Func
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .people import Mediator


class TsTzRange(Func):
    """``tstzrange(start, end, '[)')``: the half-open time range a booking occupies."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()

    def __init__(self, start: str, end: str) -> None:
        super().__init__(start, end, RangeBoundary())


class PostgresOnlyExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint that exists on PostgreSQL and is silently absent elsewhere.

    SQLite has no exclusion constraints; there the booking service checks the same rule under the
    database's single-writer lock (see ``cases.services.sessions``).
    """

    def constraint_sql(self, model, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using="default"):  # type: ignore[no-untyped-def]
        from django.db import connections

        if connections[using].vendor != "postgresql":
            return
        super().validate(model, instance, exclude=exclude, using=using)


class Room(models.Model):
    centre = models.ForeignKey(
        "cases.Centre", verbose_name=_("centre"), on_delete=models.CASCADE, related_name="rooms"
    )
    name = models.CharField(_("name"), max_length=80)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["centre", "name"]
        constraints = [models.UniqueConstraint(fields=["centre", "name"], name="room_unique_name")]

    def __str__(self) -> str:
        return self.name


class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Session(models.Model):
    """A mediation meeting. A cancelled session frees its room and mediators."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    room = models.ForeignKey(
        Room,
        verbose_name=_("room"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
    )
    place = models.CharField(_("place"), max_length=255, blank=True)
    mode = models.CharField(
        _("mode"), max_length=12, choices=SessionMode.choices, default=SessionMode.IN_PERSON
    )
    status = models.CharField(
        _("status"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    mediators: "models.ManyToManyField[Mediator, SessionMediator]" = models.ManyToManyField(
        "cases.Mediator",
        verbose_name=_("mediators"),
        through="SessionMediator",
        related_name="sessions",
    )
    parties_present = models.ManyToManyField(
        "cases.Party", verbose_name=_("parties present"), blank=True, related_name="sessions"
    )
    minutes = models.TextField(_("minutes"), blank=True)
    result = models.CharField(_("result"), max_length=255, blank=True)

    # The session record (调解笔录), written by the mediator after the session.
    others_present = models.TextField(
        _("others present"),
        blank=True,
        help_text=_("Agents, relatives, witnesses, interpreters: who else attended."),
    )
    applicant_statement = models.TextField(_("what the applicant side said"), blank=True)
    respondent_statement = models.TextField(_("what the respondent side said"), blank=True)
    agreed = models.TextField(
        _("what was agreed"), blank=True, help_text=_("Or where the sides still differ.")
    )
    next_step = models.TextField(_("next step"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_start",
                violation_error_message=_("A session must end after it starts."),
            ),
            PostgresOnlyExclusionConstraint(
                name="session_room_not_double_booked",
                violation_error_message=_("A mediator or room is already booked at that time."),
                expressions=[
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                    ("room", RangeOperators.EQUAL),
                ],
                condition=models.Q(room__isnull=False) & ~models.Q(status="cancelled"),
            ),
        ]
        indexes = [models.Index(fields=["room", "starts_at"], name="session_room_start")]

    def __str__(self) -> str:
        return f"{self.case_id} @ {self.starts_at:%Y-%m-%d %H:%M}"


class SessionMediator(models.Model):
    """A mediator booked for a session. Carries the session's time so the database can refuse overlaps."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="bookings")
    mediator = models.ForeignKey(
        "cases.Mediator", on_delete=models.PROTECT, related_name="bookings"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    cancelled = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("mediator booking")
        verbose_name_plural = _("mediator bookings")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "mediator"], name="booking_unique_per_session"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="booking_ends_after_start",
                violation_error_message=_("A session must end after it starts."),
            ),
            PostgresOnlyExclusionConstraint(
                name="mediator_not_double_booked",
                violation_error_message=_("A mediator or room is already booked at that time."),
                expressions=[
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                    ("mediator", RangeOperators.EQUAL),
                ],
                condition=models.Q(cancelled=False),
            ),
        ]
        indexes = [models.Index(fields=["mediator", "starts_at"], name="booking_mediator_start")]

    def __str__(self) -> str:
        return f"{self.mediator_id} {self.starts_at:%Y-%m-%d %H:%M}"
