"""The notification words (通知) in the console's catalogue: defined in gridops.notify.words,
where the workers that render them read them without loading the console."""

from __future__ import annotations

from gridops.notify.words import WORDS

__all__ = ["WORDS"]
