"""User-controlled text (file names above all) made safe for the places it is written: terminals and spreadsheets.

A file name may hold ANSI escape sequences or newlines (which would rewrite or forge lines on a terminal) or start
with "=" (which a spreadsheet runs as a formula when it opens a CSV). Markdown has its own guard in the dashboard
(`dashboard/plain_text.py`); JSON escapes control characters by itself.
"""

from __future__ import annotations

import hashlib
import unicodedata

# Cells a spreadsheet reads as a formula (OWASP's CSV-injection list).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
# Longest file-name stem written next to an output suffix: file systems allow 255 bytes per name.
MAX_STEM_BYTES: int = 160


def terminal_safe(text: str) -> str:
    """Control characters (ESC, newlines, bidi overrides...) shown as escapes; everything else as it is."""
    return "".join(
        ch if unicodedata.category(ch)[0] != "C" else ch.encode("unicode_escape").decode("ascii") for ch in str(text)
    )


def spreadsheet_safe(cell: object) -> object:
    """A text cell that a spreadsheet would run as a formula, prefixed with an apostrophe (shown, not run)."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def short_stem(stem: str, max_bytes: int = MAX_STEM_BYTES) -> str:
    """`stem` cut to at most `max_bytes` bytes of UTF-8 (whole characters), with a hash of the whole where cut, so
    two long names that share a beginning still give two outputs."""
    encoded = stem.encode("utf-8")
    if len(encoded) <= max_bytes:
        return stem
    digest = hashlib.sha256(encoded).hexdigest()[:8]
    kept = encoded[: max_bytes - 9].decode("utf-8", errors="ignore")
    return f"{kept}_{digest}"
