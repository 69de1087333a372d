"""Small template helpers of the web UI."""

from datetime import datetime
from typing import Any

from django import template
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from ... import deadlines
from ...models import user_display_name
from ...reports.figures import Kind, shown

register = template.Library()

URGENCY_LABELS = {
    deadlines.Urgency.OVERDUE: _("Overdue"),
    deadlines.Urgency.SOON: _("Due soon"),
    deadlines.Urgency.OK: _("On time"),
    deadlines.Urgency.NONE: "",
}


@register.filter
def person(user: User | None) -> str:
    """``{{ transfer.requested_by|person }}`` → the user's name in its own order (刘小红, "Anna
    Smith"), or the username when no name is set; never Django's ``get_full_name`` ("小红 刘")."""
    return user_display_name(user)


@register.filter
def urgency(due: datetime | None) -> str:
    """``{{ case.running_deadline|urgency }}`` → ``overdue``/``soon``/``ok``/``none`` (a CSS class)."""
    return str(deadlines.urgency(due))


@register.inclusion_tag("web/partials/deadline.html")
def deadline(due: datetime | None) -> dict[str, Any]:
    """A deadline as a coloured date with its band in words (colour is never the only signal)."""
    band = deadlines.urgency(due)
    return {"due": due, "band": str(band), "label": URGENCY_LABELS[band]}


@register.filter
def amount(value: Any) -> str:
    """An amount in yuan as the monthly report shows it: thousands separators and two decimals
    (``12,345.60``) in every language; a dash when there is none."""
    return shown(value, Kind.AMOUNT)
