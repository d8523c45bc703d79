"""Settings come from the environment alone: production variables make ``check --deploy`` clean."""

from __future__ import annotations

import os
import subprocess
import sys


def run_kabinet(args: list[str], env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("KABINET_", "DATABASE_URL", "REDIS_URL"))
    }
    base.pop("DJANGO_SETTINGS_MODULE", None)
    base.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process
    return subprocess.run(
        [sys.executable, "-m", "kabinet.cli", *args],
        env={**base, **env, "KABINET_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    result = run_kabinet(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {
            "KABINET_SECRET_KEY": "x7!Qz" * 12,
            "KABINET_HTTPS": "true",
            "KABINET_ALLOWED_HOSTS": "portal.example.com",
            "KABINET_CSRF_TRUSTED_ORIGINS": "https://portal.example.com",
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_without_https(tmp_path):
    result = run_kabinet(
        ["check", "--deploy", "--fail-level", "WARNING"], {"KABINET_SECRET_KEY": "x7!Qz" * 12}, tmp_path
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout  # SECURE_SSL_REDIRECT


def test_embedded_mode_generates_and_keeps_a_secret_key(tmp_path):
    first = run_kabinet(
        ["shell", "--no-imports", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"],
        {},
        tmp_path,
    )
    second = run_kabinet(
        ["shell", "--no-imports", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"],
        {},
        tmp_path,
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and len(first.stdout.strip()) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_scaled_mode_is_chosen_by_variables(tmp_path):
    code = (
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], "
        "s.CACHES['default']['BACKEND'], s.SESSION_ENGINE, s.CHANNEL_LAYERS['default']['BACKEND'], "
        "s.HUEY['huey_class'])"
    )
    result = run_kabinet(
        ["shell", "--no-imports", "-c", code],
        {"DATABASE_URL": "postgres://u@db.example:5432/k", "REDIS_URL": "redis://cache.example:6379/0"},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "django.core.cache.backends.redis.RedisCache",
        "django.contrib.sessions.backends.cache",
        "channels_redis.core.RedisChannelLayer",
        "huey.RedisHuey",
    ]


def test_kabinet_is_the_manage_command(tmp_path):
    """`kabinet migrate` and `kabinet createsuperuser` work on the data folder given by --data-dir."""
    assert run_kabinet(["migrate", "-v0", "--data-dir", str(tmp_path)], {}, tmp_path).returncode == 0
    created = run_kabinet(
        ["createsuperuser", "--noinput", "--email", "root@example.test"],
        {"DJANGO_SUPERUSER_PASSWORD": "a-long-enough-password"},
        tmp_path,
    )
    assert created.returncode == 0, created.stderr
    check = run_kabinet(
        [
            "shell",
            "--no-imports",
            "-c",
            "from kabinet.accounts.models import User; u = User.objects.get(); "
            "print(u.is_superuser, u.password.startswith('argon2'))",
        ],
        {},
        tmp_path,
    )
    assert check.stdout.split() == ["True", "True"], check.stderr
