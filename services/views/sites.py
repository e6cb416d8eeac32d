"""A council's sites: the list (its people and the area's officers), and adding, changing, retiring
and bringing back a site (whoever acts for the council)."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from config.text import CONTROL_CHARACTERS
from parishes.access import get_council_for_user
from parishes.forms import form_data

from .. import sites
from ..access import may_keep_sites, require
from ..grid_references import MESSAGE as GRID_REFERENCE_MESSAGE
from ..grid_references import normalise_grid_reference, validate_grid_reference
from ..models import Site

WHERE_MAX_LENGTH = 2_000


def _one_line(value: str, what: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise forms.ValidationError(f"{what} must be one line of text")
    return value


class SiteForm(forms.Form):
    name = forms.CharField(
        max_length=Site._meta.get_field("name").max_length,
        help_text="As the council knows it, for example Church green",
        error_messages={
            "required": "Enter the site's name",
            "max_length": "The name must be 120 characters or fewer",
        },
    )
    what_is_there = forms.CharField(
        label="What is there",
        required=False,
        max_length=Site._meta.get_field("what_is_there").max_length,
        help_text="For example grass, 0.2 hectares, two benches",
        error_messages={"max_length": "What is there must be 300 characters or fewer"},
    )
    where = forms.CharField(
        label="Where it is",
        required=False,
        max_length=WHERE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="In words someone new to the parish could follow",
        error_messages={"max_length": f"Where it is must be {WHERE_MAX_LENGTH:,} characters or fewer"},
    )
    grid_reference = forms.CharField(
        label="OS grid reference",
        required=False,
        max_length=40,
        help_text="Two letters and an even number of digits, for example NY 7720 0870",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "spellcheck": "false"}),
        error_messages={"max_length": GRID_REFERENCE_MESSAGE},
    )

    def __init__(self, *args, site: Site | None = None, **kwargs):
        if site is not None:
            kwargs["initial"] = {field: getattr(site, field) for field in sites.FIELDS}
        super().__init__(*args, **kwargs)

    def clean_name(self):
        return _one_line(self.cleaned_data["name"], "The name")

    def clean_what_is_there(self):
        return _one_line(self.cleaned_data["what_is_there"], "What is there")

    def clean_grid_reference(self):
        value = self.cleaned_data["grid_reference"].strip()
        if value:
            validate_grid_reference(value)
            value = normalise_grid_reference(value)
        return value


def site_list(request, council_id):
    council, _ = get_council_for_user(request.user, council_id)
    all_sites = list(sites.sites_of(council))
    return render(
        request,
        "services/sites/list.html",
        {
            "council": council,
            "live": [s for s in all_sites if s.retired_at is None],
            "retired": [s for s in all_sites if s.retired_at is not None],
            "may_keep": may_keep_sites(request.user, council.pk),
        },
    )


def _keeper_council(request, council_id):
    council, _ = get_council_for_user(request.user, council_id)
    require(may_keep_sites(request.user, council.pk))
    return council


def _save(form, change) -> bool:
    """Call the service with the form's data; its refusal goes by the field it is about."""
    try:
        change(**form.cleaned_data)
    except sites.SiteError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return False
    return True


def site_add(request, council_id):
    council = _keeper_council(request, council_id)
    form = SiteForm(*form_data(request))

    def add(**data):
        sites.add_site(acting_user=request.user, council=council, **data)

    if request.method == "POST" and form.is_valid() and _save(form, add):
        messages.success(request, f"The site {form.cleaned_data['name'].strip()} has been added.")
        return redirect("services:sites", council.pk)
    return render(
        request,
        "services/sites/form.html",
        {"council": council, "form": form, "heading": "Add a site", "button": "Add the site"},
    )


def site_edit(request, council_id, site_id):
    council = _keeper_council(request, council_id)
    site = get_object_or_404(Site.objects.filter(council=council), pk=site_id)
    form = SiteForm(*form_data(request), site=site)

    def edit(**data):
        sites.edit_site(acting_user=request.user, site=site, changes=data)

    if request.method == "POST" and form.is_valid() and _save(form, edit):
        messages.success(request, "The site has been saved.")
        return redirect("services:sites", council.pk)
    return render(
        request,
        "services/sites/form.html",
        {"council": council, "form": form, "site": site, "heading": f"Change {site.name}", "button": "Save"},
    )


def site_retire(request, council_id, site_id):
    """A confirmation page, then retiring; a retired site is brought back by the same address."""
    council = _keeper_council(request, council_id)
    site = get_object_or_404(Site.objects.filter(council=council), pk=site_id)
    if request.method == "POST":
        retire = site.retired_at is None
        sites.set_retired(acting_user=request.user, site=site, retired=retire)
        messages.success(request, f"The site {site.name} has been {'retired' if retire else 'brought back'}.")
        return redirect("services:sites", council.pk)
    return render(
        request,
        "services/sites/retire.html",
        {"council": council, "site": site, "arrangement_count": site.arrangements.count()},
    )
