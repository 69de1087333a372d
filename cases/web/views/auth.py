"""Log in and out (here or everywhere), change password, and the lockout after repeated failed
logins (django-axes).

A new password ends the account's sessions in other browsers (Django) and revokes its API tokens
(``cases.services.users.RevokeApiTokensOnPasswordChange``); "log out everywhere" ends every session,
this one too, and revokes the API tokens without changing the password.
"""

from typing import Any

from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from ...errors import InvalidInput, error_body
from ...services import users
from ..base import AuthenticatedHttpRequest
from ..forms.auth import LogoutEverywhereForm
from ..lockout import ADDRESS, locked_by


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/password_change.html"
    success_url = reverse_lazy("web:workbench")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def logout_everywhere(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Confirm with the password; then every session of the account ends and its API tokens are
    revoked (``cases.services.users.log_out_everywhere``)."""
    form = LogoutEverywhereForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            users.log_out_everywhere(user=request.user, password=form.cleaned_data["password"])
        except InvalidInput as error:
            for field, problems in error.fields.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            logout(request)
            messages.success(
                request,
                _("You have been logged out everywhere, and your API tokens have been revoked."),
            )
            return redirect("web:login")
    status = 400 if form.is_bound else 200
    return render(request, "web/logout_everywhere.html", {"form": form}, status=status)


def _lockout_message(request: HttpRequest) -> str:
    cool_off = get_cool_off(request)
    minutes = max(1, int(cool_off.total_seconds() // 60)) if cool_off else 0
    if locked_by(request) == {ADDRESS}:
        if not minutes:
            return str(_("Too many failed logins from this network address. Ask an administrator."))
        return ngettext(
            "Too many failed logins from this network address. Try again in %(minutes)d minute.",
            "Too many failed logins from this network address. Try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
    if not minutes:
        return str(_("This account is locked after too many failed logins. Ask an administrator."))
    return ngettext(
        "This account is locked after too many failed logins. Try again in %(minutes)d minute.",
        "This account is locked after too many failed logins. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def locked_out(request: HttpRequest, response: Any, credentials: Any) -> HttpResponse:
    """django-axes' lockout response: the API's error shape under /api/, the login page elsewhere;
    it says whether the account or the client's address is locked."""
    message = _lockout_message(request)
    cool_off = get_cool_off(request)
    retry_after = str(int(cool_off.total_seconds())) if cool_off else None
    if request.path.startswith("/api/"):
        # An account's lock is the username's; an address's is no field's.
        fields = {} if locked_by(request) == {ADDRESS} else {"username": [message]}
        reply: HttpResponse = JsonResponse(error_body("locked_out", message, fields), status=429)
    else:
        # Bound without the password, so validating it authenticates nothing (which would count
        # one more failure); the form shows our message instead of its own.
        form = AuthenticationForm(request, data={"username": request.POST.get("username", "")})
        form.is_valid()
        form.errors.clear()
        form.add_error(None, message)
        reply = render(request, "web/login.html", {"form": form, "locked": True}, status=429)
    if retry_after:
        reply["Retry-After"] = retry_after
    return reply
