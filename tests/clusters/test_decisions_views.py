"""The decisions pages: the register and its CSV, proposing, the decision page and its actions, for
each role of the cast."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from clusters import decisions
from clusters.models import Decision, DecisionAttachment, Vote

TODAY = timezone.localdate()
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"
OUTSIDERS = ["clerk_c", "clerk_d", "south_officer"]


def ballot(council, **fields):
    """A council's row of the decision page's votes (one per council the person acts for)."""
    return {f"council-{council.pk}-{name}": value for name, value in fields.items()}


def url(name, cast, *args):
    return reverse(f"clusters:{name}", args=[cast.cluster.slug, *args])


def propose(cast, method="chair", **fields):
    return decisions.propose_decision(
        acting_user=cast.clerk_a,
        cluster=cast.cluster,
        title=fields.pop("title", "Buy a verge mower"),
        text=fields.pop("text", "Buy one mower for the verges."),
        method=method,
        proposing_council=cast.council_a,
        **fields,
    )


def approved(cast, **fields):
    decision = propose(cast, **fields)
    decisions.decide(acting_user=cast.chair, decision=decision, approve=True)
    decision.refresh_from_db()
    return decision


# The register


def test_the_register_lists_decisions_with_their_status(cast, client_for):
    approved(cast, title="Buy a verge mower")
    propose(cast, "ratification", title="Share a clerk")
    page = client_for(cast.councillor_a).get(url("decisions", cast)).content.decode()
    assert "Buy a verge mower" in page and "Share a clerk" in page
    assert 'govuk-tag govuk-tag--green">Approved' in page and 'govuk-tag--blue">Proposed' in page
    assert "0 of 2 councils voted" in page
    assert url("decision_propose", cast) not in page  # a councillor proposes nothing
    page = client_for(cast.clerk_a).get(url("decisions", cast)).content.decode()
    assert url("decision_propose", cast) in page


def test_the_register_is_searchable_and_filtered_by_status_and_year(cast, client_for):
    approved(cast, title="Buy a verge mower")
    propose(cast, title="Share a clerk", text="The clerk of Ashby also clerks the mower rota")
    old = propose(cast, title="Old business", text="Minutes of the first meeting")
    Decision.objects.filter(pk=old.pk).update(proposed_at=timezone.now() - datetime.timedelta(days=800))
    client = client_for(cast.clerk_b)

    def titles(query):
        page = client.get(url("decisions", cast), query).context["page_obj"]
        return [d.title for d in page]

    assert titles({"q": "mower"}) == ["Share a clerk", "Buy a verge mower"]
    assert titles({"status": "approved"}) == ["Buy a verge mower"]
    assert titles({"year": str(TODAY.year)}) == ["Share a clerk", "Buy a verge mower"]
    old.refresh_from_db()
    assert titles({"year": str(old.proposed_at.year)}) == ["Old business"]
    response = client.get(url("decisions", cast), {"q": "nothing like it"})
    assert "No decision matches your search" in response.content.decode()


def test_a_bad_filter_is_explained_and_the_others_still_apply(cast, client_for):
    propose(cast, title="Buy a verge mower")
    propose(cast, title="Share a clerk")
    response = client_for(cast.clerk_a).get(url("decisions", cast), {"status": "lost", "q": "clerk"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a status from the list" in page
    assert [d.title for d in response.context["page_obj"]] == ["Share a clerk"]


def test_the_register_is_paginated_by_25(cast, client_for):
    for n in range(27):
        propose(cast, title=f"Decision {n}")
    client = client_for(cast.clerk_a)
    first = client.get(url("decisions", cast))
    assert len(first.context["page_obj"]) == 25 and "27 decisions" in first.content.decode()
    assert len(client.get(url("decisions", cast), {"page": 2}).context["page_obj"]) == 2


def test_an_empty_register_says_so(cast, client_for):
    page = client_for(cast.clerk_a).get(url("decisions", cast)).content.decode()
    assert "The cluster has not made any decisions yet" in page


def test_officers_read_the_register_and_decisions(cast, client_for):
    decision = propose(cast)
    client = client_for(cast.officer)
    assert client.get(url("decisions", cast)).status_code == 200
    page = client.get(url("decision", cast, decision.number)).content.decode()
    assert "Buy a verge mower" in page and "Record the decision" not in page


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("name", ["decisions", "decisions_csv", "decision_propose"])
def test_outsiders_get_404_on_the_register(cast, client_for, who, name):
    assert client_for(getattr(cast, who)).get(url(name, cast)).status_code == 404


def test_the_csv_has_the_registers_columns_and_filters(cast, client_for):
    approved(cast, title="Buy a verge mower")
    rejected = propose(cast, title="Share a clerk")
    decisions.decide(acting_user=cast.chair, decision=rejected, approve=False, reasons="Not yet")
    propose(cast, "ratification", title="Paint the bus shelters")
    response = client_for(cast.councillor_a).get(url("decisions_csv", cast), {"status": "rejected"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="north-eden-valley-decisions.csv"' in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())  # so that Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Number",
        "Title",
        "Status",
        "Method",
        "Proposed on",
        "Proposing council",
        "Decided on",
        "Outcome and reasons",
        "Corrects",
    ]
    assert rows[1:] == [
        [
            "2",
            "Share a clerk",
            "Rejected",
            "The chair, under delegated authority",
            TODAY.isoformat(),
            "Ashby",
            TODAY.isoformat(),
            "Rejected: Not yet",
            "",
        ]
    ]


def test_the_csv_neutralises_formulas(cast, client_for):
    old = approved(cast, title='=HYPERLINK("http://evil.example","Click")')
    decisions.propose_decision(
        acting_user=cast.clerk_a,
        cluster=cast.cluster,
        title="@SUM(1+1)",
        text="-2+3",
        method="chair",
        proposing_council=cast.council_a,
        corrects=old,
    )
    response = client_for(cast.clerk_a).get(url("decisions_csv", cast))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    titles = {row[0]: row[1] for row in rows[1:]}
    assert titles == {"1": '\'=HYPERLINK("http://evil.example","Click")', "2": "'@SUM(1+1)"}
    assert rows[1][8] == "1"  # decision 2 corrects decision 1


# Proposing


def test_a_clerk_proposes_with_an_attachment(cast, client_for, django_capture_on_commit_callbacks):
    client = client_for(cast.clerk_a)
    page = client.get(url("decision_propose", cast)).content.decode()
    assert "Ashby" in page and "The cluster, as one of its officers" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("decision_propose", cast),
            {
                "title": "Buy a verge mower",
                "text": "Up to £4,000.",
                "proposer": str(cast.council_a.pk),
                "method": "ratification",
                "attachments": [SimpleUploadedFile("quote.pdf", PDF), SimpleUploadedFile("spec.pdf", PDF)],
            },
        )
    decision = Decision.objects.get()
    assert response.status_code == 302 and response.url == url("decision", cast, 1)
    assert (decision.method, decision.proposing_council, decision.proposed_by) == (
        "ratification",
        cast.council_a,
        cast.clerk_a,
    )
    assert sorted(decision.attachments.values_list("file_name", flat=True)) == ["quote.pdf", "spec.pdf"]
    assert [m.to for m in mail.outbox] == [[cast.clerk_b.email]]


def test_a_cluster_officer_proposes_for_the_cluster(cast, client_for):
    client = client_for(cast.secretary)
    page = client.get(url("decision_propose", cast)).content.decode()
    assert "The cluster, as one of its officers" in page
    response = client.post(
        url("decision_propose", cast),
        {"title": "Adopt a protocol", "text": "…", "proposer": "cluster", "method": "chair"},
    )
    assert response.status_code == 302
    assert Decision.objects.get().proposing_council is None


@pytest.mark.parametrize("who", ["councillor_a", "rfo_a", "officer"])
def test_read_only_people_cannot_propose(cast, client_for, who):
    client = client_for(getattr(cast, who))
    assert client.get(url("decision_propose", cast)).status_code == 403
    response = client.post(
        url("decision_propose", cast), {"title": "X", "text": "Y", "proposer": "cluster", "method": "chair"}
    )
    assert response.status_code == 403
    assert not Decision.objects.exists()


def test_bad_proposals_are_explained_and_change_nothing(cast, client_for):
    client = client_for(cast.clerk_a)
    response = client.post(url("decision_propose", cast), {})
    page = response.content.decode()
    assert response.status_code == 200
    for message in ["Enter a title", "Enter what is proposed", "Select how the decision will be made"]:
        assert message in page
    response = client.post(
        url("decision_propose", cast),
        {"title": "X" * 201, "text": "Y", "proposer": str(cast.council_b.pk), "method": "vote"},
    )
    page = response.content.decode()
    assert "The title must be 200 characters or fewer" in page
    assert "Select a member council you act for" in page
    assert not Decision.objects.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("quote.pdf", b"MZ\x90\x00\x03 a renamed executable"),
            "must be a PDF, DOCX or ODT",
        ),
        (SimpleUploadedFile("quote.pdf", b""), "The selected file is empty"),
    ],
)
def test_bad_attachments_are_explained_and_change_nothing(cast, client_for, upload, message):
    response = client_for(cast.clerk_a).post(
        url("decision_propose", cast),
        {
            "title": "Buy a mower",
            "text": "…",
            "proposer": str(cast.council_a.pk),
            "method": "chair",
            "attachments": [upload],
        },
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not Decision.objects.exists() and not DecisionAttachment.objects.exists()


def test_too_large_an_attachment_is_refused(cast, client_for, settings):
    settings.CLUSTER_UPLOAD_MAX_BYTES = 100
    response = client_for(cast.clerk_a).post(
        url("decision_propose", cast),
        {
            "title": "Buy a mower",
            "text": "…",
            "proposer": str(cast.council_a.pk),
            "method": "chair",
            "attachments": [SimpleUploadedFile("big.pdf", PDF + b"0" * 200)],
        },
    )
    assert "must be smaller than" in response.content.decode()
    assert not Decision.objects.exists()


# The decision page and the chair's path


def test_the_chair_sees_the_decide_form_and_others_do_not(cast, client_for):
    decision = propose(cast)
    page = client_for(cast.chair).get(url("decision", cast, decision.number)).content.decode()
    assert "Decide under delegated authority" in page and "Withdraw the proposal" in page
    assert "The chair, under delegated authority" in page and "Buy one mower for the verges." in page
    page = client_for(cast.clerk_b).get(url("decision", cast, decision.number)).content.decode()
    assert "Decide under delegated authority" not in page and "Withdraw the proposal" not in page
    page = client_for(cast.clerk_a).get(url("decision", cast, decision.number)).content.decode()
    assert "Withdraw the proposal" in page  # the proposer


def test_the_chair_approves_and_the_decision_is_final(cast, client_for, django_capture_on_commit_callbacks):
    decision = propose(cast)
    client = client_for(cast.chair)
    assert client.get(url("decision_decide", cast, decision.number)).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("decision_decide", cast, decision.number), {"outcome": "approve"})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == "approved"
    assert sorted(m.to[0] for m in mail.outbox if "approved" in m.subject) == sorted(
        [cast.clerk_a.email, cast.clerk_b.email]
    )
    page = client_for(cast.clerk_a).get(url("decision", cast, decision.number)).content.decode()
    assert "This decision is final: it cannot be changed. To correct it, " in page
    assert url("decision_correct", cast, decision.number) in page
    assert "Decide under delegated authority" not in page and "Withdraw the proposal" not in page
    # A second click changes nothing.
    response = client_for(cast.chair).post(
        url("decision_decide", cast, decision.number), {"outcome": "reject", "reasons": "No"}, follow=True
    )
    assert "has already been approved: it cannot be changed" in response.content.decode()
    decision.refresh_from_db()
    assert (decision.status, decision.reasons) == ("approved", "")


def test_rejecting_without_reasons_is_explained(cast, client_for):
    decision = propose(cast)
    response = client_for(cast.chair).post(
        url("decision_decide", cast, decision.number), {"outcome": "reject"}
    )
    assert response.status_code == 200
    assert "Enter the reasons for rejecting the decision" in response.content.decode()
    response = client_for(cast.chair).post(url("decision_decide", cast, decision.number), {})
    assert "Select whether you approve or reject the decision" in response.content.decode()
    decision.refresh_from_db()
    assert decision.status == "proposed"


@pytest.mark.parametrize("who", ["clerk_a", "secretary", "councillor_a", "officer"])
def test_only_the_chair_decides(cast, client_for, who):
    decision = propose(cast)
    response = client_for(getattr(cast, who)).post(
        url("decision_decide", cast, decision.number), {"outcome": "approve"}
    )
    assert response.status_code == 403
    decision.refresh_from_db()
    assert decision.status == "proposed"


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize(
    "name", ["decision", "decision_decide", "decision_vote", "decision_withdraw", "decision_correct"]
)
def test_outsiders_get_404_on_a_decision(cast, client_for, who, name):
    decision = propose(cast)
    client = client_for(getattr(cast, who))
    assert client.get(url(name, cast, decision.number)).status_code == 404
    assert client.post(url(name, cast, decision.number), {"outcome": "approve"}).status_code == 404


def test_a_decision_is_looked_up_through_its_cluster(cast, client_for):
    other = decisions.propose_decision(
        acting_user=cast.clerk_c,
        cluster=cast.other_cluster,
        title="Fellside's",
        text="…",
        method="chair",
        proposing_council=cast.council_c,
    )
    assert client_for(cast.clerk_a).get(url("decision", cast, other.number)).status_code == 404


# Ratification


def test_the_member_councils_ratify(cast, client_for, django_capture_on_commit_callbacks):
    decision = propose(cast, "ratification")
    page = client_for(cast.clerk_b).get(url("decision", cast, decision.number)).content.decode()
    assert "Record your council's resolution" in page and "0 of 2 member councils have voted" in page
    assert "Not voted yet" in page and "Ashby" in page
    assert "It passes with the support of every member council" in page
    response = client_for(cast.clerk_b).post(
        url("decision_vote", cast, decision.number),
        ballot(cast.council_b, choice="agree_to_differ", minute_ref="B/26/3", resolved_on=TODAY),
    )
    assert response.status_code == 302
    page = client_for(cast.clerk_b).get(url("decision", cast, decision.number)).content.decode()
    assert "1 of 2 member councils has voted" in page and "B/26/3" in page and "Agree to differ" in page
    assert "Record your council's resolution" not in page  # Brampton has voted
    with django_capture_on_commit_callbacks(execute=True):
        client_for(cast.clerk_a).post(
            url("decision_vote", cast, decision.number),
            ballot(cast.council_a, choice="for", minute_ref="A/9", resolved_on=TODAY),
        )
    decision.refresh_from_db()
    assert decision.status == "approved"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.clerk_a.email, cast.clerk_b.email])
    page = client_for(cast.clerk_a).get(url("decision", cast, decision.number)).content.decode()
    assert "This decision is final" in page and "by the member councils' votes" in page


def test_a_vote_for_a_council_that_is_not_a_member_is_refused(cast, client_for):
    from parishes import services as parish_services

    parish_services.grant_council_role(
        acting_user=None, council=cast.council_c, user=cast.clerk_a, kind="clerk"
    )
    decision = propose(cast, "ratification")
    response = client_for(cast.clerk_a).post(
        url("decision_vote", cast, decision.number),
        ballot(cast.council_c, choice="for", minute_ref="C/1", resolved_on=TODAY),
    )
    # Council C is no member: it has no row, so nothing was filled in.
    assert response.status_code == 200
    assert "Record the resolution of at least one council" in response.content.decode()
    assert f"council-{cast.council_c.pk}-choice" not in response.content.decode()
    assert not Vote.objects.exists()


def test_bad_votes_are_explained_and_change_nothing(cast, client_for):
    decision = propose(cast, "ratification")
    client = client_for(cast.clerk_b)
    # Anything of a row filled in makes the whole row needed.
    vote = url("decision_vote", cast, decision.number)
    page = client.post(vote, ballot(cast.council_b, minute_ref="B/1")).content.decode()
    assert "Select what the council resolved" in page and "Enter the date of the resolution" in page
    page = client.post(vote, ballot(cast.council_b, choice="for")).content.decode()
    assert "Enter the minute reference" in page
    response = client.post(
        url("decision_vote", cast, decision.number),
        ballot(
            cast.council_b, choice="for", minute_ref="B/1", resolved_on=TODAY + datetime.timedelta(days=1)
        ),
    )
    assert "The date of the resolution must be today or in the past" in response.content.decode()
    response = client.post(
        url("decision_vote", cast, decision.number),
        ballot(cast.council_b, choice="for", minute_ref="B/1", resolved_on="31/02/2026"),
    )
    assert "Date of the resolution must be a real date" in response.content.decode()
    assert not Vote.objects.exists()


@pytest.mark.parametrize("who", ["councillor_a", "rfo_a", "officer", "secretary"])
def test_read_only_people_cannot_vote(cast, client_for, who):
    decision = propose(cast, "ratification")
    response = client_for(getattr(cast, who)).post(
        url("decision_vote", cast, decision.number),
        ballot(cast.council_a, choice="for", minute_ref="A/1", resolved_on=TODAY),
    )
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_no_votes_once_decided(cast, client_for):
    decision = propose(cast, "ratification")
    decisions.record_vote(
        acting_user=cast.clerk_b,
        decision=decision,
        council=cast.council_b,
        choice="against",
        minute_ref="B/1",
        resolved_on=TODAY,
    )
    response = client_for(cast.clerk_a).post(
        url("decision_vote", cast, decision.number),
        ballot(cast.council_a, choice="for", minute_ref="A/1", resolved_on=TODAY),
        follow=True,
    )
    assert "Decision 1 has already been rejected: it cannot be changed" in response.content.decode()
    assert Vote.objects.count() == 1


# Withdrawing and correcting


def test_the_proposer_withdraws_after_confirming(cast, client_for):
    decision = propose(cast)
    client = client_for(cast.clerk_a)
    page = client.get(url("decision_withdraw", cast, decision.number)).content.decode()
    assert "Are you sure you want to withdraw decision 1" in page
    assert client.post(url("decision_withdraw", cast, decision.number)).status_code == 302
    decision.refresh_from_db()
    assert decision.status == "withdrawn"
    page = client.get(url("decision", cast, decision.number)).content.decode()
    assert "Withdrawn" in page and "Withdraw the proposal" not in page


@pytest.mark.parametrize("who", ["clerk_b", "councillor_a", "officer", "secretary"])
def test_others_cannot_withdraw(cast, client_for, who):
    decision = propose(cast)
    client = client_for(getattr(cast, who))
    assert client.get(url("decision_withdraw", cast, decision.number)).status_code == 403
    assert client.post(url("decision_withdraw", cast, decision.number)).status_code == 403
    decision.refresh_from_db()
    assert decision.status == "proposed"


def test_a_correction_is_proposed_from_the_old_decisions_page(cast, client_for):
    old = approved(cast)
    client = client_for(cast.clerk_b)
    page = client.get(url("decision_correct", cast, old.number)).content.decode()
    assert "Correct decision 1" in page and "Correction: Buy a verge mower" in page
    response = client.post(
        url("decision_correct", cast, old.number),
        {
            "title": "Buy a cheaper mower",
            "text": "Up to £3,000.",
            "proposer": str(cast.council_b.pk),
            "method": "chair",
        },
    )
    assert response.status_code == 302
    correction = Decision.objects.get(number=2)
    assert correction.corrects == old
    old_page = client.get(url("decision", cast, 1)).content.decode()
    assert "Corrected by" in old_page and url("decision", cast, 2) in old_page
    new_page = client.get(url("decision", cast, 2)).content.decode()
    assert "This decision corrects" in new_page and url("decision", cast, 1) in new_page
    old.refresh_from_db()
    assert old.title == "Buy a verge mower" and old.status == "approved"


def test_an_open_decision_is_not_corrected(cast, client_for):
    decision = propose(cast)
    response = client_for(cast.clerk_a).get(url("decision_correct", cast, decision.number), follow=True)
    assert "Only a decided decision is corrected" in response.content.decode()
    assert Decision.objects.count() == 1


def test_read_only_people_cannot_correct(cast, client_for):
    old = approved(cast)
    assert client_for(cast.councillor_a).get(url("decision_correct", cast, old.number)).status_code == 403


# Attachments


def test_attachments_are_served_as_downloads_to_the_clusters_people(cast, client_for):
    decision = propose(cast, attachments=[SimpleUploadedFile("Quote.pdf", PDF)])
    attachment = decision.attachments.get()
    link = url("decision_attachment", cast, decision.number, attachment.pk)
    assert link in client_for(cast.officer).get(url("decision", cast, decision.number)).content.decode()
    response = client_for(cast.councillor_a).get(link)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'attachment; filename="Quote.pdf"'
    for who in OUTSIDERS:
        assert client_for(getattr(cast, who)).get(link).status_code == 404
    # Reached only through its own decision.
    other = propose(cast)
    assert (
        client_for(cast.clerk_a)
        .get(url("decision_attachment", cast, other.number, attachment.pk))
        .status_code
        == 404
    )


def test_a_council_that_has_voted_is_told_so(cast, client_for):
    decision = propose(cast, "ratification")
    client = client_for(cast.clerk_b)
    data = ballot(cast.council_b, choice="for", minute_ref="B/1", resolved_on=TODAY)
    client.post(url("decision_vote", cast, decision.number), data)
    response = client.post(
        url("decision_vote", cast, decision.number),
        {**data, f"council-{cast.council_b.pk}-choice": "against"},
        follow=True,
    )
    assert "Every council you act for has already recorded its resolution" in response.content.decode()
    assert list(Vote.objects.values_list("choice", flat=True)) == ["for"]


def test_a_form_sent_after_the_decision_was_made_is_told_so(cast, client_for):
    decision = approved(cast)
    # Incomplete as well as late: the page says it is decided, not what the form lacked.
    response = client_for(cast.chair).post(url("decision_decide", cast, decision.number), {}, follow=True)
    assert "Decision 1 has already been approved: it cannot be changed" in response.content.decode()
