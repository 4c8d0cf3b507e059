"""Printable letters: one PDF of personal letters, each on a page of its own, for paper mail.

The page is laid out for a window envelope: the recipient's postal block sits top right where
the window is, the return address top left. Text is set in DejaVu Sans, which covers Cyrillic
and ships with matplotlib, so no font has to be installed or kept in the repository.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from models.errors import CrmError

FONT = "DejaVu"
# Millimetres on A4 (210 x 297).
MARGIN = 20
WINDOW_X, WINDOW_Y, WINDOW_WIDTH = 110, 45, 85
HEADING_Y = 100
LINE = 5.5  # body line height at 11 pt
FOOTER_LINE = 3.6  # at 8 pt


@dataclass(frozen=True, slots=True)
class PaperLetter:
    recipient: tuple[str, ...]  # the postal block, a line each: name, organisation, address…
    sender: tuple[str, ...]  # the return address
    date: str
    subject: str
    body: str
    footer: str  # the sender's details and the unsubscribe link, as printed text


@cache
def _font_files() -> tuple[str, str]:
    import matplotlib  # only for its fonts; imported when the first letter is printed

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    files = (folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf")
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise CrmError(f"the letter font is missing: {', '.join(missing)} (reinstall matplotlib)")
    return str(files[0]), str(files[1])


class LetterBook:
    """The letters of one printing run, added one by one, written once as one PDF."""

    def __init__(self) -> None:
        regular, bold = _font_files()
        self._pdf = FPDF(format="A4", unit="mm")
        self._pdf.set_margins(MARGIN, MARGIN, MARGIN)
        self._pdf.set_auto_page_break(True, margin=MARGIN)
        self._pdf.add_font(FONT, "", regular)
        self._pdf.add_font(FONT, "B", bold)
        self.letters = 0

    def add(self, letter: PaperLetter) -> None:
        """A letter from a new page on; a long one runs on to further pages."""
        pdf = self._pdf
        pdf.add_page()
        self._block(letter.sender, MARGIN, MARGIN, 80, size=8)
        self._block(letter.recipient, WINDOW_X, WINDOW_Y, WINDOW_WIDTH, size=11)
        self._block((letter.date,), MARGIN, HEADING_Y - 10, 80, size=10)
        pdf.set_xy(MARGIN, HEADING_Y)
        pdf.set_font(FONT, "B", 13)
        self._text(letter.subject, 6.5)
        pdf.ln(4)
        pdf.set_font(FONT, "", 11)
        self._text(letter.body, LINE)
        self._footer(letter.footer)
        self.letters += 1

    def write(self, path: Path) -> None:
        """The whole PDF at `path`, atomically: a reader sees the old file or the new, never
        half of one."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self._pdf.output()
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def _block(self, lines: tuple[str, ...], x: float, y: float, width: float, size: int):
        self._pdf.set_font(FONT, "", size)
        self._pdf.set_xy(x, y)
        for line in lines:
            self._pdf.set_x(x)
            self._pdf.multi_cell(
                width, size * 0.45, line, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT
            )

    def _text(self, text: str, height: float) -> None:
        # Ragged right: justified lines gape around a long unbreakable link.
        self._pdf.multi_cell(0, height, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _footer(self, text: str) -> None:
        """At the foot of the letter's last page, whole: on a page of its own if need be."""
        pdf = self._pdf
        pdf.set_font(FONT, "", 8)
        lines = pdf.multi_cell(
            0, FOOTER_LINE, text, align="L", dry_run=True, output=MethodReturnValue.LINES
        )
        height = len(lines) * FOOTER_LINE + 4  # the rule's 3 mm, and 1 mm against rounding
        bottom = pdf.h - MARGIN
        if pdf.get_y() + 6 + height > bottom:
            pdf.add_page()
        pdf.set_y(bottom - height)
        pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())
        pdf.ln(3)
        pdf.set_text_color(80)
        self._text(text, FOOTER_LINE)
        pdf.set_text_color(0)
