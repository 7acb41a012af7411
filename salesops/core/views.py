"""Core pages: home per role, sign-in, preferences, API tokens, audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesops.core import selectors, services
from salesops.core.forms import PreferencesForm, ThrottledAuthenticationForm, TokenForm
from salesops.core.home import cards_for
from salesops.core.htmx import render_page
from salesops.core.models import SavedFilter
from salesops.core.visibility import get_visible_or_404


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        locale = form.get_user().locale
        if locale:
            response.set_cookie("django_language", locale, samesite="Lax")
        return response


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"cards": cards_for(request.user)})


def profile(request: HttpRequest) -> HttpResponse:
    from salesops.org.services import person_set_preferences

    user: Any = request.user
    form = PreferencesForm(
        request.POST or None, initial={"locale": user.locale, "time_zone": user.time_zone}
    )
    if request.method == "POST" and form.is_valid():
        person_set_preferences(actor=user, **form.cleaned_data)
        locale = form.cleaned_data["locale"] or translation.get_language()
        translation.activate(locale)
        messages.success(request, _("Your preferences are saved."))
        response = redirect("core:profile")
        response.set_cookie("django_language", locale, samesite="Lax")
        return response
    return render(request, "core/profile.html", {"form": form})


def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = services.api_token_create(
                actor=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = TokenForm()
    tokens = selectors.api_tokens(actor=request.user)
    return render(request, "core/tokens.html", {"form": form, "tokens": tokens, "secret": secret})


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.api_tokens(actor=request.user).filter(pk=pk).first()
    if token is None:
        raise Http404
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token is revoked."))
    return redirect("core:token_list")


def audit_list(request: HttpRequest) -> HttpResponse:
    entries = selectors.audit_entries(actor=request.user, object_type=request.GET.get("type", ""))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render_page(request, "core/audit_list.html", {"page": page}, partial="rows")


def _safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next", "")
    ok = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if ok else fallback


@require_POST
def saved_filter_save(request: HttpRequest) -> HttpResponse:
    try:
        services.saved_filter_save(
            actor=request.user,
            list_name=request.POST.get("list_name", ""),
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The filter is saved."))
    return redirect(_safe_next(request))


@require_POST
def saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_visible_or_404(SavedFilter, request.user, pk=pk)
    services.saved_filter_delete(actor=request.user, saved=saved)
    return redirect(_safe_next(request))
