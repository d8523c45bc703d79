#!/usr/bin/env python3
"""Update the catalogues (Russian and Polish): extract strings, apply translations, compile, list what is missing.

.venv/bin/python tools/i18n.py                          # extract + compile both, print untranslated msgids
.venv/bin/python tools/i18n.py translations.json        # also apply {"msgid": "перевод", ...} to Russian
.venv/bin/python tools/i18n.py --language pl pl.json    # the same for Polish
    (plural entries: {"msgid": ["форма 1", "форма 2", "форма 5"]}, three forms in both languages;
    context: key "context\\x04msgid")

It exits with 1 while any msgid of either language is untranslated or fuzzy, printing them as
``<language>\\t"msgid"`` lines, so what is left can be collected into a JSON per language. CI runs the same
check as a test (core/tests/test_translations.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "kabinet"
# Every catalogue the portal ships (English is the source language). The header each one must carry:
LANGUAGES = {
    "ru": {
        "Language-Team": "Russian",
        "Plural-Forms": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
        "(n%100<10 || n%100>=20) ? 1 : 2);",
    },
    "pl": {
        "Language-Team": "Polish",
        # one (1), few (2–4, 22–24 … but not 12–14), many (0, 5–21, 25 …)
        "Plural-Forms": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    },
}


def po_path(language: str) -> Path:
    return PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po"


def kabinet(*args: str) -> None:
    env = {**os.environ, "KABINET_DATA_DIR": os.environ.get("KABINET_DATA_DIR", "/tmp/kabinet-i18n")}
    subprocess.run([sys.executable, "-m", "kabinet.cli", *args], cwd=PACKAGE, check=True, env=env)


def apply(po: polib.POFile, translations: dict[str, str | list[str]]) -> None:
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
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None


def update(language: str, translations: dict[str, str | list[str]] | None) -> list[polib.POEntry]:
    """Extract into one catalogue, apply ``translations``, compile it; return what is still missing."""
    kabinet("makemessages", "-l", language, "--no-location", "--ignore", "*/tests/*", "--ignore", "testing/*")
    po = polib.pofile(str(po_path(language)))
    po.header = f"{LANGUAGES[language]['Language-Team']} translation of Kabinet.\n"
    po.metadata_is_fuzzy = False
    po.metadata.update({"Project-Id-Version": "Kabinet", "Last-Translator": "Kabinet team"})
    po.metadata.update({"Language": language, **LANGUAGES[language]})
    if po.metadata.get("PO-Revision-Date", "").startswith("YEAR"):  # a catalogue makemessages just created
        po.metadata["PO-Revision-Date"] = po.metadata.get("POT-Creation-Date", "")
    if translations:
        apply(po, translations)
    po[:] = [e for e in po if not e.obsolete]
    po.save()
    kabinet("compilemessages", "-l", language)
    return po.untranslated_entries() + po.fuzzy_entries()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--language", "-l", choices=sorted(LANGUAGES), default="ru", help="where the JSON goes"
    )
    parser.add_argument("translations", nargs="?", type=Path, help="a JSON of msgid → translation")
    args = parser.parse_args(argv)
    translations = json.loads(args.translations.read_text(encoding="utf-8")) if args.translations else None
    missing = 0
    for language in LANGUAGES:
        left = update(language, translations if language == args.language else None)
        for entry in left:
            key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
            print(f"{language}\t{json.dumps(key, ensure_ascii=False)}")
        missing += len(left)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
