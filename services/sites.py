"""A council's sites: the places work is done (a verge, a green, a run of signs), kept by whoever acts
for the council. A site's name is unique in its council; its OS grid reference, when given, is stored
in the one form services/grid_references.py writes. A retired site stays on the arrangements and
delivery records that name it, but is offered for no new one; it can be brought back.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from parishes import audit
from parishes.models import Council

from .access import may_keep_sites
from .grid_references import normalise_grid_reference, validate_grid_reference
from .models import Site

# How this module's audit records read (parishes.audit_display.describe's keyword arguments).
AUDIT: dict = {
    "labels": {
        "site": "Site",
        "what_is_there": "What is there",
        "where": "Where it is",
        "grid_reference": "OS grid reference",
    },
    "kinds": {"site": "Sites"},
}

# The fields a site's form changes, in the order its audit record lists them.
FIELDS = ("name", "what_is_there", "where", "grid_reference")


class SiteError(Exception):
    """A change the rules refuse; its message is shown next to `field` when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def sites_of(council: Council) -> QuerySet[Site]:
    """The council's sites, live first, then retired, by name; one query."""
    return Site.objects.filter(council=council).order_by("retired_at", "name", "pk")


def _clean(council: Council, values: dict, *, exclude_pk: int | None = None) -> dict:
    name = " ".join((values.get("name") or "").split())
    if not name:
        raise SiteError("Enter the site's name", "name")
    if Site.objects.filter(council=council, name__iexact=name).exclude(pk=exclude_pk).exists():
        raise SiteError(f"{council.name} already has a site called {name}: choose another name", "name")
    grid_reference = (values.get("grid_reference") or "").strip()
    if grid_reference:
        try:
            validate_grid_reference(grid_reference)
        except ValidationError as error:
            raise SiteError(error.messages[0], "grid_reference") from None
        grid_reference = normalise_grid_reference(grid_reference)
    return {
        "name": name,
        "what_is_there": (values.get("what_is_there") or "").strip(),
        "where": (values.get("where") or "").strip(),
        "grid_reference": grid_reference,
    }


def _check_keeper(acting_user, council: Council) -> None:
    if not may_keep_sites(acting_user, council.pk):
        raise SiteError(f"Only the people who act for {council.name} keep its sites.")


def _as_record(values: dict) -> dict:
    """The audit's keys: "site" for the name, so that it reads apart from other names."""
    return {("site" if key == "name" else key): value for key, value in values.items()}


@transaction.atomic
def add_site(
    *, acting_user, council: Council, name: str, what_is_there: str = "", where: str = "", grid_reference=""
) -> Site:
    _check_keeper(acting_user, council)
    values = _clean(
        council,
        {"name": name, "what_is_there": what_is_there, "where": where, "grid_reference": grid_reference},
    )
    site = Site.objects.create(council=council, **values)
    audit.record(
        actor=acting_user,
        area=council.area,
        council=council,
        action="site.added",
        summary=f"Site {site.name} added",
        after=_as_record(values),
    )
    return site


@transaction.atomic
def edit_site(*, acting_user, site: Site, changes: dict) -> Site:
    """Change what the form changes (FIELDS); only what changed is recorded."""
    site = Site.objects.select_for_update().select_related("council__area").get(pk=site.pk)
    _check_keeper(acting_user, site.council)
    values = _clean(site.council, {f: changes.get(f, getattr(site, f)) for f in FIELDS}, exclude_pk=site.pk)
    changed = [f for f in FIELDS if getattr(site, f) != values[f]]
    if not changed:
        return site
    before = {f: getattr(site, f) for f in changed}
    old_name = site.name
    for f in changed:
        setattr(site, f, values[f])
    site.save(update_fields=changed)
    audit.record(
        actor=acting_user,
        area=site.council.area,
        council=site.council,
        action="site.changed",
        summary=f"Site {old_name} changed" + (f": now called {site.name}" if "name" in changed else ""),
        before=_as_record(before),
        after=_as_record({f: values[f] for f in changed}),
    )
    return site


@transaction.atomic
def set_retired(*, acting_user, site: Site, retired: bool) -> Site:
    """Retire the site (it stays on what names it) or bring it back."""
    site = Site.objects.select_for_update().select_related("council__area").get(pk=site.pk)
    _check_keeper(acting_user, site.council)
    if (site.retired_at is not None) == retired:
        return site
    site.retired_at = timezone.now() if retired else None
    site.save(update_fields=["retired_at"])
    audit.record(
        actor=acting_user,
        area=site.council.area,
        council=site.council,
        action="site.retired" if retired else "site.restored",
        summary=f"Site {site.name} {'retired' if retired else 'brought back'}",
        before={"site": site.name},
    )
    return site
