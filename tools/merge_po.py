#!/usr/bin/env python3
"""After merging branches: rebuild the Russian catalogue from the code and the translations of every side.

    .venv/bin/python tools/merge_po.py <rev> [<rev> ...]    # e.g. HEAD MERGE_HEAD

Takes each revision's django.po, keeps every non-empty translation, re-extracts the strings from the working
tree (tools/i18n.py) and fills them in, then compiles. Prints what is still missing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = "src/kabinet/locale/ru/LC_MESSAGES/django.po"


def translations_at(rev: str) -> dict[str, object]:
    text = subprocess.run(
        ["git", "show", f"{rev}:{PO}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    found: dict[str, object] = {}
    for entry in polib.pofile(text):
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural and all(entry.msgstr_plural.values()):
            found[key] = [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
        elif entry.msgstr and "fuzzy" not in entry.flags:
            found[key] = entry.msgstr
    return found


def main(revs: list[str]) -> int:
    merged: dict[str, object] = {}
    for rev in revs:
        merged.update(translations_at(rev))
    # A conflicted working copy cannot be parsed: start the catalogue from the first revision's file.
    with open(ROOT / PO, "w", encoding="utf-8") as catalogue:
        subprocess.run(["git", "show", f"{revs[0]}:{PO}"], cwd=ROOT, check=True, stdout=catalogue)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
        json.dump(merged, handle, ensure_ascii=False)
    return subprocess.call([sys.executable, str(ROOT / "tools" / "i18n.py"), handle.name], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["HEAD", "MERGE_HEAD"]))
