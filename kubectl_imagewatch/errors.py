"""Errors the library raises for bad input or failed operations, and the exit codes they map to.

Anything else reaching the CLI is a bug (exit 3, one line, traceback only with IMAGEWATCH_DEBUG=1).
"""
from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """The process exit codes, one name each (CI scripts and the pre-commit hook rely on them)."""

    OK = 0            # clean: no error findings, every policy and automation succeeded
    FINDINGS = 1      # findings, failed policies/automations, failed registry/git/cluster operations
    USAGE = 2         # bad flags or flag values, unreadable input
    INTERNAL = 3      # a bug
    INTERRUPTED = 130  # ^C (128 + SIGINT)


class ImagewatchError(Exception):
    """Base class: a message fit to show a user as is."""

    exit_code = ExitCode.FINDINGS


class UsageError(ImagewatchError):
    """Bad flags or flag values (exit 2)."""

    exit_code = ExitCode.USAGE


class InputError(ImagewatchError):
    """Unreadable or malformed input the user gave us (exit 2)."""

    exit_code = ExitCode.USAGE


class OperationError(ImagewatchError):
    """A registry, git or cluster operation failed (exit 1)."""
