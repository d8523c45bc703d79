"""``kabinet check`` names a dependency outside the tested range in words, and passes on the lock's versions."""

from __future__ import annotations

from django.core.management import call_command
from packaging.requirements import Requirement

from kabinet.core.checks import declared_requirements, version_problems


def test_the_installed_versions_are_within_the_declared_ranges():
    requirements = declared_requirements()
    assert any(r.name.lower() == "django-allauth" for r in requirements)
    assert not any(r.name == "pytest" for r in requirements)  # the test extra is not a runtime need
    assert version_problems(requirements) == []


def test_a_version_outside_the_range_is_named_with_the_way_out():
    (problem,) = version_problems([Requirement("django-allauth<65.0")])
    assert problem.id == "kabinet.W002"
    assert "django-allauth" in problem.msg and "outside the range" in problem.msg and "<65.0" in problem.msg
    assert "dev.py upgrade" in problem.hint


def test_a_missing_dependency_is_named():
    (problem,) = version_problems([Requirement("kabinet-no-such-package>=1")])
    assert problem.id == "kabinet.W001" and "kabinet-no-such-package" in problem.msg


def test_kabinet_check_runs_clean(capsys):
    call_command("check")
    assert "kabinet.W00" not in capsys.readouterr().err
