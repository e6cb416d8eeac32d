"""The PDFs, each rendered in a process of its own (`python -m bench.inside pdfs NAME PLAN`), as the
worker renders them: the time of a first render (fonts and templates loaded) and of a second, and
the process's peak memory (ru_maxrss) against what it held before rendering.

Adding a PDF is one entry in PDFS: the role whose fixtures choose what to render, the render
function ("module:function") and how to call it with those fixtures.
"""

import argparse
import importlib
import json
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from clusters.models import Cluster
from clusters.reports import financial_year_of
from parishes.models import Area


@dataclass(frozen=True)
class Pdf:
    name: str
    role: str
    # "module:function": imported only when measured, so that one not built yet is reported as such.
    render: str
    args: Callable[[dict], tuple]


PDFS = [
    Pdf(
        "cluster annual report",
        "chair",
        "clusters.reports:render_cluster_report_pdf",
        lambda f: (Cluster.objects.get(slug=f["slug"]), financial_year_of(timezone.localdate())),
    ),
    Pdf(
        "area dashboard",
        "officer",
        "parishes.dashboard_pdf:render_area_dashboard_pdf",
        lambda f: (Area.objects.get(slug=f["area_slug"]),),
    ),
]


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def measure(pdf: Pdf, fixtures: dict) -> dict:
    module, _, function = pdf.render.partition(":")
    try:
        render = getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError) as error:
        return {"name": pdf.name, "status": "missing", "error": f"no {pdf.render}: {error}"}
    args = pdf.args(fixtures)
    before = _rss_mb()
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        content = render(*args)
        timings.append(round(time.perf_counter() - started, 2))
    return {
        "name": pdf.name,
        "status": "measured",
        "first_seconds": timings[0],
        "second_seconds": timings[1],
        "bytes": len(content),
        "rss_before_mb": before,
        "peak_rss_mb": _rss_mb(),
    }


def main(argv) -> None:
    if argv == ["--list"]:
        json.dump([pdf.name for pdf in PDFS], sys.stdout)
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=[pdf.name for pdf in PDFS])
    parser.add_argument("plan", help="bench.prepare's JSON")
    args = parser.parse_args(argv)
    pdf = next(pdf for pdf in PDFS if pdf.name == args.name)
    with open(args.plan) as file:
        plan = json.load(file)
    person = next((p for p in plan["people"] if p["measured"] and p["role"] == pdf.role), None)
    if person is None:
        result = {"name": pdf.name, "status": "missing", "error": f"the data has no {pdf.role}"}
    else:
        result = measure(pdf, person["fixtures"])
    json.dump(result, sys.stdout)
