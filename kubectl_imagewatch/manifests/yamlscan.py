"""ruamel's pure-Python scanner with its simple-key bookkeeping made O(1) per token.

Inside flow collections the scanner remembers one possible simple key per open level and, on
every token, re-checks all of them (`stale_possible_simple_keys`, `next_possible_simple_key`):
O(depth) per token, so 20,000 `[` that libyaml refused for another reason took seconds before the
loader's depth limit could stop them. Keys are saved in scanning order (the scanner deletes a
level's key before saving a new one), so the oldest key is first: it has the smallest token
number, index and line, and once it is fresh all later keys are too. The checks below walk from
the front and stop there; they accept and reject exactly what ruamel's loops do.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Optional

from ruamel.yaml.scanner import RoundTripScanner, ScannerError


class LinearScanner(RoundTripScanner):  # type: ignore[misc]
    def reset_scanner(self) -> None:
        super().reset_scanner()
        self.possible_simple_keys = OrderedDict()

    def next_possible_simple_key(self) -> Optional[int]:
        keys = self.possible_simple_keys
        return next(iter(keys.values())).token_number if keys else None

    def stale_possible_simple_keys(self) -> None:
        keys = self.possible_simple_keys
        reader: Any = self.reader
        line, index = reader.line, reader.index
        while keys:
            level, key = next(iter(keys.items()))
            if key.line == line and index - key.index <= 1024:
                return
            if key.required:
                raise ScannerError("while scanning a simple key", key.mark, "could not find expected ':'",
                                   reader.get_mark())
            del keys[level]
