"""A cluster's services: its arrangements at a glance, proposing one, an arrangement's page, the
served councils' agreement, keeping its terms, withdrawing a proposal and ending it."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from clusters.access import get_cluster_for_user
from clusters.council_rows import CouncilRows, council_names
from parishes.forms import form_data
from parishes.models import Council

from .. import access, queries
from .. import arrangements as services
from ..arrangement_forms import (
    AgreementForm,
    EditForm,
    EndForm,
    FilterForm,
    ProposeForm,
    WithdrawForm,
    member_roles,
    member_sites,
)
from ..arrangements import ArrangementError
from ..models import Arrangement, Service
from ..progress import progress_rows

ARRANGEMENTS_PER_PAGE = 25


def _url(arrangement: Arrangement) -> str:
    return reverse("services:arrangement", args=[arrangement.cluster.slug, arrangement.number])


def _progress(arrangements, permissions_by_id: dict, today) -> dict:
    """Delivered against agreed for each arrangement, only for the councils whose log the person
    reads: one read for the arrangements whose whole log they read, one for their own councils'."""
    whole = [a for a in arrangements if permissions_by_id[a.pk].log_council_ids() is None]
    own = [a for a in arrangements if permissions_by_id[a.pk].log_council_ids() is not None]
    rows = progress_rows(whole, council_ids=None, today=today)
    if own:
        own_ids = permissions_by_id[own[0].pk].own_council_ids
        rows |= progress_rows(own, council_ids=own_ids, today=today)
    return rows


def cluster_services(request, slug):
    cluster, permissions = get_cluster_for_user(request.user, slug)
    filters = FilterForm(request.GET or None)
    status = filters.chosen()
    page = Paginator(queries.cluster_arrangements(cluster, status=status), ARRANGEMENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    shown = list(page.object_list)
    by_id = access.for_arrangements(permissions, shown)
    progress = _progress(shown, by_id, timezone.localdate())
    rows = [
        {"arrangement": a, "progress": progress.get(a.pk, []), "whole_log": by_id[a.pk].reads_whole_log}
        for a in shown
    ]
    return render(
        request,
        "services/arrangements/list.html",
        {
            "cluster": cluster,
            "filters": filters,
            "status": status,
            "page_obj": page,
            "rows": rows,
            "may_propose": access.may_propose_arrangement(permissions),
        },
    )


def propose(request, slug):
    cluster, permissions = get_cluster_for_user(request.user, slug)
    access.require(access.may_propose_arrangement(permissions))
    members = permissions.member_council_ids
    form = ProposeForm(
        *form_data(request),
        cluster=cluster,
        services=Service.objects.filter(area=cluster.area, retired_at__isnull=True),
        members=Council.objects.filter(pk__in=members).order_by("name"),
        roles=member_roles(members),
        sites=member_sites(members).order_by("council__name", "name"),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        served = [services.Served(council=c, agreed_quantity=q) for c, q in data.pop("served").items()]
        for name in form.served_fields:
            data.pop(name, None)
        try:
            arrangement = services.propose_arrangement(
                acting_user=request.user, cluster=cluster, served=served, **data
            )
        except ArrangementError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(
                request,
                f"Arrangement {arrangement.number} has been proposed. "
                "The councils it serves have been asked to record their agreement.",
            )
            return redirect(_url(arrangement))
    return render(request, "services/arrangements/propose.html", {"cluster": cluster, "form": form})


def _agreement_rows(permissions, arrangement, data=None) -> CouncilRows:
    councils = Council.objects.filter(pk__in=permissions.agreeing_council_ids()).order_by("name")
    return CouncilRows(AgreementForm, councils, data, arrangement=arrangement)


def _detail(request, arrangement, permissions, rows=None):
    detail = queries.arrangement_detail(arrangement)
    council_ids = permissions.log_council_ids()
    today = timezone.localdate()
    progress = progress_rows([arrangement], council_ids=council_ids, today=today).get(arrangement.pk, [])
    by_council = {row.council_id: row for row in progress}
    visible = permissions.visible_volunteer_council_ids()
    names = [
        a.volunteer.name
        for a in detail["assignments"]
        if permissions.coordinates_it or a.volunteer.council_id in visible
    ]
    may = permissions.flags()
    if may["agree"] and rows is None:
        rows = _agreement_rows(permissions, arrangement)
    return render(
        request,
        "services/arrangements/detail.html",
        {
            "cluster": arrangement.cluster,
            "arrangement": arrangement,
            "may": may,
            "rows": rows,
            "served_rows": [(served, by_council.get(served.council_id)) for served in detail["served"]],
            "season_label": services.season_label(arrangement.season_starts, arrangement.season_ends),
            "season": progress[0].season if progress else None,
            # The log once work can have been recorded, for those who read some of it.
            "log_url": reverse("services:log", args=[arrangement.cluster.slug, arrangement.number])
            if arrangement.status in (Arrangement.Status.ACTIVE, Arrangement.Status.ENDED)
            and (council_ids is None or council_ids)
            else "",
            "agreed_count": sum(1 for served in detail["served"] if served.has_agreed),
            "volunteer_names": names,
            "hidden_volunteers": len(detail["assignments"]) - len(names),
            **detail,
        },
    )


def arrangement(request, slug, number):
    arrangement, permissions = access.get_arrangement_for_user(request.user, slug, number)
    return _detail(request, arrangement, permissions)


def agree(request, slug, number):
    """The agreement of every served council the person acts for, in one submission."""
    arrangement, permissions = access.get_arrangement_for_user(request.user, slug, number)
    if request.method != "POST":
        return redirect(_url(arrangement))
    if arrangement.status != Arrangement.Status.PROPOSED:
        messages.error(request, f"Arrangement {arrangement.number} is no longer waiting for agreement.")
        return redirect(_url(arrangement))
    rows = _agreement_rows(permissions, arrangement, request.POST)
    if not rows:
        # Someone who acts for no council the arrangement serves may not record agreements at all.
        access.require(
            bool(permissions.cluster_permissions.acting_council_ids & permissions.served_council_ids)
        )
        messages.error(request, "Every council you act for has already recorded its agreement.")
        return redirect(_url(arrangement))
    if rows.is_valid():
        filled = rows.filled()
        agreements = [services.CouncilAgreement(council=row.council, **row.cleaned_data) for row in filled]
        try:
            arrangement = services.record_agreements(
                acting_user=request.user, arrangement=arrangement, agreements=agreements
            )
        except services.AgreementRefused as error:
            rows.refuse(error.council, str(error), error.field)
        except ArrangementError as error:
            messages.error(request, str(error))
            return redirect(_url(arrangement))
        else:
            messages.success(request, f"Recorded the agreement of {council_names(filled)}.")
            return redirect(_url(arrangement))
    return _detail(request, arrangement, permissions, rows=rows)


def _kept(request, slug, number):
    """The arrangement, for the people who keep it; an ended or withdrawn one is read-only."""
    arrangement, permissions = access.get_arrangement_for_user(request.user, slug, number)
    if arrangement.status in Arrangement.CLOSED:
        state = arrangement.get_status_display().lower()
        messages.error(request, f"Arrangement {arrangement.number} is {state}: it can no longer be changed.")
        return arrangement, permissions, redirect(_url(arrangement))
    access.require(permissions.may_keep())
    return arrangement, permissions, None


def edit(request, slug, number):
    arrangement, permissions, refused = _kept(request, slug, number)
    if refused:
        return refused
    served_ids = [row.council_id for row in queries.arrangement_detail(arrangement)["served"]]
    initial = {
        **{name: getattr(arrangement, name) for name in services.EDITABLE},
        "sites": [str(pk) for pk in arrangement.sites.values_list("pk", flat=True)],
    }
    form = EditForm(
        *form_data(request),
        initial=initial,
        arrangement=arrangement,
        sites=member_sites(served_ids).order_by("council__name", "name"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_arrangement(
                acting_user=request.user, arrangement=arrangement, **form.cleaned_data
            )
        except ArrangementError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, f"Arrangement {arrangement.number} has been saved.")
            return redirect(_url(arrangement))
    return render(
        request,
        "services/arrangements/edit.html",
        {
            "cluster": arrangement.cluster,
            "arrangement": arrangement,
            "form": form,
            "agreed": services.agreed_rows(arrangement),
        },
    )


def end(request, slug, number):
    arrangement, permissions, refused = _kept(request, slug, number)
    if refused:
        return refused
    if arrangement.status == Arrangement.Status.PROPOSED:
        # A proposal is withdrawn, not ended.
        return redirect("services:arrangement_withdraw", slug, number)
    form = EndForm(*form_data(request), arrangement=arrangement, initial={"ended_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.end_arrangement(acting_user=request.user, arrangement=arrangement, **form.cleaned_data)
        except ArrangementError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, f"Arrangement {arrangement.number} has ended.")
            return redirect(_url(arrangement))
    return render(
        request,
        "services/arrangements/end.html",
        {
            "cluster": arrangement.cluster,
            "arrangement": arrangement,
            "form": form,
            **services.what_ending_closes(arrangement),
        },
    )


def withdraw(request, slug, number):
    arrangement, permissions = access.get_arrangement_for_user(request.user, slug, number)
    if arrangement.status != Arrangement.Status.PROPOSED:
        messages.error(
            request, f"Arrangement {arrangement.number} is no longer a proposal: it cannot be withdrawn."
        )
        return redirect(_url(arrangement))
    access.require(permissions.may_withdraw())
    form = WithdrawForm(*form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_arrangement(
                acting_user=request.user, arrangement=arrangement, **form.cleaned_data
            )
        except ArrangementError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, f"Arrangement {arrangement.number} has been withdrawn.")
            return redirect(_url(arrangement))
    return render(
        request,
        "services/arrangements/withdraw.html",
        {"cluster": arrangement.cluster, "arrangement": arrangement, "form": form},
    )
