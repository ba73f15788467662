"""Text widths in DejaVu Sans, so that chart labels can be placed without being cut off.

The widths come from the font's own advance widths (read once per process with fontTools, which
WeasyPrint already depends on); where the font file is missing a generous per-character estimate
is used instead, erring on the wide side so that labels still fit.
"""

from __future__ import annotations

import functools
from pathlib import Path

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts/dejavu"),
)
FALLBACK_EM = 0.68  # wider than DejaVu Sans's average, Cyrillic capitals included


@functools.cache
def _advances(bold: bool) -> tuple[dict[int, float], float] | None:
    """Codepoint -> advance width in em, and the width of a missing glyph."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        path = folder / name
        if path.exists():
            break
    else:
        return None
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), lazy=True)
    units = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    widths = {code: metrics[glyph][0] / units for code, glyph in font.getBestCmap().items()}
    notdef = metrics[".notdef"][0] / units
    font.close()
    return widths, notdef


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` set in DejaVu Sans at ``size`` user units."""
    advances = _advances(bold)
    if advances is None:
        return len(text) * size * FALLBACK_EM
    widths, notdef = advances
    return size * sum(widths.get(ord(char), notdef) for char in text)


def wrap(text: str, size: float, max_width: float, bold: bool = False) -> list[str]:
    """Greedy word wrap to ``max_width``; a single word wider than that is broken by characters."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while text_width(word, size, bold) > max_width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut], size, bold) > max_width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines or [""]
