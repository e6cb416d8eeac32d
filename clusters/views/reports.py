from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from config import pdf_jobs

from .. import reports
from ..access import get_cluster_for_user
from ..models import ClusterReport
from ..reports import ReportError

REPORTS_PER_PAGE = 20


class ReportRequestForm(forms.Form):
    year = forms.TypedChoiceField(
        label="Financial year",
        coerce=int,
        help_text="Financial years run from 1 April to 31 March",
        error_messages={
            "required": "Select a financial year",
            "invalid_choice": "Select a financial year from the list",
        },
    )

    def __init__(self, *args, cluster, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [
            (year, reports.financial_year_label(year)) for year in reports.report_years(cluster)
        ]


def report_list(request, slug):
    cluster, permissions = get_cluster_for_user(request.user, slug)
    may = permissions.flags()
    if request.method == "POST" and not may["draft_for_cluster"]:
        raise PermissionDenied
    form = ReportRequestForm(request.POST if request.method == "POST" else None, cluster=cluster)
    if request.method == "POST" and form.is_valid():
        try:
            report = reports.request_report(
                acting_user=request.user, cluster=cluster, year=form.cleaned_data["year"]
            )
        except ReportError as error:
            form.add_error("year", str(error))
        else:
            return redirect("clusters:report", cluster.slug, report.pk)
    page = Paginator(cluster.reports.select_related("requested_by"), REPORTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for report in page:
        report.stuck = reports.is_stuck(report)
    context = {"cluster": cluster, "may": may, "form": form, "page_obj": page}
    return render(request, "clusters/reports/list.html", context)


def report_detail(request, slug, report_id):
    cluster, permissions = get_cluster_for_user(request.user, slug)
    report = get_object_or_404(cluster.reports.select_related("requested_by"), pk=report_id)
    context = {
        "cluster": cluster,
        "may": permissions.flags(),
        "report": report,
        "bounds": reports.financial_year_bounds(report.year),
    }
    return pdf_jobs.job_page(request, "clusters/reports/detail.html", context, report)


def report_download(request, slug, report_id):
    cluster, _ = get_cluster_for_user(request.user, slug)
    report = get_object_or_404(cluster.reports, pk=report_id, status=ClusterReport.Status.READY)
    report.cluster = cluster
    return pdf_jobs.download(report, reports.report_file_name(report))
