"""Saved filters of the case list (issue 20): save the list's current filter under a name (the
user's own or shared with a centre they belong to), apply one with a click, delete one.

A filter's search text is never put in an address: applying a filter that has one keeps it behind
a new search key (``cases.models.SavedSearch``), as the list does with a search typed.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from ...errors import InvalidInput, NotPermitted
from ...models import Centre, SavedFilter
from ...queries.saved_filters import may_delete_filter, saved_filters_for, sharing_centres
from ...queries.searches import saved_search_text
from ...services.saved_filters import delete_filter, filter_search_text, save_filter
from ...services.searches import save_search
from ..base import AuthenticatedHttpRequest, add_domain_error
from ..forms.case_list import SEARCH_KEY


class SaveFilterForm(forms.Form):
    name = forms.CharField(label=_("Name of the filter"), max_length=80)
    share = forms.TypedChoiceField(
        label=_("Visible to"), required=False, coerce=int, empty_value=None
    )
    # The list's query string as its address holds it (a search as its key, never its text).
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=4000)

    def __init__(self, *args: Any, centres: list[Centre], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.centres = {c.pk: c for c in centres}
        self.fields["share"].choices = [("", _("Only me"))] + [  # type: ignore[attr-defined]
            (c.pk, _("Members of %(centre)s") % {"centre": c.name}) for c in centres
        ]


def save_filter_form(request: AuthenticatedHttpRequest, query: QueryDict) -> SaveFilterForm:
    """The "save this filter" form of the case list, for its current ``query``."""
    return SaveFilterForm(
        initial={"query": query.urlencode()}, centres=list(sharing_centres(request.user))
    )


def saved_filter_rows(request: AuthenticatedHttpRequest) -> list[dict[str, Any]]:
    """The filters listed above the case list, each with whether the user may delete it."""
    user = request.user
    return [
        {"filter": f, "may_delete": may_delete_filter(user, f)} for f in saved_filters_for(user)
    ]


def _visible(request: AuthenticatedHttpRequest, pk: int) -> SavedFilter:
    saved = saved_filters_for(request.user).filter(pk=pk).first()
    if saved is None:
        raise Http404()
    return saved


@login_required
@require_POST
def saved_filter_save(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Save the list's current filter; back to the list with it applied. 400 with the errors at
    the fields (a page of its own) for a missing name or a centre the user does not belong to."""
    user = request.user
    form = SaveFilterForm(request.POST, centres=list(sharing_centres(user)))
    if form.is_valid():
        params = QueryDict(form.cleaned_data["query"], mutable=True)
        key = params.get(SEARCH_KEY)
        text = (saved_search_text(user, key) if key else None) or params.get("q", "")
        share = form.cleaned_data["share"]
        try:
            saved = save_filter(
                user=user,
                name=form.cleaned_data["name"],
                params=params,
                search_text=text,
                centre=form.centres.get(share) if share else None,
            )
        except (InvalidInput, NotPermitted) as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
            return HttpResponseRedirect(
                reverse("web:saved_filter_apply", args=[saved.pk]), status=303
            )
    return render(request, "web/saved_filter_form.html", {"form": form}, status=400)


@login_required
@require_GET
def saved_filter_apply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The case list with the filter's parameters (its search behind a new key)."""
    saved = _visible(request, pk)
    params = QueryDict(saved.params, mutable=True)
    text = filter_search_text(saved)
    if text:
        params[SEARCH_KEY] = save_search(user=request.user, text=text).key
    url = reverse("web:case_list")
    return HttpResponseRedirect(f"{url}?{params.urlencode()}" if params else url)


@login_required
@require_POST
def saved_filter_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Delete a filter: its owner, or the director of the centre it is shared with (else 403)."""
    saved = _visible(request, pk)
    try:
        delete_filter(user=request.user, saved=saved)
    except NotPermitted as error:
        raise PermissionDenied(str(error.message)) from None
    messages.success(request, _("Filter “%(name)s” deleted.") % {"name": saved.name})
    return HttpResponseRedirect(reverse("web:case_list"), status=303)
