"""Server-rendered SVG charts for the dashboard: no JavaScript library, nothing from a CDN."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

STAGE_COLORS = ["#90a4ae", "#ffb300", "#e53935", "#42a5f5", "#8e24aa", "#6d4c41"]


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    color: str
    title: str


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    total: int
    segments: list[Segment]


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[tuple[str, int]]]], *, width: int = 640, row_height: int = 26
) -> dict:
    """One horizontal bar per row, one segment per stage, scaled to the largest row."""
    label_width, gap = 90, 6
    biggest = max((sum(v for _, v in stages) for _, stages in rows), default=0) or 1
    scale = (width - label_width - 60) / biggest
    bars = []
    for index, (label, stages) in enumerate(rows):
        x = float(label_width)
        segments = []
        for (stage, value), color in zip(stages, STAGE_COLORS, strict=False):
            if value:
                segments.append(Segment(x, max(value * scale, 1.5), color, f"{stage}: {value}"))
                x += value * scale
        bars.append(Bar(label, index * (row_height + gap), sum(v for _, v in stages), segments))
    legend = (
        [(stage, color) for (stage, _), color in zip(rows[0][1], STAGE_COLORS, strict=False)]
        if rows
        else []
    )
    return {
        "width": width,
        "height": max(len(rows), 1) * (row_height + gap),
        "row_height": row_height,
        "label_width": label_width,
        "bars": bars,
        "legend": legend,
    }


@dataclass(frozen=True)
class Tick:
    x: float
    moment: object


@dataclass(frozen=True)
class Column:
    x: float
    y: float
    width: float
    height: float
    title: str


def columns(
    points: Sequence[tuple[object, int]],
    *,
    width: int = 640,
    height: int = 140,
    tick_every: int = 12,
) -> dict:
    """A column per point (e.g. converted records per hour), scaled to the largest, with a
    labelled tick on the time axis every `tick_every` points."""
    biggest = max((v for _, v in points), default=0) or 1
    step = width / max(len(points), 1)
    cols = [
        Column(
            x=i * step,
            y=height - value * (height - 10) / biggest,
            width=max(step - 1, 1),
            height=value * (height - 10) / biggest,
            title=f"{moment:%Y-%m-%d %H:00}: {value}",
        )
        for i, (moment, value) in enumerate(points)
    ]
    ticks = [Tick(x=i * step, moment=moment) for i, (moment, _) in enumerate(points)][::tick_every]
    return {
        "width": width,
        "height": height,
        "columns": cols,
        "ticks": ticks,
        "max": biggest,
        "total": sum(v for _, v in points),
    }
