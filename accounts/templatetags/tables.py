"""{% load tables %}: the one way a wide table is shown, so that no page scrolls sideways at 320 px.

    {% table_region "Decisions" %}<table class="govuk-table">…</table>{% endtable_region %}

The table scrolls inside a labelled region that takes keyboard focus (WCAG 1.4.10 reflow, and
2.1.1: a region that scrolls must be reachable without a mouse); the markup is
includes/table_region.html, the styles .app-table-container in frontend/scss/app.scss. It lives in
accounts, the lowest app, because every app's pages (accounts' sessions page among them) use it.
"""

from django import template
from django.template.loader import render_to_string

register = template.Library()


class TableRegionNode(template.Node):
    def __init__(self, label: template.base.FilterExpression, nodelist: template.NodeList):
        self.label = label
        self.nodelist = nodelist

    def render(self, context) -> str:
        return render_to_string(
            "includes/table_region.html",
            {"label": self.label.resolve(context), "table": self.nodelist.render(context)},
        )


@register.tag
def table_region(parser, token) -> TableRegionNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one argument: the region's label")
    nodelist = parser.parse(("endtable_region",))
    parser.delete_first_token()
    return TableRegionNode(parser.compile_filter(bits[1]), nodelist)
