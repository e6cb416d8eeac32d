"""What higher apps do when a council role ends, registered from their AppConfig.ready() the way
panels are, so that parishes never imports them: a cluster position held for the council ends with
the holder's standing in it.

Each hook is called as hook(acting_user=…, role=…) inside the transaction that ended the role, after
the role's own permissions are re-derived, so that a hook that refuses rolls the whole change back.
"""

from collections.abc import Callable

RoleEndedHook = Callable[..., None]
# What else ending the role would end, in words for the confirmation page ("chair of Eden Valley").
RoleEndingConsequences = Callable[..., list[str]]

role_ended_hooks: list[RoleEndedHook] = []
role_ending_consequences: list[RoleEndingConsequences] = []


def role_ended(*, acting_user, role) -> None:
    for hook in role_ended_hooks:
        hook(acting_user=acting_user, role=role)


def consequences_of_ending(role) -> list[str]:
    return [consequence for describe in role_ending_consequences for consequence in describe(role)]
