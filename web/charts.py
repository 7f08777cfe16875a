"""Geometry of the inline SVG charts, computed here and drawn by templates (autoescaped): the
area-coverage heat map and one indicator across cities. Only numbers and colours are computed;
every text reaches the SVG through Jinja's escaping."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from markupsafe import Markup, escape

LOW = (244, 247, 251)  # an empty cell
HIGH = (31, 78, 156)  # the largest share in the matrix


def _mix(t: float) -> str:
    t = max(0.0, min(1.0, t))
    r, g, b = (round(lo + (hi - lo) * t) for lo, hi in zip(LOW, HIGH, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


@dataclass
class HeatCell:
    x: int
    y: int
    fill: str
    ink: str  # text colour readable on the fill
    passages: int
    share: float
    missing: bool
    href: str
    title: str


@dataclass
class HeatMap:
    width: int
    height: int
    cell_w: int
    cell_h: int
    left: int
    top: int
    columns: list[tuple[int, str, int]] = field(default_factory=list)  # x, label, area
    rows: list[tuple[int, str]] = field(default_factory=list)  # y, city
    cells: list[HeatCell] = field(default_factory=list)


def heat_map(matrix, short_names: dict[int, str]) -> HeatMap:
    """Cities down, areas 1–6 then 0 across; the fill is the area's share of the city's
    passages."""
    order = [1, 2, 3, 4, 5, 6, 0]
    cell_w, cell_h, left, top = 92, 34, 96, 44
    # Scaled to the largest share among the six areas: "none of them" (0) is often the largest
    # and would wash the others out; its own cells are capped at the darkest shade.
    top_share = max((r.cells[a].share for r in matrix.rows for a in order[:-1]), default=0) or 1
    heat = HeatMap(
        width=left + cell_w * len(order) + 8,
        height=top + cell_h * max(1, len(matrix.rows)) + 8,
        cell_w=cell_w,
        cell_h=cell_h,
        left=left,
        top=top,
    )
    heat.columns = [(left + i * cell_w, f"{a} {short_names[a]}", a) for i, a in enumerate(order)]
    for j, row in enumerate(matrix.rows):
        y = top + j * cell_h
        heat.rows.append((y, row.city))
        for i, area in enumerate(order):
            cell = row.cells[area]
            t = cell.share / top_share
            missing = area in row.missing
            heat.cells.append(
                HeatCell(
                    x=left + i * cell_w,
                    y=y,
                    fill="#fdecea" if missing else _mix(t),
                    ink="#ffffff" if t > 0.55 and not missing else "#1a1a1a",
                    passages=cell.passages,
                    share=cell.share,
                    missing=missing,
                    href=f"/city/{quote(row.city, safe='')}/{matrix.year}/{matrix.period}/area/{area}",
                    title=f"{row.city} · {area} {short_names[area]}：{cell.passages} 段，"
                    f"占 {cell.share * 100:.0f}%" + ("（未涉及）" if missing else ""),
                )
            )
    return heat


@dataclass
class Bar:
    y: int
    width: float
    label: str
    value_text: str
    fill: str
    href: str


@dataclass
class BarChart:
    width: int
    height: int
    left: int
    plot_w: int
    bar_h: int
    bars: list[Bar] = field(default_factory=list)
    target_x: float | None = None
    target_text: str = ""
    unit: str = ""


CHECK_COLOURS = {"met": "#2e7d32", "not_met": "#c62828"}


def indicator_bars(
    points: list[tuple[str, float, str | None, str, str]],
    unit: str,
    target_value: float | None,
    target_text: str | None,
) -> BarChart:
    """One bar per city: (city, value, check, value text, link); a dashed line at the target
    when the guide sets a number."""
    left, plot_w, bar_h, gap = 96, 460, 22, 10
    top = max((v for _, v, _, _, _ in points), default=0)
    if target_value is not None:
        top = max(top, target_value)
    top = top or 1
    chart = BarChart(
        width=left + plot_w + 120,
        height=16 + len(points) * (bar_h + gap) + 10,
        left=left,
        plot_w=plot_w,
        bar_h=bar_h,
        unit=unit,
    )
    for i, (city, value, check, text, href) in enumerate(points):
        chart.bars.append(
            Bar(
                y=16 + i * (bar_h + gap),
                width=max(1.0, plot_w * max(value, 0) / top),
                label=city,
                value_text=text,
                fill=CHECK_COLOURS.get(check or "", "#5b7db1"),
                href=href,
            )
        )
    if target_value is not None:
        chart.target_x = left + plot_w * target_value / top
        chart.target_text = target_text or ""
    return chart


def heat_cells_svg(heat: HeatMap) -> Markup:
    """The heat map's cells as SVG, written here rather than by a Jinja loop (700 cells on
    compare's page): the same markup `_heatmap.svg` wrote for each."""
    w, h = heat.cell_w, heat.cell_h
    out = []
    for c in heat.cells:
        stroke = ' stroke="#c62828" stroke-width="1.5"' if c.missing else ""
        label = "未涉及" if c.missing else c.passages
        out.append(
            f'<a href="{escape(c.href)}">\n<title>{escape(c.title)}</title>\n'
            f'<rect x="{c.x + 1}" y="{c.y + 1}" width="{w - 2}" height="{h - 2}" '
            f'fill="{escape(c.fill)}"{stroke}></rect>\n'
            f'<text x="{c.x + w / 2}" y="{c.y + h / 2 + 5}" text-anchor="middle" '
            f'fill="{escape(c.ink)}" class="cell">{label}</text>\n</a>\n'
        )
    return Markup("".join(out))
