"""Type-ahead lookups: the centres and mediators a user may pick, matching what was typed.

A city has thousands of centres and mediators, too many for a select (issue 21): the case list's
centre and mediator filters ask these as the user types. Each answer holds at most
``LOOKUP_LIMIT`` entries, only from the user's scope (the same querysets the filters accept:
``centres_for``, ``mediator_choices``), so a lookup never names a centre or mediator the user
could not filter by.
"""

from django.contrib.auth.models import User
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Q, QuerySet, Value, When

from ..formfields import ID_MAX
from ..models import Centre, Mediator
from .centres import centres_for
from .mediators import mediator_choices

LOOKUP_LIMIT = 20
# Longer than any name or code; a longer text is cut (it matches nothing anyway).
MAX_LOOKUP_LENGTH = 100


def _text(typed: str) -> str:
    return typed.strip()[:MAX_LOOKUP_LENGTH]


def lookup_centres(user: User, typed: str) -> list[Centre]:
    """Centres in the user's scope whose code starts with ``typed`` (any case), or whose name
    (Chinese or English) or abbreviation holds it: the exact code first, then in tree order."""
    text = _text(typed)
    if not text:
        return []
    matches = (
        Q(code__istartswith=text)
        | Q(name_zh__icontains=text)
        | Q(name_en__icontains=text)
        | Q(abbreviation_zh__icontains=text)
    )
    if text.isdigit() and int(text) <= ID_MAX:
        matches |= Q(pk=int(text))
    centres: QuerySet[Centre] = centres_for(user).filter(matches)
    exact = SqlCase(
        When(code__iexact=text, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return list(centres.annotate(exact=exact).order_by("exact", "path")[:LOOKUP_LIMIT])


def lookup_mediators(user: User, typed: str) -> list[Mediator]:
    """Mediators of ``mediator_choices`` (those serving at a centre the user sees) whose name
    holds ``typed``, or based at a centre whose code is ``typed``: by name."""
    text = _text(typed)
    if not text:
        return []
    matches = Q(name__icontains=text) | Q(home_centre__code__iexact=text)
    if text.isdigit() and int(text) <= ID_MAX:
        matches |= Q(pk=int(text))
    return list(mediator_choices(user).filter(matches)[:LOOKUP_LIMIT])
