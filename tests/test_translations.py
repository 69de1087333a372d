"""The Simplified Chinese catalogue is complete, compiled, and used.

No database: these read ``locale/`` and the source files, and translate a few real strings.

To fix a failure here: ``python manage.py makemessages -l zh_Hans -l en --ignore=.venv
--ignore=tests --ignore=scripts``, translate every empty or fuzzy entry of
``locale/zh_Hans/LC_MESSAGES/django.po``, then ``python manage.py compilemessages --ignore=.venv``
and commit both the .po and the .mo files.
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import polib  # type: ignore[import-untyped]
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
ZH_PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
CATALOGUES = ["zh_Hans", "en"]
SOURCE_DIRS = [ROOT / "cases", ROOT / "mediation"]

# Names under which the code calls gettext; the argument positions of context and message.
GETTEXT_CALLS = {
    "_": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "gettext_noop": (None, 0),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def _live(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete]


def _key(entry: polib.POEntry) -> tuple[str | None, str]:
    return (entry.msgctxt or None, entry.msgid)


def _translations(entry: polib.POEntry) -> tuple[str, ...]:
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
    return (entry.msgstr,)


@pytest.fixture(scope="module")
def zh_po() -> polib.POFile:
    return polib.pofile(str(ZH_PO))


# --- (a) Every entry translated, none fuzzy ------------------------------------------------------


def test_zh_hans_header(zh_po: polib.POFile) -> None:
    assert not zh_po.metadata_is_fuzzy, "remove the #, fuzzy flag from the header"
    assert zh_po.metadata.get("Language") == "zh_Hans"
    assert zh_po.metadata.get("Plural-Forms") == "nplurals=1; plural=0;"
    assert "charset=UTF-8" in zh_po.metadata.get("Content-Type", "")


def test_zh_hans_every_entry_translated(zh_po: polib.POFile) -> None:
    problems = [
        f"{'fuzzy' if 'fuzzy' in e.flags else 'untranslated'}: {e.msgid!r} ({e.linenum})"
        for e in _live(zh_po)
        if "fuzzy" in e.flags or not all(_translations(e))
    ]
    assert not problems, f"{len(problems)} entries need a translation in {ZH_PO}:\n" + "\n".join(
        problems
    )


def test_zh_hans_placeholders_kept(zh_po: polib.POFile) -> None:
    """What ``msgfmt --check`` checks, for machines without GNU gettext. A plural entry's forms
    are checked against its plural msgid: Chinese has one form, used for every count, so it names
    the count even where the English singular ("the session") does not."""
    problems = []
    for e in _live(zh_po):
        wanted = sorted(PLACEHOLDER.findall(e.msgid_plural or e.msgid))
        for msgstr in _translations(e):
            if msgstr and sorted(PLACEHOLDER.findall(msgstr)) != wanted:
                problems.append(f"{e.msgid!r} → {msgstr!r}")
    assert not problems, "placeholders differ:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", CATALOGUES)
def test_header_not_fuzzy(language: str) -> None:
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert not po.metadata_is_fuzzy
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")


# --- (b) The committed .mo matches the .po -------------------------------------------------------


@pytest.mark.parametrize("language", CATALOGUES)
def test_mo_is_compiled_from_po(language: str) -> None:
    directory = LOCALE / language / "LC_MESSAGES"
    mo_path = directory / "django.mo"
    assert mo_path.exists(), f"{mo_path} is missing: run compilemessages and commit it"
    po = polib.pofile(str(directory / "django.po"))
    mo = polib.mofile(str(mo_path))
    in_po = {
        _key(e): _translations(e)
        for e in _live(po)
        if e.msgid and "fuzzy" not in e.flags and all(_translations(e))
    }
    in_mo = {_key(e): _translations(e) for e in mo if e.msgid}
    stale = sorted(str(k) for k in in_po.keys() ^ in_mo.keys()) + sorted(
        str(k) for k in in_po.keys() & in_mo.keys() if in_po[k] != in_mo[k]
    )
    assert not stale, (
        f"{mo_path} is out of date with its .po; run "
        "`python manage.py compilemessages --ignore=.venv`. Differing: " + ", ".join(stale[:20])
    )


# --- (c) Real strings come out in Chinese ------------------------------------------------------


def test_real_strings_in_chinese_and_english() -> None:
    from cases import workflow
    from cases.errors import TransitionNotAllowed
    from cases.models import CentreLevel, Role, Status

    with translation.override("zh-hans"):
        assert str(Status.RESOLVED.label) == "调解成功"
        assert str(Status.DECLINED.label) == "不予受理"
        assert str(Role.DIRECTOR.label) == "中心主任"
        assert str(CentreLevel.STREET.label) == "街道（乡镇）"
        assert str(workflow.TRANSITIONS["accept"].label) == "受理"
        assert str(TransitionNotAllowed()) == "当前不允许执行此操作。"
        # Raised before the case is looked up: no database needed.
        with pytest.raises(TransitionNotAllowed) as raised:
            workflow.transition(case=1, name="reopen", actor=None)
        assert str(raised.value) == "不存在名为“reopen”的操作。"

    with translation.override("en"):
        assert str(Status.RESOLVED.label) == "Resolved"
        assert str(Role.DIRECTOR.label) == "Centre director"
        assert str(workflow.TRANSITIONS["accept"].label) == "Accept"
        with pytest.raises(TransitionNotAllowed) as raised:
            workflow.transition(case=1, name="reopen", actor=None)
        assert str(raised.value) == "There is no action called “reopen”."


# --- (d) Every literal the code translates is in the catalogue -----------------------------------


def _literal(node: ast.expr) -> str | None:
    """A plain string literal (implicit concatenation included); None for f-strings and names."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _translated_literals(path: Path) -> Iterator[tuple[tuple[str | None, str], int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in GETTEXT_CALLS:
            continue
        context_at, message_at = GETTEXT_CALLS[name]
        if len(node.args) <= message_at:
            continue
        message = _literal(node.args[message_at])
        context = None if context_at is None else _literal(node.args[context_at])
        if message is None or (context_at is not None and context is None):
            continue
        yield (context, message), node.lineno


def _source_files() -> Iterator[Path]:
    for directory in SOURCE_DIRS:
        for path in sorted(directory.rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_source_strings_are_in_catalogue(zh_po: polib.POFile) -> None:
    known = {_key(e) for e in _live(zh_po)}
    found = 0
    missing = []
    for path in _source_files():
        for key, line in _translated_literals(path):
            found += 1
            if key not in known:
                context, message = key
                label = f"{context}|{message}" if context else message
                missing.append(f"{path.relative_to(ROOT)}:{line}: {label!r}")
    assert found > 100, "the scan found almost no translatable strings; is it still working?"
    assert not missing, (
        "strings not in the zh_Hans catalogue (run makemessages, translate, compilemessages):\n"
        + "\n".join(missing)
    )
