"""System checks of the installation itself: every dependency within the range Kabinet declares and tests.

``uv.lock`` pins what ``dev.py`` installs, and the suite runs on exactly that. Someone who installs Kabinet
another way (``pip install`` into an existing environment, a distribution package) may get other versions;
``kabinet check`` then names each dependency outside the range of ``pyproject.toml`` — the range the lock and
``python3 dev.py upgrade`` are tested within — instead of failing later in an unrelated place.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import metadata

from django.core.checks import Tags, Warning, register
from packaging.requirements import InvalidRequirement, Requirement

DISTRIBUTION = "kabinet"


def declared_requirements(distribution: str = DISTRIBUTION) -> list[Requirement]:
    """The runtime requirements of the installed distribution (extras such as ``test`` left out)."""
    try:
        lines = metadata.requires(distribution) or []
    except metadata.PackageNotFoundError:
        return []
    requirements = []
    for line in lines:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            requirements.append(requirement)
    return requirements


def version_problems(requirements: Iterable[Requirement]) -> list[Warning]:
    problems = []
    for requirement in requirements:
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            problems.append(
                Warning(
                    f"{requirement.name} is not installed; Kabinet needs {requirement.name}{requirement.specifier}.",
                    hint="Install Kabinet with `python3 dev.py demo` (or `uv sync --locked`), which installs uv.lock.",
                    id="kabinet.W001",
                )
            )
            continue
        if requirement.specifier and not requirement.specifier.contains(installed, prereleases=True):
            problems.append(
                Warning(
                    f"{requirement.name} {installed} is outside the range Kabinet is tested with "
                    f"({requirement.specifier}).",
                    hint="Install the versions of uv.lock (`uv sync --locked`), or test the new version with "
                    "`python3 dev.py upgrade` after widening the range in pyproject.toml (docs/development.md).",
                    id="kabinet.W002",
                )
            )
    return problems


@register(Tags.compatibility)
def check_dependency_versions(app_configs=None, **kwargs) -> list[Warning]:
    return version_problems(declared_requirements())
