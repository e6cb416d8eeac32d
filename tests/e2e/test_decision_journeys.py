"""Decisions in a real browser: a proposal the chair approves, and one every member council ratifies."""

import csv
import io
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from clusters.models import Decision, Vote

from .conftest import fill_date, watch

pytestmark = pytest.mark.e2e

CHAIR_METHOD = "The chair, under delegated authority"
# The form's label goes on with the cluster's threshold ("… with the support of every member council").
RATIFICATION_METHOD = re.compile(r"^Ratification by the member councils")


def heading(page):
    return page.get_by_role("heading", level=1)


def path_is(path: str):
    return re.compile(rf"^https?://[^/]+{re.escape(path)}$")


def status_tag(page):
    """The decision's status, just under its title."""
    return page.locator("main p.govuk-body > strong.govuk-tag").first


def success(page):
    return page.locator(".govuk-notification-banner--success")


def emails(to: str, subject_contains: str) -> list:
    return [m for m in mail.outbox if m.to == [to] and subject_contains in m.subject]


def open_register(page, cluster_name: str) -> None:
    """Clusters (service navigation) → the cluster → Decisions."""
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Clusters", exact=True).click()
    expect(heading(page)).to_have_text("Clusters")
    page.get_by_role("table", name="Clusters you can see").get_by_role("link", name=cluster_name).click()
    expect(heading(page)).to_have_text(cluster_name)
    page.get_by_role("navigation", name="Cluster sections").get_by_role("link", name="Decisions").click()
    expect(page.get_by_role("heading", level=2, name="Decision register")).to_be_visible()


def register_row(page, title: str):
    return (
        page.get_by_role("table", name=re.compile("^Decisions of "))
        .locator("tbody tr")
        .filter(has_text=title)
    )


def propose(page, *, title: str, text: str, method, council: str) -> None:
    page.get_by_role("link", name="Propose a decision").click()
    expect(heading(page)).to_have_text("Propose a decision")
    page.get_by_label("Title").fill(title)
    page.get_by_label("What is proposed").fill(text)
    page.get_by_role("group", name="Who is proposing it?").get_by_role(
        "radio", name=council, exact=True
    ).check()
    page.get_by_role("group", name="How will it be decided?").get_by_role("radio", name=method).check()


def the_decision(cast, title: str) -> Decision:
    return Decision.objects.get(cluster=cast.cluster, title=title)


def test_chair_approves_a_proposal(page, cast, sign_in, sign_out, screenshot, live_server, settings):
    settings.SITE_URL = live_server.url  # the emailed links point at this server
    title = "Buy a shared verge mower"
    text = "Ashby buys one verge mower for the cluster; Brampton pays half of its £2,400."

    # Clerk A proposes, for Ashby, that the chair decide.
    sign_in(page, cast.clerk_a)
    open_register(page, "Eden Valley")
    expect(page.locator("main")).to_contain_text("The cluster has not made any decisions yet.")
    propose(page, title=title, text=text, method=CHAIR_METHOD, council="Ashby")
    screenshot(page, "propose-form")
    page.get_by_role("button", name="Propose the decision").click()

    decision = the_decision(cast, title)
    decision_path = f"/clusters/{cast.cluster.slug}/decisions/{decision.number}/"
    expect(page).to_have_url(path_is(decision_path))
    expect(success(page)).to_contain_text(f"Decision {decision.number} has been proposed.")
    expect(heading(page)).to_have_text(title)
    expect(status_tag(page)).to_have_text("Proposed")
    main = page.locator("main")
    expect(main).to_contain_text(text)
    expect(main).to_contain_text("for Ashby")
    expect(main).to_contain_text(CHAIR_METHOD)
    # The proposer may withdraw it, but only the chair decides.
    expect(page.get_by_role("link", name="Withdraw the proposal")).to_be_visible()
    expect(page.get_by_role("button", name="Record the decision")).to_have_count(0)

    page.get_by_role("link", name="Decision register").click()
    row = register_row(page, title)
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(3)).to_have_text("The chair")
    expect(row.locator("td").nth(4)).to_contain_text("Proposed")
    screenshot(page, "register-proposed")
    sign_out(page)

    # The chair was told, with a link to the decision.
    [for_chair] = emails(cast.chair.email, "is waiting for the chair")
    assert title in for_chair.subject and text in for_chair.body
    link = f"{live_server.url}{decision_path}"
    assert link in for_chair.body, for_chair.body
    assert not emails(cast.clerk_b.email, title), "clerks are told once it is decided, not before"

    # The chair follows the link and approves it.
    sign_in(page, cast.chair)
    page.goto(link)
    expect(heading(page)).to_have_text(title)
    expect(status_tag(page)).to_have_text("Proposed")
    expect(page.get_by_role("heading", name="Decide under delegated authority")).to_be_visible()
    # The same page in a second tab, left open: its form is submitted after the decision (below).
    stale = page.context.new_page()
    problems = []
    watch(stale, problems)
    stale.goto(link)
    expect(stale.get_by_role("button", name="Record the decision")).to_be_visible()

    page.get_by_role("radio", name="Approve", exact=True).check()
    page.get_by_label("Reasons").fill("Good value: the verges are cut twice a year.")
    screenshot(page, "chair-decides")
    page.get_by_role("button", name="Record the decision").click()

    expect(page).to_have_url(path_is(decision_path))
    expect(success(page)).to_contain_text(f"Decision {decision.number} has been approved.")
    expect(status_tag(page)).to_have_text("Approved")
    expect(main).to_contain_text("This decision is final: it cannot be changed.")
    expect(main).to_contain_text(f"by {cast.chair.name} as chair")
    expect(main).to_contain_text("Good value: the verges are cut twice a year.")
    # Nothing left to do to it: no decision form, no withdrawal, no button at all in the page.
    expect(page.get_by_role("heading", name="Decide under delegated authority")).to_have_count(0)
    expect(page.get_by_role("radio")).to_have_count(0)
    expect(main.get_by_role("button")).to_have_count(0)
    expect(page.get_by_role("link", name="Withdraw the proposal")).to_have_count(0)
    screenshot(page, "approved")

    decision.refresh_from_db()
    assert decision.status == Decision.Status.APPROVED
    assert decision.decided_by == cast.chair
    decided_at, reasons = decision.decided_at, decision.reasons

    # The form left open in the other tab is refused: the decision is final.
    stale.get_by_role("radio", name="Reject", exact=True).check()
    stale.get_by_label("Reasons").fill("Changed my mind")
    stale.get_by_role("button", name="Record the decision").click()
    expect(stale).to_have_url(path_is(decision_path))
    expect(stale.locator(".govuk-notification-banner").first).to_contain_text(
        f"Decision {decision.number} has already been approved: it cannot be changed."
    )
    expect(status_tag(stale)).to_have_text("Approved")
    expect(stale.get_by_role("button", name="Record the decision")).to_have_count(0)
    screenshot(stale, "stale-form-refused")
    stale.close()
    assert not problems, problems

    # So is a POST made by hand, with a valid CSRF token: it answers the page, unchanged.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{decision_path}decide/",
        form={"outcome": "reject", "reasons": "Changed my mind"},
        headers={"X-CSRFToken": csrf},
    )
    assert response.status == 200, response.status  # not 403: the token was accepted
    assert response.url.endswith(decision_path), response.url
    assert "has already been approved: it cannot be changed." in response.text()
    decision.refresh_from_db()
    assert decision.status == Decision.Status.APPROVED
    assert (decision.decided_at, decision.reasons) == (decided_at, reasons)

    # Every member council's clerk was told once, and so was the proposer.
    for clerk in (cast.clerk_a, cast.clerk_b):
        sent = emails(clerk.email, f"Decision {decision.number} of Eden Valley has been approved")
        assert len(sent) == 1, [m.subject for m in mail.outbox if m.to == [clerk.email]]
        assert title in sent[0].subject
        assert f'"{title}", has been approved by {cast.chair.name} as chair' in sent[0].body
        assert link in sent[0].body

    # The register says so, and so does its spreadsheet.
    page.get_by_role("link", name="Decision register").click()
    row = register_row(page, title)
    expect(row.locator("td").nth(4)).to_contain_text("Approved")
    expect(row.locator("td").nth(4)).not_to_contain_text("Proposed")
    screenshot(page, "register-approved")
    download = page.get_by_role("link", name="Download the register as a spreadsheet (CSV)")
    response = page.request.get(download.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text().lstrip("\ufeff"))))
    assert len(rows) == 1, rows
    assert rows[0]["Title"] == title
    assert rows[0]["Status"] == "Approved"
    assert rows[0]["Method"] == CHAIR_METHOD
    assert rows[0]["Proposing council"] == "Ashby"
    assert rows[0]["Decided on"] == timezone.localdate().isoformat()
    assert rows[0]["Outcome and reasons"] == f"Approved: {reasons}"


def test_member_councils_ratify_a_proposal(page, new_page, cast, sign_in, screenshot, live_server, settings):
    settings.SITE_URL = live_server.url
    title = "Share a locum clerk"
    text = "Ashby and Brampton share a locum clerk for the summer, half the hours each."
    resolved_on = timezone.localdate()  # a council resolves once the decision is proposed, not before
    shown_date = f"{resolved_on.day} {resolved_on:%B %Y}"

    # Clerk A puts it to every member council, and records Ashby's resolution.
    sign_in(page, cast.clerk_a)
    open_register(page, "Eden Valley")
    propose(page, title=title, text=text, method=RATIFICATION_METHOD, council="Ashby")
    page.get_by_role("button", name="Propose the decision").click()

    decision = the_decision(cast, title)
    decision_path = f"/clusters/{cast.cluster.slug}/decisions/{decision.number}/"
    link = f"{live_server.url}{decision_path}"
    expect(page).to_have_url(path_is(decision_path))
    expect(status_tag(page)).to_have_text("Proposed")
    main = page.locator("main")
    expect(main).to_contain_text("Ratification by every member council")
    expect(main).to_contain_text("It passes with the support of every member council")
    expect(main).to_contain_text("0 of 2 member councils have voted")
    expect(main).to_contain_text("Not voted yet")
    screenshot(page, "proposed")

    # The people of every member council are asked for their council's resolution; the proposer,
    # who knows already, is not emailed about their own proposal.
    asked = f"Eden Valley asks its member councils to ratify decision {decision.number}"
    [to_b] = emails(cast.clerk_b.email, asked)
    assert title in to_b.subject and text in to_b.body and link in to_b.body
    assert not emails(cast.clerk_a.email, asked)

    page.get_by_role("link", name="Decision register").click()
    row = register_row(page, title)
    expect(row.locator("td").nth(3)).to_have_text("The member councils")
    expect(row.locator("td").nth(4)).to_contain_text("Proposed")
    expect(row.locator("td").nth(4)).to_contain_text("0 of 2 councils voted")
    row.get_by_role("link", name=title).click()

    form = page.locator("form", has=page.get_by_role("button", name="Record the resolution"))
    expect(page.get_by_role("heading", name="Record your council's resolution")).to_be_visible()
    # Clerk A acts for Ashby alone: one row, Ashby's.
    expect(form.get_by_role("group", name="Ashby", exact=True)).to_be_visible()
    expect(form.get_by_role("group", name="Brampton", exact=True)).to_have_count(0)
    form.get_by_role("radio", name="For", exact=True).check()
    form.get_by_label("Minute reference").fill("26/101")
    fill_date(form, "Date of the resolution", resolved_on)
    screenshot(page, "vote-ashby")
    form.get_by_role("button", name="Record the resolution").click()

    expect(page).to_have_url(path_is(decision_path))
    expect(success(page)).to_contain_text("Recorded the resolution of Ashby.")
    expect(status_tag(page)).to_have_text("Proposed")
    expect(main).to_contain_text("1 of 2 member councils has voted: 1 for, 0 against")
    votes = page.get_by_role("table", name="Resolutions recorded").locator("tbody tr")
    expect(votes).to_have_count(1)
    expect(votes.first).to_contain_text("Ashby")
    expect(votes.first).to_contain_text("For")
    expect(votes.first).to_contain_text("26/101")
    expect(votes.first).to_contain_text(shown_date)
    # Ashby has voted: clerk A has nothing more to record.
    expect(page.get_by_role("button", name="Record the resolution")).to_have_count(0)
    assert not emails(cast.clerk_a.email, "has been approved")

    # Clerk B, in another browser, records Brampton's resolution: the last one needed.
    other = new_page()
    sign_in(other, cast.clerk_b)
    open_register(other, "Eden Valley")
    expect(register_row(other, title).locator("td").nth(4)).to_contain_text("1 of 2 councils voted")
    register_row(other, title).get_by_role("link", name=title).click()
    expect(other).to_have_url(path_is(decision_path))
    expect(other.locator("main")).to_contain_text("Not voted yet")
    form = other.locator("form", has=other.get_by_role("button", name="Record the resolution"))
    expect(form.get_by_role("group", name="Brampton", exact=True)).to_be_visible()
    form.get_by_role("radio", name="For", exact=True).check()
    form.get_by_label("Minute reference").fill("B/26/7")
    fill_date(form, "Date of the resolution", resolved_on)
    form.get_by_role("button", name="Record the resolution").click()

    expect(other).to_have_url(path_is(decision_path))
    expect(success(other)).to_contain_text("Recorded the resolution of Brampton.")
    expect(status_tag(other)).to_have_text("Approved")
    other_main = other.locator("main")
    expect(other_main).to_contain_text("This decision is final: it cannot be changed.")
    expect(other_main).to_contain_text("by the member councils' votes")
    expect(other_main).to_contain_text("2 of 2 member councils have voted: 2 for, 0 against")
    expect(other_main).not_to_contain_text("Not voted yet")
    expect(other.get_by_role("table", name="Resolutions recorded").locator("tbody tr")).to_have_count(2)
    expect(other_main.get_by_role("button")).to_have_count(0)
    screenshot(other, "approved")

    decision.refresh_from_db()
    assert decision.status == Decision.Status.APPROVED
    assert decision.decided_by is None
    assert sorted(decision.votes.values_list("council__name", "choice", "minute_ref")) == [
        ("Ashby", Vote.Choice.FOR, "26/101"),
        ("Brampton", Vote.Choice.FOR, "B/26/7"),
    ]

    # Both clerks were told it was decided, once each.
    for clerk in (cast.clerk_a, cast.clerk_b):
        sent = emails(clerk.email, f"Decision {decision.number} of Eden Valley has been approved")
        assert len(sent) == 1, [m.subject for m in mail.outbox if m.to == [clerk.email]]
        assert title in sent[0].subject
        assert "by the member councils' votes" in sent[0].body and link in sent[0].body

    # Clerk A, back on the register, sees it approved.
    page.reload()
    expect(status_tag(page)).to_have_text("Approved")
    page.get_by_role("link", name="Decision register").click()
    row = register_row(page, title)
    expect(row.locator("td").nth(4)).to_contain_text("Approved")
    expect(row.locator("td").nth(4)).not_to_contain_text("councils voted")
    screenshot(page, "register-approved")
