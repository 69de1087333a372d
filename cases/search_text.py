"""The words of a case's search document and of a search: Chinese text segmented by rjieba.

PostgreSQL's and SQLite's full-text parsers split text at spaces and punctuation but cannot find
the words inside a run of Chinese characters (楼上噪音扰民 is one "word" to them). So both the
document (``document``) and the search (``query_words``) are segmented here, the same way, and
the databases only ever see words separated by spaces: a ``tsvector`` (``to_tsvector('simple')``)
on PostgreSQL, an FTS5 table on SQLite (``cases.models.search``).

A search word is rarely a whole name or address: 三丰 is looked for in 张三丰, 大智 in an address.
Names and addresses are therefore also written as their character pairs (bigrams), and names as
their single characters too; a search word of three characters or more matches either itself or
all of its pairs. (pg_trgm would do the same on PostgreSQL, but under the cluster's C locale it
makes no trigrams of Chinese text at all: ``show_trgm('张三丰')`` is ``{}``; and SQLite has none.)
"""

from collections.abc import Iterable, Sequence

import rjieba

# Far beyond any real case; keeps one document well under PostgreSQL's 1 MB tsvector limit.
MAX_DOCUMENT_CHARS = 200_000


def _is_word(token: str) -> bool:
    """A token with a letter or digit (Chinese characters included), not space or punctuation."""
    return any(c.isalnum() for c in token)


def words(text: str) -> list[str]:
    """The words of ``text`` for the index: rjieba's search mode, which gives a long word and the
    words inside it (邻里纠纷: 邻里, 纠纷, 邻里纠纷)."""
    return [t for t in rjieba.cut_for_search(text) if _is_word(t)] if text else []


def pairs(text: str) -> list[str]:
    """The character pairs of each space-separated part of ``text`` (张三丰: 张三, 三丰)."""
    found: list[str] = []
    for part in text.split():
        found += [part[i : i + 2] for i in range(len(part) - 1) if _is_word(part[i : i + 2])]
    return found


def document(
    *,
    summary: str,
    facts: str,
    notes: Iterable[str] = (),
    parties: Iterable[tuple[str, str]] = (),
) -> str:
    """A case's search document: the words of its summary, facts, notes and parties' names and
    addresses, and the pairs (and, for names, single characters) of names and addresses."""
    tokens = words(summary) + words(facts)
    for text in notes:
        tokens += words(text)
    for name, address in parties:
        name = name.strip()
        tokens += [name, *words(name), *pairs(name), *(c for c in name if _is_word(c))]
        tokens += [*words(address), *pairs(address)]
    text = " ".join(tokens)
    return text[:MAX_DOCUMENT_CHARS].rsplit(" ", 1)[0] if len(text) > MAX_DOCUMENT_CHARS else text


def query_words(text: str) -> list[str]:
    """The words of a search, in order, each once: rjieba's precise mode (a search for 邻里纠纷
    wants that word, not either of its halves)."""
    seen: dict[str, None] = {}
    for token in rjieba.cut(text):
        token = token.strip()
        if _is_word(token):
            seen.setdefault(token.lower(), None)
    return list(seen)


def alternatives(word: str) -> Sequence[Sequence[str]]:
    """The ways a search word matches: the word itself, or (three characters or more) all of its
    character pairs, as in a name or an address."""
    if len(word) < 3:
        return [[word]]
    return [[word], list(dict.fromkeys(pairs(word)))]
