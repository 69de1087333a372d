"""The web case list's filter as a source of background exports (``cases.documents.case_export``):
an export's stored parameters and search text, run again for its owner in the worker."""

from types import SimpleNamespace
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import QueryDict

from ..documents import case_export
from ..models import Case
from ..queries.cases import detailed_cases
from .forms.case_list import CaseListFilter


def case_list_cases(user: User, params: dict[str, list[str]], text: str) -> QuerySet[Case] | None:
    """The user's cases the list shows for ``params`` and the search ``text``, sorted as it
    sorts them; ``None`` if the filter no longer holds (a centre no longer theirs to see)."""
    data = QueryDict(mutable=True)
    for name, values in params.items():
        data.setlist(name, values)
    if text:
        data["q"] = text
    request: Any = SimpleNamespace(user=user)
    filterset = CaseListFilter(data, detailed_cases(user), request=request)
    return filterset.qs if filterset.is_valid() else None


def register() -> None:
    case_export.register_source(case_export.CASE_LIST, case_list_cases)
