"""Score charts as PNG images for Word documents, drawn with Pillow (fast to import, no plotting stack)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PALETTE = ("#1F77B4", "#2CA02C", "#FF7F0E", "#9467BD", "#D62728", "#8C564B", "#E377C2", "#7F7F7F")


@dataclass(frozen=True)
class Bar:
    label: str            # under the bar, e.g. "5.1"
    values: tuple         # one value per series (None: no score)
    marker: int | None = None  # a black line across the bar, e.g. an Earned Autonomy minimum


@dataclass(frozen=True)
class Group:
    name: str             # in the legend when each group has one series, e.g. "5 Family voice"
    bars: tuple[Bar, ...]


def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def bar_chart(groups: list[Group], maximum: int, out: Path, series: list[str] | None = None,
              width: int = 1800, height: int = 760, minimum: int = 0) -> Path:
    """Grouped bars. With one series, colours follow the groups; with several, the series."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    small, normal = _font(22), _font(26)
    left, right, top, bottom = 130, 30, 30, 210
    plot_w, plot_h = width - left - right, height - top - bottom
    n_series = len(series) if series else 1
    slots = sum(len(g.bars) for g in groups) + 0.8 * (len(groups) - 1)
    slot = plot_w / max(slots, 1)

    def y_of(v: float) -> float:
        return top + plot_h - (v - minimum) / (maximum - minimum) * plot_h

    for tick in range(minimum, maximum + 1):
        y = y_of(tick)
        draw.line([(left, y), (left + plot_w, y)], fill="#DDDDDD", width=2)
        draw.text((left - 20, y), str(tick), fill="black", font=normal, anchor="rm")
    draw.text((10, top + plot_h / 2), "Score", fill="black", font=normal, anchor="lm")
    x = left
    for gi, group in enumerate(groups):
        for bar in group.bars:
            bar_w = slot * 0.8 / n_series
            for si, value in enumerate(bar.values):
                colour = PALETTE[(si if series else gi) % len(PALETTE)]
                x0 = x + slot * 0.1 + si * bar_w
                if value is not None:
                    draw.rectangle([x0, y_of(value), x0 + bar_w - 1, y_of(minimum)], fill=colour)
            if bar.marker is not None:
                y = y_of(bar.marker)
                draw.line([(x + slot * 0.05, y), (x + slot * 0.95, y)], fill="black", width=6)
            label = Image.new("RGBA", (80, 30), (255, 255, 255, 0))
            ImageDraw.Draw(label).text((78, 15), bar.label, fill="black", font=small, anchor="rm")
            rotated = label.rotate(90, expand=True)
            img.paste(rotated, (int(x + slot / 2 - 15), int(y_of(minimum) + 8)), rotated)
            x += slot
        x += slot * 0.8
    draw.line([(left, y_of(minimum)), (left + plot_w, y_of(minimum))], fill="black", width=2)
    names = series if series else [g.name for g in groups]
    lx, ly = left, height - bottom + 110
    for i, name in enumerate(names):
        text_w = draw.textlength(name, font=small)
        if lx + 40 + text_w > width - right:
            lx, ly = left, ly + 36
        draw.rectangle([lx, ly, lx + 26, ly + 26], fill=PALETTE[i % len(PALETTE)])
        draw.text((lx + 34, ly + 13), name, fill="black", font=small, anchor="lm")
        lx += 34 + text_w + 40
    img.save(out, format="PNG", compress_level=1)  # fast to write; the image is small either way
    return out
