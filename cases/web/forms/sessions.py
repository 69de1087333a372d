"""Forms of the sessions pages: the calendar's choice, booking, recording and cancelling.

The forms only parse what the user typed; the rules (no double-booking, a session ends after it
starts, mediators and parties of the case) are the booking service's, whose errors come back onto
these forms under the same field names (``starts_at``, ``ends_at``, ``room``, ``mediators``...).
"""

from datetime import date, datetime, time
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ...access import scope_of
from ...models import Case, Centre, Mediator, Party, Role, Room, SessionMode
from ...queries.centres import centres_for, centres_near, own_centres, rooms_for
from ...queries.mediators import candidates_for, mediator_choices, serving_at
from ...services.sessions import MOVE_REASON_MAX, RECORD_TEXT_MAX, RESULT_MAX


class MediatorChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.home_centre.name}"


class RoomChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.centre.name}"


class CentreChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return obj.name  # type: ignore[no-any-return]


class CalendarForm(forms.Form):
    """Whose week to show: one centre, one mediator or one room, each limited to the user's scope."""

    week = forms.DateField(
        label=_("Show the week of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    centre = CentreChoiceField(
        label=_("Centre"), queryset=Centre.objects.none(), required=False, empty_label=_("Choose…")
    )
    subtree = forms.BooleanField(label=_("Include the centres below"), required=False)
    mediator = MediatorChoiceField(
        label=_("Mediator"),
        queryset=Mediator.objects.none(),
        required=False,
        empty_label=_("Choose…"),
    )
    room = RoomChoiceField(
        label=_("Room"), queryset=Room.objects.none(), required=False, empty_label=_("Choose…")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        centre_field: Any = self.fields["centre"]
        mediator_field: Any = self.fields["mediator"]
        room_field: Any = self.fields["room"]
        centre_field.queryset = centres_for(user).order_by("path")
        mediator_field.queryset = mediator_choices(user)
        room_field.queryset = rooms_for(user).filter(active=True).order_by("centre__path", "name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [name for name in ("centre", "mediator", "room") if data.get(name)]
        if len(chosen) > 1:
            raise forms.ValidationError(
                _("Choose one of a centre, a mediator or a room."), code="several"
            )
        return data

    @staticmethod
    def default_for(user: User) -> dict[str, Any]:
        """The user's own mediator profile if they have one, else their first own centre (with the
        centres below when they direct or observe it)."""
        scope = scope_of(user)
        if scope.mediator is not None:
            return {"mediator": scope.mediator.pk}
        centres = own_centres(user)
        if centres:
            supervised = {c.pk for c in scope.centres(Role.DIRECTOR, Role.OBSERVER)}
            return {"centre": centres[0].pk, "subtree": centres[0].pk in supervised}
        return {}

    def around(self) -> Centre | None:
        """The centre the chosen centre, mediator (home) or room belongs to, else the user's
        first own centre: its rooms and mediators are the ones the pickers offer."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("centre"):
            return data["centre"]  # type: ignore[no-any-return]
        if data.get("mediator"):
            return data["mediator"].home_centre  # type: ignore[no-any-return]
        if data.get("room"):
            return data["room"].centre  # type: ignore[no-any-return]
        own = own_centres(self.user)
        return own[0] if own else None

    def offer_near(self, around: Centre | None) -> None:
        """Offer short lists: centres near the user's own and ``around``, and the mediators and
        rooms of ``around``. In a city the full lists run to thousands, too many for a select;
        a centre, mediator or room out of these lists but in scope is still accepted (a link)."""
        user, data = self.user, (self.cleaned_data if self.is_valid() else {})
        centres = list(centres_near(user, centres_for(user), around))
        top = min((c.depth for c in centres), default=1)
        self.fields["centre"].widget.choices = [  # type: ignore[attr-defined]
            ("", self.fields["centre"].empty_label),  # type: ignore[attr-defined]
            *[(c.pk, "\u3000" * (c.depth - top) + c.name) for c in centres],
        ]
        extra = [m.pk for m in (data.get("mediator"), scope_of(user).mediator) if m is not None]
        mediators = mediator_choices(user)
        offered = Q(pk__in=extra)
        if around is not None:
            offered |= Q(pk__in=serving_at(Mediator.objects.all(), around).values("pk"))
        mediator_field: Any = self.fields["mediator"]
        mediator_field.widget.choices = [
            ("", mediator_field.empty_label),
            *[(m.pk, mediator_field.label_from_instance(m)) for m in mediators.filter(offered)],
        ]
        rooms = rooms_for(user).filter(active=True)
        near = Q(pk=data["room"].pk) if data.get("room") else Q(pk__in=[])
        if around is not None:
            near |= Q(centre=around)
        room_field: Any = self.fields["room"]
        room_field.widget.choices = [
            ("", room_field.empty_label),
            *[
                (r.pk, room_field.label_from_instance(r))
                for r in rooms.filter(near).order_by("centre__path", "name")
            ],
        ]


class PartiesField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_role_display()})"


class MediatorsField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.get_kind_display()} · {obj.home_centre.name}"


class SessionTimesForm(forms.Form):
    """A session's day and its start and end times, in local time (booking and moving)."""

    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    starts_at = forms.TimeField(
        label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends_at = forms.TimeField(
        label=_("Ends"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def times(self) -> tuple[datetime, datetime]:
        """The start and end as aware datetimes in the current time zone (Asia/Shanghai)."""
        day: date = self.cleaned_data["date"]
        starts: time = self.cleaned_data["starts_at"]
        ends: time = self.cleaned_data["ends_at"]
        return (
            timezone.make_aware(datetime.combine(day, starts)),
            timezone.make_aware(datetime.combine(day, ends)),
        )


class SessionBookForm(SessionTimesForm):
    """A session of ``case``: when (local time), how, where, who mediates and who attends."""

    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=SessionMode.choices,
        initial=SessionMode.IN_PERSON,
        widget=forms.RadioSelect,
    )
    room = forms.ModelChoiceField(
        label=_("Room"),
        queryset=Room.objects.none(),
        required=False,
        empty_label=_("(no room)"),
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=255,
        required=False,
        help_text=_("Where, when not in one of the centre's rooms."),
    )
    mediators = MediatorsField(
        label=_("Mediators"),
        queryset=Mediator.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    parties_present = PartiesField(
        label=_("Parties attending"),
        queryset=Party.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, case: Case, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        room_field: Any = self.fields["room"]
        mediators_field: Any = self.fields["mediators"]
        parties_field: Any = self.fields["parties_present"]
        # The booking service takes rooms of the case's handling centre only.
        room_field.queryset = rooms_for(user).filter(centre=case.centre_id, active=True)
        # Those who may serve on the case, and whoever already mediates it.
        serving = list(candidates_for(case).values_list("pk", flat=True))
        current = [m.pk for m in case.co_mediators.all()]
        if case.lead_mediator_id:
            current.insert(0, case.lead_mediator_id)
        mediators_field.queryset = (
            Mediator.objects.filter(Q(pk__in=serving) | Q(pk__in=current))
            .select_related("home_centre")
            .order_by("name", "id")
        )
        parties_field.queryset = case.parties.order_by("position", "id")
        if not self.is_bound:
            self.initial.setdefault("mediators", current)
            self.initial.setdefault("parties_present", [p.pk for p in case.parties.all()])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("mode") == SessionMode.IN_PERSON
            and not data.get("room")
            and not (data.get("place") or "").strip()
        ):
            self.add_error("room", _("An in-person session needs a room or a place."))
        return data


class SessionMoveForm(SessionTimesForm):
    """Where a scheduled session moves to: the day and times (local), the room, why."""

    room = forms.ModelChoiceField(
        label=_("Room"),
        queryset=Room.objects.none(),
        required=False,
        empty_label=_("(no room)"),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MOVE_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the case's timeline."),
    )

    def __init__(self, *args: Any, case: Case, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        room_field: Any = self.fields["room"]
        room_field.queryset = rooms_for(user).filter(centre=case.centre_id, active=True)

    @staticmethod
    def initial_for(session: Any) -> dict[str, Any]:
        starts, ends = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
        return {
            "date": starts.date(),
            "starts_at": starts.time(),
            "ends_at": ends.time(),
            "room": session.room_id,
        }


def _record_text(label: Any, rows: int = 4, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=RECORD_TEXT_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class SessionRecordForm(forms.Form):
    """The session record (调解笔录); writing it marks the session held, writing it again corrects
    it."""

    result = forms.CharField(
        label=_("Result"),
        max_length=RESULT_MAX,
        help_text=_("In one line, e.g. “agreed in principle, agreement to be signed next week”."),
    )
    parties_present = PartiesField(
        label=_("Parties present"),
        queryset=Party.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    others_present = _record_text(
        _("Others present"),
        rows=2,
        help_text=_("Agents, relatives, witnesses, interpreters: who else attended."),
    )
    applicant_statement = _record_text(_("What the applicant side said"), rows=6)
    respondent_statement = _record_text(_("What the respondent side said"), rows=6)
    agreed = _record_text(_("What was agreed"), help_text=_("Or where the sides still differ."))
    next_step = _record_text(_("Next step"), rows=2)
    minutes = _record_text(_("Other notes"), rows=6, help_text=_("Anything else worth keeping."))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["parties_present"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = case.parties.order_by("position", "id")


class ConfirmForm(forms.Form):
    """An empty form for a confirm-and-post page; domain errors are put on it."""
