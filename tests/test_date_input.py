"""The GOV.UK date input (config/date_input.py) as every form renders it through config/forms.py."""

import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clusters.forms import AppointForm, LeaveForm
from clusters.models import Membership
from config.dates import EARLIEST_YEAR, latest_year

TODAY = timezone.localdate()
JOINED = datetime.date(2026, 4, 1)  # the cast's member councils resolved to join then


def boxes(day="", month="", year="", name="resolved_on"):
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


def leave_form(data, joined_on=JOINED):
    return LeaveForm({"minute_ref": "9/26", **data}, membership=Membership(joined_on=joined_on))


def box(html, part, name="resolved_on"):
    """The <input> of one box."""
    return re.search(rf'<input [^>]*name="{name}-{part}"[^>]*>', html).group(0)


def faulty(html, name="resolved_on"):
    """The boxes marked as wrong, in order."""
    return [part for part in ("day", "month", "year") if "govuk-input--error" in box(html, part, name)]


def test_three_labelled_boxes_in_a_fieldset_with_legend_and_hint():
    html = LeaveForm(membership=Membership(joined_on=JOINED))["resolved_on"].as_field_group()
    fieldset = re.search(r"<fieldset[^>]*>", html).group(0)
    assert 'role="group"' in fieldset and 'aria-describedby="id_resolved_on_helptext"' in fieldset
    assert '<legend class="govuk-fieldset__legend">Date of the resolution</legend>' in html
    assert f'id="id_resolved_on_helptext">For example, 27 3 {TODAY.year}</div>' in html
    assert '<div class="govuk-date-input" id="id_resolved_on">' in html
    for part, width in (("day", 2), ("month", 2), ("year", 4)):
        label = (
            f'class="govuk-label govuk-date-input__label" for="id_resolved_on-{part}">{part.title()}</label>'
        )
        assert label in html
        tag = box(html, part)
        assert f'id="id_resolved_on-{part}"' in tag and 'type="text"' in tag and 'inputmode="numeric"' in tag
        assert f"govuk-date-input__input govuk-input--width-{width}" in tag
        # No browser validation to stop a half-entered date: the server says what is missing.
        assert "required" not in tag and "aria-invalid" not in tag
    assert 'type="date"' not in html and faulty(html) == []


def test_an_optional_date_says_so_and_keeps_its_own_hint_before_the_example(cast):
    html = AppointForm(cluster=cast.cluster)["ends_on"].as_field_group()
    assert '<legend class="govuk-fieldset__legend">Term ends (optional)</legend>' in html
    assert (
        f"Leave empty for a term without an end date; at most 5 years. For example, 27 3 {TODAY.year}" in html
    )
    form = AppointForm({"kind": "chair", **boxes("1", "", "2026", name="starts_on")}, cluster=cast.cluster)
    assert form.errors["starts_on"] == ["The date the term starts must include a month"]


def test_a_date_from_the_boxes_and_month_names():
    form = leave_form(boxes(" 3 ", "05", "2026"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["resolved_on"] == datetime.date(2026, 5, 3)
    for month in ("May", "may", "MAY", "June", "jun"):
        form = leave_form(boxes("3", month, "2026"))
        assert form.is_valid() and form.cleaned_data["resolved_on"].month in (5, 6)


def test_one_iso_value_is_still_accepted_and_shown_in_the_boxes():
    form = leave_form({"resolved_on": "2026-04-01"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["resolved_on"] == datetime.date(2026, 4, 1)
    html = form["resolved_on"].as_field_group()
    assert (
        'value="1"' in box(html, "day")
        and 'value="4"' in box(html, "month")
        and 'value="2026"' in box(html, "year")
    )


@pytest.mark.parametrize(
    ("entered", "message", "at_fault"),
    [
        (("", "", ""), "Enter the date of the resolution", ["day", "month", "year"]),
        (("3", "", "2026"), "Date of the resolution must include a month", ["month"]),
        (("", "4", "2026"), "Date of the resolution must include a day", ["day"]),
        (("3", "4", ""), "Date of the resolution must include a year", ["year"]),
        (("", "", "2026"), "Date of the resolution must include a day and month", ["day", "month"]),
        (("3", "", ""), "Date of the resolution must include a month and year", ["month", "year"]),
        (("31", "2", "2026"), "Date of the resolution must be a real date", ["day"]),
        (("1", "13", "2026"), "Date of the resolution must be a real date", ["month"]),
        (("x", "4", "2026"), "Date of the resolution must be a real date", ["day"]),
        (("1", "Smarch", "2026"), "Date of the resolution must be a real date", ["month"]),
        (("1", "4", "٢٠٢٦"), "Date of the resolution must be a real date", ["year"]),
        (("1", "4", "26"), "Year must include 4 numbers", ["year"]),
        (("1", "4", "20266"), "Year must include 4 numbers", ["year"]),
        (
            ("1", "4", str(EARLIEST_YEAR - 1)),
            f"Enter a date between {EARLIEST_YEAR} and {latest_year()}",
            ["year"],
        ),
        # A problem with the date as a whole marks all three boxes.
        (
            tuple(str(n) for n in (TODAY.day, TODAY.month, TODAY.year + 1)),
            "The date of the resolution must be today or in the past",
            ["day", "month", "year"],
        ),
    ],
)
def test_gov_uk_messages_and_only_the_boxes_at_fault_marked(entered, message, at_fault):
    form = leave_form(boxes(*entered))
    assert not form.is_valid()
    assert form.errors["resolved_on"] == [message]
    html = form["resolved_on"].as_field_group()
    assert f'<span class="govuk-visually-hidden">Error:</span> {message}' in html
    assert 'aria-describedby="id_resolved_on_helptext id_resolved_on_error"' in html
    assert faulty(html) == at_fault
    for part in ("day", "month", "year"):
        assert ('aria-invalid="true"' in box(html, part)) == (part in at_fault)
    # What was typed is given back, so that only the wrong part needs typing again.
    for part, value in zip(("day", "month", "year"), entered, strict=True):
        if value.strip():
            assert f'value="{value}"' in box(html, part)


@pytest.mark.parametrize(
    ("entered", "anchor"),
    [
        (("3", "", "2026"), "id_resolved_on-month"),
        (("", "", ""), "id_resolved_on-day"),
        (("3", "4", "26"), "id_resolved_on-year"),
    ],
)
def test_the_error_summary_links_to_the_first_box_at_fault(entered, anchor):
    form = leave_form(boxes(*entered))
    assert not form.is_valid()
    summary = render_to_string("includes/error_summary.html", {"form": form})
    assert f'<a href="#{anchor}">' in summary


def test_the_leave_page_shows_a_partial_date_next_to_the_boxes_and_changes_nothing(cast, client_for):
    member_b = cast.cluster.memberships.get(council=cast.council_b)
    target = reverse("clusters:membership_leave", args=[cast.cluster.slug, member_b.pk])
    page = client_for(cast.clerk_b).get(target).content.decode()
    assert 'name="resolved_on-day"' in page and 'name="resolved_on-year"' in page
    response = client_for(cast.clerk_b).post(target, {"minute_ref": "9/26", **boxes("3", "", "2026")})
    page = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#id_resolved_on-month">Date of the resolution must include a month</a>' in page
    assert faulty(page) == ["month"]
    member_b.refresh_from_db()
    assert member_b.status == Membership.Status.MEMBER
