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


TEXT: Final[dict[str, Catalogue]] = {
    "en": Catalogue(en.TITLES, en.ABOUT, en.DECISIONS, en.EXPLAIN, en.REASONS, en.WORDS),
    "ru": Catalogue(ru.TITLES, ru.ABOUT, ru.DECISIONS, ru.EXPLAIN, ru.REASONS, ru.WORDS),
}


def catalogue(lang: str) -> Catalogue:
    """The catalogue of a language; ValueError names the known ones."""
    try:
        return TEXT[lang]
    except KeyError:
        raise ValueError(f"unknown language {lang!r}; known: {', '.join(LANGUAGES)}") from None


__all__ = ["LANGUAGES", "TEXT", "Catalogue", "Key", "catalogue"]
