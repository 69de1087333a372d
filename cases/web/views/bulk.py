"""Bulk actions on the case list (issue 20): assign, transfer, record failure, close or export the
rows a user ticked.

The list's rows carry ``case=<id>:<version>`` (the version the user saw). Each case then goes
through the workflow on its own, exactly as from its page: ``cases.workflow.transition`` with the
user as actor (their own scope and permission, its own event and notifications) and the version
seen (someone else's change meanwhile refuses that row, as a stale form does). One row refused
never stops the others; the result page says, row by row, done or why not, in the user's language.
At most ``BULK_LIMIT`` cases at once.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ... import workflow
from ...documents import case_export
from ...errors import DomainError, InvalidInput
from ...models import Case, ExportFormat
from ...queries.case_list import order_case_list
from ...queries.cases import detailed_cases
from ...services.exports import record_export
from ..base import AuthenticatedHttpRequest
from ..forms.bulk import BULK_LIMIT, EXPORT, BulkForm, bulk_action_choices
from ..forms.case_list import DEFAULT_ORDERING


@dataclass(frozen=True)
class Picked:
    """One ticked row: the case's id and the version the user saw (None: not given)."""

    pk: int
    version: int | None
    raw: str


def _picked(values: list[str]) -> list[Picked] | None:
    """The ticked rows, without repeats, in the order posted; None when one is malformed."""
    picked: dict[int, Picked] = {}
    for raw in values:
        pk, _sep, version = raw.partition(":")
        if not pk.isdigit() or (version and not version.isdigit()):
            return None
        picked.setdefault(int(pk), Picked(int(pk), int(version) if version else None, raw))
    return list(picked.values())


@dataclass(frozen=True)
class RowResult:
    picked: Picked
    case: Case | None  # None: not a case the user may see
    done: bool
    message: str = ""


def _error_text(error: DomainError) -> str:
    """A refusal in one line: its field messages (who does not serve, who is at capacity), or
    its message."""
    texts = [text for messages in error.fields.values() for text in messages]
    return " ".join(texts) if texts else str(error.message)


def _perform(user: User, form: BulkForm, picked: Picked, case: Case | None) -> RowResult:
    if case is None:
        # Outside the user's scope (or gone): reported as missing, never touched.
        return RowResult(picked, None, False, str(_("No such case.")))
    try:
        workflow.transition(
            case=case.pk,
            name=form.spec.name,
            actor=user,
            data=form.workflow_data(case),
            expected_version=picked.version,
        )
    except InvalidInput as error:
        return RowResult(picked, case, False, _error_text(error))
    except DomainError as error:
        return RowResult(picked, case, False, str(error.message))
    return RowResult(picked, case, True)


def _refuse(request: AuthenticatedHttpRequest, message: Any) -> HttpResponse:
    return render(request, "web/case_bulk.html", {"error": message}, status=400)


def _export(request: AuthenticatedHttpRequest, ids: list[int]) -> StreamingHttpResponse:
    """The ticked rows the user may see as the list's CSV (same columns), in the list's order."""
    cases = order_case_list(detailed_cases(request.user).filter(pk__in=ids), DEFAULT_ORDERING)
    record_export(
        user=request.user,
        params={},
        text="",
        format=ExportFormat.CSV,
        rows=len(ids),
        list_name="case_list_selection",
    )
    rows = cases.iterator(chunk_size=case_export.CHUNK)
    lines = case_export.csv_lines(rows, translation.get_language(), timezone.get_current_timezone())
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = f"cases-selected-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def case_bulk(request: AuthenticatedHttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The list's ticked rows and the action chosen: the export at once; a transition's form
    (the data it needs, the cases it will be tried on), then, confirmed, the result per row.

    400 for no row, more than ``BULK_LIMIT`` rows, an unknown action or a form with errors.
    """
    user = request.user
    action = request.POST.get("action", "")
    if action not in dict(bulk_action_choices()):
        return _refuse(request, _("Choose an action for the selected cases."))
    picked = _picked(request.POST.getlist("case"))
    if picked is None:
        return _refuse(request, _("The selection could not be read: select the cases again."))
    if not picked:
        return _refuse(request, _("Select at least one case."))
    if len(picked) > BULK_LIMIT:
        return _refuse(
            request,
            _("At most %(limit)d cases can be handled at once; %(count)d were selected.")
            % {"limit": BULK_LIMIT, "count": len(picked)},
        )
    ids = [p.pk for p in picked]
    if action == EXPORT:
        return _export(request, ids)
    spec = workflow.TRANSITIONS[action]
    visible = {
        c.pk: c for c in detailed_cases(user).filter(pk__in=ids).prefetch_related("co_mediators")
    }
    confirmed = "confirm" in request.POST
    form = BulkForm(spec, user, list(visible.values()), request.POST if confirmed else None)
    context: dict[str, Any] = {
        "action": spec,
        "form": form,
        "picked": [(p, visible.get(p.pk)) for p in picked],
        "limit": BULK_LIMIT,
    }
    if not confirmed or not form.is_valid():
        return render(request, "web/case_bulk.html", context, status=400 if form.is_bound else 200)
    results = [_perform(user, form, p, visible.get(p.pk)) for p in picked]
    done = sum(1 for r in results if r.done)
    context.update(results=results, done=done, refused=len(results) - done)
    return render(request, "web/case_bulk_results.html", context)
