"""Secrets at rest: Fernet tokens under keys derived from the secret key, readable across a key rotation."""

from __future__ import annotations

import pytest

from kabinet.core import crypto


def test_a_token_hides_the_secret_and_opens_again(settings):
    settings.SECRET_KEY = "first-secret-key-" * 3
    token = crypto.encrypt_json({"api_id": "A1B2-C3D4-SECRET"})
    assert "A1B2" not in token and "api_id" not in token
    assert crypto.decrypt_json(token) == {"api_id": "A1B2-C3D4-SECRET"}
    assert crypto.decrypt_json("") == {}


def test_keys_are_derived_per_purpose_and_never_the_secret_key_itself(settings):
    settings.SECRET_KEY = "first-secret-key-" * 3
    token = crypto.encrypt_json({"a": "b"}, purpose="one")
    with pytest.raises(crypto.UnreadableSecret):
        crypto.decrypt_json(token, purpose="two")
    assert crypto.derive_key(settings.SECRET_KEY, "one") != crypto.derive_key(settings.SECRET_KEY, "two")


def test_rotation_reads_old_tokens_through_the_fallbacks_and_rewrites_them(settings):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "old-secret-key-" * 3, []
    old = crypto.encrypt_json({"api_id": "kept"})
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-secret-key-" * 3, ["old-secret-key-" * 3]
    assert crypto.decrypt_json(old) == {"api_id": "kept"}
    rotated = crypto.rotate(old)
    settings.SECRET_KEY_FALLBACKS = []  # the old key is dropped: only the rotated token still opens
    assert crypto.decrypt_json(rotated) == {"api_id": "kept"}
    with pytest.raises(crypto.UnreadableSecret):
        crypto.decrypt_json(old)
