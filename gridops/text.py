"""Free text people type (descriptions, reasons, notes, names, addresses): what it may hold.

Refused: control characters other than tab, newline and carriage return (C0, DEL, C1), lone
surrogates (no UTF-8 exists for them: they cannot be stored) and the non-characters U+FFFE and
U+FFFF. Removed: the bidirectional embedding, override and isolate controls U+202A–U+202E and
U+2066–U+2069, which make text read otherwise than it is written (a reason whose words show in
another order, a name that hides a different one); ordinary right-to-left letters stay.
"""

from __future__ import annotations

import re

from gridops.errors import UserError

FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
#: The JSON Schema ``pattern`` of text: no control character nor non-character (lone
#: surrogates cannot be sent as UTF-8, and schema validators take no surrogate range).
TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]*$"
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def forbidden(text: str) -> str | None:
    """What makes ``text`` unusable, e.g. ``control character U+0007``; None if nothing."""
    found = FORBIDDEN.search(text)
    if found is None:
        return None
    code = ord(found.group())
    kind = "lone surrogate" if 0xD800 <= code <= 0xDFFF else "control character"
    if code in (0xFFFE, 0xFFFF):
        kind = "non-character"
    return f"{kind} U+{code:04X}"


def strip_bidi(text: str) -> str:
    """``text`` without bidirectional embedding, override and isolate controls."""
    return BIDI_CONTROLS.sub("", text)


def free_text(text: str, what: str) -> str:
    """``text`` with its bidi controls removed; UserError naming ``what`` when it holds a
    character that cannot be stored or shown."""
    problem = forbidden(text)
    if problem is not None:
        raise UserError(f"{what} contains {problem}; remove it")
    return strip_bidi(text)
