"""Encryption at rest for credentials (Telegram StringSession, SMTP passwords).

Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) with a key derived
from an arbitrary secret string: SHA-256 of the UTF-8 secret, urlsafe-base64
encoded, is exactly the 32-byte key Fernet wants, so any REACH_SECRET_KEY
works (a generated token, a passphrase, ...).

Tokens are urlsafe-base64 ASCII strings, safe for a TEXT column. Nothing here
logs or puts a secret or a plaintext in an exception message.

Key rotation: pass the previous secrets as `previous_keys` to `decrypt_secret`
(MultiFernet tries the current key first); re-encrypt with `encrypt_secret`
under the new key to finish the rotation.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretDecryptionError(ValueError):
    """The token cannot be decrypted: wrong secret key, or damaged ciphertext."""


def _fernet(key: str) -> Fernet:
    if not key:
        raise ValueError("the secret key is empty (set REACH_SECRET_KEY)")
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_secret(plaintext: str, key: str) -> str:
    """Encrypt `plaintext` (any UTF-8 text) under `key`; returns an ASCII token.

    Each call uses a fresh IV, so the same plaintext gives different tokens.
    """
    return _fernet(key).encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt_secret(token: str, key: str, previous_keys: Sequence[str] = ()) -> str:
    """Decrypt a token made by `encrypt_secret` with `key` (or one of `previous_keys`).

    Raises `SecretDecryptionError` when no key opens it (wrong REACH_SECRET_KEY,
    truncated or tampered token). The message never contains the token.
    """
    cipher = MultiFernet([_fernet(k) for k in (key, *previous_keys)])
    try:
        data = cipher.decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError, TypeError, ValueError):
        raise SecretDecryptionError(
            "cannot decrypt the stored secret: the secret key (REACH_SECRET_KEY) "
            "differs from the one it was encrypted with, or the value is damaged"
        ) from None
    return data.decode("utf-8")
