"""Governance documents: versions, adoption by member councils' resolutions, review dates, the files."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clusters import documents
from clusters.documents import DocumentError
from clusters.models import Adoption, ClusterEvent, DocumentVersion, GovernanceDocument, Membership
from parishes import services
from parishes.models import Council
from tests.clusters.test_uploads import docx_bytes, exe_bytes, odt_bytes, pdf_bytes

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)
TOMORROW = TODAY + datetime.timedelta(days=1)
NEXT_YEAR = TODAY + datetime.timedelta(days=365)


def url(name, cast, *args):
    return reverse(f"clusters:{name}", args=[cast.cluster.slug, *args])


def pdf(name="MoU.pdf", content=None):
    return SimpleUploadedFile(name, content or pdf_bytes(), content_type="application/pdf")


def mou(cast, **fields):
    fields = {"text": "The councils agree to work together.", **fields}
    return documents.create_document(
        acting_user=cast.chair,
        cluster=cast.cluster,
        kind="mou",
        title="Memorandum of understanding",
        **fields,
    )


def adopt(cast, version, council=None, clerk=None, **fields):
    return documents.record_adoption(
        acting_user=clerk or cast.clerk_a,
        version=version,
        council=council or cast.council_a,
        minute_ref=fields.get("minute_ref", "45/26"),
        resolved_on=fields.get("resolved_on", TODAY),  # not before the version was added
    )


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# Services


def test_a_document_starts_with_its_first_version_and_is_audited(cast):
    document = mou(cast, review_on=NEXT_YEAR)
    version = document.versions.get()
    assert (version.number, version.text, version.file) == (1, "The councils agree to work together.", "")
    assert document.review_on == NEXT_YEAR and document.created_by == cast.chair
    event = ClusterEvent.objects.get(action="document.created")
    assert event.actor == cast.chair and "Memorandum of understanding" in event.summary


def test_an_uploaded_version_is_stored_under_a_generated_name(cast, settings):
    document = mou(cast, text="", upload=pdf("../Our MoU (signed).pdf"))
    version = document.versions.get()
    assert (version.file_name, version.file_type, version.file_size) == (
        "Our MoU (signed).pdf",
        "pdf",
        len(pdf_bytes()),
    )
    assert "MoU" not in version.file.name and version.file.name.startswith(f"clusters/{cast.cluster.pk}/")
    assert [p.read_bytes() for p in stored_files(settings)] == [pdf_bytes()]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": "", "upload": pdf("minutes.pdf", exe_bytes())}, "must be a PDF, DOCX or ODT"),
        ({"text": "Words", "upload": pdf()}, "not both"),
        ({"text": "  "}, "Upload a file or write the text"),
        ({"review_on": YESTERDAY}, "review date must be today or in the future"),
        ({"review_on": datetime.date(TODAY.year + 11, 1, 1)}, "within 10 years"),
        ({"title": "  "}, "Enter a title"),
        ({"kind": "manifesto"}, "Select the kind of document"),
    ],
)
def test_bad_documents_are_refused_and_nothing_is_kept(cast, settings, fields, message):
    arguments = {"kind": "mou", "title": "MoU", "text": "We agree.", **fields}
    with pytest.raises(DocumentError, match=message):
        documents.create_document(acting_user=cast.chair, cluster=cast.cluster, **arguments)
    assert not GovernanceDocument.objects.exists() and not DocumentVersion.objects.exists()
    assert not ClusterEvent.objects.filter(action__startswith="document").exists()
    assert stored_files(settings) == []


def test_a_new_version_supersedes_the_earlier_ones(cast):
    document = mou(cast)
    first = document.versions.get()
    second = documents.add_version(
        acting_user=cast.secretary, document=document, upload=pdf("v2.pdf"), notes="Adds a review clause"
    )
    third = documents.add_version(acting_user=cast.secretary, document=document, text="Version three")
    assert (second.number, third.number) == (2, 3)
    assert [documents.is_current(v) for v in (first, second, third)] == [False, False, True]
    first.refresh_from_db()
    assert first.text == "The councils agree to work together."  # kept as it was
    event = ClusterEvent.objects.filter(action="document.version_added").first()
    assert event.before == {"version": 2} and event.after["version"] == 3


def test_a_version_needs_a_file_or_text(cast):
    document = mou(cast)
    with pytest.raises(DocumentError, match="Upload a file or write the text"):
        documents.add_version(acting_user=cast.secretary, document=document)
    assert document.versions.count() == 1


def test_a_member_council_adopts_the_current_version_by_resolution(cast):
    version = mou(cast).versions.get()
    adoption = adopt(cast, version, minute_ref=" 45/26 ")
    assert (adoption.council, adoption.minute_ref, adoption.resolved_on, adoption.recorded_by) == (
        cast.council_a,
        "45/26",
        TODAY,
        cast.clerk_a,
    )
    event = ClusterEvent.objects.get(action="document.adopted")
    assert "Ashby adopted version 1" in event.summary and event.after["minute_ref"] == "45/26"


def test_a_council_adopts_a_version_once(cast):
    version = mou(cast).versions.get()
    adopt(cast, version)
    with pytest.raises(DocumentError, match="Ashby has already adopted version 1"):
        adopt(cast, version, minute_ref="50/26")
    assert Adoption.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "fields", "message"),
    [
        ("clerk_c", {"council": "council_c"}, "is not a member of the cluster"),
        ("clerk_a", {"council": "council_b"}, "You cannot record resolutions for Brampton"),
        ("chair", {"council": "council_b"}, "You cannot record resolutions for Brampton"),
        ("clerk_a", {"resolved_on": TOMORROW}, "must be today or in the past"),
        ("clerk_a", {"minute_ref": " "}, "Enter the minute reference"),
    ],
)
def test_adoptions_the_rules_refuse(cast, who, fields, message):
    version = mou(cast).versions.get()
    council = getattr(cast, fields.pop("council", "council_a"))
    with pytest.raises(DocumentError, match=message):
        adopt(cast, version, council=council, clerk=getattr(cast, who), **fields)
    assert not Adoption.objects.exists()


def test_a_superseded_version_cannot_be_adopted(cast):
    document = mou(cast)
    first = document.versions.get()
    documents.add_version(acting_user=cast.chair, document=document, text="Second")
    with pytest.raises(DocumentError, match="Version 1 has been superseded by version 2"):
        adopt(cast, first)
    assert not Adoption.objects.exists()


def test_nothing_changes_in_a_dissolved_cluster(cast):
    document = mou(cast)
    version = document.versions.get()
    cast.cluster.status = "dissolved"
    cast.cluster.save()
    for change in (
        lambda: adopt(cast, version),
        lambda: documents.add_version(acting_user=cast.chair, document=document, text="More"),
        lambda: documents.set_review_date(acting_user=cast.chair, document=document, review_on=NEXT_YEAR),
        lambda: mou(cast),
    ):
        with pytest.raises(DocumentError, match="dissolved"):
            change()
    assert (
        GovernanceDocument.objects.count(),
        DocumentVersion.objects.count(),
        Adoption.objects.count(),
    ) == (1, 1, 0)


def test_the_review_date_is_set_and_audited(cast):
    document = mou(cast, review_on=TODAY)
    documents.set_review_date(acting_user=cast.secretary, document=document, review_on=NEXT_YEAR)
    document.refresh_from_db()
    assert document.review_on == NEXT_YEAR
    event = ClusterEvent.objects.get(action="document.review_set")
    assert event.before == {"review_on": TODAY.isoformat()} and event.after == {
        "review_on": NEXT_YEAR.isoformat()
    }
    with pytest.raises(DocumentError, match="today or in the future"):
        documents.set_review_date(acting_user=cast.secretary, document=document, review_on=YESTERDAY)
    document.refresh_from_db()
    assert document.review_on == NEXT_YEAR


def test_documents_due_for_review(cast):
    due_today = mou(cast, review_on=TODAY)
    overdue = GovernanceDocument.objects.create(
        cluster=cast.cluster, kind="protocol", title="Old", review_on=TODAY - datetime.timedelta(days=40)
    )
    in_a_week = GovernanceDocument.objects.create(
        cluster=cast.cluster, kind="sla", title="Soon", review_on=TODAY + datetime.timedelta(days=7)
    )
    GovernanceDocument.objects.create(cluster=cast.cluster, kind="sla", title="Unset")
    GovernanceDocument.objects.create(
        cluster=cast.other_cluster, kind="sla", title="Later", review_on=NEXT_YEAR
    )
    assert list(documents.documents_due_for_review(TODAY)) == [overdue, due_today]
    assert list(documents.documents_due_for_review(TODAY, within_days=7)) == [overdue, due_today, in_a_week]
    cast.cluster.status = "dissolved"
    cast.cluster.save()
    assert list(documents.documents_due_for_review(TODAY, within_days=7)) == []


def test_only_current_members_count_towards_adoption(cast):
    document = mou(cast)
    version = document.versions.get()
    adopt(cast, version)
    adopt(cast, version, council=cast.council_b, clerk=cast.clerk_b)
    status = documents.document_status(document, documents.member_councils(cast.cluster))
    assert (status.adopted_count, status.not_adopted) == (2, [])
    Membership.objects.filter(cluster=cast.cluster, council=cast.council_b).update(status="left")
    status = documents.document_status(document, documents.member_councils(cast.cluster))
    assert (status.adopted_count, len(status.members), len(status.adoptions)) == (1, 1, 2)


# Pages


def test_the_list_says_when_there_are_no_documents(cast, client_for):
    page = client_for(cast.councillor_a).get(url("documents", cast)).content.decode()
    assert "The cluster has no governance documents yet" in page
    assert url("document_new", cast) not in page
    page = client_for(cast.chair).get(url("documents", cast)).content.decode()
    assert url("document_new", cast) in page


def test_the_list_shows_each_documents_version_adoption_and_review(cast, client_for):
    document = mou(cast, review_on=TODAY)
    documents.add_version(acting_user=cast.chair, document=document, text="Second")
    adopt(cast, document.versions.get(number=2))
    GovernanceDocument.objects.filter(pk=document.pk).update(review_on=YESTERDAY)
    page = client_for(cast.officer).get(url("documents", cast)).content.decode()
    assert "Memorandum of understanding" in page and "Version 2" in page
    assert "1 of 2 member councils" in page
    assert "Overdue" in page
    assert url("document_new", cast) not in page


def test_the_document_page_shows_who_has_adopted_and_who_has_not(cast, client_for):
    document = mou(cast, text="Clause 1 <script>alert(1)</script>\n\nClause 2", review_on=NEXT_YEAR)
    adopt(cast, document.versions.get(), minute_ref="45/26")
    documents.add_version(acting_user=cast.chair, document=document, upload=pdf("MoU v2.pdf"), notes="Signed")
    current = document.versions.get(number=2)
    adopt(cast, current, minute_ref="61/26")
    page = client_for(cast.councillor_a).get(url("document", cast, document.pk)).content.decode()
    assert "Adopted by 1 of 2 member councils" in page
    assert "Not yet adopted by" in page and "<li>Brampton</li>" in page
    assert "61/26" in page and "Version 1" in page and "Superseded" in page
    assert reverse("clusters:version_file", args=[cast.cluster.slug, document.pk, current.pk]) in page
    assert "MoU v2.pdf" in page and "(PDF, " in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page  # the text, escaped
    assert "<p>Clause 2</p>" in page
    assert url("version_new", cast, document.pk) not in page  # a councillor drafts nothing
    assert url("version_adopt", cast, document.pk, current.pk) not in page


def test_the_document_page_offers_each_person_what_they_may_do(cast, client_for):
    document = mou(cast)
    version = document.versions.get()
    page = client_for(cast.chair).get(url("document", cast, document.pk)).content.decode()
    assert url("version_new", cast, document.pk) in page and url("document_review", cast, document.pk) in page
    assert url("version_adopt", cast, document.pk, version.pk) not in page
    page = client_for(cast.clerk_b).get(url("document", cast, document.pk)).content.decode()
    assert url("version_adopt", cast, document.pk, version.pk) in page
    assert url("version_new", cast, document.pk) not in page


def test_a_document_of_another_cluster_is_not_found_through_this_one(cast, client_for):
    other = GovernanceDocument.objects.create(cluster=cast.other_cluster, kind="mou", title="Fellside MoU")
    version = DocumentVersion.objects.create(document=other, number=1, text="Theirs")
    client = client_for(cast.chair)
    assert client.get(url("document", cast, other.pk)).status_code == 404
    assert client.get(url("version_file", cast, other.pk, version.pk)).status_code == 404
    assert client.get(url("version_adopt", cast, other.pk, version.pk)).status_code == 404


@pytest.mark.parametrize("who", ["clerk_c", "clerk_d", "south_officer"])
def test_outsiders_find_no_documents(cast, client_for, who):
    document = mou(cast, text="", upload=pdf())
    version = document.versions.get()
    client = client_for(getattr(cast, who))
    for name, args in (
        ("documents", ()),
        ("document_new", ()),
        ("document", (document.pk,)),
        ("document_review", (document.pk,)),
        ("version_new", (document.pk,)),
        ("version_file", (document.pk, version.pk)),
        ("version_adopt", (document.pk, version.pk)),
    ):
        assert client.get(url(name, cast, *args)).status_code == 404, name
        assert client.post(url(name, cast, *args), {"text": "x"}).status_code == 404, name
    assert GovernanceDocument.objects.count() == 1 and not Adoption.objects.exists()


@pytest.mark.parametrize("who", ["councillor_a", "rfo_a", "officer", "clerk_a"])
def test_people_who_do_not_draft_cannot_add_or_change_documents(cast, client_for, who):
    document = mou(cast)
    client = client_for(getattr(cast, who))
    data = {"kind": "mou", "title": "Another", "text": "Words", "review_on": NEXT_YEAR.isoformat()}
    for name, args in (
        ("document_new", ()),
        ("version_new", (document.pk,)),
        ("document_review", (document.pk,)),
    ):
        assert client.get(url(name, cast, *args)).status_code == 403, name
        assert client.post(url(name, cast, *args), data).status_code == 403, name
    assert GovernanceDocument.objects.count() == 1 and DocumentVersion.objects.count() == 1
    document.refresh_from_db()
    assert document.review_on is None


@pytest.mark.parametrize("who", ["councillor_a", "officer", "chair", "secretary"])
def test_only_people_acting_for_a_member_council_record_adoptions(cast, client_for, who):
    document = mou(cast)
    version = document.versions.get()
    client = client_for(getattr(cast, who))
    target = url("version_adopt", cast, document.pk, version.pk)
    assert client.get(target).status_code == 403
    assert client.post(target, adoption_row(cast.council_a, "1/26", YESTERDAY)).status_code == 403
    assert not Adoption.objects.exists()


def adoption_row(council, minute_ref, resolved_on, adopted="on"):
    """A council's row of the adoption page (one per council the person acts for)."""
    fields = {"adopted": adopted, "minute_ref": minute_ref, "resolved_on": str(resolved_on)}
    return {f"council-{council.pk}-{name}": value for name, value in fields.items()}


def test_the_chair_adds_a_document_written_on_the_page(cast, client_for):
    response = client_for(cast.chair).post(
        url("document_new", cast),
        {"kind": "terms_of_reference", "title": "Terms of reference", "text": "We meet quarterly."},
    )
    document = GovernanceDocument.objects.get()
    assert response.status_code == 302 and response["Location"] == url("document", cast, document.pk)
    assert (document.kind, document.versions.get().text) == ("terms_of_reference", "We meet quarterly.")


def test_the_secretary_uploads_a_document(cast, client_for, settings):
    response = client_for(cast.secretary).post(
        url("document_new", cast),
        {
            "kind": "constitution",
            "title": "Constitution",
            "file": SimpleUploadedFile("Constitution.odt", odt_bytes()),
            "review_on": NEXT_YEAR.isoformat(),
        },
    )
    assert response.status_code == 302
    version = DocumentVersion.objects.get()
    assert (version.file_type, version.file_name, version.document.review_on) == (
        "odt",
        "Constitution.odt",
        NEXT_YEAR,
    )
    assert len(stored_files(settings)) == 1


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {},
            [
                "Select the kind of document",
                "Enter a title",
                "Upload a file or write the text of the document",
            ],
        ),
        (
            {"kind": "mou", "title": "MoU", "file": ("minutes.pdf", exe_bytes())},
            ["The selected file must be a PDF, DOCX or ODT"],
        ),
        (
            {"kind": "mou", "title": "MoU", "file": ("big.pdf", b"big")},
            ["The selected file must be smaller than"],
        ),
        ({"kind": "mou", "title": "MoU", "file": ("empty.pdf", b"")}, ["The selected file is empty"]),
        (
            {"kind": "mou", "title": "MoU", "text": "Words", "file": ("mou.pdf", None)},
            ["Either upload a file or write the text, not both"],
        ),
        (
            {"kind": "mou", "title": "MoU", "text": "Words", "review_on": YESTERDAY.isoformat()},
            ["The review date must be today or in the future"],
        ),
        (
            {"kind": "mou", "title": "MoU", "text": "Words", "review_on": "2026-02-30"},
            ["Review date must be a real date"],
        ),
        ({"kind": "castle", "title": "MoU", "text": "Words"}, ["Select the kind of document"]),
    ],
)
def test_bad_uploads_and_input_are_explained_and_change_nothing(cast, client_for, settings, data, errors):
    settings.CLUSTER_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    data = dict(data)
    if "file" in data:
        name, content = data["file"]
        if name == "big.pdf":
            content = pdf_bytes() + b"\x00" * settings.CLUSTER_UPLOAD_MAX_BYTES
        data["file"] = SimpleUploadedFile(name, pdf_bytes() if content is None else content)
    response = client_for(cast.chair).post(url("document_new", cast), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    for error in errors:
        assert error in page
    assert not GovernanceDocument.objects.exists() and stored_files(settings) == []
    assert not ClusterEvent.objects.filter(action__startswith="document").exists()


def test_a_new_version_is_added_from_a_word_file(cast, client_for):
    document = mou(cast)
    response = client_for(cast.secretary).post(
        url("version_new", cast, document.pk),
        {"file": SimpleUploadedFile("MoU v2.docx", docx_bytes()), "notes": "Adds the review clause"},
    )
    assert response.status_code == 302
    version = document.versions.get(number=2)
    assert (version.file_type, version.notes) == ("docx", "Adds the review clause")


def test_a_renamed_executable_is_refused_as_a_new_version(cast, client_for, settings):
    document = mou(cast)
    response = client_for(cast.secretary).post(
        url("version_new", cast, document.pk), {"file": SimpleUploadedFile("MoU v2.pdf", exe_bytes())}
    )
    assert response.status_code == 200
    assert "The selected file must be a PDF, DOCX or ODT" in response.content.decode()
    assert document.versions.count() == 1 and stored_files(settings) == []


def test_the_review_date_is_set_on_its_page(cast, client_for):
    document = mou(cast)
    client = client_for(cast.chair)
    assert client.get(url("document_review", cast, document.pk)).status_code == 200
    response = client.post(url("document_review", cast, document.pk), {"review_on": YESTERDAY.isoformat()})
    assert (
        response.status_code == 200
        and "The review date must be today or in the future" in response.content.decode()
    )
    response = client.post(url("document_review", cast, document.pk), {})
    assert "Enter the review date" in response.content.decode()
    document.refresh_from_db()
    assert document.review_on is None
    response = client.post(url("document_review", cast, document.pk), {"review_on": NEXT_YEAR.isoformat()})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.review_on == NEXT_YEAR


def test_members_and_officers_download_the_file_under_its_name(cast, client_for):
    document = mou(cast, text="", upload=pdf("Signed MoU.pdf"))
    version = document.versions.get()
    for who in (cast.councillor_a, cast.clerk_b, cast.officer):
        response = client_for(who).get(url("version_file", cast, document.pk, version.pk))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="Signed MoU.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == pdf_bytes()


def test_a_text_version_or_a_lost_file_has_nothing_to_download(cast, client_for):
    text_version = mou(cast).versions.get()
    client = client_for(cast.clerk_a)
    assert client.get(url("version_file", cast, text_version.document_id, text_version.pk)).status_code == 404
    lost = documents.add_version(acting_user=cast.chair, document=text_version.document, upload=pdf())
    lost.file.storage.delete(lost.file.name)
    assert client.get(url("version_file", cast, lost.document_id, lost.pk)).status_code == 404
    assert client.post(url("version_file", cast, lost.document_id, lost.pk)).status_code == 405


def test_a_clerk_records_their_councils_adoption(cast, client_for):
    document = mou(cast)
    version = document.versions.get()
    client = client_for(cast.clerk_a)
    target = url("version_adopt", cast, document.pk, version.pk)
    page = client.get(target).content.decode()
    assert "<legend" in page and ">Ashby</legend>" in page and ">Brampton</legend>" not in page
    response = client.post(target, adoption_row(cast.council_a, "45/26", TODAY))
    assert response.status_code == 302 and response["Location"] == url("document", cast, document.pk)
    assert Adoption.objects.get().council == cast.council_a
    page = client.get(target).content.decode()
    assert "Every council you act for has already adopted this version" in page
    assert client.post(target, adoption_row(cast.council_a, "46/26", TODAY)).status_code == 200
    assert Adoption.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"adopted": "on"}, "Enter the minute reference"),
        ({"adopted": "on"}, "Enter the date of the resolution"),
        ({"minute_ref": "45/26", "resolved_on": YESTERDAY.isoformat()}, "Select Adopted if the council"),
        (
            {"adopted": "on", "minute_ref": "45/26", "resolved_on": TOMORROW.isoformat()},
            "must be today or in the past",
        ),
        (
            {"adopted": "on", "minute_ref": "45/26", "resolved_on": "31/31/2026"},
            "Date of the resolution must be a real date",
        ),
    ],
)
def test_bad_adoptions_are_explained_and_change_nothing(cast, client_for, data, error):
    document = mou(cast)
    version = document.versions.get()
    data = {f"council-{cast.council_a.pk}-{name}": value for name, value in data.items()}
    response = client_for(cast.clerk_a).post(url("version_adopt", cast, document.pk, version.pk), data)
    assert response.status_code == 200 and error in response.content.decode()
    assert not Adoption.objects.exists()


def test_a_person_acting_for_two_member_councils_says_which_adopted(cast, client_for):
    services.grant_council_role(acting_user=None, council=cast.council_b, user=cast.clerk_a, kind="clerk")
    document = mou(cast)
    version = document.versions.get()
    client = client_for(cast.clerk_a)
    target = url("version_adopt", cast, document.pk, version.pk)
    page = client.get(target).content.decode()
    assert ">Ashby</legend>" in page and ">Brampton</legend>" in page
    # A row for Council C, which clerk A does not act for, is not one of the page's rows.
    response = client.post(target, adoption_row(cast.council_c, "7/26", TODAY))
    assert "Record the resolution of at least one council" in response.content.decode()
    assert not Adoption.objects.exists()
    assert client.post(target, adoption_row(cast.council_b, "7/26", TODAY)).status_code == 302
    assert Adoption.objects.get().council == cast.council_b
    page = client.get(target).content.decode()
    assert "Brampton adopted version 1" in page and ">Brampton</legend>" not in page


def test_a_superseded_version_is_not_offered_for_adoption(cast, client_for):
    document = mou(cast)
    first = document.versions.get()
    documents.add_version(acting_user=cast.chair, document=document, text="Second")
    client = client_for(cast.clerk_a)
    target = url("version_adopt", cast, document.pk, first.pk)
    assert "Version 1 has been superseded" in client.get(target).content.decode()
    assert client.post(target, adoption_row(cast.council_a, "1/26", YESTERDAY)).status_code == 200
    assert not Adoption.objects.exists()


# Query counts


def _members(cast, size):
    councils = Council.objects.bulk_create(
        Council(area=cast.north, name=f"Member {size}-{i}", gss_code=f"E04{size * 1000 + i:06d}")
        for i in range(size)
    )
    Membership.objects.bulk_create(
        Membership(cluster=cast.cluster, council=c, status="member", joined_on=TODAY) for c in councils
    )
    return councils


def _documents(cast, count, versions, councils):
    for n in range(count):
        document = GovernanceDocument.objects.create(
            cluster=cast.cluster,
            kind="protocol",
            title=f"Protocol {n}",
            review_on=YESTERDAY,
            created_by=cast.chair,
        )
        for number in range(1, versions + 1):
            version = DocumentVersion.objects.create(
                document=document, number=number, text=f"Version {number}", created_by=cast.chair
            )
            Adoption.objects.bulk_create(
                Adoption(
                    version=version,
                    council=c,
                    minute_ref=f"{number}/26",
                    resolved_on=YESTERDAY,
                    recorded_by=cast.clerk_a,
                )
                for c in councils
            )
    return document


def _count_queries(client, target):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(target)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["chair", "clerk_a", "officer"])
def test_the_pages_query_counts_do_not_grow_with_documents_versions_or_members(cast, client_for, who):
    client = client_for(getattr(cast, who))
    client.get(url("documents", cast))  # the first request of a session records the session
    councils = _members(cast, 2)
    document = _documents(cast, 2, versions=2, councils=councils[:1])
    small = (
        _count_queries(client, url("documents", cast)),
        _count_queries(client, url("document", cast, document.pk)),
    )
    councils += _members(cast, 30)
    document = _documents(cast, 40, versions=8, councils=councils[:20])
    large = (
        _count_queries(client, url("documents", cast)),
        _count_queries(client, url("document", cast, document.pk)),
    )
    assert small == large
    assert max(large) <= 20
    page = client.get(url("document", cast, document.pk)).content.decode()
    assert "Adopted by 20 of 34 member councils" in page
