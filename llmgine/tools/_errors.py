"""The one error of the tools package.

    ValueError
    └── ToolRegistrationError   a function cannot become a tool as it is (misuse, at
                                registration time; the message says what to change)

Failures while a tool *runs* are not exceptions: ``ToolManager.execute`` turns them into a
``ToolResult`` with an ``error_kind``, so that the model can read them and try again.
"""

from __future__ import annotations


class ToolRegistrationError(ValueError):
    """A function cannot be registered as a tool; the message says what to change."""
