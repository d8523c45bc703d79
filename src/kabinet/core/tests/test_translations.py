"""Russian, English and Polish are complete at every commit: no untranslated or fuzzy entry in the Russian
and Polish catalogues (English is the source), .mo matches .po, and Polish counts with its three forms."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import ngettext

import kabinet

LOCALE = Path(kabinet.__file__).parent / "locale"
PO_FILES = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))
REQUIRED = ["ru", "pl"]  # every language of settings.LANGUAGES but the source language, English


def test_every_language_of_the_portal_has_its_catalogue():
    assert sorted(code for code, _name in settings.LANGUAGES if code != "en") == sorted(REQUIRED)
    for language in REQUIRED:
        assert LOCALE / language / "LC_MESSAGES" / "django.po" in PO_FILES


def test_polish_plurals_have_three_forms():
    po = polib.pofile(str(LOCALE / "pl" / "LC_MESSAGES" / "django.po"))
    assert po.metadata["Plural-Forms"].startswith("nplurals=3;")
    plural = [e for e in po if e.msgid_plural]
    assert plural and all(len(e.msgstr_plural) == 3 and all(e.msgstr_plural.values()) for e in plural)
    with translation.override("pl"):
        words = [
            ngettext("%(n)s unread message", "%(n)s unread messages", n) % {"n": n}
            for n in (1, 3, 5, 22, 112)
        ]
    assert words == [
        "1 nieprzeczytana wiadomość",
        "3 nieprzeczytane wiadomości",
        "5 nieprzeczytanych wiadomości",
        "22 nieprzeczytane wiadomości",
        "112 nieprzeczytanych wiadomości",
    ]


@pytest.mark.parametrize("path", PO_FILES, ids=lambda p: p.parts[-3])
def test_catalogue_is_complete_and_compiled(path):
    po = polib.pofile(str(path))
    assert not po.untranslated_entries(), [e.msgid for e in po.untranslated_entries()][:20]
    assert not po.fuzzy_entries(), [e.msgid for e in po.fuzzy_entries()][:20]
    compiled = polib.mofile(str(path.with_suffix(".mo")))
    compiled_map = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in compiled
    }
    for entry in po.translated_entries():
        assert compiled_map.get((entry.msgctxt, entry.msgid)) == (
            entry.msgstr,
            tuple(sorted(entry.msgstr_plural.items())),
        ), f"django.mo is stale for {entry.msgid!r}: run `kabinet compilemessages`"


@pytest.mark.parametrize("language", REQUIRED)
def test_every_template_and_python_string_is_in_the_catalogue(tmp_path, language):
    """makemessages would add nothing: a new string without a translation fails here, not in production."""
    tree = tmp_path / "kabinet"
    shutil.copytree(LOCALE.parent, tree, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kabinet.cli",
            "makemessages",
            "-l",
            language,
            "--no-location",
            "--keep-pot",
            "--ignore",
            "*/tests/*",
            "--ignore",
            "testing/*",
        ],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "KABINET_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.returncode == 0, result.stderr
    extracted = {(e.msgctxt, e.msgid) for e in polib.pofile(str(tree / "locale" / "django.pot"))}
    known = {
        (e.msgctxt, e.msgid)
        for e in polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
        if not e.obsolete
    }
    assert not extracted - known, sorted(m for _c, m in extracted - known)[:30]
