"""Object-scoped URLs of parishes: name → kwargs of an object of area North, council A."""

from parishes.models import CouncilRole, DashboardPdf, Invitation


def council_kwargs(cast):
    return {"council_id": cast.council_a.pk}


def area_kwargs(cast):
    return {"area_slug": cast.north.slug}


def _invitation(cast, council):
    return Invitation.objects.create(
        area=cast.north,
        council=council,
        role="councillor" if council else "officer",
        email="pending@example.org",
        token_hash=f"hash-{council}",
        invited_by=cast.admin,
        expires_at="2099-01-01T00:00Z",
    )


def _dashboard_pdf(cast):
    """A ready dashboard PDF of area North (its file is stored by the test that downloads it)."""
    return DashboardPdf.objects.create(area=cast.north, requested_by=cast.officer, status="ready")


OBJECT_SCOPED = {
    "parishes:council": council_kwargs,
    "parishes:council_edit": council_kwargs,
    "parishes:council_tax_base": council_kwargs,
    "parishes:council_people": council_kwargs,
    "parishes:council_invite": council_kwargs,
    "parishes:council_history": council_kwargs,
    "parishes:council_person_permissions": lambda cast: {
        "council_id": cast.council_a.pk,
        "user_id": cast.councillor_a.pk,
    },
    "parishes:council_role_end": lambda cast: {
        "council_id": cast.council_a.pk,
        "role_id": CouncilRole.objects.get(user=cast.councillor_a).pk,
    },
    "parishes:council_invitation_withdraw": lambda cast: {
        "council_id": cast.council_a.pk,
        "invitation_id": _invitation(cast, cast.council_a).pk,
    },
    "parishes:area": area_kwargs,
    "parishes:area_dashboard": area_kwargs,
    "parishes:area_dashboard_pdf_request": area_kwargs,
    "parishes:area_dashboard_pdf": lambda cast: {
        "area_slug": cast.north.slug,
        "pdf_id": _dashboard_pdf(cast).pk,
    },
    "parishes:area_dashboard_pdf_download": lambda cast: {
        "area_slug": cast.north.slug,
        "pdf_id": _dashboard_pdf(cast).pk,
    },
    "parishes:area_people": area_kwargs,
    "parishes:area_invite": area_kwargs,
    "parishes:area_import": area_kwargs,
    "parishes:area_role_end": lambda cast: {
        "area_slug": cast.north.slug,
        "role_id": cast.north.roles.get(user=cast.officer).pk,
    },
    "parishes:area_invitation_withdraw": lambda cast: {
        "area_slug": cast.north.slug,
        "invitation_id": _invitation(cast, None).pk,
    },
    "parishes:area_import_result": lambda cast: {
        "area_slug": cast.north.slug,
        "import_id": cast.north.register_imports.create(file_name="x.csv", outcome="refused").pk,
    },
}
