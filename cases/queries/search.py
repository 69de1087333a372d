"""Full-text search of cases (issue 21): the words of a search in each case's search document.

``matching`` narrows a (scoped) queryset of cases to those whose document (``CaseSearch``,
``cases.search_text``) holds every word of the search, and annotates each with ``search_rank``
(higher: more of it matches): ``ts_rank`` over the GIN-indexed ``tsvector`` on PostgreSQL,
FTS5's ``bm25`` (negated) on SQLite. It filters the queryset it is given and never widens it.
``highlight`` marks the words of a search in a text for the web list.
"""

import re
from collections.abc import Callable, Sequence
from operator import and_, or_
from typing import TypeVar

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, FloatField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .. import search_text
from ..models import Case

T = TypeVar("T")
RANK = "search_rank"
FTS_TABLE = "cases_casesearch_fts"


def balanced(combine: Callable[[T, T], T], items: Sequence[T]) -> T:
    """``items`` combined as a balanced tree: a long search nests a few levels, not hundreds."""
    if len(items) == 1:
        return items[0]
    middle = len(items) // 2
    return combine(balanced(combine, items[:middle]), balanced(combine, items[middle:]))


def _tsquery(words: list[str]) -> SearchQuery:
    """Every word (AND), each as itself or as all its character pairs (OR)."""

    def term(token: str) -> SearchQuery:
        return SearchQuery(token, config="simple", search_type="plain")

    def either(word: str) -> SearchQuery:
        ways = [balanced(and_, [term(t) for t in alt]) for alt in search_text.alternatives(word)]
        return balanced(or_, ways)

    return balanced(and_, [either(word) for word in words])


def _fts5_query(words: list[str]) -> str:
    """The same query in FTS5's syntax, each token a quoted string."""

    def quoted(token: str) -> str:
        return '"' + token.replace('"', '""') + '"'

    return " AND ".join(
        "("
        + " OR ".join(
            "(" + " AND ".join(map(quoted, alt)) + ")" for alt in search_text.alternatives(word)
        )
        + ")"
        for word in words
    )


def matching(cases: QuerySet[Case], text: str) -> QuerySet[Case]:
    """The cases of ``cases`` whose search document holds every word of ``text``, with their
    ``search_rank``. No word in ``text`` (only punctuation): no case."""
    words = search_text.query_words(text)
    if not words:
        return cases.none()
    if connection.vendor == "postgresql":
        query = _tsquery(words)
        return cases.filter(search_index__vector=query).annotate(
            **{RANK: SearchRank(F("search_index__vector"), query)}
        )
    match = _fts5_query(words)
    ids = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match])
    case_id = f"{connection.ops.quote_name(Case._meta.db_table)}.{connection.ops.quote_name('id')}"
    rank = RawSQL(
        f"(SELECT -bm25({FTS_TABLE}) FROM {FTS_TABLE} "
        f"WHERE {FTS_TABLE} MATCH %s AND rowid = {case_id})",
        [match],
        output_field=FloatField(),
    )
    return cases.filter(pk__in=ids).annotate(**{RANK: rank})


def is_ranked(cases: QuerySet[Case]) -> bool:
    """Whether ``cases`` came through ``matching`` (and can be sorted by ``search_rank``)."""
    return RANK in cases.query.annotations


def highlight(text: str, search: str) -> SafeString:
    """``text`` escaped, the words of ``search`` in it marked (``<mark>``)."""
    words = sorted(search_text.query_words(search) if search else [], key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile("|".join(map(re.escape, words)), re.IGNORECASE)
    parts: list[str] = []
    last = 0
    for found in pattern.finditer(text):
        parts.append(escape(text[last : found.start()]))
        parts.append(f"<mark>{escape(found.group())}</mark>")
        last = found.end()
    parts.append(escape(text[last:]))
    # Every piece of text was escaped above.
    return mark_safe("".join(parts))
