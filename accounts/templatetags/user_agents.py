"""The sessions page names each browser in words ("Chrome on Windows") rather than showing its
User-Agent header, and puts the session in use first."""

import ua_parser
from django import template

register = template.Library()

# ua-parser's names, where people know the system by another.
SYSTEM_NAMES = {"Mac OS X": "macOS"}


@register.filter
def browser_and_system(user_agent: str) -> str:
    """ "Chrome on Windows"; a part the parser cannot tell is left out rather than guessed."""
    result = ua_parser.parse(user_agent or "")
    browser = result.user_agent.family if result.user_agent else None
    system = result.os.family if result.os else None
    system = SYSTEM_NAMES.get(system, system)
    if browser and system:
        return f"{browser} on {system}"
    if browser:
        return browser
    if system:
        return f"A browser on {system}"
    return "An unknown browser"


@register.filter
def this_device_first(sessions):
    """allauth lists sessions oldest first; the one in use leads and the others keep that order."""
    return sorted(sessions, key=lambda session: not session.is_current())
