"""Each case's search document (issue 21): the segmented words of its summary, facts, notes and
parties, searched by ``cases.queries.search``.

``document`` is plain text, words separated by spaces (``cases.search_text.document``); the
database keeps its searchable form beside it, by itself, from the same row:

- PostgreSQL: ``vector``, ``to_tsvector('simple', document)``, set by a trigger on every insert
  and update (COPY included) and searched through a GIN index (``casesearch_vector``);
- SQLite: an FTS5 table ``cases_casesearch_fts`` over ``document`` (external content, rowid the
  case's id), kept by triggers; ``vector`` stays empty there.

Both are made by the migration (per database) rather than declared here. The row is written by
``cases.services.search_index.reindex_case`` in the transaction of each change it reflects, by
the bulk loader (``cases.demo.bulk``) and by ``manage.py rebuild_search_index``.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseSearch(models.Model):
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_index",
    )
    document = models.TextField(_("search document"), blank=True)
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("case search document")
        verbose_name_plural = _("case search documents")

    def __str__(self) -> str:
        return str(self.case_id)
