"""CRM importers (core.imports.Importer subclasses), one module per area, and the helpers the
import pages share: header and choice matching in every language, and keeping an uploaded
file's rows between the preview and the confirmation.

Rows wait in a JSON file under VAR_DIR/imports/ named by the person and a random token kept in
their session (several web processes share VAR_DIR; the rows never travel in the session)."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import translation

from salesops.core.imports import Importer, RowError

STASH_SECONDS = 24 * 3600
SESSION_KEY = "crm_import"


def in_every_language(label: Any) -> set[str]:
    """A translatable label as written in each configured language (lower case)."""
    names = {str(label).strip().lower()}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add(str(label).strip().lower())
    return names


class CrmImporter(Importer):
    """An importer that knows its row's line and reads headers and choices in any language."""

    line = 0

    def map_header(self, row: dict[str, str]) -> dict[str, str]:
        """Column values by key; a file's header is read once, not once per row."""
        headers = tuple(row)
        if getattr(self, "_headers", None) != headers:
            self._headers, self._pairs = headers, self._header_pairs(headers)
        return {key: row[header] for header, key in self._pairs}

    def _header_pairs(self, headers: tuple[str, ...]) -> list[tuple[str, str]]:
        """(header, column key) for each header naming a column in any language."""
        if not hasattr(self, "_names"):
            self._names = {}
            for col in self.columns:
                for name in (col.key, *col.aliases, *in_every_language(col.label)):
                    self._names[name.strip().lower()] = col.key
        pairs = [(h, self._names.get((h or "").strip().lower())) for h in headers]
        return [(header, key) for header, key in pairs if key]

    def _clean(self, line: int, raw: dict[str, str]) -> Any:
        self.line = line
        return super()._clean(line, raw)

    def choice(self, column: str, value: str, choices: list[tuple[str, Any]]) -> str:
        """The code of a choice written as its code or its label in any language."""
        found = self.choice_names(column, choices).get(value.strip().lower())
        if found is not None:
            return found
        allowed = ", ".join(str(label) for _code, label in choices)
        raise RowError(
            column,
            translation.gettext("Unknown value “%(v)s”; use one of: %(a)s.")
            % {"v": value, "a": allowed},
        )

    def choice_names(self, column: str, choices: list[tuple[str, Any]]) -> dict[str, str]:
        """A column's choice codes by every lower-case name they go by (codes, and labels in
        every language). Worked out on the column's first row: a column's choices are fixed."""
        cache: dict[str, dict[str, str]] = self.__dict__.setdefault("_choice_names", {})
        names = cache.get(column)
        if names is None:
            names = cache[column] = {}
            for code, label in reversed(choices):  # the first choice wins a shared name
                names.update(dict.fromkeys(in_every_language(label), code))
                names[code.lower()] = code
        return names


def _stash_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _path(user_id: int, token: str) -> Path:
    return _stash_dir() / f"{int(user_id)}-{token}.json"


def stash_rows(request: Any, kind: str, filename: str, rows: list[dict[str, str]]) -> str:
    """Keep an upload's rows until the person confirms (or gives up); returns the token."""
    now = time.time()
    for old in _stash_dir().glob("*.json"):
        if old.stat().st_mtime < now - STASH_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)
    _path(request.user.pk, token).write_text(json.dumps(rows), encoding="utf-8")
    request.session[SESSION_KEY] = {"token": token, "kind": kind, "filename": filename}
    return token


def stashed(request: Any) -> tuple[str, str, list[dict[str, str]]] | None:
    """The kind, file name and rows this person uploaded last, if still kept."""
    info = request.session.get(SESSION_KEY)
    if not info:
        return None
    path = _path(request.user.pk, info["token"])
    if not path.exists():
        return None
    return info["kind"], info["filename"], json.loads(path.read_text(encoding="utf-8"))


def drop_stash(request: Any) -> None:
    """Forget the uploaded rows (after the import ran)."""
    info = request.session.pop(SESSION_KEY, None)
    if info:
        _path(request.user.pk, info["token"]).unlink(missing_ok=True)
