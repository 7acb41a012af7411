"""Core forms: sign-in with throttling, preferences, API tokens."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from salesops.core.services import login_failure_record, login_is_locked, login_success_record


def client_address(request: Any) -> str:
    return str(request.META.get("REMOTE_ADDR", "")) if request is not None else ""


class ThrottledAuthenticationForm(AuthenticationForm):
    """Sign-in that locks a username or address after repeated failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed sign-ins. Try again in %(minutes)s minutes."),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        if login_is_locked(username=username, address=address):
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.LOGIN_LOCK_SECONDS // 60},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failure_record(username=username, address=address)
            raise
        login_success_record(username=username, address=address)
        return cleaned


def _time_zone_choices() -> list[tuple[str, Any]]:
    common = [
        "Asia/Shanghai",
        "Asia/Hong_Kong",
        "Asia/Singapore",
        "Asia/Tokyo",
        "Europe/London",
        "Europe/Berlin",
        "America/New_York",
        "America/Los_Angeles",
        "UTC",
    ]
    return [("", _("Company default"))] + [(tz, tz) for tz in common]


class PreferencesForm(forms.Form):
    locale = forms.ChoiceField(label=_("Language"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["locale"].choices = [("", _("Browser default")), *settings.LANGUAGES]
        self.fields["time_zone"].choices = _time_zone_choices()

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"]
        if value and value not in zoneinfo.available_timezones():
            raise forms.ValidationError(_("Unknown time zone."))
        return str(value)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)
