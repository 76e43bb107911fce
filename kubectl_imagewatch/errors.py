"""Errors the library raises for bad input or failed operations; the CLI maps them to exit codes.

Anything else reaching the CLI is a bug (exit 3, one line, traceback only with --debug).
"""
from __future__ import annotations


class ImagewatchError(Exception):
    """Base class: a message fit to show a user as is."""

    exit_code = 1


class UsageError(ImagewatchError):
    """Bad flags or flag values (exit 2)."""

    exit_code = 2


class InputError(ImagewatchError):
    """Unreadable or malformed input the user gave us (exit 2)."""

    exit_code = 2


class OperationError(ImagewatchError):
    """A registry, git or cluster operation failed (exit 1)."""

    temporary = False
