"""The text catalogue: every word the renderers show people, one catalogue per language.

``TEXT["en"]`` and ``TEXT["ru"]`` hold the same keys (``en.py``, ``ru.py``): the title of
each algorithm, the word for each decision, a plain-language explanation of each
(algorithm, step, decision) the model records, what each failure reason means, and the few
words around them. Nothing else in the package holds prose for people; the renderers look
everything up here.

An explanation may name a fact of its step in braces, e.g. ``{method}``; the renderer puts
in the step's value (a fact the step does not have leaves the braces out: ``method``).
An explanation key's step may be ``"*"``: any step of that algorithm with that decision.
"""

from __future__ import annotations

from typing import Final

import attrs

from cors_spec.model.response import Reason
from cors_spec.model.spec import Algorithm as A
from cors_spec.model.trace import Decision as D
from cors_spec.teach.text import en, ru
from cors_spec.teach.text.en import Key

#: Languages with a catalogue; the first is the default.
LANGUAGES: Final = ("en", "ru")


@attrs.frozen
class Catalogue:
    """The text of one language."""

    titles: dict[A, str]  # the algorithm's name (as the standard names it, in English)
    about: dict[A, str]  # one sentence: what the algorithm is for (fallback explanation)
    decisions: dict[D, str]  # the decision, as shown
    explain: dict[Key, str]  # the plain-language meaning of one recorded step
    reasons: dict[Reason, str]  # what a failure reason means
    words: dict[str, str]  # the words around the trace (headings, summary lines)
    tokens: dict[str, dict[str, str]]  # fact name ("" any) -> token -> words
    facts: dict[str, str]  # fact name -> the name shown
    nouns: dict[str, tuple[str, ...]]  # noun -> its forms for counts (see plural)
    lang: str = "en"

    def fact_name(self, name: str) -> str:
        """A fact's name as shown in this language (header names stay as they are)."""
        return self.facts.get(name, name)

    def fact_value(self, name: str, value: str) -> str:
        """A fact's value as shown: a token becomes words; data stays as it is.

        A value ``"token: data"`` whose ``"token:"`` has words gets the data filled in. An
        empty value (a header sent empty) is shown as ``""``.
        """
        if value == "":
            return '""'  # present but empty: shown as such, never as nothing
        own = self.tokens.get(name, {})
        words = own.get(value) or self.tokens[""].get(value)
        if words is not None:
            return words
        head, sep, data = value.partition(": ")
        template = own.get(head + ":") if sep else None
        return value if template is None else template.replace("{}", data)

    def count(self, n: int, noun: str) -> str:
        """E.g. ``454 сценария``: the number and the noun in the form the number needs."""
        return f"{n} {plural(n, self.nouns[noun], self.lang)}"


def plural(n: int, forms: tuple[str, ...], lang: str = "en") -> str:
    """The form of a noun that goes with the count ``n``.

    English: ``(one, other)``. Russian: ``(one, few, many)``, e.g. 1 сценарий, 2 сценария,
    5 сценариев, 11 сценариев, 21 сценарий, 454 сценария.
    """
    n = abs(n)
    if lang == "ru":
        if n % 10 == 1 and n % 100 != 11:
            return forms[0]
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return forms[1]
        return forms[2]
    return forms[0] if n == 1 else forms[1]


TEXT: Final[dict[str, Catalogue]] = {
    "en": Catalogue(en.TITLES, en.ABOUT, en.DECISIONS, en.EXPLAIN, en.REASONS, en.WORDS,
                    en.TOKENS, en.FACTS, en.NOUNS, "en"),
    "ru": Catalogue(ru.TITLES, ru.ABOUT, ru.DECISIONS, ru.EXPLAIN, ru.REASONS, ru.WORDS,
                    ru.TOKENS, ru.FACTS, ru.NOUNS, "ru"),
}


def catalogue(lang: str) -> Catalogue:
    """The catalogue of a language; ValueError names the known ones."""
    try:
        return TEXT[lang]
    except KeyError:
        raise ValueError(f"unknown language {lang!r}; known: {', '.join(LANGUAGES)}") from None


__all__ = ["LANGUAGES", "TEXT", "Catalogue", "Key", "catalogue", "plural"]
