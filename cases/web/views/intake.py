"""Intake: the window officer registers a dispute with all its parties.

The page is a plain form that posts and redirects; HTMX adds party rows, narrows the sub-categories
to the chosen category, and tells, while an ID number or phone is typed, whether this person is in
earlier cases. Registering is ``cases.services.intake.register_case`` (one transaction); its
``InvalidInput`` names fields such as ``summary`` or ``parties.1.phone``, which land at that field.
"""

import re
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import BoundField
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ...errors import DomainError, InvalidInput, NotPermitted
from ...queries.cases import cases_of_person
from ...queries.categories import categories_for
from ...services.intake import register_case
from ..base import AuthenticatedHttpRequest, add_domain_error, htmx_redirect, render_form
from ..context import navigation
from ..forms.categories import category_choices
from ..forms.intake import (
    MAX_PARTIES,
    PARTIES_PREFIX,
    BasePartyFormSet,
    IntakeForm,
    new_party_form,
    party_formset,
    with_extra_row,
)

TEMPLATE = "web/intake.html"
HINT_LIMIT = 5
ROW_PREFIX = re.compile(rf"^{PARTIES_PREFIX}-\d{{1,3}}$")


def _require_registrar(request: AuthenticatedHttpRequest) -> None:
    """Intake is for those the navigation offers it to (``may_register``); others get a 403."""
    if not navigation(request).get("nav", {}).get("may_register"):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def intake(request: AuthenticatedHttpRequest) -> HttpResponse:
    """``GET``: the form for a new case. ``POST``: register it, or show the errors at the fields."""
    user = request.user
    _require_registrar(request)
    if request.method != "POST":
        return render_form(request, TEMPLATE, _context(IntakeForm(user=user), party_formset()))

    form = IntakeForm(request.POST, user=user)
    formset = party_formset(request.POST)
    if "add_party" in request.POST and formset.management_form.is_valid():
        # "Add a party" without JavaScript: the page again, as typed, with one more row.
        copy, rows = with_extra_row(form, formset)
        return render_form(request, TEMPLATE, _context(copy, rows, focus=_last_row_name(rows)))
    form_valid = form.is_valid()
    if formset.is_valid() and form_valid:
        try:
            case = register_case(actor=user, parties=formset.party_data(), **form.case_data())
        except DomainError as error:
            _place_error(form, formset, error)
        else:
            messages.success(
                request,
                _("Registered case %(number)s, %(number_zh)s.")
                % {"number": case.number, "number_zh": case.number_zh},
            )
            return htmx_redirect(request, reverse("web:case_detail", args=[case.pk]))
    return render_form(request, TEMPLATE, _context(form, formset), status=400)


def _context(
    form: IntakeForm, formset: BasePartyFormSet, focus: BoundField | None = None
) -> dict[str, Any]:
    field = focus or _first_to_fill(form, formset)
    field.field.widget.attrs["autofocus"] = True
    return {"form": form, "formset": formset, "max_parties": MAX_PARTIES}


def _first_to_fill(form: IntakeForm, formset: BasePartyFormSet) -> BoundField:
    """Where the cursor starts: the first field with an error after a post; on a new form the
    centre when the user has several, otherwise the category (channel and risk have defaults)."""
    if form.is_bound:
        for name in form.fields:
            if form.errors.get(name):
                return form[name]
        for row in formset.forms:
            for name in row.fields:
                if row.errors.get(name):
                    return row[name]
    if form["centre"].value() in (None, ""):
        return form["centre"]
    return form["parent"]


def _last_row_name(formset: Any) -> BoundField:
    """The name of the row "Add a party" just appended (the page's last row)."""
    rows = list(formset.forms)
    return cast(BoundField, rows[-1]["name"])


def _place_error(form: IntakeForm, formset: BasePartyFormSet, error: DomainError) -> None:
    """Put the service's error at the fields it names: ``parties.1.phone`` on row 1's phone
    (row 1 of the parties sent, which skip empty and removed rows), ``parties`` above the rows,
    the case's own fields on the form, and a refusal at the centre."""
    if isinstance(error, NotPermitted):
        form.add_error("centre", str(error.message))
        return
    if not isinstance(error, InvalidInput):
        add_domain_error(form, error)
        return
    rows = formset.filled_forms()
    for name, messages_ in error.fields.items():
        for message in messages_:
            head, _sep, rest = name.partition(".")
            if head == "parties" and rest:
                index, _sep, field = rest.partition(".")
                row = rows[int(index)] if index.isdigit() and int(index) < len(rows) else None
                if row is not None:
                    row.add_error(field if field in row.fields else None, message)
                    continue
            if head == "parties":  # "parties" itself, or a row that was not sent
                formset.non_form_errors().append(message)
            else:
                form.add_error(name if name in form.fields else None, message)


@login_required
@require_GET
def party_row(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One blank party row for "Add a party" (``?index=N``), and the formset's new total."""
    _require_registrar(request)
    try:
        index = int(request.GET.get("index", ""))
    except ValueError:
        raise Http404() from None
    if not 0 <= index < MAX_PARTIES:
        raise Http404()
    form = new_party_form(index)
    form.fields["name"].widget.attrs["autofocus"] = True  # HTMX focuses it once the row is in
    context = {
        "form": form,
        "total": index + 1,
        "prefix": PARTIES_PREFIX,
        "max_parties": MAX_PARTIES,
    }
    return render(request, "web/partials/intake_party_added.html", context)


@login_required
@require_GET
def subcategories(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The ``<option>``s of the sub-category select for ``?parent=<id>`` (all, grouped, without)."""
    _require_registrar(request)
    categories = list(categories_for(request.user).filter(active=True))
    parent = next(
        (
            c
            for c in categories
            if c.parent_id is None and str(c.pk) == request.GET.get("parent", "").strip()
        ),
        None,
    )
    options: list[dict[str, Any]] = []
    for value, label in category_choices(categories, parent):
        if isinstance(label, list):  # a group: (top-level name, [(pk, name), ...])
            options.append({"group": value, "options": label})
        else:
            options.append({"value": value, "label": label})
    return render(request, "web/partials/intake_category_options.html", {"options": options})


@login_required
@require_http_methods(["GET", "POST"])
def person_hint(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "This person appears in N earlier cases", counting only cases the user may see.

    Reads ``id_number``, ``phone`` and ``document_type``, or the row's own fields
    (``<prefix>-id_number``) when ``prefix`` names a party row: an ID number is looked up only when
    it is a valid number of its document (a resident ID card or credit code when none is named).
    The page posts, so clear values stay out of URLs and logs. The answer names case numbers
    only, never another party's personal data; nothing for no match.
    """
    _require_registrar(request)
    params = request.POST if request.method == "POST" else request.GET
    prefix = params.get("prefix", "")
    values = {}
    for key in ("id_number", "phone", "document_type"):
        value = params.get(f"{prefix}-{key}") if ROW_PREFIX.match(prefix) else None
        values[key] = (value if value is not None else params.get(key, "")).strip()
    cases = cases_of_person(
        request.user,
        id_number=values["id_number"],
        phone=values["phone"],
        document_type=values["document_type"],
    )
    count = cases.count()
    if not count:
        return HttpResponse("")
    context = {"count": count, "cases": list(cases[:HINT_LIMIT])}
    return render(request, "web/partials/intake_person_hint.html", context)
