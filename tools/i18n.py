#!/usr/bin/env python3
"""Update the Russian catalogue: extract strings, apply translations, compile, list what is missing.

.venv/bin/python tools/i18n.py                     # extract + compile, print untranslated msgids
.venv/bin/python tools/i18n.py translations.json   # also apply {"msgid": "перевод", ...}
    (plural entries: {"msgid": ["форма 1", "форма 2", "форма 5"]}; context: key "context\\x04msgid")
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "kabinet"
PO = PACKAGE / "locale" / "ru" / "LC_MESSAGES" / "django.po"


def kabinet(*args: str) -> None:
    env = {**os.environ, "KABINET_DATA_DIR": os.environ.get("KABINET_DATA_DIR", "/tmp/kabinet-i18n")}
    subprocess.run([sys.executable, "-m", "kabinet.cli", *args], cwd=PACKAGE, check=True, env=env)


def main(argv: list[str]) -> int:
    kabinet("makemessages", "-l", "ru", "--no-location", "--ignore", "*/tests/*", "--ignore", "testing/*")
    po = polib.pofile(str(PO))
    if argv:
        translations = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
        for entry in po:
            key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
            value = translations.get(key)
            if value is None:
                continue
            if entry.msgid_plural:
                entry.msgstr_plural = dict(enumerate(value))
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    po[:] = [e for e in po if not e.obsolete]
    po.save()
    kabinet("compilemessages", "-l", "ru")
    missing = po.untranslated_entries() + po.fuzzy_entries()
    for entry in missing:
        print(json.dumps(entry.msgid, ensure_ascii=False))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
