"""Encryption at rest of credentials (reach_app.crypto)."""

from __future__ import annotations

import pytest

from reach_app.crypto import SecretDecryptionError, decrypt_secret, encrypt_secret

SESSION = "1BVtsOKABu3ZfakeStringSessionWithSecrets=="


def test_a_secret_survives_a_round_trip_under_any_key_string() -> None:
    for key in ("short", "a long passphrase with spaces ✓", "x" * 200):
        assert decrypt_secret(encrypt_secret(SESSION, key), key) == SESSION


def test_unicode_plaintext_round_trips() -> None:
    assert decrypt_secret(encrypt_secret("пароль🔑", "k"), "k") == "пароль🔑"


def test_the_ciphertext_never_contains_the_plaintext() -> None:
    token = encrypt_secret(SESSION, "key")
    assert SESSION not in token
    assert SESSION[5:25] not in token


def test_the_same_plaintext_encrypts_differently_each_time() -> None:
    assert encrypt_secret(SESSION, "key") != encrypt_secret(SESSION, "key")


def test_a_wrong_key_raises_a_clear_error_without_leaking_the_token() -> None:
    token = encrypt_secret(SESSION, "right key")
    with pytest.raises(SecretDecryptionError, match="REACH_SECRET_KEY") as info:
        decrypt_secret(token, "wrong key")
    assert token not in str(info.value)
    assert SESSION not in str(info.value)


@pytest.mark.parametrize("token", ["", "not a token", "gAAAAAB" + "A" * 40, "ключ"])
def test_a_damaged_token_raises_secret_decryption_error(token: str) -> None:
    with pytest.raises(SecretDecryptionError):
        decrypt_secret(token, "key")


def test_a_token_made_under_a_previous_key_still_opens_during_rotation() -> None:
    token = encrypt_secret(SESSION, "old key")
    assert decrypt_secret(token, "new key", previous_keys=["old key"]) == SESSION


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        encrypt_secret(SESSION, "")
