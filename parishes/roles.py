"""What each role lets a person do: the one table that role grants and access checks read."""

from .models import AreaRole, CouncilRole

COUNCIL_ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    CouncilRole.Kind.CLERK: frozenset(
        {"view_council", "change_council", "manage_council_people", "view_council_audit", "act_for_council"}
    ),
    CouncilRole.Kind.RFO: frozenset({"view_council"}),
    CouncilRole.Kind.COUNCILLOR: frozenset({"view_council"}),
}

AREA_ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    AreaRole.Kind.OFFICER: frozenset({"view_area"}),
    AreaRole.Kind.ADMINISTRATOR: frozenset({"view_area", "manage_area"}),
}

# Permissions a clerk may give one person of their council beyond what the person's role carries.
GRANTABLE_COUNCIL_PERMISSIONS: dict[str, str] = {
    "change_council": "Edit the council's profile and tax base",
    "manage_council_people": "Invite people, end roles and give permissions",
    "view_council_audit": "See the council's audit history",
    "act_for_council": "Record the council's resolutions and act for it in clusters",
}

# The area permission that gives a council permission on every council of the area: officers see
# every council read-only, administrators keep every council's profile and people.
AREA_PERMISSION_FOR_COUNCIL: dict[str, str] = {
    "view_council": "view_area",
    "change_council": "manage_area",
    "manage_council_people": "manage_area",
    "view_council_audit": "manage_area",
}
