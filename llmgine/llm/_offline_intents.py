"""Reading plain requests (weather, arithmetic, email) out of a message, for the offline stand-in.

The offline provider is not a language model. It recognises a few plain phrasings with
regular expressions ("what's the weather in Paris?", "what is 7 times 6", "email bob@x.org
about lunch"); ``_offline_tools`` then turns each into a call of an offered tool that fits.
Everything here is pure: text in, intents out.

An email request is read first and its text masked, so "email bob@x.org about the weather in
Paris" is one email, not an email and a weather lookup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

IntentKind = Literal["weather", "arithmetic", "email"]


@dataclass(frozen=True)
class Intent:
    """One plain request: ``slots`` are ``location``/``unit``, ``expression``, or email fields."""

    kind: IntentKind
    slots: Mapping[str, str]
    start: int


def find_intents(text: str) -> list[Intent]:
    """The plain requests in ``text``, in the order they appear, without duplicates."""
    text = text.replace("\u2019", "'")  # a curly apostrophe, as phones type "what's"
    emails, masked = _emails(text)
    found = sorted(emails + _weather(masked) + _arithmetic(masked), key=lambda i: i.start)
    unique: list[Intent] = []
    for intent in found:
        if all((intent.kind, intent.slots) != (u.kind, u.slots) for u in unique):
            unique.append(intent)
    return unique


# --- weather -----------------------------------------------------------------------------

_WEATHER = re.compile(
    r"\b(?:weather|forecast|temperature)\b(?:\s+[\w']+){0,4}?\s+(?:in|for|at)\s+"
    r"|\b(?:how\s+(?:hot|cold|warm)\s+is\s+it|is\s+it\s+(?:hot|cold|warm|raining|snowing|sunny))"
    r"(?:\s+(?:today|now|right\s+now|currently))?\s+in\s+",
    re.IGNORECASE,
)
# A sentence ends at ? ! ; or a full stop that does not close an abbreviation (St. Louis).
_SENTENCE_END = re.compile(r"[?!;\n]|(?<!\bSt)(?<!\bMt)(?<!\bFt)\.(?=\s|$)", re.IGNORECASE)
_LIST_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+", re.IGNORECASE)
# Words that start another clause ("... and what is 2+3") rather than continue a list of places.
_CLAUSE_START = re.compile(
    r"what|what's|whats|how|also|then|calculate|compute|evaluate|send|e-?mail|mail|tell|please"
    r"|can|could|would|will|is|are|do|does|give|let|i|me|my|weather|forecast|temperature|the",
    re.IGNORECASE,
)
# Words that end a place name ("Tokyo right now", "Paris in fahrenheit").
_PLACE_STOP = re.compile(
    r"today|tomorrow|tonight|now|right|currently|please|this|next|in|at|for|on|with|using|by"
    r"|like|will|is|was",
    re.IGNORECASE,
)
_UNITS = re.compile(r"\b(celsius|fahrenheit|kelvin)\b", re.IGNORECASE)


def _weather(text: str) -> list[Intent]:
    intents: list[Intent] = []
    for match in _WEATHER.finditer(text):
        rest = text[match.end() :]
        end = _SENTENCE_END.search(rest)
        clause = rest[: end.start()] if end else rest
        unit = _UNITS.search(clause)
        for place in _places(clause):
            slots = {"location": place} | ({"unit": unit.group(1).lower()} if unit else {})
            intents.append(Intent("weather", slots, match.start()))
    return intents


def _places(clause: str) -> list[str]:
    places: list[str] = []
    for index, segment in enumerate(_LIST_SEPARATOR.split(clause)):
        words = segment.split()
        if index > 0 and words and words[0].lower() in {"in", "for", "at"}:
            words = words[1:]
        if not words or (index > 0 and _CLAUSE_START.fullmatch(words[0])):
            break
        name: list[str] = []
        for word in words:
            if _PLACE_STOP.fullmatch(word) or any(ch.isdigit() for ch in word):
                break
            name.append(word)
        if not name or len(name) > 5:
            break
        places.append(" ".join(name).strip("\"'"))
    return places


# --- arithmetic --------------------------------------------------------------------------

_OPERATOR_WORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), operator)
    for pattern, operator in (
        (r"\bto\s+the\s+power\s+of\b|\^", "**"),
        (r"\bmultiplied\s+by\b|\btimes\b|\u00d7|(?<=\d)\s*x\s*(?=\d)", "*"),
        (r"\bdivided\s+by\b|\u00f7", "/"),
        (r"\bplus\b", "+"),
        (r"\bminus\b|\u2212", "-"),
        (r"\bmod(?:ulo)?\b", "%"),
    )
)
_ARITHMETIC_CUE = re.compile(
    r"\b(?:what\s+is|what's|whats|calculate|compute|evaluate|how\s+much\s+is|solve|work\s+out)\b",
    re.IGNORECASE,
)
_EXPRESSION_RUN = re.compile(r"[\d.()+\-*/%\s]+")
_HAS_OPERATION = re.compile(r"[\d.)]\s*(?:\*\*|[-+*/%])\s*[-(\s]*[\d.]")
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def _arithmetic(text: str) -> list[Intent]:
    normal = text
    for pattern, operator in _OPERATOR_WORDS:
        # Pad with spaces so positions keep matching the original text.
        normal = pattern.sub(_padded(operator), normal)
    intents: list[Intent] = []
    for run in _EXPRESSION_RUN.finditer(normal):
        expression = run.group().strip().rstrip(" .(+-*/%").lstrip(" .)+*/%")
        if not _is_expression(expression):
            continue
        start = run.start() + run.group().index(expression[0])
        before, after = normal[:start], normal[start + len(expression) :]
        # Ask for a cue ("what is", "calculate") unless the message is only the expression.
        alone = not before.strip() and not after.strip(" ?=.!\n")
        if alone or _ARITHMETIC_CUE.search(before):
            intents.append(Intent("arithmetic", {"expression": "".join(expression.split())}, start))
    return intents


def _padded(operator: str) -> Callable[[re.Match[str]], str]:
    return lambda match: operator.ljust(len(match.group()))


def _is_expression(expression: str) -> bool:
    if not _HAS_OPERATION.search(expression) or _DATE.match(expression):
        return False
    depth = 0
    for char in expression:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


# --- email -------------------------------------------------------------------------------

_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EMAIL_WORD = re.compile(r"\b(?:e-?mail|mail)\b", re.IGNORECASE)
_EMAIL_END = re.compile(
    r"(?:[.;!?]\s+|,?\s+and\s+(?:then\s+|also\s+)?)"
    r"(?=(?:what|what's|whats|how|calculate|compute|evaluate|tell\s+me|send|e-?mail)\b)",
    re.IGNORECASE,
)
_BODY_MARK = re.compile(
    r"\s*(?:\band\s+)?(?:\bsaying\b|\bthat\s+says\b|\bto\s+say\b|\btelling\s+(?:him|her|them)\b"
    r"|\bwith\s+(?:the\s+)?(?:body|message|text)\b|\b(?:the\s+)?(?:body|message)\b"
    r"|(?<!subject)(?<!title)(?<!line):)\s*:?\s*",
    re.IGNORECASE,
)
_SUBJECT = re.compile(
    r"\b(?:subject|title)(?:\s+line)?(?:\s+of)?\s*:?\s*(?P<subject>.+)", re.IGNORECASE | re.S
)
_ABOUT = re.compile(r"\babout\s+(?P<topic>.+)", re.IGNORECASE | re.S)
_QUOTES = "\"'\u2018\u2019\u201c\u201d"


def _emails(text: str) -> tuple[list[Intent], str]:
    """Email requests, and ``text`` with their words blanked out for the other readers."""
    addresses = list(_ADDRESS.finditer(text))
    cues = [
        m
        for m in _EMAIL_WORD.finditer(text)
        if not any(a.start() <= m.start() < a.end() for a in addresses)
    ]
    intents: list[Intent] = []
    masked = text
    previous_end = 0
    for index, cue in enumerate(cues):
        limit = cues[index + 1].start() if index + 1 < len(cues) else len(text)
        after = [a for a in addresses if cue.end() <= a.start() < limit]
        before = [a for a in addresses if previous_end <= a.start() < cue.start()]
        address = after[0] if after else (before[-1] if before else None)
        if address is None:
            continue
        stop = _EMAIL_END.search(text, address.end(), limit)
        end = stop.start() if stop else limit
        start = min(cue.start(), address.start())
        intents.append(
            Intent("email", _email_slots(address.group(), text[address.end() : end]), start)
        )
        masked = masked[:start] + " " * (end - start) + masked[end:]
        previous_end = end
    return intents, masked


def _email_slots(to: str, rest: str) -> dict[str, str]:
    body_mark = _BODY_MARK.search(rest)
    head, body = (rest[: body_mark.start()], rest[body_mark.end() :]) if body_mark else (rest, "")
    subject_match, about = _SUBJECT.search(head), _ABOUT.search(head)
    subject = _clean(subject_match.group("subject")) if subject_match else ""
    topic = _clean(about.group("topic")) if about else ""
    body = _clean(body)
    subject = subject or (topic[:1].upper() + topic[1:]) or " ".join(body.split()[:8])
    return {"to": to, "subject": subject, "body": body or subject}


def _clean(value: str) -> str:
    value = re.sub(r"^\s*(?:and|with)\s+", "", value.strip(), flags=re.IGNORECASE)
    return value.strip().rstrip(".,;?!").strip().strip(_QUOTES).strip()
