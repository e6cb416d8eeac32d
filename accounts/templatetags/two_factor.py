from django import template
from django.contrib import messages

from accounts.two_factor import TOLD_TAG, two_factor_state_for_request

register = template.Library()


@register.simple_tag(takes_context=True)
def two_factor_required_because(context) -> str | None:
    """Why the signed-in person must set up two-factor before anything else, or None; None too
    when a message on this page says so already (they were just sent here)."""
    request = context.get("request")
    if request is None:
        return None
    state = two_factor_state_for_request(request)
    if not state.must_set_up:
        return None
    if any(TOLD_TAG in message.tags for message in messages.get_messages(request)):
        return None
    return state.reason
