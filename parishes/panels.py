"""Panels that higher apps add to parishes' pages (the council page, the home page), registered the
way apps register with Django's admin, so that parishes never imports them."""

from collections.abc import Callable

from django.utils.safestring import SafeString

# Each returns rendered HTML, or "" when it has nothing to show; each keeps its queries bounded.
CouncilPanel = Callable[..., SafeString | str]  # (request, council, permissions)
HomePanel = Callable[..., SafeString | str]  # (request)

council_panels: list[CouncilPanel] = []
home_panels: list[HomePanel] = []


def council_panel(func: CouncilPanel) -> CouncilPanel:
    council_panels.append(func)
    return func


def home_panel(func: HomePanel) -> HomePanel:
    home_panels.append(func)
    return func


def render_council_panels(request, council, permissions) -> list[str]:
    return [html for panel in council_panels if (html := panel(request, council, permissions))]


def render_home_panels(request) -> list[str]:
    return [html for panel in home_panels if (html := panel(request))]
