"""The quick search box in the header of every page (issue 20).

It posts (a phone or ID number never goes into an address) the text the case list searches: a case
number in either form (``JA01-2026-00096`` or ``（2026）江岸调字第96号``), a party's name, phone or
ID number. A case number that names exactly one case the user may see opens that case; anything
else goes to the case list with the search kept server-side (``?search=<key>``), where a number
outside the user's scope finds nothing, as an unknown one does.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from ...access import visible_cases
from ...queries.case_list import MAX_SEARCH_LENGTH
from ...queries.number_search import case_number_q
from ...services.searches import save_search
from ..base import AuthenticatedHttpRequest
from ..forms.case_list import SEARCH_KEY


@login_required
@require_POST
def quick_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open the one case a number names, or the case list's results for the text (303)."""
    text = request.POST.get("q", "").strip()[:MAX_SEARCH_LENGTH]
    case_list = reverse("web:case_list")
    if not text:
        return HttpResponseRedirect(case_list, status=303)
    numbered = case_number_q(text)
    if numbered is not None:
        found = list(visible_cases(request.user).filter(numbered).values_list("pk", flat=True)[:2])
        if len(found) == 1:
            return HttpResponseRedirect(reverse("web:case_detail", args=[found[0]]), status=303)
    key = save_search(user=request.user, text=text).key
    return HttpResponseRedirect(f"{case_list}?{SEARCH_KEY}={key}", status=303)
