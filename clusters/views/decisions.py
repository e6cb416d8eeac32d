"""The decision register, proposals, the chair's decision, member councils' votes, withdrawal and
corrections."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from parishes.models import Council

from .. import decisions as services
from ..access import get_cluster_for_user
from ..council_rows import CouncilRows, council_names
from ..csv_export import csv_response, with_councils
from ..decision_forms import AS_OFFICER, DecideForm, ProposeForm, RegisterFilterForm, VoteForm
from ..decisions import DecisionError
from ..models import Decision
from ..uploads import file_response

DECISIONS_PER_PAGE = 25


def _posted(request, files=False) -> tuple:
    """A form's data when the request is a POST, even an empty one, so that it is validated."""
    if request.method != "POST":
        return (None, None) if files else (None,)
    return (request.POST, request.FILES) if files else (request.POST,)


def _decision_url(decision: Decision) -> str:
    return reverse("clusters:decision", args=[decision.cluster.slug, decision.number])


def _get_decision(cluster, number: int) -> Decision:
    return get_object_or_404(cluster.decisions.select_related("cluster"), number=number)


# The register


def register(request, slug):
    cluster, permissions = get_cluster_for_user(request.user, slug)
    search = RegisterFilterForm(request.GET or None, years=services.register_years(cluster))
    filters = search.filters()
    decisions = services.with_progress(services.register(cluster, **filters))
    page = Paginator(decisions, DECISIONS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = services.mark_corrected(list(page.object_list))
    return render(
        request,
        "clusters/decisions/register.html",
        {
            "cluster": cluster,
            "may": permissions.flags(),
            "search": search,
            "filtered": any(filters.values()),
            "page_obj": page,
            "member_count": len(permissions.member_council_ids),
        },
    )


def _register_rows(decisions):
    yield [
        "Number",
        "Title",
        "Status",
        "Method",
        "Proposed on",
        "Proposing council",
        "Decided on",
        "Outcome and reasons",
        "Corrects",
    ]
    for d in decisions:
        yield [
            d.number,
            d.title,
            d.get_status_display(),
            d.get_method_display(),
            timezone.localtime(d.proposed_at).date().isoformat(),
            d.proposing_council.name if d.proposing_council else "The cluster's officers",
            timezone.localtime(d.decided_at).date().isoformat() if d.decided_at else "",
            f"{d.get_status_display()}: {d.reasons}" if d.is_decided and d.reasons else "",
            d.corrects.number if d.corrects else "",
        ]


def register_csv(request, slug):
    cluster, _ = get_cluster_for_user(request.user, slug)
    filters = RegisterFilterForm(request.GET or None, years=services.register_years(cluster)).filters()
    # The proposing councils apart from the decisions' query: see csv_export.with_councils.
    decisions = services.register(cluster, **filters).select_related(None).select_related("corrects")
    return csv_response(
        _register_rows(with_councils(decisions, "proposing_council", area=cluster.area_id)),
        f"{cluster.slug}-decisions.csv",
    )


# Proposing and correcting


def _propose(request, cluster, permissions, corrects: Decision | None = None):
    initial = {"title": f"Correction: {corrects.title}"[:200], "text": corrects.text} if corrects else None
    form = ProposeForm(
        *_posted(request, files=True),
        initial=initial,
        cluster=cluster,
        councils=list(permissions.acting_councils()),
        as_officer=permissions.may_propose_without_council(),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.propose_decision(
                acting_user=request.user,
                cluster=cluster,
                title=data["title"],
                text=data["text"],
                method=data["method"],
                proposing_council=data["proposing_council"],
                attachments=data["attachments"],
                corrects=corrects,
            )
        except DecisionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Decision {decision.number} has been proposed.")
            return redirect(_decision_url(decision))
    return render(
        request,
        "clusters/decisions/propose.html",
        {"cluster": cluster, "form": form, "corrects": corrects, "as_officer": AS_OFFICER},
    )


def propose(request, slug):
    cluster, permissions = get_cluster_for_user(request.user, slug, perm="propose")
    return _propose(request, cluster, permissions)


def correct(request, slug, number):
    cluster, permissions = get_cluster_for_user(request.user, slug, perm="propose")
    decision = _get_decision(cluster, number)
    if not decision.is_decided:
        messages.error(request, "Only a decided decision is corrected; until then it can be withdrawn.")
        return redirect(_decision_url(decision))
    return _propose(request, cluster, permissions, corrects=decision)


# One decision


def _vote_rows(permissions, decision: Decision, voted, data=None) -> CouncilRows:
    """A row for each member council the person acts for that has not voted yet."""
    councils = permissions.acting_councils().exclude(pk__in=voted)
    return CouncilRows(VoteForm, councils, data, decision=decision)


def _detail(request, cluster, permissions, number: int, form=None, rows=None):
    decision = get_object_or_404(
        cluster.decisions.select_related(
            "cluster", "proposed_by", "proposing_council", "decided_by", "withdrawn_by", "corrects"
        ),
        number=number,
    )
    votes = list(decision.votes.select_related("council", "recorded_by").order_by("council__name"))
    voted = {vote.council_id for vote in votes}
    members = permissions.member_council_ids
    actions = permissions.decision_actions(decision, voted)
    form = (form or DecideForm()) if actions["decide"] else None
    rows = (rows or _vote_rows(permissions, decision, voted)) if actions["vote"] else None
    is_ratification = decision.method == Decision.Method.RATIFICATION
    return render(
        request,
        "clusters/decisions/detail.html",
        {
            "cluster": cluster,
            "decision": decision,
            "may": permissions.flags(),
            "actions": actions,
            "form": form,
            "rows": rows,
            "attachments": decision.attachments.all(),
            "corrections": decision.corrections.order_by("number"),
            "votes": votes,
            "member_ids": members,
            "tally": services.Tally.count((v.choice for v in votes if v.council_id in members), len(members)),
            "not_voted": Council.objects.filter(pk__in=members - voted).order_by("name")
            if is_ratification and decision.status == Decision.Status.PROPOSED
            else Council.objects.none(),
        },
    )


def detail(request, slug, number):
    cluster, permissions = get_cluster_for_user(request.user, slug)
    return _detail(request, cluster, permissions, number)


def _closed(request, decision: Decision) -> HttpResponse | None:
    """Back to the decision's page with the refusal when it has been decided or withdrawn meanwhile:
    its form is no longer on the page to show errors in."""
    try:
        services.refuse_unless_open(decision)
    except DecisionError as error:
        messages.error(request, str(error))
        return redirect(_decision_url(decision))
    return None


def decide(request, slug, number):
    cluster, permissions = get_cluster_for_user(request.user, slug, perm="decide_for_cluster")
    decision = _get_decision(cluster, number)
    if request.method != "POST":
        return redirect(_decision_url(decision))
    if closed := _closed(request, decision):
        return closed
    form = DecideForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["outcome"] == "approve"
        try:
            services.decide(
                acting_user=request.user,
                decision=decision,
                approve=approve,
                reasons=form.cleaned_data["reasons"],
            )
        except DecisionError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, f"Decision {decision.number} has been {'approved' if approve else 'rejected'}."
            )
        return redirect(_decision_url(decision))
    return _detail(request, cluster, permissions, number, form=form)


def vote(request, slug, number):
    """The resolutions of every member council the person acts for, in one submission."""
    cluster, permissions = get_cluster_for_user(request.user, slug)
    decision = _get_decision(cluster, number)
    if not permissions.acts_for_a_member():
        raise PermissionDenied
    if request.method != "POST":
        return redirect(_decision_url(decision))
    if closed := _closed(request, decision):
        return closed
    rows = _vote_rows(permissions, decision, decision.votes.values("council_id"), request.POST)
    if not rows:
        messages.error(
            request, "Every council you act for has already recorded its resolution on this decision."
        )
        return redirect(_decision_url(decision))
    if rows.is_valid():
        filled = rows.filled()
        votes = [services.CouncilVote(council=row.council, **row.cleaned_data) for row in filled]
        try:
            services.record_votes(acting_user=request.user, decision=decision, votes=votes)
        except services.VoteRefused as error:
            rows.refuse(error.council, str(error), error.field)
        except DecisionError as error:
            messages.error(request, str(error))
            return redirect(_decision_url(decision))
        else:
            messages.success(request, f"Recorded the resolution of {council_names(filled)}.")
            return redirect(_decision_url(decision))
    return _detail(request, cluster, permissions, number, rows=rows)


def withdraw(request, slug, number):
    cluster, permissions = get_cluster_for_user(request.user, slug)
    decision = _get_decision(cluster, number)
    if decision.status != Decision.Status.PROPOSED:
        messages.error(request, f"Decision {decision.number} is no longer open: it cannot be withdrawn.")
        return redirect(_decision_url(decision))
    if not permissions.may_withdraw(decision):
        raise PermissionDenied
    if request.method != "POST":
        return render(request, "clusters/decisions/withdraw.html", {"cluster": cluster, "decision": decision})
    try:
        services.withdraw_decision(acting_user=request.user, decision=decision)
    except DecisionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Decision {decision.number} has been withdrawn.")
    return redirect(_decision_url(decision))


def attachment(request, slug, number, attachment_id):
    cluster, _ = get_cluster_for_user(request.user, slug)
    decision = _get_decision(cluster, number)
    attached = get_object_or_404(decision.attachments, pk=attachment_id)
    try:
        return file_response(attached.file, kind=attached.file_type, file_name=attached.file_name)
    except FileNotFoundError as error:
        raise Http404 from error
