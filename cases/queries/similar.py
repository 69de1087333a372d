"""Similar cases (类案参考, issue 21): the resolved cases most like one case, for its page.

A case counts as resolved when its outcome is ``resolved`` (status resolved, or closed after it)
and it has an agreement: failed and withdrawn cases, and every open one, never count. Among the
resolved cases the viewer may see (``access.visible_cases``), never the case itself, they come:

1. same category first: the case's own category, then its family (a sub-category's parent and
   the parent's other sub-categories; a top-level category's sub-categories);
2. then by the words of this case's summary and facts through the search index
   (``cases.models.search``): an OR of its most telling words, the ``MAX_WORDS`` longest (a long
   word is a rare one: 噪音扰民 tells more than 问题), ranked by ``ts_rank`` on PostgreSQL and
   FTS5's ``bm25`` on SQLite; a case need not hold every word;
3. then the most recently concluded.

A case outside the family that shares no word is not similar at all and never shown.

Two queries and one prefetch: the ids in order (case, index and agreement rows only), then the
few cases with what the panel shows. Parties are read only to mask their names in the summary and
the agreement's terms: no personal data of another case is shown (``_masked``).
"""

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from operator import or_
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case as CaseWhen
from django.db.models import F, FloatField, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from .. import access, search_text
from ..models import Case, Category, Outcome, Party, PartyKind
from .search import FTS_TABLE, balanced

#: At most this many words of the case are looked for (the longest first).
MAX_WORDS = 12
#: The agreement's terms are shown up to this many characters.
TERMS_CHARS = 120
#: Runs of digits this long (phone, ID and account numbers) are masked in what is shown.
_LONG_NUMBER = re.compile(r"\d{6,}[\dXx]")


class Match(StrEnum):
    """Why a case is in the panel (its first reason)."""

    SAME_CATEGORY = "same_category"
    RELATED_CATEGORY = "related_category"
    WORDS = "words"


_TIERS = {0: Match.SAME_CATEGORY, 1: Match.RELATED_CATEGORY, 2: Match.WORDS}


@dataclass(frozen=True)
class SimilarCase:
    """One similar case as the panel and the API show it: no party, names masked."""

    case: Case
    match: Match
    summary: str
    terms: str
    days: int | None  # from registration to conclusion, in the handling centre's local dates


def telling_words(case: Case) -> list[str]:
    """The words of the case's summary and facts to look for: the ``MAX_WORDS`` longest, each
    once (single characters and bare numbers tell nothing)."""
    found = search_text.query_words(f"{case.summary}\n{case.facts}")
    kept = [w for w in found if len(w) >= 2 and not w.isdigit()]
    return sorted(kept, key=len, reverse=True)[:MAX_WORDS]


def _family_q(case: Case) -> Q:
    """The cases of the category's family other than the category itself."""
    parent = case.category.parent_id if case.category_id else None
    if parent is not None:
        return Q(category_id=parent) | Q(category__in=Category.objects.filter(parent_id=parent))
    return Q(category__in=Category.objects.filter(parent_id=case.category_id))


def _words_match(words: list[str]) -> tuple[Q, RawSQL | SearchRank | Value]:
    """The filter "holds any of ``words``" and the rank expression, for this database."""
    if not words:
        return Q(pk__in=[]), Value(0.0)
    if connection.vendor == "postgresql":
        query = balanced(or_, [SearchQuery(w, config="simple", search_type="plain") for w in words])
        return Q(search_index__vector=query), SearchRank(F("search_index__vector"), query)
    match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
    ids = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match])
    case_id = f"{connection.ops.quote_name(Case._meta.db_table)}.{connection.ops.quote_name('id')}"
    rank = RawSQL(
        f"(SELECT -bm25({FTS_TABLE}) FROM {FTS_TABLE} "
        f"WHERE {FTS_TABLE} MATCH %s AND rowid = {case_id})",
        [match],
        output_field=FloatField(),
    )
    return Q(pk__in=ids), rank


def resolved_cases(user: User | AnonymousUser) -> QuerySet[Case]:
    """The resolved cases (outcome resolved, with an agreement) the user may see."""
    return access.visible_cases(user).filter(outcome=Outcome.RESOLVED, agreement__isnull=False)


def similar_cases(case: Case, user: User | AnonymousUser, limit: int = 5) -> list[SimilarCase]:
    """Up to ``limit`` resolved cases in ``user``'s scope most like ``case`` (see the module)."""
    family = _family_q(case)
    words, rank = _words_match(telling_words(case))
    candidates = (
        resolved_cases(user)
        .exclude(pk=case.pk)
        .filter(Q(category_id=case.category_id) | family | words)
        .annotate(
            similar_tier=CaseWhen(
                When(category_id=case.category_id, then=Value(0)),
                When(family, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            similar_rank=Coalesce(rank, Value(0.0), output_field=FloatField()),
        )
        .order_by("similar_tier", "-similar_rank", F("concluded_at").desc(nulls_last=True), "-pk")
    )
    ranked = list(candidates.values_list("pk", "similar_tier")[:limit])
    if not ranked:
        return []
    parties = Party.objects.only("case_id", "kind", "name", "agent", "legal_representative")
    shown = Case.objects.filter(pk__in=[pk for pk, _ in ranked]).select_related(
        "agreement", "centre", "category__parent"
    )
    loaded = {c.pk: c for c in shown.prefetch_related(Prefetch("parties", queryset=parties))}
    return [_similar(loaded[pk], _TIERS[tier]) for pk, tier in ranked if pk in loaded]


def _similar(case: Case, match: Match) -> SimilarCase:
    names = _names(case)
    terms = _shortened(_masked(case.agreement.terms, names))
    return SimilarCase(
        case=case,
        match=match,
        summary=_masked(case.summary, names),
        terms=terms,
        days=_days(case),
    )


def _shortened(text: str) -> str:
    """``text`` in at most ``TERMS_CHARS`` characters, the last an ellipsis when it was cut."""
    text = " ".join(text.split())
    return text if len(text) <= TERMS_CHARS else text[: TERMS_CHARS - 1] + "…"


def _names(case: Case) -> list[str]:
    """The names of the case's people (parties, agents, representatives), longest first."""
    names: set[str] = set()
    for party in case.parties.all():
        if party.kind == PartyKind.PERSON:
            names.add(party.name.strip())
        names.update({party.agent.strip(), party.legal_representative.strip()})
    return sorted((n for n in names if len(n) >= 2), key=len, reverse=True)


def _masked(text: str, names: list[str]) -> str:
    """``text`` with each person's name as its surname and 某 (张三 → 张某), as published
    judgments are, and long numbers (phone, ID, account) as asterisks."""
    for name in names:
        text = text.replace(name, name[0] + "某")
    return _LONG_NUMBER.sub(lambda m: "*" * len(m.group()), text)


def _days(case: Case) -> int | None:
    """Days from registration to conclusion, counted in the handling centre's local dates."""
    if case.concluded_at is None:
        return None
    try:
        zone = ZoneInfo(case.centre.timezone)
    except (ValueError, KeyError):
        zone = ZoneInfo("Asia/Shanghai")

    def local(at: datetime) -> datetime:
        return at.astimezone(zone)

    return (local(case.concluded_at).date() - local(case.registered_at).date()).days
