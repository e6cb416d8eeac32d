"""Objectives: the services' rules and refusals, the pages for each member of the cast, query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clusters import membership, objectives
from clusters.leadership import add_months
from clusters.models import ClusterEvent, Objective, ObjectiveUpdate
from clusters.objectives import ObjectiveError

TODAY = timezone.localdate()
NEXT_YEAR = TODAY + datetime.timedelta(days=365)


def make(cast, title="Cut the verges", owner=None, **fields):
    values = {
        "measure": "Verges cut",
        "target": "4 cuts a season",
        "due_on": NEXT_YEAR,
        "review_every_months": 3,
        **fields,
    }
    return objectives.create_objective(
        acting_user=cast.secretary,
        cluster=cast.cluster,
        title=title,
        owner_council=owner or cast.council_a,
        **values,
    )


def url(name, cast, objective=None):
    args = [cast.cluster.slug] + ([objective.pk] if objective else [])
    return reverse(f"clusters:{name}", args=args)


def form_data(cast, **changes):
    return {
        "title": "Clear the footpaths",
        "description": "From the priority on rights of way",
        "owner_council": cast.council_b.pk,
        "measure": "Footpaths cleared",
        "target": "12",
        "due_on": NEXT_YEAR.isoformat(),
        "review_every_months": "6",
        "next_review_on": "",
        **changes,
    }


# The services


def test_a_new_objective_is_green_at_nought_and_reviewed_a_period_from_today(cast):
    objective = make(cast, review_every_months=6)

    assert (objective.status, objective.progress) == (Objective.Status.GREEN, 0)
    assert objective.next_review_on == add_months(TODAY, 6)
    event = ClusterEvent.objects.get(cluster=cast.cluster, action="objective.created")
    assert event.actor == cast.secretary
    assert event.after["owner"] == "Ashby"


def test_a_next_review_date_can_be_given(cast):
    review = TODAY + datetime.timedelta(days=10)
    assert make(cast, next_review_on=review).next_review_on == review


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"due_on": TODAY - datetime.timedelta(days=1)}, "The due date must be today or in the future."),
        ({"next_review_on": TODAY - datetime.timedelta(days=1)}, "The next review must be today"),
        ({"review_every_months": 0}, "between every 1 and every 24 months"),
    ],
)
def test_creating_refuses_bad_dates_and_periods(cast, fields, message):
    with pytest.raises(ObjectiveError, match=message):
        make(cast, **fields)
    assert not Objective.objects.exists()


def test_the_owner_must_be_a_member_council(cast):
    with pytest.raises(ObjectiveError, match="is not a member of the cluster"):
        make(cast, owner=cast.council_c)
    assert not Objective.objects.exists()


def test_a_dissolved_clusters_objectives_cannot_change(cast):
    objective = make(cast)
    membership.move_status(
        acting_user=cast.chair,
        cluster=cast.cluster,
        to="dissolved",
        reason="Merged",
        minute_ref="Decision 9",
        resolved_on=TODAY,
    )
    cast.cluster.refresh_from_db()

    with pytest.raises(ObjectiveError, match="dissolved"):
        make(cast, title="Another")
    with pytest.raises(ObjectiveError, match="dissolved"):
        objectives.record_progress(
            acting_user=cast.clerk_a, objective=objective, status="red", progress=5, note="x"
        )
    with pytest.raises(ObjectiveError, match="dissolved"):
        objectives.edit_objective(acting_user=cast.chair, objective=objective, changes={"title": "New"})
    assert Objective.objects.get().title == "Cut the verges"


def test_editing_records_what_changed_from_what(cast):
    objective = make(cast)

    objectives.edit_objective(
        acting_user=cast.chair,
        objective=objective,
        changes={"title": "Cut every verge", "owner_council": cast.council_b, "measure": "Verges cut"},
    )

    objective.refresh_from_db()
    assert (objective.title, objective.owner_council) == ("Cut every verge", cast.council_b)
    event = ClusterEvent.objects.get(action="objective.edited")
    assert event.before == {"title": "Cut the verges", "owner_council": "Ashby"}
    assert event.after == {"title": "Cut every verge", "owner_council": "Brampton"}


def test_editing_nothing_records_nothing(cast):
    objective = make(cast)
    objectives.edit_objective(acting_user=cast.chair, objective=objective, changes={"title": objective.title})
    assert not ClusterEvent.objects.filter(action="objective.edited").exists()


def test_editing_refuses_an_owner_outside_the_cluster_and_a_new_past_date(cast):
    objective = make(cast)
    with pytest.raises(ObjectiveError, match="not a member"):
        objectives.edit_objective(
            acting_user=cast.chair, objective=objective, changes={"owner_council": cast.council_c}
        )
    with pytest.raises(ObjectiveError, match="due date"):
        objectives.edit_objective(
            acting_user=cast.chair,
            objective=objective,
            changes={"due_on": TODAY - datetime.timedelta(days=1)},
        )
    objective.refresh_from_db()
    assert (objective.owner_council, objective.due_on) == (cast.council_a, NEXT_YEAR)


def test_a_due_date_already_past_may_stay_when_other_things_change(cast):
    objective = make(cast)
    past = TODAY - datetime.timedelta(days=30)
    Objective.objects.filter(pk=objective.pk).update(due_on=past)
    objective.refresh_from_db()

    objectives.edit_objective(
        acting_user=cast.chair, objective=objective, changes={"due_on": past, "target": "5"}
    )

    objective.refresh_from_db()
    assert (objective.due_on, objective.target) == (past, "5")


def test_progress_moves_the_next_review_on_from_today_and_is_kept_as_history(cast):
    objective = make(cast, review_every_months=3, next_review_on=TODAY)

    update = objectives.record_progress(
        acting_user=cast.clerk_a, objective=objective, status="amber", progress=40, note="Two cuts done."
    )

    objective.refresh_from_db()
    assert (objective.status, objective.progress) == ("amber", 40)
    assert objective.next_review_on == add_months(TODAY, 3)
    assert (update.status, update.progress, update.note, update.created_by) == (
        "amber",
        40,
        "Two cuts done.",
        cast.clerk_a,
    )
    event = ClusterEvent.objects.get(action="objective.progress")
    assert event.before["status"] == "Green"
    assert event.after == {
        "status": "Amber",
        "progress": "40%",
        "next review": objective.next_review_on.isoformat(),
    }


@pytest.mark.parametrize(
    ("status", "progress", "note", "message"),
    [
        ("purple", 10, "x", "Select red"),
        ("red", 101, "x", "between 0 and 100"),
        ("red", 10, "  ", "Say what"),
    ],
)
def test_progress_refuses_bad_values(cast, status, progress, note, message):
    objective = make(cast)
    with pytest.raises(ObjectiveError, match=message):
        objectives.record_progress(
            acting_user=cast.clerk_a, objective=objective, status=status, progress=progress, note=note
        )
    objective.refresh_from_db()
    assert (objective.status, objective.progress) == ("green", 0)
    assert not ObjectiveUpdate.objects.exists()


def test_objectives_due_for_review_leave_out_done_ones_and_former_members(cast):
    due = make(cast, title="Due", next_review_on=TODAY)
    make(cast, title="Later", next_review_on=TODAY + datetime.timedelta(days=1))
    done = make(cast, title="Done", next_review_on=TODAY)
    Objective.objects.filter(pk=done.pk).update(status="done")
    of_b = make(cast, title="Of Brampton", owner=cast.council_b, next_review_on=TODAY)
    Objective.objects.filter(pk=due.pk).update(next_review_on=TODAY - datetime.timedelta(days=40))

    assert list(objectives.objectives_due_for_review(TODAY)) == [due, of_b]

    membership.leave_cluster(
        acting_user=cast.clerk_b,
        membership=cast.cluster.memberships.get(council=cast.council_b),
        minute_ref="9/27",
        resolved_on=TODAY,
    )
    assert list(objectives.objectives_due_for_review(TODAY)) == [due]


# The pages


OUTSIDERS = ["clerk_c", "clerk_d", "south_officer"]


@pytest.mark.parametrize(
    "name", ["objectives", "objective_new", "objective", "objective_edit", "objective_update"]
)
@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_on_every_page(cast, client_for, name, who):
    objective = make(cast)
    target = url(name, cast, objective if name not in ("objectives", "objective_new") else None)
    client = client_for(getattr(cast, who))
    assert client.get(target).status_code == 404
    assert client.post(target, form_data(cast)).status_code == 404
    assert Objective.objects.get() == objective
    assert not ObjectiveUpdate.objects.exists()


@pytest.mark.parametrize("who", ["councillor_a", "rfo_a", "officer", "clerk_a"])
def test_only_the_clusters_officers_set_and_change_objectives(cast, client_for, who):
    objective = make(cast)
    client = client_for(getattr(cast, who))
    for target in (url("objective_new", cast), url("objective_edit", cast, objective)):
        assert client.get(target).status_code == 403
        assert client.post(target, form_data(cast)).status_code == 403
    assert list(Objective.objects.values_list("title", flat=True)) == ["Cut the verges"]


@pytest.mark.parametrize("who", ["councillor_a", "rfo_a", "officer", "clerk_b"])
def test_progress_is_for_the_officers_and_the_owner_councils_people(cast, client_for, who):
    objective = make(cast)  # owned by Ashby: its clerk may update it, Brampton's clerk may not
    client = client_for(getattr(cast, who))
    target = url("objective_update", cast, objective)
    assert client.get(target).status_code == 403
    assert client.post(target, {"status": "red", "progress": "5", "note": "x"}).status_code == 403
    assert not ObjectiveUpdate.objects.exists()


def test_everyone_of_the_cluster_reads_the_list_with_tags_owner_dates_and_progress(cast, client_for):
    make(cast, title="Cut the verges", next_review_on=TODAY)
    late = make(cast, title="Plant trees", owner=cast.council_b)
    Objective.objects.filter(pk=late.pk).update(
        status="red", progress=15, next_review_on=TODAY - datetime.timedelta(days=3)
    )

    for who in ("councillor_a", "officer", "clerk_b", "chair"):
        response = client_for(getattr(cast, who)).get(url("objectives", cast))
        assert response.status_code == 200
    html = response.content.decode()
    assert 'govuk-tag--red">Red' in html
    assert 'govuk-tag--green">Green' in html
    assert "Brampton" in html and "15%" in html
    assert "Overdue" in html and "Due today" in html
    assert "Set an objective" in html  # the chair may


def test_the_list_hides_the_button_from_read_only_members_and_has_an_empty_state(cast, client_for):
    html = client_for(cast.councillor_a).get(url("objectives", cast)).content.decode()
    assert "The cluster has not set any objectives yet." in html
    assert "Set an objective" not in html


def test_the_list_filters_by_status(cast, client_for):
    make(cast, title="Green one")
    red = make(cast, title="Red one")
    Objective.objects.filter(pk=red.pk).update(status="red")
    client = client_for(cast.councillor_a)

    html = client.get(url("objectives", cast), {"status": "red"}).content.decode()
    assert "Red one" in html and "Green one" not in html

    html = client.get(url("objectives", cast), {"status": "done"}).content.decode()
    assert "No objective has this status." in html

    # A made-up status is ignored rather than failing.
    html = client.get(url("objectives", cast), {"status": "purple"}).content.decode()
    assert "Red one" in html and "Green one" in html


def test_the_list_is_paginated(cast, client_for):
    for n in range(30):
        make(cast, title=f"Objective {n:02d}", due_on=NEXT_YEAR + datetime.timedelta(days=n))
    client = client_for(cast.councillor_a)

    first = client.get(url("objectives", cast)).content.decode()
    second = client.get(url("objectives", cast), {"page": 2}).content.decode()
    assert "Objective 24" in first and "Objective 25" not in first
    assert "Objective 25" in second and "Objective 29" in second and "Objective 00" not in second


def test_the_detail_shows_the_history_newest_first(cast, client_for):
    objective = make(cast)
    for note in ("First cut done.", "Second cut done.", "Third cut done."):
        objectives.record_progress(
            acting_user=cast.clerk_a, objective=objective, status="green", progress=30, note=note
        )

    response = client_for(cast.councillor_a).get(url("objective", cast, objective))

    html = response.content.decode()
    assert html.index("Third cut done.") < html.index("Second cut done.") < html.index("First cut done.")
    assert "Record progress" not in html  # a councillor reads only
    assert "Change the objective" not in html


def test_the_detail_offers_progress_to_the_owner_councils_clerk(cast, client_for):
    objective = make(cast)
    html = client_for(cast.clerk_a).get(url("objective", cast, objective)).content.decode()
    assert "Record progress" in html and "Change the objective" not in html
    html = client_for(cast.secretary).get(url("objective", cast, objective)).content.decode()
    assert "Record progress" in html and "Change the objective" in html
    assert "No progress has been recorded yet." in html


def test_an_objective_of_another_cluster_is_not_found_through_this_one(cast, client_for):
    other = Objective.objects.create(
        cluster=cast.other_cluster,
        title="Theirs",
        owner_council=cast.council_c,
        measure="m",
        target="t",
        due_on=NEXT_YEAR,
        next_review_on=NEXT_YEAR,
    )
    client = client_for(cast.chair)
    for name in ("objective", "objective_edit", "objective_update"):
        assert client.get(url(name, cast, other)).status_code == 404


def test_the_secretary_sets_an_objective(cast, client_for):
    response = client_for(cast.secretary).post(url("objective_new", cast), form_data(cast))

    objective = Objective.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("objective", cast, objective)
    assert (objective.title, objective.owner_council, objective.review_every_months) == (
        "Clear the footpaths",
        cast.council_b,
        6,
    )
    assert objective.next_review_on == add_months(TODAY, 6)
    assert objective.created_by == cast.secretary


def test_the_new_objective_form_offers_only_member_councils(cast, client_for):
    response = client_for(cast.secretary).get(url("objective_new", cast))
    assert list(response.context["form"].fields["owner_council"].queryset) == [cast.council_a, cast.council_b]
    assert f"{cast.council_a.name}</option>" in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "Enter a title"),
        ({"owner_council": ""}, "owner_council", "Select the owner council"),
        ({"due_on": "2026-02-31"}, "due_on", "Due date must be a real date"),
        (
            {"due_on": (TODAY - datetime.timedelta(days=1)).isoformat()},
            "due_on",
            "The due date must be today",
        ),
        (
            {"next_review_on": (TODAY - datetime.timedelta(days=1)).isoformat()},
            "next_review_on",
            "The next review",
        ),
        ({"review_every_months": "7"}, "review_every_months", "Select a valid choice"),
    ],
)
def test_bad_input_is_answered_next_to_its_field_and_sets_nothing(cast, client_for, changes, field, message):
    response = client_for(cast.secretary).post(url("objective_new", cast), form_data(cast, **changes))

    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert "There is a problem" in response.content.decode()
    assert not Objective.objects.exists()


def test_an_owner_council_outside_the_cluster_is_refused(cast, client_for):
    response = client_for(cast.secretary).post(
        url("objective_new", cast), form_data(cast, owner_council=cast.council_c.pk)
    )
    assert response.context["form"].errors["owner_council"] == ["Select a member council"]
    assert not Objective.objects.exists()


def test_an_empty_post_is_validated(cast, client_for):
    response = client_for(cast.secretary).post(url("objective_new", cast), {})
    assert response.status_code == 200
    assert "Enter a title" in response.content.decode()
    assert not Objective.objects.exists()


def test_the_chair_changes_an_objective(cast, client_for):
    review = TODAY + datetime.timedelta(days=20)
    objective = make(cast, next_review_on=review)
    client = client_for(cast.chair)
    html = client.get(url("objective_edit", cast, objective)).content.decode()
    # Each date in its three boxes.
    for name, day in (("due_on", NEXT_YEAR), ("next_review_on", review)):
        for part, value in (("day", day.day), ("month", day.month), ("year", day.year)):
            assert f'name="{name}-{part}" value="{value}"' in html

    response = client.post(
        url("objective_edit", cast, objective),
        form_data(
            cast, title="Cut all the verges", next_review_on=(review + datetime.timedelta(days=1)).isoformat()
        ),
    )

    assert response.status_code == 302
    objective.refresh_from_db()
    assert objective.title == "Cut all the verges"
    assert objective.next_review_on == review + datetime.timedelta(days=1)
    assert objective.owner_council == cast.council_b


def test_a_changed_objective_needs_its_next_review_and_keeps_dates_already_past(cast, client_for):
    objective = make(cast)
    past = TODAY - datetime.timedelta(days=3)
    Objective.objects.filter(pk=objective.pk).update(due_on=past, next_review_on=past)
    client = client_for(cast.chair)

    response = client.post(
        url("objective_edit", cast, objective), form_data(cast, due_on=past, next_review_on="")
    )
    assert response.context["form"].errors["next_review_on"] == ["Enter the date of the next review"]

    earlier = (past - datetime.timedelta(days=1)).isoformat()
    response = client.post(
        url("objective_edit", cast, objective),
        form_data(cast, due_on=earlier, next_review_on=past.isoformat()),
    )
    assert response.context["form"].errors["due_on"] == ["The due date must be today or in the future"]

    response = client.post(
        url("objective_edit", cast, objective),
        form_data(cast, due_on=past.isoformat(), next_review_on=past.isoformat()),
    )
    assert response.status_code == 302
    objective.refresh_from_db()
    assert (objective.title, objective.due_on) == ("Clear the footpaths", past)


def test_changing_with_bad_input_shows_every_error_and_changes_nothing(cast, client_for):
    objective = make(cast)
    response = client_for(cast.chair).post(
        url("objective_edit", cast, objective),
        form_data(cast, title="", target="", due_on=(TODAY - datetime.timedelta(days=1)).isoformat()),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["target"] == ["Enter the target"]
    assert errors["due_on"] == ["The due date must be today or in the future"]
    objective.refresh_from_db()
    assert objective.title == "Cut the verges"


@pytest.mark.parametrize("who", ["clerk_a", "secretary", "chair"])
def test_the_owner_councils_clerk_and_the_officers_record_progress(cast, client_for, who):
    objective = make(cast)
    client = client_for(getattr(cast, who))
    assert client.get(url("objective_update", cast, objective)).status_code == 200

    response = client.post(
        url("objective_update", cast, objective),
        {"status": "amber", "progress": "35", "note": "Behind on cuts."},
    )

    assert response.status_code == 302
    objective.refresh_from_db()
    assert (objective.status, objective.progress) == ("amber", 35)
    assert ObjectiveUpdate.objects.get().created_by == getattr(cast, who)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"status": "", "progress": "35", "note": "x"}, "status", "Select the status"),
        ({"status": "red", "progress": "150", "note": "x"}, "progress", "Progress must be between 0 and 100"),
        ({"status": "red", "progress": "lots", "note": "x"}, "progress", "Progress must be a whole number"),
        ({"status": "red", "progress": "35", "note": ""}, "note", "Say what has happened"),
    ],
)
def test_bad_progress_is_answered_and_changes_nothing(cast, client_for, data, field, message):
    objective = make(cast)
    response = client_for(cast.clerk_a).post(url("objective_update", cast, objective), data)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    objective.refresh_from_db()
    assert (objective.status, objective.progress) == ("green", 0)
    assert not ObjectiveUpdate.objects.exists()


# Query counts


def _queries(client, target):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(target).status_code == 200
    return len(captured)


def test_the_list_and_the_detail_keep_their_query_counts_as_objectives_and_updates_grow(cast, client_for):
    client = client_for(cast.clerk_a)
    client.get(url("objectives", cast))  # the first request of a session records it: not the page's work
    counts = []
    for size in (3, 40):
        Objective.objects.all().delete()
        for n in range(size):
            objective = make(cast, title=f"Objective {n}", owner=[cast.council_a, cast.council_b][n % 2])
        for n in range(size):
            objectives.record_progress(
                acting_user=cast.clerk_a, objective=objective, status="green", progress=n, note=f"{n}"
            )
        counts.append(
            (_queries(client, url("objectives", cast)), _queries(client, url("objective", cast, objective)))
        )
    assert counts[0] == counts[1], counts
    assert max(counts[0]) <= 16, counts  # six of them are the session and sign-in bookkeeping
