"""Terminal colours the text renderers share (used only when the user's --color asks for them)."""
from __future__ import annotations

GREEN, RED, YELLOW, GREY, BOLD_GREEN, RESET = "\033[32m", "\033[31m", "\033[33m", "\033[90m", "\033[1;32m", "\033[0m"


def diff(d: str) -> str:
    """A unified diff with added lines green and removed lines red (headers stay plain)."""
    def line(x: str) -> str:
        if x.startswith("+") and not x.startswith("+++"):
            return GREEN + x + RESET
        if x.startswith("-") and not x.startswith("---"):
            return RED + x + RESET
        return x
    return "".join(line(x) + "\n" for x in d.splitlines())
