"""The user's profile: the language they read the product in, and how they hear of each kind of
notification (``services.preferences``); and the header's language switch, which stores the
choice of a logged-in user on their profile too."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views import i18n
from django.views.decorators.http import require_http_methods, require_POST

from ...errors import InvalidInput
from ...queries.preferences import may_digest, settings_of
from ...services import preferences
from ..base import AuthenticatedHttpRequest
from ..forms.profile import KIND_PREFIX, ProfileForm
from ..middleware import remember_language


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        row=settings_of(user),
        language=get_language(),
        may_digest=may_digest(user),
    )
    if form.is_valid():
        try:
            preferences.update_settings(
                user=user,
                language=form.cleaned_data["language"],
                notifications=form.notifications(),
            )
        except InvalidInput as error:
            for field, problems in error.fields.items():
                name = field.replace("notification_preferences.", KIND_PREFIX)
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        else:
            remember_language(request, form.cleaned_data["language"])
            messages.success(request, _("Your settings have been saved."))
            return redirect("web:profile")
    status = 400 if form.is_bound else 200
    return render(request, "web/profile.html", {"form": form}, status=status)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch (the cookie); for a logged-in user, also their profile's."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in preferences.LANGUAGE_CODES:
        preferences.update_settings(user=request.user, language=language)  # type: ignore[arg-type]
        remember_language(request, language)
    return response
