"""Who may do what, as far as the person alone decides it (roles in councils, areas and clusters are
each app's own access.py)."""


def is_site_administrator(user) -> bool:
    """Staff reach Django's admin, so must use two-factor where MFA_REQUIRED is on (accounts.two_factor)."""
    return bool(user.is_staff or user.is_superuser)
