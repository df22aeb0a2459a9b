"""The one base of every error the package raises on purpose.

Each error says what went wrong (its message), how to fix it (``hint``), and which HTTP status it
stands for, so that the web layer turns every one of them into problem details (RFC 9457) in one
place and the command line into one line on stderr.
"""

from __future__ import annotations


class SmartregionError(Exception):
    """What went wrong and how to fix it; ``status`` and ``title`` say it in HTTP's words."""

    status: int = 500
    title: str = "internal error"
    hint: str | None = None

    def extensions(self) -> dict[str, object]:
        """Members a problem-details answer carries besides type, title, status and detail (``line``, ``candidates``, …)."""
        return {"hint": self.hint} if self.hint else {}
