"""Small SVG charts written by hand: crisp at any zoom, a few kilobytes, and no plotting library to import in
the summary's kernel (which runs at the end of every run). Each bar has a tooltip with its figures."""

from __future__ import annotations

import html

import pandas as pd

PALETTE = ("#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#d62728", "#ff9896", "#9467bd",
           "#c5b0d5", "#8c564b", "#c49c94", "#e377c2", "#f7b6d2", "#7f7f7f", "#c7c7c7", "#bcbd22", "#17becf")
WIDTH, LEFT, RIGHT, GAP = 980, 56, 190, 26
FONT = 'font-family="system-ui, sans-serif"'


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _panel(frame: pd.DataFrame, top: float, height: float, title: str, fmt: str,
           colours: dict[str, str]) -> str:
    """One panel of stacked bars: a bar per row of ``frame``, a segment per column."""
    totals = frame.sum(axis=1).astype(float).tolist() if len(frame.columns) else [0.0] * len(frame.index)
    peak = max(totals + [0.0]) or 1.0
    band = (WIDTH - LEFT - RIGHT) / max(len(frame.index), 1)
    bar = min(band * 0.75, 60)
    scale = (height - 14) / peak
    parts = [f'<text x="{LEFT}" y="{top - 6}" font-size="12" font-weight="600" {FONT}>{_e(title)}</text>',
             f'<line x1="{LEFT}" y1="{top + height}" x2="{WIDTH - RIGHT}" y2="{top + height}" '
             'stroke="#adb5bd"/>']
    for tick in dict.fromkeys(t for t in (peak / 2, peak) if fmt.format(t) != fmt.format(0)):
        y = top + height - tick * scale
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#eceff1"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
                     f'fill="#495057" {FONT}>'
                     f"{_e(fmt.format(tick))}</text>")
    for i, (label, row) in enumerate(frame.iterrows()):
        x = LEFT + i * band + (band - bar) / 2
        base = top + height
        tip = [f"{label}"] + [f"{c}: {fmt.format(float(v))}" for c, v in row.items() if v]
        for column, value in row.items():
            if not value:
                continue
            h = float(value) * scale
            base -= h
            parts.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{max(h, 0.5):.1f}" '
                         f'fill="{colours[column]}"><title>{_e(chr(10).join(tip))}</title></rect>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{base - 3:.1f}" font-size="10" text-anchor="middle" '
                     f'fill="#495057" {FONT}>{_e(fmt.format(totals[i]))}</text>')
    return "".join(parts)


def _x_labels(labels, top: float) -> str:
    band = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    return "".join(f'<text transform="translate({LEFT + (i + 0.5) * band:.1f},{top + 12}) rotate(-45)" '
                   f'font-size="10" text-anchor="end" fill="#495057" {FONT}>{_e(label)}</text>'
                   for i, label in enumerate(labels))


def _legend(colours: dict[str, str], top: float) -> str:
    return "".join(f'<rect x="{WIDTH - RIGHT + 16}" y="{top + i * 16}" width="11" height="11" fill="{colour}"/>'
                   f'<text x="{WIDTH - RIGHT + 32}" y="{top + i * 16 + 10}" font-size="11" {FONT}>{_e(name)}</text>'
                   for i, (name, colour) in enumerate(colours.items()))


def _svg(parts: list[str], height: float, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{_e(label)}">' + "".join(parts) + "</svg>")


def bars_svg(frame: pd.DataFrame, title: str, fmt: str, colours: dict[str, str] | None = None) -> str:
    """One small chart: a bar per row of ``frame`` (labelled below), stacked per column, with a legend."""
    colours = {name: (colours or {}).get(name) or PALETTE[i % len(PALETTE)] for i, name in enumerate(frame.columns)}
    top, tall = 24, 110
    parts = [_panel(frame, top, tall, title, fmt, colours), _x_labels(frame.index, top + tall), _legend(colours, top)]
    return _svg(parts, top + tall + 80, title)


def trend_svg(changed: pd.DataFrame, duration: pd.DataFrame, failed: pd.Series) -> str:
    """Three panels over the same runs (rows, oldest first): records changed and sync time, stacked per
    entity (columns), and failed steps."""
    entities = list(dict.fromkeys([*changed.columns, *duration.columns]))
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(entities)}
    tall, short = 170, 60
    tops = [24, 24 + tall + 2 * GAP, 24 + 2 * tall + 4 * GAP]
    parts = [_panel(changed, tops[0], tall, "records changed (new + updated + deleted)", "{:,.0f}", colours),
             _panel(duration, tops[1], tall, "sync time per step (s)", "{:,.1f}", colours),
             _panel(failed.to_frame("failed"), tops[2], short, "failed steps", "{:,.0f}",
                    {"failed": "#c92a2a"})]
    bottom = tops[2] + short
    parts += [_x_labels(changed.index, bottom), _legend(colours, tops[0])]
    return _svg(parts, bottom + 90, "trends over the last runs")
