"""Starting a cluster and the councils' membership of it: invitations, resolutions, leaving."""

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.emails import send_templated_email
from config.dates import not_before
from parishes.access import people_acting_for
from parishes.models import Area, Council

from . import audit
from .access import LEADING_POSITIONS, may_answer_for, people_of_members
from .decisions import settle_open_ratifications
from .leadership import end_position, vacate
from .models import Cluster, Decision, Membership, Position


class MembershipError(Exception):
    """A change the rules refuse; its message is shown to the person, next to the field it is about
    when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class ClusterNameTaken(MembershipError):
    """The area already has a cluster of that name: shown next to the name field."""


def _unique_slug(area: Area, name: str) -> str:
    # Slugs are unique across the installation, so a bare "eden-valley" taken by another area's
    # cluster would make this one "eden-valley-2" and tell its people that the other exists.
    # Starting with the area's own slug, a slug depends only on the clusters of its own area.
    base = f"{area.slug}-{slugify(name)[:80] or 'cluster'}"[:130].strip("-")
    slug = base
    while Cluster.objects.filter(slug=slug).exists():
        # Rare (another area's slug and name can run together: "north" + "eden-valley" and
        # "north-eden" + "valley"); a random suffix, not a count, says nothing of how many there are.
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def _refuse_taken_name(area: Area, name: str, cluster: Cluster | None = None) -> None:
    """Names are unique in an area whatever their case (the database only sees the exact case)."""
    others = Cluster.objects.filter(area=area, name__iexact=name)
    if cluster is not None:
        others = others.exclude(pk=cluster.pk)
    if others.exists():
        raise ClusterNameTaken(f"{area} already has a cluster called {name}.")


def _check_resolution_date(resolved_on: date) -> None:
    if resolved_on > timezone.localdate():
        raise MembershipError("The date of the resolution cannot be in the future.", "resolved_on")


def check_answer_date(membership: Membership, resolved_on: date) -> None:
    """A council cannot have answered an invitation before it was sent (AnswerForm asks this too)."""
    invited = timezone.localdate(membership.invited_at)
    if message := not_before(resolved_on, invited, "when the council was invited"):
        raise MembershipError(message, "resolved_on")


def check_leave_date(membership: Membership, resolved_on: date) -> None:
    """A council cannot have resolved to leave before it joined (LeaveForm asks this too)."""
    if membership.joined_on is None:  # only a member leaves, and every member has joined_on
        return
    if message := not_before(resolved_on, membership.joined_on, "when the council joined the cluster"):
        raise MembershipError(message, "resolved_on")


def _tell_councils(cluster: Cluster, council_ids, template: str, context: dict) -> None:
    for people in people_acting_for(council_ids).values():
        for person in people:
            send_templated_email(
                template=template, to=person.email, context={**context, "cluster": cluster, "user": person}
            )


@transaction.atomic
def start_cluster(
    *, acting_user, area: Area, lead_council: Council, name: str, purpose: str, **fields
) -> Cluster:
    """A new cluster, forming, with its lead council as its first member."""
    if lead_council.area_id != area.pk:
        raise MembershipError("The lead council must be a council of the cluster's area.")
    _refuse_taken_name(area, name.strip())
    try:
        with transaction.atomic():
            cluster = Cluster.objects.create(
                area=area,
                lead_council=lead_council,
                name=name.strip(),
                slug=_unique_slug(area, name),
                purpose=purpose,
                started_by=acting_user,
                **fields,
            )
    except IntegrityError:
        # The same name started a moment ago by someone else.
        raise ClusterNameTaken(f"{area} already has a cluster called {name.strip()}.") from None
    Membership.objects.create(
        cluster=cluster,
        council=lead_council,
        status=Membership.Status.MEMBER,
        invited_by=acting_user,
        joined_on=cluster.formed_on,
        answered_by=acting_user,
    )
    audit.record(
        actor=acting_user,
        cluster=cluster,
        action="cluster.started",
        summary=f"Cluster started with {lead_council} as its lead",
        after={"name": cluster.name, "lead": lead_council.name, "formality": cluster.get_formality_display()},
    )
    return cluster


@transaction.atomic
def invite_council(*, acting_user, cluster: Cluster, council: Council) -> Membership:
    if cluster.status == Cluster.Status.DISSOLVED:
        raise MembershipError("The cluster has been dissolved.")
    if council.area_id != cluster.area_id:
        raise MembershipError("Only councils of the cluster's area can be invited.")
    current = cluster.memberships.filter(
        council=council, status__in=[Membership.Status.INVITED, Membership.Status.MEMBER]
    )
    if current.exists():
        raise MembershipError(f"{council} is already a member or already invited.")
    membership = Membership.objects.create(cluster=cluster, council=council, invited_by=acting_user)
    audit.record(
        actor=acting_user, cluster=cluster, action="membership.invited", summary=f"{council} invited to join"
    )
    _tell_councils(cluster, [council.pk], "cluster_invitation", {"council": council, "inviter": acting_user})
    return membership


@transaction.atomic
def answer_invitation(
    *,
    acting_user,
    membership: Membership,
    accept: bool,
    minute_ref: str,
    resolved_on: date,
    tell_leaders: bool = True,
) -> Membership:
    """The invited council's resolution to join or not. The cluster's chair or co-ordinator is told,
    unless the caller tells them of several answers at once (answer_invitations)."""
    membership = (
        Membership.objects.select_for_update().select_related("cluster", "council").get(pk=membership.pk)
    )
    if membership.status != Membership.Status.INVITED:
        raise MembershipError("This invitation has already been answered or withdrawn.")
    if acting_user is not None and not may_answer_for(acting_user, membership.council):
        raise MembershipError(f"You do not act for {membership.council}.")
    _check_resolution_date(resolved_on)
    check_answer_date(membership, resolved_on)
    membership.status = Membership.Status.MEMBER if accept else Membership.Status.DECLINED
    membership.joined_on = resolved_on if accept else None
    membership.join_minute_ref = minute_ref
    membership.join_resolution_on = resolved_on
    membership.answered_by = acting_user
    membership.save()
    verb = "joined" if accept else "declined to join"
    audit.record(
        actor=acting_user,
        cluster=membership.cluster,
        action="membership.joined" if accept else "membership.declined",
        summary=f"{membership.council} {verb} (minute {minute_ref})",
        after={"minute_ref": minute_ref, "resolved_on": resolved_on.isoformat()},
    )
    if tell_leaders:
        _tell_leaders(membership.cluster, [membership])
    return membership


def _tell_leaders(cluster: Cluster, answered: list[Membership]) -> None:
    """One email to the cluster's chair or co-ordinator (or, before it has one, whoever started it)
    with every answer of one submission."""
    leads = Position.objects.current().filter(cluster=cluster, kind__in=LEADING_POSITIONS)
    recipients = {p.user for p in leads.select_related("user")} or ({cluster.started_by} - {None})
    for person in sorted(recipients, key=lambda p: p.email):
        send_templated_email(
            template="cluster_invitation_answered",
            to=person.email,
            context={"cluster": cluster, "answered": answered, "user": person},
        )


@dataclass(frozen=True)
class CouncilAnswer:
    """One row of a submission for several invited councils."""

    membership: Membership
    accept: bool
    minute_ref: str
    resolved_on: date


class AnswerRefused(MembershipError):
    """One council's answer of a submission for several, refused: nothing of the submission is kept,
    and the message is shown in that council's row."""

    def __init__(self, message: str, field: str | None, council: Council):
        super().__init__(message, field)
        self.council = council


@transaction.atomic
def answer_invitations(*, acting_user, answers: Sequence[CouncilAnswer]) -> list[Membership]:
    """The answers of several invited councils, recorded together by a person who acts for them all:
    each under answer_invitation's rules, with its audit record; all or none."""
    if not answers:
        raise MembershipError("Record the answer of at least one council.")
    answered = []
    for answer in answers:
        council = answer.membership.council
        try:
            answered.append(
                answer_invitation(
                    acting_user=acting_user,
                    membership=answer.membership,
                    accept=answer.accept,
                    minute_ref=answer.minute_ref,
                    resolved_on=answer.resolved_on,
                    tell_leaders=False,
                )
            )
        except MembershipError as error:
            raise AnswerRefused(str(error), error.field, council) from error
    by_cluster: dict[int, list[Membership]] = {}
    for membership in answered:
        by_cluster.setdefault(membership.cluster_id, []).append(membership)
    for memberships in by_cluster.values():
        _tell_leaders(memberships[0].cluster, memberships)
    return answered


@transaction.atomic
def withdraw_invitation(*, acting_user, membership: Membership) -> None:
    membership = (
        Membership.objects.select_for_update().select_related("cluster", "council").get(pk=membership.pk)
    )
    if membership.status != Membership.Status.INVITED:
        raise MembershipError("Only an invitation that has not been answered can be withdrawn.")
    membership.status = Membership.Status.WITHDRAWN
    membership.save(update_fields=["status"])
    audit.record(
        actor=acting_user,
        cluster=membership.cluster,
        action="membership.withdrawn",
        summary=f"Invitation to {membership.council} withdrawn",
    )


@transaction.atomic
def leave_cluster(*, acting_user, membership: Membership, minute_ref: str, resolved_on: date) -> None:
    """The council leaves by resolution; positions held for it end the same day."""
    membership = (
        Membership.objects.select_for_update().select_related("cluster", "council").get(pk=membership.pk)
    )
    if membership.status != Membership.Status.MEMBER:
        raise MembershipError("Only a member council can leave.")
    _check_resolution_date(resolved_on)
    check_leave_date(membership, resolved_on)
    cluster = membership.cluster
    if cluster.lead_council_id == membership.council_id:
        raise MembershipError("The lead council cannot leave: the cluster must choose another lead first.")
    membership.status = Membership.Status.LEFT
    membership.left_on = timezone.localdate()
    membership.leave_minute_ref = minute_ref
    membership.leave_resolution_on = resolved_on
    membership.save()
    for position in cluster.positions.filter(council=membership.council, ended_on__isnull=True):
        vacate(acting_user=acting_user, position=position, cause=f"{membership.council} left the cluster")
    settle_open_ratifications(cluster=cluster)
    audit.record(
        actor=acting_user,
        cluster=cluster,
        action="membership.left",
        summary=f"{membership.council} left the cluster (minute {minute_ref})",
        after={"minute_ref": minute_ref, "resolved_on": resolved_on.isoformat()},
    )


CLUSTER_FIELDS = (
    "name",
    "purpose",
    "priorities",
    "formality",
    "lead_council",
    "leadership_model",
    "financial_model",
    "ratification_threshold",
    "rota_term_months",
)


@transaction.atomic
def update_cluster(*, acting_user, cluster: Cluster, changes: dict) -> None:
    """Change the cluster's details. A new name must be free in the area (whatever its case), and
    the lead council must be a current member: refused here, not only by the form."""
    changes = dict(changes)
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            raise MembershipError("Enter the cluster's name.")
        _refuse_taken_name(cluster.area, changes["name"], cluster)
    lead = changes.get("lead_council")
    if "lead_council" in changes and lead is None:
        raise MembershipError("The cluster must have a lead council.")
    lead_changes = lead is not None and lead.pk != cluster.lead_council_id
    members = cluster.memberships.filter(status=Membership.Status.MEMBER)
    if lead_changes and not members.filter(council=lead).exists():
        raise MembershipError("The lead council must be a member of the cluster.")
    before = {
        f: getattr(cluster, f) for f in CLUSTER_FIELDS if f in changes and getattr(cluster, f) != changes[f]
    }
    if not before:
        return
    for field in before:
        setattr(cluster, field, changes[field])
    try:
        # A savepoint: a rename racing another to the same name loses cleanly, not with a 500.
        with transaction.atomic():
            cluster.save(update_fields=list(before))
    except IntegrityError:
        for field, value in before.items():
            setattr(cluster, field, value)
        if "name" not in before:
            raise
        raise ClusterNameTaken(f"{cluster.area} already has a cluster called {changes['name']}.") from None
    audit.record(
        actor=acting_user,
        cluster=cluster,
        action="cluster.updated",
        summary="Changed: " + ", ".join(Cluster._meta.get_field(f).verbose_name for f in before),
        before={f: str(v) for f, v in before.items()},
        after={f: str(changes[f]) for f in before},
    )


_NEXT_STATUS = {
    Cluster.Status.FORMING: Cluster.Status.ACTIVE,
    Cluster.Status.ACTIVE: Cluster.Status.DISSOLVED,
}


# What the apps above close when a cluster is dissolved, registered from their AppConfig.ready() (as
# parishes.hooks does for ending a role) so that clusters never imports them. A consequence is
# called with the cluster and says in words what it will close, for the confirmation page; a hook is
# called as hook(acting_user=…, cluster=…, reason=…, on=…) inside the dissolving transaction, after
# the cluster's own business is closed, and returns what it closed (lists of words) for the audit
# record. A hook that refuses rolls the whole dissolution back.
dissolve_consequences: list[Callable[[Cluster], list[str]]] = []
dissolved_hooks: list[Callable[..., dict]] = []


def what_dissolving_closes(cluster: Cluster) -> dict:
    """What dissolving the cluster withdraws or ends: the confirmation page lists it, and
    move_status closes exactly these (and what the other apps' consequences say)."""
    return {
        "consequences": [said for describe in dissolve_consequences for said in describe(cluster)],
        "decisions": cluster.decisions.filter(status=Decision.Status.PROPOSED).order_by("number"),
        "positions": cluster.positions.filter(ended_on__isnull=True)
        .select_related("user", "council")
        .order_by("kind", "starts_on"),
        "invitations": cluster.memberships.filter(status=Membership.Status.INVITED)
        .select_related("council")
        .order_by("council__name"),
    }


def _close_for_dissolution(*, acting_user, cluster: Cluster, reason: str, on: date) -> dict:
    """Withdraw the open proposals and invitations and end every position, for the audit record.

    Proposals are withdrawn in bulk, not one by one through withdraw_decision: that asks whether the
    person may withdraw each (its proposer or the chair), while dissolving is the cluster's own
    decision. Positions end through end_position, which takes away the permissions they carried.
    """
    closing = what_dissolving_closes(cluster)
    decisions = list(closing["decisions"].select_for_update(of=("self",)))
    Decision.objects.filter(pk__in=[d.pk for d in decisions]).update(
        status=Decision.Status.WITHDRAWN,
        withdrawn_at=timezone.now(),
        withdrawn_by=acting_user if acting_user is not None and acting_user.is_authenticated else None,
    )
    positions = list(closing["positions"])
    for position in positions:
        end_position(acting_user=acting_user, position=position, cause="the cluster was dissolved")
    invitations = list(closing["invitations"])
    Membership.objects.filter(pk__in=[m.pk for m in invitations]).update(status=Membership.Status.WITHDRAWN)
    closed = {
        "decisions_withdrawn": [f"{d.number}. {d.title}" for d in decisions],
        "positions_ended": [f"{p.get_kind_display()}: {p.user} ({p.council})" for p in positions],
        "invitations_withdrawn": [m.council.name for m in invitations],
    }
    for hook in dissolved_hooks:
        closed.update(hook(acting_user=acting_user, cluster=cluster, reason=reason, on=on))
    return closed


@transaction.atomic
def move_status(
    *,
    acting_user,
    cluster: Cluster,
    to: str,
    reason: str = "",
    minute_ref: str = "",
    resolved_on: date | None = None,
) -> None:
    """Forming → active → dissolved, each once, with its date. Dissolving cannot be undone, so it
    needs its reason and the resolution that decided it (reference and date), and it closes what
    the cluster had open (what_dissolving_closes) in the same transaction."""
    cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
    if _NEXT_STATUS.get(cluster.status) != to:
        status = cluster.get_status_display().lower()
        raise MembershipError(f"The cluster is {status}: it cannot become {to}.")
    before = cluster.status
    today = timezone.localdate()
    details = {}
    if to == Cluster.Status.ACTIVE:
        cluster.active_since = today
    else:
        reason, minute_ref = (reason or "").strip(), (minute_ref or "").strip()
        if not (reason and minute_ref and resolved_on):
            raise MembershipError("Give the reason for dissolving and the resolution that decided it.")
        _check_resolution_date(resolved_on)
        if resolved_on < cluster.formed_on:
            raise MembershipError("The resolution cannot be dated before the cluster was formed.")
        details = {
            "reason": reason,
            "resolution_ref": minute_ref,
            "resolved_on": resolved_on.isoformat(),
            **_close_for_dissolution(acting_user=acting_user, cluster=cluster, reason=reason, on=today),
        }
        cluster.dissolved_on = today
    cluster.status = to
    cluster.save()
    summary = f"The cluster became {cluster.get_status_display().lower()}"
    audit.record(
        actor=acting_user,
        cluster=cluster,
        action="cluster.status",
        summary=f"{summary}: {reason}" if details else summary,
        before={"status": before},
        after={"status": to, **details},
    )
    if details:
        for person in people_of_members(cluster):
            send_templated_email(
                template="cluster_dissolved",
                to=person.email,
                context={"cluster": cluster, "reason": reason, "details": details, "user": person},
            )
