"""The delivery log of an arrangement: its lines and filters, recording a line, reversing one, a line's
photo; and each served council's monthly statement (page, CSV, PDF)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from clusters.csv_export import csv_response
from config import pdf_jobs
from config.dates import long_date
from parishes.models import Council

from .. import deliveries, statements
from ..access import get_arrangement_for_user, require
from ..deliveries import DeliveryError
from ..delivery_forms import LogFilterForm, RecordForm, ReverseForm, problem_field
from ..models import Delivery, Statement, Volunteer
from ..photos import photo_response
from ..progress import progress_rows

LINES_PER_PAGE = 50


def _posted(request, files=False) -> tuple:
    """A form's data when the request is a POST, even an empty one, so that it is validated."""
    if request.method != "POST":
        return (None, None) if files else (None,)
    return (request.POST, request.FILES) if files else (request.POST,)


def _log_url(arrangement) -> str:
    return reverse("services:log", args=[arrangement.cluster.slug, arrangement.number])


def _readable_served(arrangement, council_ids):
    """The served councils whose lines the person reads, by name."""
    councils = Council.objects.filter(services_received__arrangement=arrangement).order_by("name", "gss_code")
    return list(councils if council_ids is None else councils.filter(pk__in=council_ids))


def _with_who(lines, permissions):
    """Each line with its `who`: a volunteer's name only to those who may see it (services.access)."""
    visible = permissions.visible_volunteer_council_ids()
    for line in lines:
        may_see = line.volunteer_id is not None and (
            permissions.coordinates_it or line.volunteer.council_id in visible
        )
        line.who = deliveries.who_did_it(line, may_see)
        yield line


def _filter_form(request, arrangement, permissions, councils):
    council_ids = {c.pk for c in councils}
    sites = [s for s in deliveries.site_choices(arrangement) if s.council_id in council_ids]
    volunteers = (
        Volunteer.objects.filter(assignments__arrangement=arrangement).distinct().order_by("name", "pk")
    )
    if not permissions.coordinates_it:
        volunteers = volunteers.filter(council_id__in=permissions.visible_volunteer_council_ids())
    return LogFilterForm(
        request.GET or None,
        councils=councils,
        sites=sites,
        volunteers=list(volunteers),
        months=statements.statement_months(arrangement, timezone.localdate()),
    )


# The log


def log(request, slug, number):
    arrangement, permissions = get_arrangement_for_user(request.user, slug, number)
    council_ids = permissions.log_council_ids()
    context = {"arrangement": arrangement, "cluster": arrangement.cluster, "may": permissions.flags()}
    if council_ids is not None and not council_ids:
        # A member council that this arrangement does not serve: what another council received is
        # its business. The page says who reads the log rather than answering 404 for a page the
        # person can reach from the cluster's services.
        return render(request, "services/deliveries/log.html", {**context, "no_lines": True})
    councils = _readable_served(arrangement, council_ids)
    search = _filter_form(request, arrangement, permissions, councils)
    filters = search.filters()
    page = Paginator(deliveries.log_lines(arrangement, council_ids, filters), LINES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = list(_with_who(page.object_list, permissions))
    today = timezone.localdate()
    return render(
        request,
        "services/deliveries/log.html",
        {
            **context,
            "search": search,
            "filtered": filters != deliveries.LogFilters(),
            "page_obj": page,
            "progress": progress_rows([arrangement], council_ids=council_ids, today=today).get(
                arrangement.pk, []
            ),
            "councils": councils,
            "statement_month": statements.latest_season_month(arrangement, today),
            "unit": deliveries.unit_label(arrangement),
        },
    )


def _log_rows(lines, unit):
    yield [
        "Date done",
        "Council",
        "Site",
        f"Quantity ({unit})",
        "Hours",
        "Who did it",
        "Notes",
        "Reverses the line of",
        "Reversed",
        "Recorded on",
    ]
    for line in lines:
        yield [
            line.done_on.isoformat(),
            line.council.name,
            line.site.name if line.site else "",
            line.quantity,
            "" if line.hours is None else line.hours,
            line.who,
            line.notes,
            line.reverses.done_on.isoformat() if line.reverses else "",
            "Yes" if getattr(line, "reversed_by", None) else "",
            timezone.localtime(line.recorded_at).date().isoformat(),
        ]


def log_csv(request, slug, number):
    arrangement, permissions = get_arrangement_for_user(request.user, slug, number)
    council_ids = permissions.log_council_ids()
    require(council_ids is None or bool(council_ids))
    councils = _readable_served(arrangement, council_ids)
    filters = _filter_form(request, arrangement, permissions, councils).filters()
    lines = deliveries.log_lines(arrangement, council_ids, filters).iterator(chunk_size=500)
    return csv_response(
        _log_rows(_with_who(lines, permissions), deliveries.unit_label(arrangement)),
        f"{arrangement.cluster.slug}-arrangement-{arrangement.number}-deliveries.csv",
    )


# Recording and reversing


def _initial_from(arrangement, request) -> dict | None:
    """After a reversal, the record form starts from the reversed line, to be put right."""
    reversed_id = request.GET.get("from", "")
    if not (reversed_id.isascii() and reversed_id.isdigit() and len(reversed_id) < 12):
        return None
    line = arrangement.deliveries.filter(pk=int(reversed_id), reverses__isnull=True).first()
    if line is None:
        return None
    return {
        "done_on": line.done_on,
        "council": line.council_id,
        "site": line.site_id,
        "quantity": line.quantity,
        "hours": line.hours,
        "done_by": line.done_by,
        "volunteer": line.volunteer_id,
        "notes": line.notes,
    }


def record(request, slug, number):
    arrangement, permissions = get_arrangement_for_user(request.user, slug, number)
    require(permissions.may_record_delivery())
    form = RecordForm(
        *_posted(request, files=True),
        initial=_initial_from(arrangement, request) if request.method == "GET" else None,
        arrangement=arrangement,
        served=_readable_served(arrangement, None),
        sites=deliveries.site_choices(arrangement),
        volunteers=deliveries.volunteer_choices(arrangement, permissions),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            line = deliveries.record_delivery(
                acting_user=request.user,
                arrangement=arrangement,
                council=data["council"],
                done_on=data["done_on"],
                quantity=data["quantity"],
                hours=data["hours"],
                site=data["site"],
                done_by=data["done_by"],
                volunteer=data.get("volunteer"),
                notes=data["notes"],
                photo=data["photo"],
            )
        except DeliveryError as error:
            form.add_error(problem_field(error, form), str(error))
        else:
            messages.success(
                request,
                f"{deliveries.number_label(line.quantity)} {deliveries.unit_label(arrangement)} for "
                f"{line.council.name} on {long_date(line.done_on)} recorded.",
            )
            return redirect(_log_url(arrangement))
    return render(
        request,
        "services/deliveries/record.html",
        {"arrangement": arrangement, "cluster": arrangement.cluster, "form": form},
    )


def _line(arrangement, delivery_id) -> Delivery:
    line = get_object_or_404(
        arrangement.deliveries.select_related("council", "site", "volunteer", "reverses"), pk=delivery_id
    )
    line.arrangement = arrangement
    return line


def _readable_line(arrangement, permissions, delivery_id) -> Delivery:
    line = _line(arrangement, delivery_id)
    council_ids = permissions.log_council_ids()
    if council_ids is not None and line.council_id not in council_ids:
        raise Http404
    return line


def reverse_line(request, slug, number, delivery_id):
    arrangement, permissions = get_arrangement_for_user(request.user, slug, number)
    require(permissions.may_record_delivery())
    line = _line(arrangement, delivery_id)
    refusal = deliveries.reversal_refusal(line)
    form = ReverseForm(*_posted(request)) if not refusal else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            deliveries.reverse_delivery(
                acting_user=request.user, delivery=line, reason=form.cleaned_data["reason"]
            )
        except DeliveryError as error:
            form.add_error(problem_field(error, form), str(error))
        else:
            messages.success(
                request, "The line has been reversed. Record the work as it should have been, if it was done."
            )
            return redirect(reverse("services:record", args=[slug, number]) + f"?from={line.pk}")
    line = next(_with_who([line], permissions))
    return render(
        request,
        "services/deliveries/reverse.html",
        {
            "arrangement": arrangement,
            "cluster": arrangement.cluster,
            "line": line,
            "form": form,
            "refusal": refusal,
            "unit": deliveries.unit_label(arrangement),
        },
    )


def delivery_photo(request, slug, number, delivery_id):
    arrangement, permissions = get_arrangement_for_user(request.user, slug, number)
    line = _readable_line(arrangement, permissions, delivery_id)
    if not line.photo:
        raise Http404
    return photo_response(line.photo, kind=line.photo_type, name=f"delivery-{line.pk}")


# Monthly statements


def _statement(request, slug, number, council_id, month):
    """The arrangement, its permissions and the served council whose statement of `month` the
    person reads: 404 for a council not served, one whose lines they do not read, or a month the
    arrangement did not run."""
    arrangement, permissions = get_arrangement_for_user(request.user, slug, number)
    council_ids = permissions.log_council_ids()
    if council_ids is not None and council_id not in council_ids:
        raise Http404
    council = get_object_or_404(
        Council.objects.filter(services_received__arrangement=arrangement), pk=council_id
    )
    if not statements.has_month(arrangement, month, timezone.localdate()):
        raise Http404
    return arrangement, permissions, council


def statement(request, slug, number, council_id, month):
    arrangement, permissions, council = _statement(request, slug, number, council_id, month)
    context = statements.statement_context(arrangement, council, month)
    context["lines"] = list(_with_who(context["lines"], permissions))
    months = statements.statement_months(arrangement, timezone.localdate())
    at = months.index(month)
    return render(
        request,
        "services/deliveries/statement.html",
        {
            **context,
            "cluster": arrangement.cluster,
            "may": permissions.flags(),
            "newer": months[at - 1] if at > 0 else None,
            "older": months[at + 1] if at + 1 < len(months) else None,
            "pdfs": arrangement.statements.filter(council=council, month=month).select_related(
                "requested_by"
            )[:3],
        },
    )


def _statement_rows(context):
    unit = context["unit"]
    yield ["Date done", "Site", f"Quantity ({unit})", "Hours", "Who did it", "Notes", "Reverses the line of"]
    for line in context["lines"]:
        yield [
            line.done_on.isoformat(),
            line.site.name if line.site else "",
            line.quantity,
            "" if line.hours is None else line.hours,
            line.who,
            line.notes,
            line.reverses.done_on.isoformat() if line.reverses else "",
        ]
    totals = context["totals"]
    yield ["Total", "", totals["quantity"], totals["hours"], "", "", ""]


def statement_csv(request, slug, number, council_id, month):
    arrangement, permissions, council = _statement(request, slug, number, council_id, month)
    context = statements.statement_context(arrangement, council, month)
    context["lines"] = list(_with_who(context["lines"], permissions))
    name = statements.statement_file_name(Statement(council=council, month=month), arrangement.service.name)
    return csv_response(_statement_rows(context), name.removesuffix(".pdf") + ".csv")


def statement_pdf(request, slug, number, council_id, month):
    """Asks for the statement as a PDF (POST, the statement page's button): a worker writes it."""
    arrangement, _, council = _statement(request, slug, number, council_id, month)
    if request.method != "POST":
        return redirect("services:statement", slug, number, council.pk, f"{month:%Y-%m}")
    job = statements.request_statement(
        acting_user=request.user, arrangement=arrangement, council=council, month=month
    )
    return redirect("services:statement_job", slug, number, council.pk, f"{month:%Y-%m}", job.pk)


def statement_job(request, slug, number, council_id, month, statement_id):
    arrangement, _, council = _statement(request, slug, number, council_id, month)
    job = get_object_or_404(
        arrangement.statements.filter(council=council, month=month).select_related("requested_by"),
        pk=statement_id,
    )
    context = {
        "arrangement": arrangement,
        "cluster": arrangement.cluster,
        "council": council,
        "month": month,
        "month_label": statements.month_label(month),
        "job": job,
    }
    return pdf_jobs.job_page(request, "services/deliveries/statement_job.html", context, job)


def statement_download(request, slug, number, council_id, month, statement_id):
    arrangement, _, council = _statement(request, slug, number, council_id, month)
    job = get_object_or_404(
        arrangement.statements.filter(council=council, month=month, status=Statement.Status.READY),
        pk=statement_id,
    )
    job.council = council
    return pdf_jobs.download(job, statements.statement_file_name(job, arrangement.service.name))
