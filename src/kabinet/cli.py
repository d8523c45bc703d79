"""The ``kabinet`` console command: Django's manage.py for the installed package.

``--data-dir D`` (anywhere on the line) sets ``KABINET_DATA_DIR`` before settings load, so every command
(``kabinet demo``, ``kabinet shell``, ``kabinet migrate``...) works on the same embedded database.
"""

from __future__ import annotations

import os
import sys


def _take_data_dir(argv: list[str]) -> list[str]:
    rest: list[str] = []
    keep = len(argv) > 1 and argv[1] == "demo"  # the demo command also declares the option for --help
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--data-dir" and i + 1 < len(argv):
            os.environ["KABINET_DATA_DIR"] = argv[i + 1]
            if keep:
                rest += argv[i : i + 2]
            i += 2
            continue
        if arg.startswith("--data-dir="):
            os.environ["KABINET_DATA_DIR"] = arg.split("=", 1)[1]
            if keep:
                rest.append(arg)
            i += 1
            continue
        rest.append(arg)
        i += 1
    return rest


def main(argv: list[str] | None = None) -> None:
    args = _take_data_dir(list(sys.argv if argv is None else argv))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kabinet", *args[1:]])


if __name__ == "__main__":
    main()
