"""Chinese and English are both first-class: every string in the code is in the Chinese
catalog, translated, and the compiled catalog matches its source."""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SOURCES = ("config", "salesops", "templates")
# Strings written the same way in both languages.
SAME_IN_BOTH = {"English", "简体中文", "CSV", "Excel", "API", "SalesOps", "KPI", "KAI"}

needs_gettext = pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msgfmt") is None,
    reason="GNU gettext (xgettext, msgfmt) is not installed: apt-get install gettext",
)


def _catalog(po: Path, workdir: Path) -> gettext.GNUTranslations:
    mo = workdir / (po.stem + ".mo")
    subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)
    with mo.open("rb") as handle:
        return gettext.GNUTranslations(handle)


def _extract(tmp_path: Path) -> Path:
    """Run makemessages over a copy of the sources; return the fresh .po file."""
    work = tmp_path / "src"
    for name in SOURCES:
        shutil.copytree(
            ROOT / name, work / name, ignore=shutil.ignore_patterns("tests", "__pycache__")
        )
    (work / "locale").mkdir()
    env = {**os.environ, "PYTHONPATH": str(work), "DJANGO_SETTINGS_MODULE": "config.settings",
           "SALESOPS_VAR_DIR": str(tmp_path / "var")}  # fmt: skip
    subprocess.run([sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans",
                    "--no-obsolete", "--no-location"], cwd=work, env=env, check=True,
                   capture_output=True)  # fmt: skip
    return work / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _msgids(po: Path) -> set[str]:
    """The msgids of a .po file (joined continuation lines), without the header."""
    ids, current, in_id = set(), [], False
    for line in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("msgid "):
            current, in_id = [line[6:]], True
        elif in_id and line.startswith('"'):
            current.append(line)
        else:
            if in_id:
                text = "".join(part.strip()[1:-1] for part in current)
                if text:
                    ids.add(text.encode().decode("unicode_escape").encode("latin-1").decode())
            in_id = False
    return ids


@needs_gettext
def test_every_string_in_the_code_is_in_the_chinese_catalog(tmp_path: Path) -> None:
    fresh = _msgids(_extract(tmp_path))
    missing = sorted(fresh - _msgids(PO))
    assert missing == [], f"run `make messages` and translate: {missing[:20]}"


@needs_gettext
def test_every_entry_is_translated_and_compiled(tmp_path: Path) -> None:
    catalog = _catalog(PO, tmp_path)
    untranslated = sorted(
        i for i in _msgids(PO) if catalog.gettext(i) == i and i not in SAME_IN_BOTH
    )
    assert untranslated == [], f"untranslated: {untranslated[:20]}"
    with MO.open("rb") as handle:
        committed = gettext.GNUTranslations(handle)
    stale = sorted(i for i in _msgids(PO) if committed.gettext(i) != catalog.gettext(i))
    assert stale == [], f"locale .mo is older than .po; run `make messages`: {stale[:10]}"
