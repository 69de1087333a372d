"""Case notes: the one writer of ``Note`` (docs/api.md, "Case notes").

A note is added, never edited or deleted; a correction is a new note naming the one it corrects.
Writing a note changes nothing on the case itself: like booking a session it needs no If-Match and
leaves the case's version as it is (DESIGN §9), and it writes exactly one event.
"""

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..access import can, case_relations, get_case_for
from ..deadlines import future_dates, local_today
from ..errors import InvalidInput, NotPermitted
from ..models import Case, EventKind, Note, NoteKind
from . import events, notifications, search_index

#: The longest note, in characters (a page of a record, not a document: attach those).
TEXT_MAX = 10_000

# ``@username``: letters, digits and ``_ + -``, with dots inside. Not preceded by a word character,
# so an e-mail address (``li@example.com``) is no mention; ASCII only, so the Chinese text that
# follows a name without a space (``@mediator明天回电``) is not read as part of it.
MENTION = re.compile(r"(?<![A-Za-z0-9_.+-])@([A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*)")


def mentioned_usernames(text: str) -> list[str]:
    """The ``@username`` mentions in ``text``, each once, in the order written."""
    return list(dict.fromkeys(MENTION.findall(text)))


def _mentioned_users(case: Case, usernames: Iterable[str]) -> tuple[list[User], list[str]]:
    """The users named, and the names that are no active user who may see ``case``.

    Unknown and out-of-scope names are refused alike, so a mention discloses no one's account.
    """
    wanted = list(usernames)
    found = {u.username: u for u in User.objects.filter(username__in=wanted, is_active=True)}
    users, refused = [], []
    for name in wanted:
        user = found.get(name)
        if user is not None and case_relations(user, case):
            users.append(user)
        else:
            refused.append(name)
    return users, refused


def write_note(
    *,
    case: Case,
    actor: User,
    kind: str,
    text: str,
    happened_on: date | None = None,
    corrects: Note | None = None,
    at: datetime | None = None,
) -> Note:
    """Add a note to ``case``: a dated record of a call, a visit, a consultation.

    ``happened_on`` (default: today at the case's centre) may not be in the future. ``corrects``
    names an earlier note of the same case that this one corrects; each note is corrected at most
    once (correct the correction to correct again). ``@username`` mentions in ``text`` are stored;
    each must be an active user who may see the case, otherwise ``InvalidInput`` naming ``text``.
    The case's mediators, its handling centre's directors (and those above) and intake officers
    may write; everyone else who sees the case reads only (``NotPermitted``).
    """
    case = get_case_for(actor, case.pk)
    if not can(actor, "write_note", case):
        raise NotPermitted(_("You may not write notes on this case."))
    at = at or timezone.now()
    happened_on = happened_on or local_today(case.centre, at)
    text = text.strip()
    problems: dict[str, list[Any]] = {}
    if kind not in NoteKind.values:
        problems["kind"] = [_("Choose what kind of note this is.")]
    if not text:
        problems["text"] = [_("Write what happened.")]
    elif len(text) > TEXT_MAX:
        problems["text"] = [_("A note holds at most %(max)d characters.") % {"max": TEXT_MAX}]
    problems.update(future_dates(case.centre, at=at, happened_on=happened_on))
    if corrects is not None and corrects.case_id != case.pk:
        problems["corrects"] = [_("Only a note of this case can be corrected here.")]
    mentions: list[User] = []
    if "text" not in problems:
        mentions, refused = _mentioned_users(case, mentioned_usernames(text))
        if refused:
            problems["text"] = [
                _("%(names)s: no one of that name may see this case.")
                % {"names": ", ".join(f"@{name}" for name in refused)}
            ]
    if problems:
        raise InvalidInput(fields=problems)
    already = [_("This note has already been corrected: correct its latest correction.")]
    with transaction.atomic():
        if corrects is not None:
            # Lock the corrected note: two corrections of it at once must not both succeed.
            corrects = Note.objects.select_for_update().get(pk=corrects.pk)
            if Note.objects.filter(corrects=corrects).exists():
                raise InvalidInput(fields={"corrects": already})
        try:
            with transaction.atomic():
                note = Note.objects.create(
                    case=case,
                    kind=kind,
                    happened_on=happened_on,
                    text=text,
                    author=actor if getattr(actor, "pk", None) else None,
                    written_at=at,
                    corrects=corrects,
                )
        except IntegrityError as exc:  # the unique ``corrects`` refused a concurrent twin
            raise InvalidInput(fields={"corrects": already}) from exc
        if mentions:
            note.mentions.set(mentions)
        search_index.reindex_case(case)
        after: dict[str, Any] = {"note": note.pk, "kind": kind, "happened_on": happened_on}
        if corrects is not None:
            after["corrects"] = corrects.pk
        if mentions:
            after["mentions"] = [u.username for u in mentions]
        # Not the text: it may hold personal data, which events keep masked only.
        events.record(
            case=case, actor=actor, kind=EventKind.NOTE, name="write_note", at=at, after=after
        )
        if mentions:
            notifications.notify_mentioned(note=note, case=case, users=mentions, actor=actor, at=at)
    return note
