"""No form answers 500, and a refused form writes nothing (issue 6, part 7 and its Must-show list).

Every form of the suite is sent, by a person allowed to use it, values that are empty, huge,
negative, malformed, far in the past or the future, or full of control characters: first the named
nasty values one field at a time (deterministic), then random mixtures drawn by hypothesis. For each
answer:

- never a 500;
- refused (anything but a redirect): the database is exactly as it was;
- accepted (a redirect): every stored value fits PostgreSQL's columns, which SQLite does not enforce
  (lengths, integer ranges, no NUL character), every stored date is one a council can mean, and the
  page it leads to and the pages that show the cluster or council still answer.

Each case runs in a savepoint rolled back afterwards, so one cast serves every value of a field.
"""

import datetime
import hashlib
import itertools
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import DecimalValidator
from django.db import connection, models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clusters.models import Decision, Membership, Objective
from clusters.reports import report_years
from config.dates import EARLIEST_YEAR, latest_year
from parishes.forms import TaxBaseForm
from parishes.models import Invitation
from services.catalogue import add_usual_services
from services.models import TrainingCourse

from .factories import PASSWORD
from .isolation import clusters as cluster_urls
from .isolation import parishes as parish_urls
from .isolation import services as service_urls
from .test_isolation import OBJECT_SCOPED, PUBLIC, SIGNED_IN

TODAY = timezone.localdate()
OWN_APPS = {"accounts", "parishes", "clusters", "services", "guardian", "account", "mfa"}

# The named nasty values, by the kind of field they are sent to.
BLANK_AND_HUGE = ["", "   ", "x" * 10_000, "\x00"]
NUMBERS = ["-1", "0", "2147483648", "9223372036854775808", str(10**30), "abc", "1.5", "NaN", "١٢٣"]
NASTY = {
    "text": [
        *BLANK_AND_HUGE,
        "\x01\x02\x1b[31m\x7f\r\n\t",
        "\u202eevil\u200b\ufeff",
        "<script>alert(1)</script>{{ x }}=HYPERLINK(1)",
        "😀" * 300,
        # Valid as an address, longer than the columns that hold addresses (254 and 200).
        "x@" + ".".join(["a" * 60] * 4) + ".example",
        "https://" + ".".join(["a" * 60] * 4) + ".example/",
    ],
    "choice": [*BLANK_AND_HUGE, "-1", "999999999", "9223372036854775808", str(10**30), "abc", "[1]"],
    "int": [*BLANK_AND_HUGE, *NUMBERS],
    "decimal": [*BLANK_AND_HUGE, "-0.01", "1e30", "99999999999", "0.001", "NaN", "-Infinity", "abc", "1,000"],
    "date": [
        *BLANK_AND_HUGE,
        "0001-01-01",
        "1066-10-14",
        "1893-12-31",
        "9999-12-31",
        "10000-01-01",
        "2024-02-30",
        "2024-13-45",
        "31/12/9999",
        "-2024-01-01",
        "abc",
    ],
}


class NastyFile:
    """An upload, made afresh for each request (a posted file is read to its end)."""

    def __init__(self, label: str, name: str, content: bytes):
        self.label, self.name, self.content = label, name, content

    def __repr__(self):
        return f"<{self.label}>"

    def upload(self):
        return SimpleUploadedFile(self.name, self.content)


PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"
NASTY["file"] = [
    NastyFile("empty file", "empty.pdf", b""),
    NastyFile("text named .pdf", "notes.pdf", b"hello"),
    NastyFile("PDF with a 300-character name", "x" * 300 + ".pdf", PDF),
    NastyFile("PDF with control characters in its name", "a\x01\x1b[31m\u202eb.pdf", PDF),
    NastyFile("PDF named with a path", "../../etc/passwd.pdf", PDF),
    NastyFile("zip that is no document", "doc.docx", b"PK\x03\x04" + b"\x00" * 200),
]
ALL_NASTY = list(dict.fromkeys(itertools.chain.from_iterable(v for k, v in NASTY.items() if k != "file")))


def _iso(days: int) -> str:
    return (TODAY + datetime.timedelta(days=days)).isoformat()


@dataclass(frozen=True)
class Case:
    """One form: where it is, who may use it, a body it accepts, and its fields' kinds."""

    url: str
    user: str | None
    kwargs: Callable
    valid: Callable
    fields: dict[str, str]
    method: str = "post"
    # Pages that show what the form stores, besides the one it leads to.
    shows: tuple[str, ...] = ()
    # Fields named after the cast's objects (rota orders): (cast) -> {field: kind}.
    more_fields: Callable | None = field(default=None)
    # What else changes when a file is sent instead (a document is a file or a text, not both).
    with_file: tuple[tuple[str, str], ...] = ()

    @property
    def id(self):
        return f"{self.method}-{self.url.split(':')[-1]}"

    def all_fields(self, cast):
        return {**self.fields, **(self.more_fields(cast) if self.more_fields else {})}


# Where dates of documents and objectives show: lists, the overview's and home page's "needs attention".
DATED = ("clusters:documents", "clusters:objectives", "clusters:overview", "parishes:home")


# Objects the forms act on, made before the cases run (outside their savepoints).


def _ratification(cast):
    decision = Decision.objects.create(
        cluster=cast.cluster,
        number=7,
        title="Share a clerk",
        text="…",
        method="ratification",
        threshold="all",
    )
    return {"slug": cast.cluster.slug, "number": decision.number}


def _decided(cast):
    decision = Decision.objects.create(
        cluster=cast.cluster,
        number=8,
        title="Buy a mower",
        text="…",
        method="chair",
        threshold="all",
        status="approved",
        decided_at=timezone.now(),
    )
    return {"slug": cast.cluster.slug, "number": decision.number}


def _objective(cast):
    objective = Objective.objects.create(
        cluster=cast.cluster,
        title="Cut verges",
        owner_council=cast.council_a,
        measure="Cuts",
        target="4",
        due_on=TODAY + datetime.timedelta(days=200),
        next_review_on=TODAY + datetime.timedelta(days=30),
    )
    return {"slug": cast.cluster.slug, "objective_id": objective.pk}


INVITATION_TOKEN = "fuzz-invitation-token"
NEW_PASSWORD = "a-long-pass-phrase-42"


def _invitation(cast):
    Invitation.objects.create(
        area=cast.north,
        council=cast.council_a,
        role="councillor",
        email="newcomer@example.org",
        token_hash=hashlib.sha256(INVITATION_TOKEN.encode()).hexdigest(),
        invited_by=cast.clerk_a,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    return {"token": INVITATION_TOKEN}


def _answerable(cast):
    membership = Membership.objects.create(cluster=cast.other_cluster, council=cast.council_a)
    return {"council_id": cast.council_a.pk, "membership_id": membership.pk}


def _answerable_cluster(cast):
    """The cluster-level page of the same invitation."""
    _answerable(cast)
    return {"slug": cast.other_cluster.slug}


def _row(council, **fields):
    """A council's row of a page that records resolutions for many councils."""
    return {f"council-{council.pk}-{name}": value for name, value in fields.items()}


def _row_fields(council, **kinds):
    return _row(council, **kinds, minute_ref="text", resolved_on="date")


def _leaving(cast):
    membership = cast.cluster.memberships.get(council=cast.council_b, status="member")
    return {"slug": cast.cluster.slug, "membership_id": membership.pk}


def _cluster_body(cast):
    return {
        "name": "Eden Valley",
        "purpose": "Working together",
        "priorities": "Verges",
        "formality": "informal",
        "lead_council": cast.council_a.pk,
        "financial_model": "contributions",
        "ratification_threshold": "all",
    }


CLUSTER_FIELDS = {
    "name": "text",
    "purpose": "text",
    "priorities": "text",
    "formality": "choice",
    "lead_council": "choice",
    "financial_model": "choice",
    "ratification_threshold": "choice",
}
OBJECTIVE_FIELDS = {
    "title": "text",
    "description": "text",
    "owner_council": "choice",
    "measure": "text",
    "target": "text",
    "due_on": "date",
    "review_every_months": "choice",
    "next_review_on": "date",
}


def _objective_body(cast):
    return {
        "title": "Cut verges",
        "description": "Along the B6259",
        "owner_council": cast.council_a.pk,
        "measure": "Cuts",
        "target": "4",
        "due_on": _iso(200),
        "review_every_months": "3",
        "next_review_on": _iso(30),
    }


VOLUNTEER_FIELDS = {"name": "text", "email": "text", "phone": "text", "skills": "text", "joined_on": "date"}
VOLUNTEER_BODY = {
    "name": "Sam Hill",
    "email": "sam@example.org",
    "phone": "01632 960001",
    "skills": "Strimmer",
    "joined_on": _iso(-100),
}


def _volunteers_arrangement(cast) -> int:
    return cast.cluster.arrangements.get(number=1, service__name="Urban grass cutting").pk


def _course(name) -> int:
    return TrainingCourse.objects.get(name=name).pk


def _volunteer_and_fellside(cast):
    """The volunteer, and an arrangement of the cluster Fellside (council C's) needing no training,
    which they must not be assigned to."""
    kwargs = _volunteer_only(cast)
    cast.other_cluster.arrangements.create(
        number=1,
        service=cast.north.services.get(name="Litter picking"),
        lead_council=cast.council_c,
        status="active",
        delivery_model="volunteers",
        legal_basis="general_power",
        specification="Litter picks",
        season_starts=1,
        season_ends=12,
        starts_on=TODAY,
        review_on=TODAY,
        charging="fixed",
    )
    return kwargs


def _volunteer_only(cast):
    """A volunteer of council A with current strimmer training, and the grass cutting that A leads
    for B (which needs it) to assign them to."""
    kwargs = service_urls.volunteer_without_assignment(cast)
    return {"council_id": kwargs["council_id"], "volunteer_id": kwargs["volunteer_id"]}


SERVICE_FIELDS = {"name": "text", "unit": "choice", "description": "text", "required_training": "choice"}
SITE_FIELDS = {"name": "text", "what_is_there": "text", "where": "text", "grid_reference": "text"}


def _service_body(cast, name):
    return {
        "name": name,
        "unit": "bags",
        "description": "Verges and lay-bys",
        "required_training": [TrainingCourse.objects.get(name="Manual handling").pk],
    }


def _site_body(cast):
    return {
        "name": "Village green",
        "what_is_there": "Grass, 0.4 ha",
        "where": "By the church",
        "grid_reference": "ny 7720 0870",
    }


def _active_arrangement(cast):
    return service_urls.arrangement(cast, status="active")


ARRANGEMENT_FIELDS = {
    "service": "choice",
    "lead_council": "choice",
    "delivery_model": "choice",
    "cic_name": "text",
    "cic_number": "text",
    "contractor_name": "text",
    "coordinator_name": "text",
    "coordinator": "choice",
    "legal_basis": "choice",
    "legal_basis_other": "text",
    "specification": "text",
    "season_starts": "choice",
    "season_ends": "choice",
    "sites": "choice",
    "starts_on": "date",
    "review_on": "date",
    "ends_on": "date",
    "annual_value": "decimal",
    "charging": "choice",
    "rate": "decimal",
}


def _proposal_body(cast):
    return {
        "service": cast.north.services.get(name="Sign cleaning").pk,
        "lead_council": cast.council_a.pk,
        f"served_{cast.council_b.pk}": "40",
        "delivery_model": "cic",
        "cic_name": "Eden Signs CIC",
        "cic_number": "SC123456",
        "legal_basis": "other",
        "legal_basis_other": "Highways Act 1980, s96",
        "specification": "Forty signs a season",
        "season_starts": "4",
        "season_ends": "9",
        "starts_on": _iso(30),
        "review_on": _iso(395),
        "ends_on": _iso(760),
        "annual_value": "1,200.00",
        "charging": "per_unit",
        "rate": "30",
    }


def _with_catalogues(kwargs):
    """The page's kwargs, once both areas have their catalogues."""

    def make(cast):
        add_usual_services(area=cast.north)
        add_usual_services(area=cast.south)
        return kwargs(cast)

    return make


def _financial_year(cast):
    return TaxBaseForm().fields["financial_year"].choices[0][0]


cluster = cluster_urls.cluster
council = parish_urls.council_kwargs
area = parish_urls.area_kwargs

CASES = [
    # parishes
    Case(
        "parishes:council_edit",
        "clerk_a",
        council,
        lambda cast: {
            "name": "Ashby",
            "kind": "parish_council",
            "population": "1200",
            "electorate": "950",
            "email": "clerk@ashby.example",
            "phone": "01234 567890",
            "address": "1 Main Street",
            "website": "https://ashby.example",
        },
        {
            "name": "text",
            "kind": "choice",
            "population": "int",
            "electorate": "int",
            "email": "text",
            "phone": "text",
            "address": "text",
            "website": "text",
        },
        shows=("parishes:home", "clusters:members"),
    ),
    Case(
        "parishes:council_tax_base",
        "clerk_a",
        council,
        lambda cast: {"financial_year": _financial_year(cast), "band_d": "412.60"},
        {"financial_year": "choice", "band_d": "decimal"},
        shows=(),
    ),
    Case(
        "parishes:council_invite",
        "clerk_a",
        council,
        lambda cast: {"name": "Pat Smith", "email": "pat@example.org", "role": "councillor"},
        {"name": "text", "email": "text", "role": "choice"},
        shows=(),
    ),
    Case(
        "parishes:area_invite",
        "admin",
        area,
        lambda cast: {"name": "Pat Smith", "email": "pat@example.org", "role": "officer"},
        {"name": "text", "email": "text", "role": "choice"},
        shows=(),
    ),
    Case(
        "parishes:council_person_permissions",
        "clerk_a",
        parish_urls.OBJECT_SCOPED["parishes:council_person_permissions"],
        lambda cast: {"permissions": ["view_council_audit"]},
        {"permissions": "choice"},
        shows=(),
    ),
    Case(
        "parishes:invitation_accept",
        None,
        _invitation,
        lambda cast: {"name": "New Person", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        {"name": "text", "password1": "text", "password2": "text"},
    ),
    Case(
        "accounts:email_settings",
        "officer",
        lambda cast: {},
        lambda cast: {"email_area_dashboards": "yes"},
        {"email_area_dashboards": "choice"},
        shows=(),
    ),
    Case(
        "parishes:area",
        "officer",
        area,
        lambda cast: {"q": "Ash", "kind": ""},
        {"q": "text", "kind": "choice"},
        "get",
    ),
    # clusters
    Case(
        "clusters:start",
        "clerk_a",
        lambda cast: {},
        lambda cast: {**_cluster_body(cast), "name": "Kirkby Group"},
        CLUSTER_FIELDS,
        shows=("clusters:list",),
    ),
    Case("clusters:edit", "chair", cluster, _cluster_body, CLUSTER_FIELDS, shows=("clusters:list",)),
    Case(
        "clusters:status",
        "chair",
        cluster,
        lambda cast: {"to": "dissolved", "reason": "Merged", "minute_ref": "9", "resolved_on": _iso(0)},
        {"to": "choice", "reason": "text", "minute_ref": "text", "resolved_on": "date"},
        shows=("clusters:list",),
    ),
    Case(
        "clusters:invite",
        "chair",
        cluster,
        lambda cast: {"council": cast.council_c.pk},
        {"council": "choice"},
        shows=("clusters:overview",),
    ),
    Case(
        "clusters:membership_leave",
        "clerk_b",
        _leaving,
        lambda cast: {"minute_ref": "26/9", "resolved_on": _iso(0)},
        {"minute_ref": "text", "resolved_on": "date"},
        shows=("parishes:home",),
    ),
    Case(
        "clusters:invitation_answer",
        "clerk_a",
        _answerable,
        lambda cast: _row(cast.council_a, answer="join", minute_ref="26/9", resolved_on=_iso(0)),
        {},
        shows=("parishes:home",),
        more_fields=lambda cast: _row_fields(cast.council_a, answer="choice"),
    ),
    Case(
        "clusters:invitation",
        "clerk_a",
        _answerable_cluster,
        lambda cast: _row(cast.council_a, answer="decline", minute_ref="26/9", resolved_on=_iso(0)),
        {},
        shows=("parishes:home",),
        more_fields=lambda cast: _row_fields(cast.council_a, answer="choice"),
    ),
    Case(
        "clusters:appoint",
        "chair",
        cluster,
        lambda cast: {
            "kind": "treasurer",
            "holder": f"{cast.clerk_b.pk}:{cast.council_b.pk}",
            "starts_on": _iso(0),
            "ends_on": _iso(365),
            "chosen_at": "Cluster meeting of 1 December",
        },
        {"kind": "choice", "holder": "choice", "starts_on": "date", "ends_on": "date", "chosen_at": "text"},
        shows=("clusters:overview", "parishes:home"),
    ),
    Case(
        "clusters:rota",
        "chair",
        cluster,
        lambda cast: {
            "term_months": "12",
            f"order_{cast.council_a.pk}": "1",
            f"order_{cast.council_b.pk}": "2",
        },
        {"term_months": "int"},
        shows=("clusters:overview",),
        more_fields=lambda cast: {f"order_{cast.council_a.pk}": "int", f"order_{cast.council_b.pk}": "int"},
    ),
    Case(
        "clusters:document_new",
        "secretary",
        cluster,
        lambda cast: {"kind": "mou", "title": "Memorandum", "text": "We agree.", "review_on": _iso(365)},
        {"kind": "choice", "title": "text", "text": "text", "review_on": "date", "file": "file"},
        shows=DATED,
        with_file=(("text", ""),),
    ),
    Case(
        "clusters:version_new",
        "secretary",
        cluster_urls.document,
        lambda cast: {"text": "We agree again.", "notes": "Typos"},
        {"text": "text", "notes": "text", "file": "file"},
        shows=("clusters:documents",),
        with_file=(("text", ""),),
    ),
    Case(
        "clusters:document_review",
        "secretary",
        cluster_urls.document,
        lambda cast: {"review_on": _iso(100)},
        {"review_on": "date"},
        shows=DATED,
    ),
    Case(
        "clusters:version_adopt",
        "clerk_a",
        cluster_urls.version,
        lambda cast: _row(cast.council_a, adopted="on", minute_ref="26/10", resolved_on=_iso(0)),
        {},
        shows=("clusters:documents",),
        more_fields=lambda cast: _row_fields(cast.council_a, adopted="choice"),
    ),
    Case(
        "clusters:decision_propose",
        "clerk_a",
        cluster,
        lambda cast: {
            "title": "Buy a mower",
            "text": "Up to £4,000",
            "proposer": cast.council_a.pk,
            "method": "chair",
        },
        {"title": "text", "text": "text", "proposer": "choice", "method": "choice", "attachments": "file"},
        shows=("clusters:decisions", "clusters:decisions_csv"),
    ),
    Case(
        "clusters:decision_correct",
        "clerk_a",
        _decided,
        lambda cast: {
            "title": "Correction",
            "text": "Up to £5,000",
            "proposer": cast.council_a.pk,
            "method": "chair",
        },
        {"title": "text", "text": "text", "proposer": "choice", "method": "choice", "attachments": "file"},
        shows=("clusters:decisions", "clusters:decisions_csv"),
    ),
    Case(
        "clusters:decision_decide",
        "chair",
        cluster_urls.decision,
        lambda cast: {"outcome": "reject", "reasons": "Too dear"},
        {"outcome": "choice", "reasons": "text"},
        shows=("clusters:decisions",),
    ),
    Case(
        "clusters:decision_vote",
        "clerk_a",
        _ratification,
        lambda cast: _row(cast.council_a, choice="for", minute_ref="26/11", resolved_on=_iso(0)),
        {},
        shows=("clusters:decisions",),
        more_fields=lambda cast: _row_fields(cast.council_a, choice="choice"),
    ),
    Case("clusters:objective_new", "secretary", cluster, _objective_body, OBJECTIVE_FIELDS, shows=DATED),
    Case(
        "clusters:objective_edit",
        "secretary",
        _objective,
        _objective_body,
        OBJECTIVE_FIELDS,
        shows=DATED,
    ),
    Case(
        "clusters:objective_update",
        "clerk_a",
        _objective,
        lambda cast: {"status": "amber", "progress": "40", "note": "Two cuts done"},
        {"status": "choice", "progress": "int", "note": "text"},
        shows=("clusters:objectives",),
    ),
    Case(
        "clusters:reports",
        "secretary",
        cluster,
        lambda cast: {"year": report_years(cast.cluster)[0]},
        {"year": "choice"},
        shows=(),
    ),
    # The filters of lists, and their pages.
    Case(
        "clusters:decisions",
        "chair",
        cluster,
        lambda cast: {"q": "mower", "status": "", "year": "", "page": "1"},
        {"q": "text", "status": "choice", "year": "choice", "page": "int"},
        "get",
    ),
    Case(
        "clusters:decisions_csv",
        "chair",
        cluster,
        lambda cast: {"q": "mower", "status": "approved", "year": str(TODAY.year)},
        {"q": "text", "status": "choice", "year": "choice"},
        "get",
    ),
    Case(
        "clusters:objectives",
        "chair",
        cluster,
        lambda cast: {"status": "red", "page": "1"},
        {"status": "choice", "page": "int"},
        "get",
    ),
    Case("clusters:list", "officer", lambda cast: {}, lambda cast: {"page": "1"}, {"page": "int"}, "get"),
    # The area dashboard's lists and their CSV: the filters every list shares, and each list's own.
    *(
        Case(
            f"clusters:dashboard_{name}{export}",
            "officer",
            area,
            lambda cast, valid=valid: {"district": "", "cluster": cast.cluster.slug, **valid, "page": "1"},
            {"district": "choice", "cluster": "choice", **dict.fromkeys(valid, "choice"), "page": "int"},
            "get",
        )
        for name, valid in (
            ("councils", {"status": "uncovered", "kind": "parish_council"}),
            (
                "clusters",
                {"status": "active", "formality": "mou", "leadership": "fixed", "attention": "invitations"},
            ),
            ("decisions", {"status": "waiting_votes", "proposed": "12m"}),
            ("objectives", {"status": "overdue"}),
        )
        for export in ("", "_csv")
    ),
    # services: the area dashboard's list of arrangements and its CSV, with the same shared filters.
    *(
        Case(
            f"services:dashboard_arrangements{export}",
            "officer",
            area,
            lambda cast: {
                "district": "",
                "cluster": cast.cluster.slug,
                "status": "active",
                "model": "own_staff",
                "pace": "behind",
                "page": "1",
            },
            {
                "district": "choice",
                "cluster": "choice",
                "status": "choice",
                "model": "choice",
                "pace": "choice",
                "page": "int",
            },
            "get",
        )
        for export in ("", "_csv")
    ),
    Case("clusters:history", "chair", cluster, lambda cast: {"page": "1"}, {"page": "int"}, "get"),
    Case("clusters:documents", "chair", cluster, lambda cast: {"page": "1"}, {"page": "int"}, "get"),
    Case("parishes:council_history", "clerk_a", council, lambda cast: {"page": "1"}, {"page": "int"}, "get"),
    # services: the volunteer register (a volunteer of council A, and an arrangement A leads)
    Case(
        "services:volunteer_new",
        "clerk_a",
        council,
        lambda cast: {**VOLUNTEER_BODY, "name": "Jo Bell"},
        VOLUNTEER_FIELDS,
        shows=("parishes:council",),
    ),
    Case(
        "services:volunteer_edit",
        "clerk_a",
        _volunteer_only,
        lambda cast: VOLUNTEER_BODY,
        VOLUNTEER_FIELDS,
        shows=("parishes:council",),
    ),
    Case(
        "services:volunteer_leave",
        "clerk_a",
        _volunteer_only,
        lambda cast: {"left_on": _iso(0)},
        {"left_on": "date"},
        shows=("parishes:council",),
    ),
    Case(
        "services:training_new",
        "clerk_a",
        _volunteer_only,
        lambda cast: {
            "course": _course("Emergency first aid"),
            "completed_on": _iso(-10),
            "expires_on": "",
            "provider": "St John",
        },
        {"course": "choice", "completed_on": "date", "expires_on": "date", "provider": "text"},
        shows=("parishes:council",),
    ),
    Case(
        "services:volunteer_assign",
        "clerk_a",
        _volunteer_and_fellside,
        lambda cast: {"arrangement": _volunteers_arrangement(cast)},
        {"arrangement": "choice"},
        shows=("parishes:council",),
    ),
    Case(
        "services:volunteers",
        "councillor_a",
        council,
        lambda cast: {"show": "all", "training": "expiring", "page": "1"},
        {"show": "choice", "training": "choice", "page": "int"},
        "get",
    ),
    Case(
        "services:volunteers_csv",
        "councillor_a",
        council,
        lambda cast: {"show": "left", "training": "expired"},
        {"show": "choice", "training": "choice"},
        "get",
    ),
    # services: the catalogue (area North's), sites (council A's) and individual-model requests.
    Case(
        "services:catalogue_add",
        "admin",
        area,
        lambda cast: _service_body(cast, name="Grit bin filling"),
        SERVICE_FIELDS,
        shows=(),
    ),
    Case(
        "services:catalogue_edit",
        "admin",
        service_urls.OBJECT_SCOPED["services:catalogue_edit"],
        lambda cast: _service_body(cast, name="Litter and fly-tip clearing"),
        SERVICE_FIELDS,
        shows=(),
    ),
    Case("services:site_add", "clerk_a", council, _site_body, SITE_FIELDS, shows=("parishes:council",)),
    Case(
        "services:site_edit",
        "clerk_a",
        service_urls.OBJECT_SCOPED["services:site_edit"],
        _site_body,
        SITE_FIELDS,
        shows=("parishes:council",),
    ),
    Case(
        "services:request_new",
        "clerk_a",
        _with_catalogues(council),
        lambda cast: {
            "service": cast.north.services.get(name="Litter picking").pk,
            "capacity": "Two staff, ten hours a week",
            "equipment": "Pickers and bags",
            "insurance": "Public liability £10m",
            "annual_cost": "900.50",
            "starts_on": _iso(30),
        },
        {
            "service": "choice",
            "capacity": "text",
            "equipment": "text",
            "insurance": "text",
            "annual_cost": "decimal",
            "starts_on": "date",
        },
        # Its page, then the council's, whose panel lists it.
        shows=("parishes:council",),
    ),
    Case(
        "services:request",
        "officer",
        service_urls.OBJECT_SCOPED["services:request"],
        lambda cast: {"outcome": "decline", "reasons": "No insurance for work on roads"},
        {"outcome": "choice", "reasons": "text"},
    ),
    Case("services:council_requests", "clerk_a", council, lambda cast: {"page": "2"}, {"page": "int"}, "get"),
    # services: arrangements (a proposal, or an active one, of sign cleaning led by A for B)
    Case(
        "services:propose",
        "clerk_a",
        _with_catalogues(cluster),
        _proposal_body,
        ARRANGEMENT_FIELDS,
        shows=("clusters:history",),
        more_fields=lambda cast: {
            f"served_{cast.council_a.pk}": "decimal",
            f"served_{cast.council_b.pk}": "decimal",
        },
    ),
    Case(
        "services:agree",
        "clerk_b",
        service_urls.arrangement,
        lambda cast: _row(cast.council_b, minute_ref="26/9", resolved_on=_iso(0)),
        {},
        shows=("clusters:history",),
        more_fields=lambda cast: _row_fields(cast.council_b),
    ),
    Case(
        "services:arrangement_edit",
        "clerk_a",
        _active_arrangement,
        lambda cast: {
            "specification": "Fifty signs",
            "sites": [],
            "review_on": _iso(200),
            "ends_on": "",
            "annual_value": "900.00",
            "charging": "per_unit",
            "rate": "2.50",
        },
        {
            "specification": "text",
            "sites": "choice",
            "review_on": "date",
            "ends_on": "date",
            "annual_value": "decimal",
            "charging": "choice",
            "rate": "decimal",
        },
        shows=("clusters:history",),
    ),
    Case(
        "services:arrangement_end",
        "clerk_a",
        _active_arrangement,
        lambda cast: {"ended_on": _iso(0), "reason": "Merged into the county contract"},
        {"ended_on": "date", "reason": "text"},
        shows=("clusters:history",),
    ),
    Case(
        "services:arrangement_withdraw",
        "clerk_a",
        service_urls.arrangement,
        lambda cast: {"reason": "Too dear"},
        {"reason": "text"},
        shows=("clusters:history",),
    ),
    Case(
        "services:cluster",
        "officer",
        cluster,
        lambda cast: {"status": "active", "page": "1"},
        {"status": "choice", "page": "int"},
        "get",
    ),
    *(
        Case(
            f"services:request_queue{export}",
            "officer",
            _with_catalogues(area),
            lambda cast: {
                "status": "waiting",
                "district": "none",
                "service": cast.north.services.get(name="Litter picking").pk,
                "page": "1",
            },
            {"status": "choice", "district": "choice", "service": "choice", "page": "int"},
            "get",
        )
        for export in ("", "_csv")
    ),
    # services: the delivery log of grass cutting that A leads for B (tests/isolation/services.py).
    Case(
        "services:record",
        "clerk_a",
        service_urls.OBJECT_SCOPED["services:record"],
        lambda cast: {
            "done_on": _iso(-1),
            "council": cast.council_b.pk,
            "quantity": "2",
            "hours": "1.5",
            "done_by": "Grounds team",
            "notes": "Both verges",
        },
        {
            "done_on": "date",
            "council": "choice",
            "site": "choice",
            "quantity": "decimal",
            "hours": "decimal",
            "done_by": "text",
            "notes": "text",
            "photo": "file",
        },
        shows=(),
    ),
    Case(
        "services:reverse",
        "clerk_a",
        service_urls.OBJECT_SCOPED["services:reverse"],
        lambda cast: {"reason": "Entered for the wrong day"},
        {"reason": "text"},
        shows=(),
    ),
    *(
        Case(
            f"services:log{export}",
            "clerk_b",
            service_urls.OBJECT_SCOPED["services:log"],
            lambda cast: {"month": f"{TODAY:%Y-%m}", "since": _iso(-30), "until": _iso(0), "page": "1"},
            {
                "council": "choice",
                "site": "choice",
                "month": "choice",
                "since": "date",
                "until": "date",
                "page": "int",
            },
            "get",
        )
        for export in ("", "_csv")
    ),
    # django-allauth's forms: signing in, asking for a password reset, adding an email address.
    Case(
        "account_login",
        None,
        lambda cast: {},
        lambda cast: {"login": "clerk.a@example.org", "password": PASSWORD},
        {"login": "text", "password": "text"},
    ),
    Case(
        "account_reset_password",
        None,
        lambda cast: {},
        lambda cast: {"email": "clerk.a@example.org"},
        {"email": "text"},
    ),
    Case(
        "account_email",
        "clerk_a",
        lambda cast: {},
        lambda cast: {"email": "clerk.a@ashby.example", "action_add": ""},
        {"email": "text"},
    ),
]
LIBRARY_CASES = {"account_login", "account_reset_password", "account_email"}
CASES_BY_ID = {case.id: case for case in CASES}

# Values of the right shape that name what the form must not take: objects of another cluster or
# area, people of councils outside the cluster, a name the area already uses. They must be refused.
OUT_OF_SCOPE = {
    "post-start": lambda cast: {
        "name": ["Fellside", "FELLSIDE "],
        "lead_council": [cast.council_b.pk, cast.council_d.pk],
    },
    "post-edit": lambda cast: {
        "name": ["Fellside", " fellside"],
        "lead_council": [cast.council_c.pk, cast.council_d.pk],
    },
    "post-invite": lambda cast: {"council": [cast.council_a.pk, cast.council_d.pk]},
    "post-appoint": lambda cast: {
        "holder": [f"{cast.clerk_c.pk}:{cast.council_c.pk}", f"{cast.clerk_b.pk}:{cast.council_a.pk}"]
    },
    "post-decision_propose": lambda cast: {"proposer": [cast.council_b.pk, cast.council_c.pk, "cluster"]},
    "post-objective_new": lambda cast: {"owner_council": [cast.council_c.pk, cast.council_d.pk]},
    "post-objective_edit": lambda cast: {"owner_council": [cast.council_c.pk, cast.council_d.pk]},
    "post-council_person_permissions": lambda cast: {"permissions": ["change_area", "manage_area"]},
    "post-propose": lambda cast: {
        "service": [cast.south.services.first().pk],
        "lead_council": [cast.council_c.pk, cast.council_d.pk],
        "coordinator": [f"{cast.clerk_b.pk}:{cast.council_b.pk}", f"{cast.clerk_c.pk}:{cast.council_c.pk}"],
        f"served_{cast.council_a.pk}": ["5"],
    },
    # An arrangement of another cluster, or one that does not exist.
    "post-volunteer_assign": lambda cast: {
        "arrangement": [cast.other_cluster.arrangements.get(number=1).pk, "999999"]
    },
    # A council the arrangement does not serve: its lead, council C (another Brampton), one of another area.
    "post-record": lambda cast: {"council": [cast.council_a.pk, cast.council_c.pk, cast.council_d.pk]},
    "post-request_new": lambda cast: {
        "service": [cast.south.services.get(name="Litter picking").pk, "999999"],
    },
}


# The checks.


def own_models():
    return [m for m in apps.get_models() if m._meta.app_label in OWN_APPS]


def database_state() -> dict:
    """Every row of every table the project owns (and guardian's and allauth's): a refusal changes none.
    Read with plain SQL: it runs before and after each of about a thousand requests."""
    state = {}
    with connection.cursor() as cursor:
        for model in own_models():
            table, pk = connection.ops.quote_name(model._meta.db_table), model._meta.pk.column
            cursor.execute(f"SELECT * FROM {table} ORDER BY {connection.ops.quote_name(pk)}")  # noqa: S608
            state[model._meta.label] = cursor.fetchall()
    return state


INTEGER_RANGES = BaseDatabaseOperations.integer_field_ranges


def _fits(f: models.Field, value) -> str:
    """Why a stored value would not fit PostgreSQL's column or a page that shows it ("" if it fits)."""
    if value is None:
        return ""
    if isinstance(value, str):
        if "\x00" in value:
            return "a NUL character (PostgreSQL refuses it)"
        if isinstance(f, models.CharField) and f.max_length and len(value) > f.max_length:
            return f"{len(value)} characters in varchar({f.max_length})"
    if f.get_internal_type() in INTEGER_RANGES and isinstance(value, int):
        low, high = INTEGER_RANGES[f.get_internal_type()]
        if not low <= value <= high:
            return f"{value} outside {f.get_internal_type()} ({low} to {high})"
    if isinstance(f, models.DecimalField):
        try:
            DecimalValidator(f.max_digits, f.decimal_places)(value)
        except ValidationError:
            return f"{value} does not fit numeric({f.max_digits}, {f.decimal_places})"
    is_date = isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)
    if is_date and not EARLIEST_YEAR <= value.year <= latest_year():
        return f"{value} outside the years a council can mean"
    return ""


def misfits() -> list[str]:
    problems = []
    for model in own_models():
        fields = [f for f in model._meta.concrete_fields if not f.is_relation]
        for row in model.objects.values_list(*(f.attname for f in fields)):
            for f, value in zip(fields, row, strict=True):
                if why := _fits(f, value):
                    problems.append(f"{model._meta.label}.{f.name}: {why}")
    return problems


def _failure(response) -> str:
    if response.exc_info:
        return "".join(traceback.format_exception(*response.exc_info)[-3:]).strip()
    return f"answered {response.status_code}"


def _get(client, url, data=None) -> str:
    """A GET's failure, if any, with the body of a streamed answer (a CSV export) read to its end."""
    response = client.get(url, data)
    if response.status_code >= 500:
        return _failure(response)
    if response.streaming:
        try:
            b"".join(response.streaming_content)
        except Exception as error:  # any error while streaming is the failure
            return f"{type(error).__name__}: {error} (while streaming)"
    return ""


def attempt(client: Client, cast, case: Case, url: str, data: dict, before: dict) -> list[str]:
    """Send one body and check the answer against the database as it was `before`; the database is
    put back as it was afterwards (so `before` holds for every attempt of a test). The problems
    found, or ["accepted"] / [] for a clean acceptance / refusal of a POST."""
    problems = []
    with transaction.atomic():
        if case.method == "get":
            problems.append(_get(client, url, data))
            if database_state() != before:
                problems.append("a GET changed the database")
        else:
            response = client.post(url, data)
            accepted = False
            if response.status_code >= 500:
                problems.append(_failure(response))
            elif response.status_code == 302 and response.url.startswith(reverse("account_login")):
                problems.append("signed out: the test lost its session")
            elif response.status_code == 302:
                accepted = True
                problems += misfits()
                for page in [response.url] + [_page(cast, name) for name in case.shows]:
                    if failure := _get(client, page):
                        problems.append(f"then GET {page}: {failure}")
            elif database_state() != before:
                problems.append(f"refused ({response.status_code}) but the database changed")
        transaction.set_rollback(True)
    problems = [problem for problem in problems if problem]
    return problems or (["accepted"] if case.method == "post" and accepted else [])


def _page(cast, name):
    if name.startswith("clusters:") and name != "clusters:list":
        return reverse(name, kwargs={"slug": cast.cluster.slug})
    if name.startswith("parishes:council"):
        return reverse(name, kwargs={"council_id": cast.council_a.pk})
    if name.startswith("parishes:area"):
        return reverse(name, kwargs={"area_slug": cast.north.slug})
    return reverse(name)


def _client(cast, case) -> Client:
    client = Client(raise_request_exception=False)
    if case.user:
        client.force_login(getattr(cast, case.user))
    return client


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) < 60 else f"{text[:40]}… ({len(value)} chars)"


# Known causes in files this part does not own: (form, field, value) -> the issue part that fixes
# it. Each runs on its own, expected to fail (strictly: it shows when the fix lands).
KNOWN: dict[tuple[str, str, str], str] = {}


def _fields(case: Case, cast) -> list[tuple[str, str]]:
    return list(case.all_fields(cast).items())


@pytest.fixture
def fuzz(cast):
    """The form's page, its valid body, a signed-in client and the database as it was."""

    def start(case: Case):
        client = _client(cast, case)
        url = reverse(case.url, kwargs=case.kwargs(cast))
        return client, url, case.valid(cast), database_state()

    return start


def _problems(client, cast, case, url, body, before) -> list[str]:
    """The problems of one body, where a NastyFile stands for a fresh upload of it."""
    files = {name: value.upload() for name, value in body.items() if isinstance(value, NastyFile)}
    if files:
        body = {**body, **dict(case.with_file), **files}
    return [problem for problem in attempt(client, cast, case, url, body, before) if problem != "accepted"]


# Random mixtures, after the named values: every field at once, valid or not, drawn by hypothesis.
# FUZZ_EXAMPLES=500 for a longer search by hand.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))


def _value_strategy(kind, valid):
    if kind == "file":
        return st.one_of(st.just(""), st.sampled_from(NASTY["file"]))
    dates = st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31))
    numbers = st.one_of(st.integers(min_value=-(10**31), max_value=10**31), st.integers(-5, 200))
    return st.one_of(
        st.just(valid),
        st.sampled_from(ALL_NASTY),
        st.text(max_size=300),
        numbers.map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        dates.map(datetime.date.isoformat),
    )


@pytest.mark.parametrize("case_id", list(CASES_BY_ID))
def test_no_form_answers_500_or_writes_when_it_refuses(cast, fuzz, case_id):
    case = CASES_BY_ID[case_id]
    client, url, valid, before = fuzz(case)
    # The body the values are put into is accepted as it is: each named value is the only thing wrong.
    assert attempt(client, cast, case, url, valid, before) == (["accepted"] if case.method == "post" else [])
    failures = []
    out_of_scope = OUT_OF_SCOPE.get(case_id, lambda cast: {})(cast)
    for name, kind in _fields(case, cast):
        for value in NASTY[kind]:
            if (case_id, name, value) in KNOWN:
                continue
            for problem in _problems(client, cast, case, url, {**valid, name: value}, before):
                failures.append(f"{name}={_describe(value)}: {problem}")
        for value in out_of_scope.get(name, []):
            # These must be refused, not only survived.
            for problem in attempt(client, cast, case, url, {**valid, name: value}, before):
                failures.append(f"{name}={_describe(value)}: {problem}")
    assert not failures, "\n".join(failures)

    body = st.fixed_dictionaries(
        {name: _value_strategy(kind, valid.get(name, "")) for name, kind in _fields(case, cast)}
    )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body)
    def random_values(data):
        assert _problems(client, cast, case, url, {**valid, **data}, before) == []

    random_values()


# Only while there are any: an empty parameter set would be a skip, which CI refuses.
if KNOWN:

    @pytest.mark.parametrize(
        ("case_id", "name", "value"),
        [
            pytest.param(*key, marks=pytest.mark.xfail(strict=True, reason=reason))
            for key, reason in KNOWN.items()
        ],
    )
    def test_known_failures(cast, fuzz, case_id, name, value):
        case = CASES_BY_ID[case_id]
        client, url, valid, before = fuzz(case)
        assert _problems(client, cast, case, url, {**valid, name: value}, before) == []


# Pages without a form: nothing a person types reaches them.
WITHOUT_A_FORM = {
    "healthz",
    "accessibility",
    "parishes:home",
    "parishes:area_dashboard",
    "clusters:dashboard_chart",
    "parishes:council",
    "parishes:council_people",
    "parishes:area_people",
    "parishes:area_import_result",
    "clusters:overview",
    "clusters:members",
    "clusters:officers",
    "clusters:document",
    "clusters:version_file",
    "clusters:decision",
    "clusters:decision_attachment",
    "clusters:objective",
    "clusters:report",
    "clusters:report_download",
    # Buttons: they post no field.
    "clusters:membership_withdraw",
    "clusters:position_end",
    "clusters:decision_withdraw",
    "parishes:council_role_end",
    "parishes:area_role_end",
    "parishes:council_invitation_withdraw",
    "parishes:area_invitation_withdraw",
    "parishes:area_dashboard_pdf_request",
    "parishes:area_dashboard_pdf",
    "parishes:area_dashboard_pdf_download",
    # The volunteer register's pages without a field, and its buttons.
    "services:volunteer",
    "services:arrangement_volunteers",
    "services:training_remove",
    "services:assignment_end",
    # services: lists without filters, and buttons that post no field.
    "services:catalogue",
    "services:catalogue_usual",
    "services:catalogue_retire",
    "services:sites",
    "services:site_retire",
    "services:request_withdraw",
    # An arrangement's page: its agreement rows post to services:agree.
    "services:arrangement",
    # The delivery log's pages without a field, its files, and the statement's PDF button.
    "services:delivery_photo",
    "services:statement",
    "services:statement_csv",
    "services:statement_pdf",
    "services:statement_job",
    "services:statement_download",
    # An upload: its content is fuzzed in tests/parishes/test_register_import.py.
    "parishes:area_import",
}


def test_every_url_with_a_form_is_fuzzed():
    """As the isolation sweep does for access: a new page is either fuzzed here or listed as formless."""
    classified = PUBLIC | SIGNED_IN | OBJECT_SCOPED.keys()
    fuzzed = {case.url for case in CASES} - LIBRARY_CASES
    assert not fuzzed & WITHOUT_A_FORM
    assert (fuzzed | WITHOUT_A_FORM) <= classified
    assert not classified - fuzzed - WITHOUT_A_FORM, "Add these pages to CASES in tests/test_form_fuzz.py"
