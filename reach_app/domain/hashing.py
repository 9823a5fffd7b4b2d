"""Stable hashing: the same parts give the same number in every process and every run.

Python's built-in ``hash()`` is salted per process, so every deterministic choice
(spintax option, A/B variation) goes through SHA-256 here instead.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from typing import Any, cast

_UNIT_BITS = 53  # a float carries 53 bits of mantissa: the unit value stays exactly < 1.0


def _digest(parts: tuple[object, ...]) -> bytes:
    """SHA-256 of the parts, each written as ``<length>:<str(part)>`` so parts never blur."""
    hasher = hashlib.sha256()
    for part in parts:
        text = str(part)
        hasher.update(f"{len(text)}:".encode("ascii"))
        hasher.update(text.encode("utf-8", "surrogatepass"))
    return hasher.digest()


def stable_int(*parts: object) -> int:
    """A non-negative 64-bit integer derived from the parts (``str()`` of each part counts)."""
    return int.from_bytes(_digest(parts)[:8], "big")


def stable_unit(*parts: object) -> float:
    """A float in [0, 1) derived from the parts; uniform over 2**53 steps."""
    return (stable_int(*parts) >> (64 - _UNIT_BITS)) / float(1 << _UNIT_BITS)


class _SeededOnFirstUse:
    """Stands for a `random.Random` and creates it, seeded, when first drawn from."""

    __slots__ = ("_seed", "_random")

    def __init__(self, seed: Callable[[], int]) -> None:
        self._seed = seed
        self._random: random.Random | None = None

    def __getattr__(self, name: str) -> Any:
        if self._random is None:
            self._random = random.Random(self._seed())
        return getattr(self._random, name)


def random_seeded_on_first_use(seed: Callable[[], int]) -> random.Random:
    """A `random.Random` seeded with `seed()`, created only when something draws from it:
    most engine steps draw nothing, and hashing the seed and seeding a generator for each
    one was about a twentieth of a batch's CPU."""
    return cast(random.Random, _SeededOnFirstUse(seed))
