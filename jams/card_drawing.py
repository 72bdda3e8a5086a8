"""The share card: a 1200 x 630 picture that chat apps and social sites show with a link.

Pure drawing, no models: jams/share_cards.py draws a jam's card with it, and
submissions/share_cards.py an entry's. Text is wrapped and, if it still does not fit,
set smaller and finally cut short with an ellipsis, so nothing ever runs off the card
(`card_layout` says where each line goes; the tests check every line's box).

The font is DejaVu Sans where Debian's fonts-dejavu-core is installed (it has accents,
dashes and most scripts), else the font bundled with Pillow (no network, no system
package), whose glyphs are Latin without accents: text for it is reduced to what it can
draw (accents dropped, dashes made hyphens).
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

CARD_SIZE = (1200, 630)
MARGIN = 64
PICTURE_SIZE = (480, 270)  # the entry's thumbnail, at the card's right
PICTURE_GAP = 48
BACKGROUND = (20, 33, 61)
INK = (255, 255, 255)
MUTED = (200, 208, 224)
ACCENT = (252, 163, 17)
TITLE_SIZES = (72, 64, 56, 48, 42, 36)
DETAIL_SIZE = 30
KICKER_SIZE = 28
# Bumped whenever the drawing changes, so every card is drawn again (it is part of each
# card's fingerprint).
DESIGN = 1

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
FALLBACK_CHARACTERS = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"'})
ELLIPSIS = "…"


@dataclass(frozen=True)
class CardContent:
    """What a card says: a small line on top, the title, detail lines under it, a footer."""

    kicker: str
    title: str
    details: tuple[str, ...] = ()
    footer: str = ""
    picture: Image.Image | None = None


@dataclass(frozen=True)
class Line:
    text: str
    size: int
    bold: bool
    xy: tuple[int, int]
    fill: tuple[int, int, int]


@dataclass(frozen=True)
class Layout:
    lines: tuple[Line, ...]
    text_box: tuple[int, int, int, int]  # left, top, right, bottom: where text may go
    picture_box: tuple[int, int, int, int] | None


@lru_cache(maxsize=32)
def font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = DEJAVU / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def uses_bundled_font() -> bool:
    return not (DEJAVU / "DejaVuSans.ttf").exists()


def drawable(text: str) -> str:
    """The text on one line, in characters the font can draw."""
    text = " ".join((text or "").split())
    if not uses_bundled_font():
        return text
    text = unicodedata.normalize("NFD", text.translate(FALLBACK_CHARACTERS))
    return "".join(c for c in text if not unicodedata.combining(c))


def line_height(size: int, *, bold: bool = False) -> int:
    ascent, descent = font(size, bold=bold).getmetrics()
    return ascent + descent + size // 8


def _width(text: str, size: int, bold: bool) -> float:
    """How far the text reaches: its advance, or its ink where a glyph overhangs that."""
    drawn = font(size, bold=bold)
    return max(drawn.getlength(text), drawn.getbbox(text, anchor="la")[2]) if text else 0


def _pieces(word: str, size: int, bold: bool, width: int) -> list[str]:
    """A word cut into pieces that each fit the width (a long URL, a name without spaces)."""
    pieces, piece = [], ""
    for char in word:
        if piece and _width(piece + char, size, bold) > width:
            pieces.append(piece)
            piece = ""
        piece += char
    return [*pieces, piece] if piece else pieces


def wrap(text: str, *, size: int, bold: bool = False, width: int) -> list[str]:
    """Greedy word wrap to `width` pixels; words wider than a line are cut."""
    lines, line = [], ""
    for word in drawable(text).split(" "):
        for piece in _pieces(word, size, bold, width):
            candidate = f"{line} {piece}" if line else piece
            if _width(candidate, size, bold) <= width:
                line = candidate
            else:
                if line:
                    lines.append(line)
                line = piece
    return [*lines, line] if line else lines


def shorten(text: str, *, size: int, bold: bool = False, width: int) -> str:
    """One line of at most `width` pixels, cut with an ellipsis if it must be."""
    text = drawable(text)
    if _width(text, size, bold) <= width:
        return text
    mark = drawable(ELLIPSIS)
    while text and _width(text.rstrip() + mark, size, bold) > width:
        text = text[:-1]
    return text.rstrip() + mark


def fit(text: str, *, sizes: tuple[int, ...], width: int, height: int, bold: bool = True) -> tuple[int, list[str]]:
    """The largest size at which the wrapped text fits `width` by `height`; at the smallest
    size, the lines that fit, the last one cut with an ellipsis."""
    for size in sizes:
        lines = wrap(text, size=size, bold=bold, width=width)
        if len(lines) * line_height(size, bold=bold) <= height:
            return size, lines
    size = sizes[-1]
    room = max(1, height // line_height(size, bold=bold))
    lines = wrap(text, size=size, bold=bold, width=width)
    if len(lines) > room:
        last = " ".join(lines[room - 1 :])
        # Longer than a line (the next word did not fit), so it is cut with an ellipsis.
        lines = [*lines[: room - 1], shorten(last, size=size, bold=bold, width=width)]
    return size, lines


def card_layout(content: CardContent) -> Layout:
    """Where each line (and the picture) goes: the kicker at the top, the footer at the
    bottom, the details under the title, and the title as large as leaves room for them."""
    width, height = CARD_SIZE
    picture_box = None
    right = width - MARGIN
    if content.picture is not None:
        left = width - MARGIN - PICTURE_SIZE[0]
        top = (height - PICTURE_SIZE[1]) // 2
        picture_box = (left, top, left + PICTURE_SIZE[0], top + PICTURE_SIZE[1])
        right = left - PICTURE_GAP
    text_width = right - MARGIN
    bottom = height - MARGIN
    kicker = shorten(content.kicker, size=KICKER_SIZE, bold=True, width=text_width)
    lines = [Line(kicker, KICKER_SIZE, True, (MARGIN, MARGIN), ACCENT)]
    y = MARGIN + line_height(KICKER_SIZE, bold=True) + 24
    if content.footer:
        footer = shorten(content.footer, size=DETAIL_SIZE, width=text_width)
        bottom -= line_height(DETAIL_SIZE)
        lines.append(Line(footer, DETAIL_SIZE, False, (MARGIN, bottom), MUTED))
        bottom -= 16
    details = [shorten(d, size=DETAIL_SIZE, width=text_width) for d in content.details]
    details_height = len(details) * line_height(DETAIL_SIZE) + (20 if details else 0)
    size, title = fit(
        content.title or "Untitled", sizes=TITLE_SIZES, width=text_width, height=bottom - y - details_height
    )
    for text in title:
        lines.append(Line(text, size, True, (MARGIN, y), INK))
        y += line_height(size, bold=True)
    y += 20
    for text in details:
        lines.append(Line(text, DETAIL_SIZE, False, (MARGIN, y), MUTED))
        y += line_height(DETAIL_SIZE)
    return Layout(lines=tuple(lines), text_box=(MARGIN, MARGIN, right, height - MARGIN), picture_box=picture_box)


def line_box(line: Line) -> tuple[int, int, int, int]:
    """The pixels a line's ink covers once drawn."""
    return ImageDraw.Draw(Image.new("RGB", (1, 1))).textbbox(
        line.xy, line.text, font=font(line.size, bold=line.bold), anchor="la"
    )


def render_card(content: CardContent) -> bytes:
    """The card as a PNG, exactly CARD_SIZE."""
    layout = card_layout(content)
    card = Image.new("RGB", CARD_SIZE, BACKGROUND)
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, 12, CARD_SIZE[1]), fill=ACCENT)
    if layout.picture_box is not None:
        picture = ImageOps.fit(content.picture.convert("RGB"), PICTURE_SIZE, method=Image.Resampling.LANCZOS)
        card.paste(picture, layout.picture_box[:2])
    for line in layout.lines:
        draw.text(line.xy, line.text, font=font(line.size, bold=line.bold), fill=line.fill, anchor="la")
    out = io.BytesIO()
    card.save(out, format="PNG", optimize=True)
    return out.getvalue()
