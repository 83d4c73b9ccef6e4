"""The demo tools of the function chat: weather (mock data), email (never sent), calculator.

Each is a plain function whose hints and docstring become the schema the model reads, and
each refuses bad input with a message that says what to send instead, since that message is
what the model sees. ``send_email`` is offered as a tool that requires approval: the chat
asks before it runs (a mock here, but a real mailer would be the reason to ask).
"""

from __future__ import annotations

import re
import zlib

from llmgine.tools import tool_from_function
from programs.function_chat._calculator import evaluate, format_number

_CONDITIONS = ("sunny", "partly cloudy", "cloudy", "light rain", "showers", "windy", "foggy")
_KNOWN: dict[str, tuple[float, str, int]] = {
    # city: (degrees Celsius, sky, humidity %): fixed, so answers are repeatable.
    "paris": (18.0, "partly cloudy", 62),
    "london": (14.0, "light rain", 81),
    "new york": (22.0, "sunny", 55),
    "san francisco": (16.0, "foggy", 77),
    "tokyo": (24.0, "cloudy", 68),
    "sydney": (21.0, "sunny", 49),
    "berlin": (12.0, "windy", 58),
}
_UNITS = {"celsius": "celsius", "c": "celsius", "fahrenheit": "fahrenheit", "f": "fahrenheit"}
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def get_weather(location: str, unit: str = "celsius") -> str:
    """The current weather in a place (mock data: no weather service is asked).

    Args:
        location: the city, for example "Paris" or "San Francisco".
        unit: "celsius" or "fahrenheit".
    """
    place = " ".join(location.split())
    if not place:
        raise ValueError("location is empty; give a city, for example 'Paris'")
    scale = _UNITS.get(unit.strip().lower())
    if scale is None:
        raise ValueError(f"unit must be 'celsius' or 'fahrenheit', not {unit!r}")
    celsius, sky, humidity = _KNOWN.get(place.lower()) or _made_up(place.lower())
    fahrenheit = scale == "fahrenheit"
    temperature = f"{celsius * 9 / 5 + 32:.0f}°F" if fahrenheit else f"{celsius:.0f}°C"
    return f"{place}: {temperature}, {sky}, humidity {humidity}% (mock data)"


def _made_up(place: str) -> tuple[float, str, int]:
    """Weather for a place not in the table, the same every time for the same place."""
    seed = zlib.crc32(place.encode())
    return float(seed % 30), _CONDITIONS[seed % len(_CONDITIONS)], 40 + seed % 50


def send_email(to: str, subject: str, body: str) -> str:
    """Send an email (a mock: it shows what it would send and sends nothing).

    Args:
        to: the recipient's address, for example "ada@example.com".
        subject: the subject line.
        body: the text of the email.
    """
    address = to.strip()
    if not _ADDRESS.fullmatch(address):
        raise ValueError(f"{to!r} is not an email address; give one like 'ada@example.com'")
    return (
        "Not sent (this tool is a mock). It would have sent:\n"
        f"To: {address}\nSubject: {subject}\n\n{body}"
    )


def calculate(expression: str) -> str:
    """Evaluate an arithmetic expression exactly: numbers, + - * / // % ** and parentheses.

    Args:
        expression: the arithmetic to do, for example "(2 + 3) * 4" or "2 ** 10".
    """
    return format_number(evaluate(expression))


DEMO_TOOLS = (get_weather, tool_from_function(send_email, requires_approval=True), calculate)
"""The function chat's tools, in the order they are offered; ``send_email`` runs only with
the user's approval."""
