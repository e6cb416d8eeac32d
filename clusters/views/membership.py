from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from parishes.access import get_council_for_user
from parishes.forms import form_data

from .. import membership as membership_service
from .. import queries
from ..access import get_cluster_for_user
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


def answer(request, council_id, membership_id):
    """The invited council's answer, reached from the council's page: the cluster is not yet theirs."""
    council, _ = get_council_for_user(request.user, council_id, perm="act_for_council")
    membership = get_object_or_404(
        council.cluster_memberships.select_related("cluster__area", "invited_by").filter(
            status=Membership.Status.INVITED
        ),
        pk=membership_id,
    )
    form = AnswerForm(*form_data(request))
    if request.method == "POST" and form.is_valid():
        accept = form.cleaned_data["answer"] == "join"
        try:
            membership_service.answer_invitation(
                acting_user=request.user,
                membership=membership,
                accept=accept,
                minute_ref=form.cleaned_data["minute_ref"],
                resolved_on=form.cleaned_data["resolved_on"],
            )
        except MembershipError as error:
            form.add_error(None, str(error))
        else:
            if accept:
                messages.success(request, f"{council} is now a member of {membership.cluster}.")
                return redirect(membership.cluster)
            messages.success(
                request, f"{council}'s decision not to join {membership.cluster} has been recorded."
            )
            return redirect(council)
    back = reverse("parishes:council", args=[council.pk])
    return render(
        request,
        "clusters/answer.html",
        {"council": council, "membership": membership, "form": form, "back": back},
    )
