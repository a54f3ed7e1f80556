"""Share cards: the 1200x630 PNG that link previews (Open Graph, Twitter cards) show for a
question or a forecaster's scorecard. Drawn with Pillow's bundled font, so no system font
is needed; the drawing takes plain values and knows nothing of the ORM."""

from __future__ import annotations

import io
import textwrap
from functools import cache

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
INK, MUTED, ACCENT, PAPER = "#1b1f24", "#57606a", "#0b57d0", "#ffffff"


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _wrapped(draw: ImageDraw.ImageDraw, text: str, size: int, width: int, lines: int) -> list[str]:
    """``text`` in lines that fit ``width`` pixels, at most ``lines`` of them."""
    font = _font(size)
    chars = max(10, int(width / (size * 0.52)))
    while chars > 10:
        wrapped = textwrap.wrap(text, chars) or [""]
        if all(draw.textlength(line, font=font) <= width for line in wrapped):
            break
        chars -= 2
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1].rstrip(" .,;:") + "…"
    return wrapped


def share_card(*, kicker: str, title: str, figure: str, caption: str) -> bytes:
    """A card: a small line on top (what it is), the title, a big figure and its caption."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 14), fill=ACCENT)
    margin = 72
    draw.text((margin, 56), kicker, font=_font(30), fill=MUTED)
    y = 110
    for line in _wrapped(draw, title, 54, WIDTH - 2 * margin, 4):
        draw.text((margin, y), line, font=_font(54), fill=INK)
        y += 66
    draw.text((margin, HEIGHT - 200), figure, font=_font(96), fill=ACCENT)
    figure_width = draw.textlength(figure, font=_font(96))
    draw.text((margin + figure_width + 28, HEIGHT - 150), caption, font=_font(34), fill=MUTED)
    draw.text((WIDTH - margin - 190, HEIGHT - 64), "Hindsight", font=_font(36), fill=INK)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
