"""The lists behind the area dashboard's figures (councils, clusters, decisions, objectives): each
filtered by district, cluster and its own status, paginated, and exported to CSV with the same
filters. The area's officers and administrators see them (parishes.access.get_area_for_user)."""

import itertools

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from parishes.access import get_area_for_user

from ..csv_export import csv_response
from ..dashboard import Listing, clusters, coverage, decisions, objectives, trends

PER_PAGE = 50


def _page(request, area_slug, listing: Listing):
    area, _ = get_area_for_user(request.user, area_slug)
    search = listing.form(request.GET or None, area=area)
    filters = search.filters()
    page = Paginator(listing.rows(area, **filters), PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    listing.for_page(page.object_list)
    return render(
        request,
        listing.template,
        {
            "area": area,
            "listing": listing,
            "search": search,
            "filtered": any(filters.values()),
            "page_obj": page,
            "list_url": reverse(f"clusters:dashboard_{listing.name}", args=[area.slug]),
            "csv_url": reverse(f"clusters:dashboard_{listing.name}_csv", args=[area.slug]),
            "medium": "page",
        },
    )


def _csv(request, area_slug, listing: Listing):
    area, _ = get_area_for_user(request.user, area_slug)
    filters = listing.form(request.GET or None, area=area).filters()
    rows = (listing.csv_row(row) for row in listing.for_csv(area, listing.rows(area, **filters)))
    return csv_response(itertools.chain([listing.csv_header], rows), f"{area.slug}-{listing.name}.csv")


def councils(request, area_slug):
    return _page(request, area_slug, coverage.LISTING)


def councils_csv(request, area_slug):
    return _csv(request, area_slug, coverage.LISTING)


def cluster_list(request, area_slug):
    return _page(request, area_slug, clusters.LISTING)


def cluster_list_csv(request, area_slug):
    return _csv(request, area_slug, clusters.LISTING)


def decision_list(request, area_slug):
    return _page(request, area_slug, decisions.LISTING)


def decision_list_csv(request, area_slug):
    return _csv(request, area_slug, decisions.LISTING)


def objective_list(request, area_slug):
    return _page(request, area_slug, objectives.LISTING)


def objective_list_csv(request, area_slug):
    return _csv(request, area_slug, objectives.LISTING)


def chart(request, area_slug, name):
    """A chart of the dashboard's "Over time" panel as the SVG image that the panel shows."""
    area, _ = get_area_for_user(request.user, area_slug)
    if name not in trends.CHARTS:
        raise Http404
    return HttpResponse(trends.chart(area, name).svg, content_type="image/svg+xml")
