from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from parishes.access import get_council_for_user
from parishes.forms import form_data

from .. import membership as membership_service
from .. import queries
from ..access import get_cluster_for_user, get_invitations_for_user
from ..council_rows import CouncilRows, council_names
from ..forms import AnswerForm, InviteCouncilForm, LeaveForm
from ..membership import MembershipError
from ..models import Membership


def members(request, slug):
    cluster, permissions = get_cluster_for_user(request.user, slug)
    members = list(queries.current_members(cluster))
    return render(
        request,
        "clusters/members.html",
        {
            "cluster": cluster,
            "may": permissions.flags(),
            "members": members,
            "history": queries.membership_history(cluster),
            "may_leave": {m.pk for m in members if permissions.may_leave(m)},
        },
    )


def invite(request, slug):
    cluster, _ = get_cluster_for_user(request.user, slug, perm="manage_cluster_members")
    form = InviteCouncilForm(*form_data(request), cluster=cluster)
    if request.method == "POST" and form.is_valid():
        council = form.cleaned_data["council"]
        try:
            membership_service.invite_council(acting_user=request.user, cluster=cluster, council=council)
        except MembershipError as error:
            form.add_error("council", str(error))
        else:
            messages.success(request, f"{council} has been invited. Its clerk has been emailed.")
            return redirect("clusters:members", cluster.slug)
    return render(request, "clusters/invite.html", {"cluster": cluster, "form": form})


def withdraw(request, slug, membership_id):
    cluster, _ = get_cluster_for_user(request.user, slug, perm="manage_cluster_members")
    membership = get_object_or_404(cluster.memberships.select_related("council"), pk=membership_id)
    if request.method == "POST":
        try:
            membership_service.withdraw_invitation(acting_user=request.user, membership=membership)
        except MembershipError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"The invitation to {membership.council} has been withdrawn.")
    return redirect("clusters:members", cluster.slug)


def leave(request, slug, membership_id):
    """A member council's resolution to leave, recorded by someone who acts for it."""
    cluster, permissions = get_cluster_for_user(request.user, slug)
    membership = get_object_or_404(
        cluster.memberships.select_related("council").filter(status=Membership.Status.MEMBER),
        pk=membership_id,
    )
    if not permissions.may_leave(membership):
        raise PermissionDenied
    form = LeaveForm(*form_data(request), membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            membership_service.leave_cluster(
                acting_user=request.user, membership=membership, **form.cleaned_data
            )
        except MembershipError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, f"{membership.council} has left {cluster}.")
            return redirect(membership.council)
    return render(
        request, "clusters/leave.html", {"cluster": cluster, "membership": membership, "form": form}
    )


def _answer_invitations(request, slug: str, back: tuple[str, str]):
    """The answers of every invited council the person acts for, in one submission."""
    cluster, invitations = get_invitations_for_user(request.user, slug)
    invitations = {m.council_id: m for m in invitations.select_related("invited_by")}
    rows = CouncilRows(
        AnswerForm, [m.council for m in invitations.values()], *form_data(request), invitations=invitations
    )
    if rows and request.method == "POST" and rows.is_valid():
        filled = rows.filled()
        answers = [
            membership_service.CouncilAnswer(
                membership=invitations[row.council.pk],
                accept=row.cleaned_data["answer"] == "join",
                minute_ref=row.cleaned_data["minute_ref"],
                resolved_on=row.cleaned_data["resolved_on"],
            )
            for row in filled
        ]
        try:
            membership_service.answer_invitations(acting_user=request.user, answers=answers)
        except membership_service.AnswerRefused as error:
            rows.refuse(error.council, str(error), error.field)
        else:
            messages.success(request, f"Recorded the answer of {council_names(filled)}.")
            # A council that joined can now see the cluster.
            return redirect(cluster if any(answer.accept for answer in answers) else back[0])
    return render(
        request,
        "clusters/answer.html",
        {"cluster": cluster, "rows": rows, "invitations": list(invitations.values()), "back": back},
    )


def invitation(request, slug):
    """A cluster's invitations to the councils the person acts for; the cluster is not yet theirs."""
    return _answer_invitations(request, slug, back=(reverse("parishes:home"), "Home"))


def answer(request, council_id, membership_id):
    """One council's invitation, reached from the council's page: it opens the cluster's invitations
    to every council the person acts for, this one among them."""
    council, _ = get_council_for_user(request.user, council_id, perm="act_for_council")
    membership = get_object_or_404(
        council.cluster_memberships.select_related("cluster").filter(status=Membership.Status.INVITED),
        pk=membership_id,
    )
    back = (reverse("parishes:council", args=[council.pk]), council.name)
    return _answer_invitations(request, membership.cluster.slug, back=back)
