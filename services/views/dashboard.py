"""The list of the area's service arrangements behind the dashboard's services panel, and its CSV:
one of the dashboard's lists (the same filters, pages and template as the clusters' lists in
clusters/views/dashboard.py), seen by the area's officers and administrators
(parishes.access.get_area_for_user)."""

import itertools

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse

from clusters.csv_export import csv_response
from parishes.access import get_area_for_user

from ..dashboard import LISTING

PER_PAGE = 50


def arrangement_list(request, area_slug):
    area, _ = get_area_for_user(request.user, area_slug)
    search = LISTING.form(request.GET or None, area=area)
    filters = search.filters()
    page = Paginator(LISTING.rows(area, **filters), PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    LISTING.for_page(page.object_list)
    return render(
        request,
        LISTING.template,
        {
            "area": area,
            "listing": LISTING,
            "search": search,
            "filtered": any(filters.values()),
            "page_obj": page,
            "list_url": reverse("services:dashboard_arrangements", args=[area.slug]),
            "csv_url": reverse("services:dashboard_arrangements_csv", args=[area.slug]),
        },
    )


def arrangement_list_csv(request, area_slug):
    area, _ = get_area_for_user(request.user, area_slug)
    filters = LISTING.form(request.GET or None, area=area).filters()
    rows = (LISTING.csv_row(row) for row in LISTING.for_csv(area, LISTING.rows(area, **filters)))
    return csv_response(itertools.chain([LISTING.csv_header], rows), f"{area.slug}-arrangements.csv")
