"""The annual report's task; clusters/tasks.py imports it so that Celery's autodiscovery finds it."""

from celery import shared_task

from . import reports
from .models import ClusterReport


@shared_task(bind=True, max_retries=3)
def build_cluster_report(self, report_id: int) -> None:
    report = reports.build_report(report_id)
    if report is not None and report.status == ClusterReport.Status.RENDERING:
        # Another worker holds the claim. Should that worker have died, its claim goes stale after the
        # hard time limit: look again then, and take the report over.
        raise self.retry(countdown=reports.seconds_until_stale(report))
