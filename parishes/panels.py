"""Panels that higher apps add to parishes' pages (the council page, the home page, the area's
dashboard), registered the way apps register with Django's admin, so that parishes never imports them."""

from collections.abc import Callable

from django.utils.safestring import SafeString

# Each returns rendered HTML, or "" when it has nothing to show; each keeps its queries bounded.
CouncilPanel = Callable[..., SafeString | str]  # (request, council, permissions)
HomePanel = Callable[..., SafeString | str]  # (request)
# The area's dashboard is the same for every officer and administrator of the area, so its panels
# take no request or user: the worker renders them into the dashboard's PDF. `medium` is "page" or
# "pdf"; on paper a panel leaves out its links and forms.
AreaPanel = Callable[..., SafeString | str]  # (area, *, medium)

council_panels: list[CouncilPanel] = []
home_panels: list[HomePanel] = []
area_panels: list[AreaPanel] = []


def council_panel(func: CouncilPanel) -> CouncilPanel:
    council_panels.append(func)
    return func


def home_panel(func: HomePanel) -> HomePanel:
    home_panels.append(func)
    return func


def area_panel(func: AreaPanel) -> AreaPanel:
    area_panels.append(func)
    return func


def render_council_panels(request, council, permissions) -> list[str]:
    return [html for panel in council_panels if (html := panel(request, council, permissions))]


def render_home_panels(request) -> list[str]:
    return [html for panel in home_panels if (html := panel(request))]


def render_area_panels(area, *, medium: str = "page") -> list[str]:
    return [html for panel in area_panels if (html := panel(area, medium=medium))]
