from django import template

from accounts.two_factor import two_factor_state_for_request

register = template.Library()


@register.simple_tag(takes_context=True)
def two_factor_required_because(context) -> str | None:
    """Why the signed-in person must set up two-factor before anything else, or None."""
    request = context.get("request")
    if request is None:
        return None
    state = two_factor_state_for_request(request)
    return state.reason if state.must_set_up else None
