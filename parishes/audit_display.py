"""How an audit trail reads: the `before`/`after` dicts that services store, as labelled rows.

Services write plain keys (`minute_ref`) and values (`"2026-03-03"`, `"clerk"`); people read
"Minute reference", "3 March 2026", "Clerk". Each app describes the keys it writes here: parishes
below, higher apps from their AppConfig.ready() (as they fill parishes' other registries), so that
parishes never imports them. A key nobody described still reads well enough, humanised.

Every page that shows an audit trail renders it through templates/includes/audit_table.html with
`history_page()`, so that the trail reads, pages and filters the same everywhere.
"""

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.text import capfirst, slugify

from .models import AreaRole, Council, CouncilRole, CouncilTaxBase

# key -> label ("minute_ref" -> "Minute reference")
field_labels: dict[str, str] = {}
# key -> how its stored value reads: a mapping of choices (stored value -> label) or a function
value_labels: dict[str, Mapping | Callable] = {}
# the prefix of an action ("decision" of "decision.approved") -> the kind of change it is, as the
# history's filter offers it; several prefixes may share one kind ("position", "rota": "Officers")
change_kinds: dict[str, str] = {}
# keys that mean nothing to a reader (a row's id, kept for whoever traces a record in the database)
hidden_keys: set[str] = set()

EMPTY = "–"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
DATE_KEYS = frozenset({"from", "to", "due", "date"})


def describe(
    *, labels: dict | None = None, values: dict | None = None, kinds: dict | None = None, hidden=()
) -> None:
    """Register how an app's audit records read (called once, from the app's ready())."""
    hidden_keys.update(hidden)
    field_labels.update(labels or {})
    value_labels.update(values or {})
    change_kinds.update(kinds or {})


def govuk_date(day: date) -> str:
    return format_date(day, "j F Y")


def govuk_datetime(moment: datetime) -> str:
    """GOV.UK style: "3 March 2026 at 2:05pm", in the site's time zone."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return f"{govuk_date(moment)} at {format_date(moment, 'g:i')}{format_date(moment, 'A').lower()}"


def label_of(key: str) -> str:
    return field_labels.get(key) or capfirst(key.replace("_", " ").strip())


def value_of(key: str, value) -> str:
    if value is None or value == "":
        return EMPTY
    shown = value_labels.get(key)
    if callable(shown):
        return str(shown(value))
    if shown is not None and str(value) in shown:
        return str(shown[str(value)])
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or EMPTY
    if isinstance(value, str) and holds_a_date(key):
        # Only keys that hold dates: a minute reference such as "2024-05-12" is shown as written.
        try:
            if ISO_DATE.fullmatch(value):
                return govuk_date(date.fromisoformat(value))
            if ISO_DATETIME.match(value):
                return govuk_datetime(datetime.fromisoformat(value))
        except ValueError:  # text that only looks like a date is shown as it was written
            return value
    return str(value)


def holds_a_date(key: str) -> bool:
    """Services name their date keys *_on and *_at ("resolved_on"), or a term's "from" and "to"."""
    return key.endswith(("_on", "_at")) or key in DATE_KEYS


def rows(values: dict | None) -> list[tuple[str, str]]:
    """A stored `before` or `after` as (label, value) rows, in the order the service wrote them."""
    return [
        (label_of(key), value_of(key, value))
        for key, value in (values or {}).items()
        if key not in hidden_keys
    ]


def kind_of(action: str) -> str:
    prefix = action.split(".", 1)[0]
    return change_kinds.get(prefix) or capfirst(prefix.replace("_", " "))


class ChangeKindForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of change",
        required=False,
        error_messages={"invalid_choice": "Select a kind of change from the list"},
    )

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "All changes"), *((slugify(k), k) for k in kinds)]

    def chosen(self) -> str:
        """The chosen kind's label, or "" for every change (an unknown kind shows its error)."""
        if not self.is_valid() or not self.cleaned_data["kind"]:
            return ""
        return dict(self.fields["kind"].choices)[self.cleaned_data["kind"]]


def history_page(request, events: QuerySet, *, per_page: int) -> dict:
    """The page of an audit trail to show, newest first, filtered by the kind of change the
    request asks for; the filter offers only the kinds of change the trail holds."""
    actions = set(events.order_by().values_list("action", flat=True).distinct())
    kinds = sorted({kind_of(action) for action in actions})
    kind_form = ChangeKindForm(request.GET or None, kinds=kinds)
    chosen = kind_form.chosen()
    if chosen:
        # Match on the actions present, so that a prefix with no registered kind filters as well.
        events = events.filter(action__in=[a for a in actions if kind_of(a) == chosen])
    page: Page = Paginator(events.order_by("-created_at", "-id"), per_page).get_page(request.GET.get("page"))
    return {"page_obj": page, "kind_form": kind_form, "kind": chosen}


def _financial_year(year) -> str:
    return CouncilTaxBase(financial_year=int(year)).financial_year_label


describe(
    labels={
        "person": "Person",
        "role": "Role",
        "started_on": "Started",
        "ended_on": "Ended",
        "permissions": "Permissions given",
        "email": "Email address",
        "expires_at": "Invitation expires",
        "financial_year": "Financial year",
        "band_d": "Band D equivalents",
        "created": "Councils added",
        "updated": "Councils updated",
        **{name: capfirst(Council._meta.get_field(name).verbose_name) for name in ("name", "kind")},
        "phone": "Phone number",
        "website": "Website",
    },
    values={
        "role": dict(CouncilRole.Kind.choices + AreaRole.Kind.choices),
        "kind": dict(Council.Kind.choices),
        "financial_year": _financial_year,
    },
    kinds={
        "council_role": "Roles",
        "area_role": "Roles",
        "council_permissions": "Permissions",
        "council": "Council profile",
        "invitation": "Invitations",
        "register": "Register imports",
    },
    hidden={"import"},
)
