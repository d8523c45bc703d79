#!/usr/bin/env python3
"""The README's two commands, on any machine with Python 3.11+ and the package registry.

    python3 dev.py demo      # create .venv, install Kabinet from uv.lock, start the demo on http://127.0.0.1:8000
    python3 dev.py test      # create .venv, install Kabinet with its test tools from uv.lock, run the whole suite
    python3 dev.py upgrade   # re-resolve uv.lock to the newest allowed versions, install it, run the whole suite
    python3 dev.py lock      # re-resolve uv.lock after a change of pyproject.toml, upgrading nothing else
    python3 dev.py lock --check  # fail when uv.lock no longer matches pyproject.toml (CI runs it)
    python3 dev.py kabinet … # the ``kabinet`` command inside the environment

Everything after the command is passed on: ``python3 dev.py demo --port 9000``, ``python3 dev.py test -k orders``.

Every package is installed exactly as ``uv.lock`` pins it, hashes included, so a release upstream can never
change a fresh install. ``uv`` itself is bootstrapped from the registry into ``.tools/`` at the version and
hashes of ``tools/uv-requirements.txt``. The environment is re-synchronised whenever ``uv.lock`` changes, and
a lock that no longer matches ``pyproject.toml`` stops the command (``uv sync --locked``): CI fails on it.
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
TOOLS = Path(os.environ.get("KABINET_TOOLS", ROOT / ".tools"))
SCRIPTS = "Scripts" if os.name == "nt" else "bin"
BIN = VENV / SCRIPTS
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
UV = TOOLS / SCRIPTS / ("uv.exe" if os.name == "nt" else "uv")
UV_REQUIREMENTS = ROOT / "tools" / "uv-requirements.txt"
LOCK = ROOT / "uv.lock"


def ensure_uv() -> None:
    """Install the pinned uv into its own small environment (not the project's: ``uv sync`` owns that one)."""
    stamp = TOOLS / ".kabinet-uv"
    digest = hashlib.sha256(UV_REQUIREMENTS.read_bytes()).hexdigest()
    if UV.exists() and stamp.exists() and stamp.read_text() == digest:
        return
    print(f"Installing uv into {TOOLS} …", flush=True)
    venv.create(TOOLS, with_pip=True, clear=True)
    tools_python = TOOLS / SCRIPTS / ("python.exe" if os.name == "nt" else "python")
    subprocess.run(
        [
            str(tools_python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--require-hashes",
            "--only-binary",
            ":all:",
            "-r",
            str(UV_REQUIREMENTS),
        ],
        check=True,
        cwd=ROOT,
    )
    stamp.write_text(digest)


def uv_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["UV_PROJECT_ENVIRONMENT"] = str(VENV)
    env.setdefault("UV_PYTHON", sys.executable)
    # Only PyPI, with no pip configuration leaking in: the lock records where every file comes from.
    env.pop("UV_INDEX_URL", None)
    env.pop("UV_EXTRA_INDEX_URL", None)
    return env


def uv(*args: str) -> None:
    subprocess.run([str(UV), *args], check=True, cwd=ROOT, env=uv_environment())


def ensure_environment(extras: str) -> None:
    """Make ``.venv`` hold exactly what ``uv.lock`` pins (with the test extra for ``test``)."""
    ensure_uv()
    stamp = VENV / f".kabinet-installed-{extras or 'base'}"
    # The stamp is keyed on the lock and the project file together: a changed lock re-syncs, and a pyproject
    # that no longer matches the lock reaches ``uv sync --locked`` below, which refuses it.
    digest = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PYTHON.exists() and stamp.exists() and stamp.read_text() == digest:
        return
    print("Installing Kabinet and its dependencies from uv.lock …", flush=True)
    args = ["sync", "--locked", "--quiet"]
    if extras:
        args += ["--extra", extras]
    uv(*args)
    for other in VENV.glob(".kabinet-installed-*"):
        other.unlink()
    stamp.write_text(digest)


def run_tests(rest: list[str]) -> int:
    ensure_environment("test")
    return subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT)


def main(argv: list[str]) -> int:
    commands = {"demo", "test", "kabinet", "upgrade", "lock"}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "demo":
        ensure_environment("")
        return subprocess.call([str(BIN / "kabinet"), "demo", *rest], cwd=ROOT)
    if command == "kabinet":
        ensure_environment("")
        return subprocess.call([str(BIN / "kabinet"), *rest], cwd=ROOT)
    if command == "lock":
        ensure_uv()
        uv("lock", *rest)  # ``lock --check``: fail when uv.lock does not match pyproject.toml (CI)
        return 0
    if command == "upgrade":
        ensure_uv()
        print("Re-resolving uv.lock to the newest versions pyproject.toml allows …", flush=True)
        uv("lock", "--upgrade")
        subprocess.call(["git", "--no-pager", "diff", "--stat", "--", "uv.lock"], cwd=ROOT)
        code = run_tests(rest)
        print(
            "The suite passed on the upgraded lock: commit uv.lock."
            if code == 0
            else "The suite failed on the upgraded lock: fix the code or narrow a range in pyproject.toml "
            "(git checkout uv.lock brings the old lock back).",
            flush=True,
        )
        return code
    return run_tests(rest)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as failed:
        print(f"dev.py: {' '.join(map(str, failed.cmd))} failed (exit {failed.returncode}).", file=sys.stderr)
        if "--locked" in failed.cmd:
            print(
                "dev.py: if uv said the lock needs updating, pyproject.toml changed without uv.lock: run "
                "`python3 dev.py lock` and commit uv.lock.",
                file=sys.stderr,
            )
        sys.exit(failed.returncode or 1)
