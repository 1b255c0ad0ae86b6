"""Trend charts as inline SVG (周趋势): one polyline per indicator over weeks, n under each
week, no script and no library. Pure: values in, markup out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT, PAD = 640, 220, 36
COLOURS = ("#1f6feb", "#d9480f", "#2f9e44", "#7048e8")


@dataclass(frozen=True)
class Series:
    """One line: a label and a rate (or None: no sample) per week."""

    label: str
    values: Sequence[float | None]


def trend_svg(
    weeks: Sequence[str], ns: Sequence[int], series: Sequence[Series], label: str = ""
) -> str:
    """A line chart of rates 0–100 % over ``weeks``, with each week's n under its label;
    ``label`` names it for screen readers (the table export holds the numbers)."""
    if not weeks:
        return ""
    step = (WIDTH - 2 * PAD) / max(1, len(weeks) - 1)

    def x(i: int) -> float:
        return PAD + i * step

    def y(v: float) -> float:
        return HEIGHT - PAD - v * (HEIGHT - 2 * PAD)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(label or "trend")}">'
    ]
    for pct in (0, 50, 100):
        yy = y(pct / 100)
        out.append(
            f'<line class="axis" x1="{PAD}" x2="{WIDTH - PAD}" y1="{yy:.1f}" y2="{yy:.1f}"/>'
            f'<text class="tick" x="2" y="{yy + 4:.1f}">{pct}%</text>'
        )
    for i, (week, n) in enumerate(zip(weeks, ns, strict=True)):
        out.append(
            f'<text class="tick" x="{x(i):.1f}" y="{HEIGHT - 18}" text-anchor="middle">'
            f'{escape(week[-3:])}</text><text class="tick n" x="{x(i):.1f}" y="{HEIGHT - 4}" '
            f'text-anchor="middle">n={n}</text>'
        )
    for k, s in enumerate(series):
        colour = COLOURS[k % len(COLOURS)]
        points = [(x(i), y(v)) for i, v in enumerate(s.values) if v is not None]
        if len(points) > 1:
            pts = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{pts}"/>')
        for px, py in points:
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
        out.append(
            f'<text class="legend" x="{PAD + k * 150}" y="14" fill="{colour}">'
            f"{escape(s.label)}</text>"
        )
    out.append("</svg>")
    return "".join(out)
