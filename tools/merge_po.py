#!/usr/bin/env python3
"""After merging branches: rebuild the catalogues (Russian, Polish) from the code and every side's translations.

    .venv/bin/python tools/merge_po.py <rev> [<rev> ...]    # e.g. HEAD MERGE_HEAD

Takes each revision's django.po of each language, keeps every non-empty translation, re-extracts the strings
from the working tree (tools/i18n.py) and fills them in, then compiles. Prints what is still missing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("ru", "pl")


def catalogue(language: str) -> str:
    return f"src/kabinet/locale/{language}/LC_MESSAGES/django.po"


def translations_at(rev: str, language: str) -> dict[str, object]:
    shown = subprocess.run(
        ["git", "show", f"{rev}:{catalogue(language)}"], cwd=ROOT, capture_output=True, text=True
    )
    if shown.returncode != 0:  # that side has no catalogue of this language yet
        return {}
    text = shown.stdout
    found: dict[str, object] = {}
    for entry in polib.pofile(text):
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural and all(entry.msgstr_plural.values()):
            found[key] = [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
        elif entry.msgstr and "fuzzy" not in entry.flags:
            found[key] = entry.msgstr
    return found


def main(revs: list[str]) -> int:
    code = 0
    for language in LANGUAGES:
        merged: dict[str, object] = {}
        for rev in revs:
            merged.update(translations_at(rev, language))
        # A conflicted working copy cannot be parsed: start the catalogue from a revision's file that has one.
        for rev in revs:
            shown = subprocess.run(["git", "show", f"{rev}:{catalogue(language)}"], cwd=ROOT, capture_output=True)
            if shown.returncode == 0:
                (ROOT / catalogue(language)).write_bytes(shown.stdout)
                break
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
            json.dump(merged, handle, ensure_ascii=False)
        code |= subprocess.call(
            [sys.executable, str(ROOT / "tools" / "i18n.py"), "--language", language, handle.name], cwd=ROOT
        )
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["HEAD", "MERGE_HEAD"]))
