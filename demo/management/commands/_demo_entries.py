"""The ARENA jam's six entries from the seed page, and their slides and images, drawn by Pillow."""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont, ImageOps


@dataclass(frozen=True)
class DemoEntry:
    title: str
    abstract: str
    authors: str  # as on the seed page
    team: str
    members: tuple[str, ...]  # the authors who are on the seed page's sign-up list, creator first
    colors: tuple[str, str]  # the image's gradient, top left to bottom right


ARENA_ENTRIES = [
    DemoEntry(
        "Why Might Negative Name Mover Heads Exist?",
        "In this project we form a theory of why Negative Name Mover Heads (Wang et al., 2023) form in GPT-2 "
        "Small. We suspect that Negative Name Mover Heads i) respond to confident token predictions in the "
        "residual stream via Q-composition (Elhage et al., 2021), ii) attend to previous instances of such "
        "tokens in context and iii) negatively copy these tokens into the current token position. We use "
        "maximum activating dataset examples, negative copying score and a novel metric that tests our theory. "
        "Our results represent early research thoughts and are subject to ongoing investigation",
        "Arthur Conmy and Callum McDougall",
        "Arthur Conmy and Callum McDougall",
        ("Arthur Conmy", "Callum"),
        ("#1b2a6b", "#4fc3f7"),
    ),
    DemoEntry(
        "Understanding truthfulness in large language model heads through interpretability",
        "In what ways do large language models represent truth? The main claim of this report is that attention "
        "heads in GPT-2 XL represent two distinctly different kinds of“truth directions.” One kind of truth "
        "direction represents the truths of common misconceptions/uncertain truths and the other represents "
        "more obvious factual statements. We show results across various truthfulness datasets – the "
        "CounterFact (CFact) dataset, Capitals of Countries (Capitals) dataset, TruthfulQA (TQA) dataset, and "
        "our own custom-made Easy (EZ) dataset. This is all preliminary research code, and can be wrong or "
        "contain bugs. Please keep this in mind when analyzing our results.",
        "Richard Ren, Kevin Wang, Phillip Guo",
        "Team Truthers",
        ("Phillip Guo",),
        ("#4a148c", "#f06292"),
    ),
    DemoEntry(
        "ACDC++: Fast automated circuit discovery using attribution patching",
        "We improve the performance of ACDC by several orders of magnitude by using attribution patching to "
        "determine which computational nodes to prune",
        "Lucy Farnik, Can Rager, Aaquib Sayed, Rusheb Shah",
        "ACDC++",
        ("Lucy Farnik", "Can Rager", "Rusheb"),
        ("#004d40", "#aed581"),
    ),
    DemoEntry(
        "Understanding How Othello GPT Identifies Valid Moves from its Internal World Model",
        "We examined individual neurons at later layers in OthelloGPT trying to find patterns and commonalities",
        "Yeu-Tong Lau, Alejandro Acelas",
        "Othello Team",
        ("Alejandro Acelas",),
        ("#212121", "#66bb6a"),
    ),
    DemoEntry(
        "Swap Graphs with Attribution Patching",
        "Using attribution patching instead of activation patching to create swap graphs and seeing how the "
        "results compare",
        "Felix Hofstätter",
        "Attribution Patching Swap Graphs",
        ("Felix Hofstätter",),
        ("#bf360c", "#ffd54f"),
    ),
    DemoEntry(
        "modiff",
        "Model-comparing tool. Details in README.",
        "Jan Betley",
        "Awesome team",
        ("Jan Betley",),
        ("#263238", "#90a4ae"),
    ),
]

IMAGE_SIZE = (1280, 720)
SLIDE_SIZE = (960, 540)  # at 72 dpi: a 13.33 by 7.5 inch widescreen slide


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _gradient(size: tuple[int, int], colors: tuple[str, str]) -> Image.Image:
    vertical = Image.linear_gradient("L")  # black at the top, white at the bottom
    ramp = Image.blend(vertical, vertical.rotate(90), 0.5).resize(size)
    return ImageOps.colorize(ramp, black=colors[0], white=colors[1])


def _write(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, *, size: int, width: int, fill: str) -> int:
    """Draw `text` wrapped to `width` characters; returns the y below it."""
    wrapped = textwrap.fill(text, width=width)
    draw.multiline_text(xy, wrapped, font=_font(size), fill=fill, spacing=size // 3)
    box = draw.multiline_textbbox(xy, wrapped, font=_font(size), spacing=size // 3)
    return box[3]


def entry_image_png(entry: DemoEntry) -> bytes:
    """The project image: the entry's gradient with its title on it."""
    image = _gradient(IMAGE_SIZE, entry.colors)
    draw = ImageDraw.Draw(image)
    _write(draw, (80, 80), entry.title, size=72, width=28, fill="white")
    draw.text((80, IMAGE_SIZE[1] - 120), entry.team, font=_font(40), fill="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def entry_slides_pdf(entry: DemoEntry) -> bytes:
    """Two slides: the title with the authors, then the abstract."""
    cover = Image.new("RGB", SLIDE_SIZE, "white")
    draw = ImageDraw.Draw(cover)
    draw.rectangle((0, 0, SLIDE_SIZE[0], 24), fill=entry.colors[0])
    below = _write(draw, (60, 90), entry.title, size=44, width=36, fill="black")
    _write(draw, (60, below + 40), entry.authors, size=26, width=60, fill="#444444")
    abstract = Image.new("RGB", SLIDE_SIZE, "white")
    draw = ImageDraw.Draw(abstract)
    below = _write(draw, (60, 50), "Abstract", size=36, width=40, fill=entry.colors[0])
    _write(draw, (60, below + 30), entry.abstract, size=20, width=84, fill="black")
    out = io.BytesIO()
    cover.save(out, format="PDF", save_all=True, append_images=[abstract], resolution=72, title=entry.title)
    return out.getvalue()
