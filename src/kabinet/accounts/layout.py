"""Wrong keyboard layout: the same keys typed with the Russian (ЙЦУКЕН) instead of the English (QWERTY)
layout, or the reverse. Used after a failed password to tell the person what probably happened."""

from __future__ import annotations

_EN = "`qwertyuiop[]asdfghjkl;'zxcvbnm,./" + '~QWERTYUIOP{}ASDFGHJKL:"ZXCVBNM<>?'
_RU = "ёйцукенгшщзхъфывапролджэячсмитьбю." + "ЁЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ,"
EN_TO_RU = str.maketrans(_EN, _RU)
RU_TO_EN = str.maketrans(_RU, _EN)


def has_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def has_latin(text: str) -> bool:
    return any("a" <= ch.lower() <= "z" for ch in text)


def switched(text: str) -> tuple[str, str] | None:
    """``(variant, layout the person should switch to)``: the text as the other layout would have typed it.

    Cyrillic letters → the Latin password typed with the Russian layout on (switch to ``en``);
    Latin letters only → a Cyrillic password typed with the English layout on (switch to ``ru``).
    """
    if has_cyrillic(text):
        return text.translate(RU_TO_EN), "en"
    if has_latin(text):
        return text.translate(EN_TO_RU), "ru"
    return None
