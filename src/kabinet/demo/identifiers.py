"""Valid-by-checksum registration and bank numbers for demo and synthetic data (never real companies)."""

from __future__ import annotations

import random

from kabinet.crm.validators import ru_account_matches_bik

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)


def inn10(rng: random.Random) -> str:
    """A 10-digit organisation INN with a correct check digit (region 77, Moscow)."""
    body = "77" + "".join(str(rng.randint(0, 9)) for _ in range(7))
    check = sum(int(d) * w for d, w in zip(body, _INN10_WEIGHTS, strict=True)) % 11 % 10
    return body + str(check)


def kpp(inn: str) -> str:
    return inn[:4] + "01001"


def ogrn(rng: random.Random) -> str:
    """A 13-digit OGRN: check digit = (first 12 digits mod 11) mod 10."""
    body = (
        "1"
        + "".join(str(rng.randint(0, 9)) for _ in range(2))
        + "77"
        + "".join(str(rng.randint(0, 9)) for _ in range(7))
    )
    return body + str(int(body) % 11 % 10)


def ru_account(rng: random.Random, bik: str, prefix: str = "40702810") -> str:
    """A 20-digit settlement account whose control key (9th digit) matches ``bik``."""
    tail = "".join(str(rng.randint(0, 9)) for _ in range(11))
    for key in range(10):
        candidate = prefix + str(key) + tail
        if ru_account_matches_bik(candidate, bik):
            return candidate
    raise AssertionError("unreachable: one control key always fits")


def ru_correspondent_account(bik: str) -> str:
    for key in range(10):
        candidate = "30101810" + str(key) + "00000000" + bik[-3:]
        if ru_account_matches_bik(candidate, bik, correspondent=True):
            return candidate
    raise AssertionError("unreachable")
