"""Charts drawn on the server as SVG with pygal, so that a page and its PDF show the same chart.

A chart is shown through templates/includes/chart.html, always with a table of the same figures.
In a page the SVG is an <img> from an address of its own (the page's view names it, and serves
`chart.svg` as image/svg+xml): pygal styles its chart with a <style> element, which the site's
Content Security Policy (style-src 'self') refuses inside the page itself but not in an image, which
is a document of its own that can run no script either; and the page need not wait for the drawing.
A PDF gets the SVG inline: WeasyPrint draws it with its own <style>.
"""

import math
import re
from dataclasses import dataclass
from functools import cached_property
from xml.sax.saxutils import escape

import pygal
from pygal.style import Style

# GOV.UK Frontend's palette (govuk-frontend 6), by what a colour means in a chart.
COLOURS = {
    "blue": "#1d70b8",
    "green": "#0f7a52",
    "red": "#ca3535",
    "orange": "#f47738",
    "purple": "#54319f",
    "grey": "#858686",
    "black": "#0b0c0c",
    "light-grey": "#cecece",
}

# Drawn 400 units wide: at 320 px the chart is shown about 290 px wide, which keeps 18-unit text at
# about 13 px (the table beside it has the figures at full size); wider screens scale it up.
WIDTH = 400
HEIGHT = 320
FONT = "arial, sans-serif"

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground=COLOURS["black"],
    foreground_strong=COLOURS["black"],
    foreground_subtle=COLOURS["light-grey"],
    font_family=FONT,
    label_font_family=FONT,
    major_label_font_family=FONT,
    legend_font_family=FONT,
    value_font_family=FONT,
    label_font_size=18,
    major_label_font_size=18,
    legend_font_size=18,
    opacity="1",
    opacity_hover="1",
    transition="0s",
)


@dataclass
class Series:
    name: str
    values: list[int]
    colour: str  # a key of COLOURS


@dataclass
class Chart:
    """A chart and its figures: `labels` along the bottom, one value per label in each series."""

    title: str
    summary: str  # one sentence saying what the chart shows, for its alt text
    labels: list[str]
    series: list[Series]
    label_heading: str  # the heading of the table's first column, e.g. "Month"
    stacked: bool = False

    @cached_property
    def svg(self) -> str:
        """Drawn only when asked for (the chart's own image, the PDF): a page shows the figures'
        table at once and the chart as an image from its own address, so that drawing (about 40 ms
        a chart at national scale) never holds up the page."""
        return _render(self)

    @property
    def is_empty(self) -> bool:
        return not any(any(s.values) for s in self.series)

    @property
    def rows(self) -> list[tuple[str, list[int]]]:
        """The table: a row per label, with its value in each series."""
        return [(label, [s.values[i] for s in self.series]) for i, label in enumerate(self.labels)]

    @property
    def alt(self) -> str:
        return f"{self.summary} The figures are in the table below the chart."


def _y_labels(chart: Chart) -> list[int]:
    """Whole-number steps from 0, at most about six of them: counts have no halves."""
    if chart.stacked:
        top = max((sum(column) for column in zip(*(s.values for s in chart.series), strict=True)), default=0)
    else:
        top = max((max(s.values, default=0) for s in chart.series), default=0)
    step = max(1, math.ceil(top / 5))
    # A round step (1, 2, 5, 10, 20, 50 …) reads more easily than 7 or 13.
    magnitude = 10 ** (len(str(step)) - 1)
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= step)
    return list(range(0, max(top, 1) + step, step))


def _render(chart: Chart) -> str:
    style = Style(**{**STYLE.to_dict(), "colors": tuple(COLOURS[s.colour] for s in chart.series)})
    kind = pygal.StackedBar if chart.stacked else pygal.Bar
    drawing = kind(
        style=style,
        width=WIDTH,
        height=HEIGHT,
        js=[],  # pygal's tooltips are a script from its own site: never on this site.
        disable_xml_declaration=True,
        legend_at_bottom=True,
        # Three names fit on a line at this size; four go two by two.
        legend_at_bottom_columns=len(chart.series) if len(chart.series) <= 3 else 2,
        truncate_legend=-1,
        x_label_rotation=-45,
        y_labels=_y_labels(chart),
        value_formatter=lambda value: f"{value:,.0f}",
        margin=8,
        spacing=8,
    )
    drawing.x_labels = chart.labels
    for series in chart.series:
        drawing.add(series.name, series.values)
    # The legend's ids are for pygal's script, which is not shipped; two charts in one PDF would
    # repeat them.
    svg = re.sub(r' id="activate-serie-\d+"', "", drawing.render(is_unicode=True))
    # pygal writes its configuration for that script even without the script: nothing reads it.
    svg = re.sub(r"<script\b.*?</script>", "", svg, flags=re.DOTALL)
    # A title and description for whatever reads the SVG itself (the PDF, a saved image).
    opening_end = svg.index(">") + 1
    return (
        svg[: opening_end - 1]
        + ' role="img">'
        + f"<title>{escape(chart.title)}</title><desc>{escape(chart.summary)}</desc>"
        + svg[opening_end:]
    )
