#!/usr/bin/env python3
"""The README's two commands, on any machine with Python 3.11+ and the package registry.

    python3 dev.py demo   # create .venv, install Kabinet, start the demo portal on http://127.0.0.1:8000
    python3 dev.py test   # create .venv, install Kabinet with its test tools, run the whole test suite

Everything after the command is passed on: ``python3 dev.py demo --port 9000``, ``python3 dev.py test -k orders``.
The virtual environment is reinstalled only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("KABINET_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_environment(extras: str) -> None:
    if not PYTHON.exists():
        print(f"Creating the virtual environment in {VENV} …", flush=True)
        venv.create(VENV, with_pip=True)
    stamp = VENV / f".kabinet-installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    print("Installing Kabinet and its dependencies …", flush=True)
    target = f".[{extras}]" if extras else "."
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True, cwd=ROOT)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", target], check=True, cwd=ROOT)
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "kabinet"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "demo":
        ensure_environment("")
        return subprocess.call([str(BIN / "kabinet"), "demo", *rest], cwd=ROOT)
    if command == "kabinet":
        ensure_environment("")
        return subprocess.call([str(BIN / "kabinet"), *rest], cwd=ROOT)
    ensure_environment("test")
    return subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
