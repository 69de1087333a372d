"""Keeping each case's search document current (``cases.models.CaseSearch``).

``reindex_case`` is called, inside their transaction, by every service that changes what a case
is found by: registering it, editing its summary or facts, adding, correcting or removing a
party, writing a note. A change rolled back leaves the document as it was. ``rewrite`` writes
those of many cases at once (``manage.py rebuild_search_index``).
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction

from .. import search_text
from ..bulkload import copy_rows
from ..models import Case, CaseSearch, Note, Party


def documents_for(case_ids: Iterable[int]) -> dict[int, str]:
    """The search documents of the cases ``case_ids`` (three queries, whatever their number)."""
    ids = list(case_ids)
    parties: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for case_id, name, address in (
        Party.objects.filter(case_id__in=ids)
        .order_by("case_id", "position", "pk")
        .values_list("case_id", "name", "address")
    ):
        parties[case_id].append((name, address))
    notes: dict[int, list[str]] = defaultdict(list)
    # A note that was corrected is superseded by its correction: only the latter is searched.
    for case_id, text in (
        Note.objects.filter(case_id__in=ids, corrected_by__isnull=True)
        .order_by("case_id", "written_at", "pk")
        .values_list("case_id", "text")
    ):
        notes[case_id].append(text)
    return {
        pk: search_text.document(summary=summary, facts=facts, notes=notes[pk], parties=parties[pk])
        for pk, summary, facts in Case.objects.filter(pk__in=ids).values_list(
            "pk", "summary", "facts"
        )
    }


def reindex_case(case: Case | int) -> None:
    """Write the search document of ``case`` as the database holds it now; call inside the
    transaction of the change."""
    pk = case if isinstance(case, int) else case.pk
    document = documents_for([pk]).get(pk)
    if document is None:
        return
    CaseSearch.objects.update_or_create(case_id=pk, defaults={"document": document})


def rewrite(case_ids: Iterable[int]) -> int:
    """Write afresh the search documents of the cases ``case_ids``, in one transaction, the cases
    locked meanwhile (a change to one of them waits, then writes its own, newer, document); how
    many were written."""
    ids = list(case_ids)
    with transaction.atomic():
        locked = list(
            Case.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True)
        )
        documents = documents_for(locked)
        CaseSearch.objects.filter(case_id__in=locked).delete()
        copy_rows(CaseSearch._meta.db_table, ["case_id", "document"], sorted(documents.items()))
    return len(documents)
