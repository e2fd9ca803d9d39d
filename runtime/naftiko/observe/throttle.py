"""Repeated failures logged once, then counted: an outage is a few lines, not one per request.

The first line of a kind is written at once; the same kind again within the period is only
counted, and the next line written says how many were left out.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict

_KINDS = 256  # kinds remembered; the oldest is forgotten first


class Throttled:
    def __init__(self, logger: logging.Logger, period: float = 10.0) -> None:
        self.logger, self.period = logger, period
        self._kinds: OrderedDict[str, list[float]] = OrderedDict()  # kind: [since, left out]

    def warning(self, kind: str, message: str) -> None:
        """Log ``message`` unless its ``kind`` was logged less than a period ago."""
        now = time.monotonic()
        seen = self._kinds.get(kind)
        if seen is not None and now - seen[0] < self.period:
            seen[1] += 1
            return
        left = int(seen[1]) if seen is not None else 0
        self._kinds[kind] = [now, 0]
        self._kinds.move_to_end(kind)
        while len(self._kinds) > _KINDS:
            self._kinds.popitem(last=False)
        if left:
            message += f" ({left} more like it since the last line)"
        self.logger.warning("%s", message)
