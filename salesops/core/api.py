"""API plumbing: token and session authentication, and routers that enforce the route policy."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Router
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from salesops.core import policy
from salesops.core.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """`Authorization: Bearer so_…` with a personal API token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser session (CSRF-checked), for htmx and pages calling the API."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


API_AUTH = [TokenAuth(), SessionAuth()]


class PolicyRouter(Router):
    """A router whose operations are named `<app>_<function>` and checked against the policy."""

    def __init__(self, *, app: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app

    def add_api_operation(
        self, path: str, methods: list[str], view_func: Callable, **kwargs: Any
    ) -> None:
        operation_id = f"{self.app}_{view_func.__name__}"
        key = f"api:{operation_id}"
        kwargs["operation_id"] = operation_id
        kwargs["url_name"] = operation_id

        @functools.wraps(view_func)
        def guarded(request: HttpRequest, *args: Any, **kw: Any) -> Any:
            if not policy.allows(request.user, key):
                raise HttpError(403, "Forbidden")
            return view_func(request, *args, **kw)

        guarded.policy_key = key  # type: ignore[attr-defined]
        super().add_api_operation(path, methods, guarded, **kwargs)


def install_error_handlers(api: NinjaAPI) -> None:
    """One body for missing-or-forbidden (404), and field-named errors for bad input (400)."""

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, {"detail": "Not Found"}, status=404)

    def invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return api.create_response(
            request, {"detail": "Invalid input", "errors": errors}, status=400
        )

    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(ValidationError, invalid)
