"""How hard a new password is to guess, judged before it is stored.

A length rule alone lets ``password12`` through. zxcvbn estimates the guesses an attacker
needs from the common passwords, words, names, keyboard patterns and dates it knows (and
from the account's own e-mail address), so a long phrase passes while a common word with
digits appended does not.
"""

from __future__ import annotations

from collections.abc import Iterable

from zxcvbn import zxcvbn

#: zxcvbn's scores run from 0 (in the top passwords) to 4; 3 is "safely unguessable:
#: moderate protection from an offline attack" (under 10^10 guesses it is 2 or less).
MINIMUM_SCORE = 3
#: zxcvbn's work grows quickly with length (a 64-character repetition takes most of a
#: second); a password is judged by its first 32 characters, a tenth of a second at worst.
JUDGED_LENGTH = 32


def is_guessable(password: str, related: Iterable[str] = ()) -> bool:
    """Whether ``password`` falls short of ``MINIMUM_SCORE``; ``related`` (an e-mail
    address, a name) counts as known to the attacker."""
    inputs = [part for text in related if text for part in _parts(text)]
    return int(zxcvbn(password[:JUDGED_LENGTH], user_inputs=inputs)["score"]) < MINIMUM_SCORE


def _parts(text: str) -> list[str]:
    """An address and its pieces: ``ana.li@cafe.example`` gives ``ana``, ``li`` and ``cafe`` too."""
    pieces = [text.lower()]
    for separator in "@.+-_":
        pieces = [piece for chunk in pieces for piece in [chunk, *chunk.split(separator)]]
    return sorted({piece for piece in pieces if len(piece) >= 3})
