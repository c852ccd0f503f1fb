"""Card numbers never stored in full: a Luhn-valid PAN in free text is masked to first 6 / last 4
and a CVV ("cvv 123", "CVC: 1234", "security code 123") is removed, before anything is stored.

Digits may be spaced or dashed any way ("4111 1111-1111 1111"); a run of digits that is not a
card (a phone number, an order number: no Luhn match in 13-19 digits) is left as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9](?:[ \t\-.]*[0-9])*(?![0-9])")
_CVV = re.compile(
    r"\b(?:cvv2?|cvc2?|cav2|cid|csc|security\s+code)\b\s*(?:is|[:#=\-])?\s*[0-9]{3,4}(?![0-9])",
    re.IGNORECASE,
)
CVV_REMOVED = "[cvv removed]"
PAN_MIN, PAN_MAX = 13, 19


@dataclass(frozen=True)
class Redacted:
    text: str
    cards: int
    """How many card numbers were masked."""
    cvvs: int
    """How many security codes were removed."""

    @property
    def changed(self) -> bool:
        return bool(self.cards or self.cvvs)


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def mask_pan(digits: str) -> str:
    """First 6, stars, last 4 (PCI DSS 3.4.1's most that may be shown)."""
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def redact(text: str) -> Redacted:
    """`text` with every card number masked and every CVV removed, and how many of each."""
    cvvs = len(_CVV.findall(text))
    text = _CVV.sub(CVV_REMOVED, text)
    cards = 0

    def _mask_run(match: re.Match[str]) -> str:
        nonlocal cards
        masked, found = _mask_groups(match.group(0))
        cards += found
        return masked

    return Redacted(_DIGIT_RUN.sub(_mask_run, text), cards, cvvs)


def _mask_groups(run: str) -> tuple[str, int]:
    """Within one run of digit groups, mask the longest Luhn-valid 13-19 digit spans."""
    groups = [(m.start(), m.end()) for m in re.finditer(r"[0-9]+", run)]
    pieces, found, cursor, i = [], 0, 0, 0
    while i < len(groups):
        for j in range(len(groups) - 1, i - 1, -1):
            digits = "".join(run[a:b] for a, b in groups[i : j + 1])
            if PAN_MIN <= len(digits) <= PAN_MAX and luhn_valid(digits):
                pieces += [run[cursor : groups[i][0]], mask_pan(digits)]
                cursor, found, i = groups[j][1], found + 1, j + 1
                break
        else:
            i += 1
    pieces.append(run[cursor:])
    return "".join(pieces), found


def redact_text(text: str) -> str:
    return redact(text).text
