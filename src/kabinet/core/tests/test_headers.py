"""Response headers (issue 19, Low/Headers): a strict CSP with nonces, no-store on personal pages, and HSTS
advice that ``check --deploy`` agrees with."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kabinet.core.tests.test_settings import run_kabinet
from kabinet.portal.tests.test_branding import save
from kabinet.testing.matrix import Role
from kabinet.testing.pages import assert_page_is_locked_down, policy

pytestmark = pytest.mark.django_db


def test_every_page_has_the_strict_policy_and_the_brand_style_carries_its_nonce(world, client):
    save(brand_color="#7c2d12", brand_text_color="#ffffff", background_color="#fafaf9")
    first = world.client_for(Role.OWNER).get(reverse("crm:orders"))
    second = world.client_for(Role.OWNER).get(reverse("crm:orders"))
    assert_page_is_locked_down(first, signed_in=True, where="orders")
    directives = policy(first["Content-Security-Policy"])
    assert directives["script-src"][0] == "'self'" and directives["script-src"][1].startswith("'nonce-")
    [nonce] = re.findall(r'<style nonce="([^"]+)">:root', first.content.decode())
    assert f"'nonce-{nonce}'" in directives["style-src"]
    assert nonce not in second["Content-Security-Policy"]  # a fresh nonce per response
    login = client.get(reverse("accounts:login"))
    assert_page_is_locked_down(login, signed_in=False, where="login")


def test_the_switches_work_without_inline_handlers(world):
    body = world.client_for(Role.OWNER).get(reverse("portal:home")).content.decode()
    assert 'id="language-switch" name="language" data-autosubmit' in body
    assert "kabinet/autosubmit.js" in body and "onchange" not in body


def test_downloads_keep_their_own_sandbox_policy(world):
    response = world.client_for(Role.OWNER).get(reverse("files:download", args=[world.file.public_id]))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in response["Cache-Control"]


def test_personal_pages_are_never_stored_and_views_keep_a_policy_they_chose(world, client):
    for name in ("portal:home", "crm:profile", "accounts:overview"):
        response = world.client_for(Role.OWNER).get(reverse(name))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], name
    worker = world.client_for(Role.OWNER).get(reverse("notifications:service_worker"))
    assert worker["Cache-Control"] == "no-cache"


@pytest.mark.slow
def test_hsts_without_preload_as_the_docs_advise_passes_check_deploy(tmp_path):
    production = {
        "KABINET_SECRET_KEY": "x7!Qz" * 12,
        "KABINET_HTTPS": "true",
        "KABINET_ALLOWED_HOSTS": "portal.example.com",
        "KABINET_CSRF_TRUSTED_ORIGINS": "https://portal.example.com",
    }
    result = run_kabinet(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {**production, "KABINET_HSTS_PRELOAD": "false"},
        tmp_path,
    )
    assert result.returncode == 0 and "security.W021" not in result.stdout + result.stderr, result.stderr
    shown = run_kabinet(
        [
            "shell",
            "-c",
            "from django.conf import settings; print(settings.SECURE_HSTS_PRELOAD, settings.SECURE_HSTS_SECONDS)",
        ],
        {**production, "KABINET_HSTS_PRELOAD": "false"},
        tmp_path,
    )
    assert shown.stdout.split()[-2:] == ["False", "31536000"], shown.stderr
