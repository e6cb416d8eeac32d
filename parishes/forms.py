from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone

from config.text import CONTROL_CHARACTERS

from .invitations import NAME_MAX_LENGTH, clean_person_name
from .models import AreaRole, Council, CouncilRole
from .register import MAX_PEOPLE
from .roles import GRANTABLE_COUNCIL_PERMISSIONS


def form_data(request, files=False) -> tuple:
    """A form's data when the request is a POST, even an empty one, so that it is validated."""
    if request.method != "POST":
        return (None, None) if files else (None,)
    return (request.POST, request.FILES) if files else (request.POST,)


def _count_field(label: str) -> forms.IntegerField:
    """A number of people: bounded as the register import bounds it, far inside the integer column."""
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=MAX_PEOPLE,
        error_messages={
            "invalid": f"{label} must be a whole number, like 1200",
            "min_value": f"{label} must be 0 or more",
            "max_value": f"{label} must be {MAX_PEOPLE:,} or fewer",
        },
    )


class CouncilProfileForm(forms.ModelForm):
    population = _count_field("Population")
    electorate = _count_field("Electorate")
    address = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "The address must be 1,000 characters or fewer"},
    )
    website = forms.URLField(
        required=False,
        assume_scheme="https",
        max_length=200,
        error_messages={
            "invalid": "Enter a web address in the correct format, like www.ashby-pc.org.uk",
            "max_length": "The web address must be 200 characters or fewer",
        },
    )

    class Meta:
        model = Council
        fields = ["name", "kind", "population", "electorate", "email", "phone", "address", "website"]
        error_messages = {
            "name": {
                "required": "Enter the council's name",
                "max_length": "The council's name must be 120 characters or fewer",
            },
            "kind": {"required": "Select the kind of council"},
            "email": {
                "invalid": "Enter an email address in the correct format, like clerk@example.org",
                "max_length": "The email address must be 254 characters or fewer",
            },
            "phone": {"max_length": "The phone number must be 40 characters or fewer"},
        }

    def clean_name(self):
        name = self.cleaned_data["name"]
        if CONTROL_CHARACTERS.search(name):
            raise forms.ValidationError("Enter the council's name on one line, without control characters")
        return name


class TaxBaseForm(forms.Form):
    financial_year = forms.TypedChoiceField(
        label="Financial year",
        coerce=int,
        help_text="Financial years run from 1 April to 31 March",
        error_messages={"required": "Select the financial year"},
    )
    band_d = forms.DecimalField(
        label="Council tax base (Band D equivalents)",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text="As published by the billing authority, for example 412.60",
        error_messages={
            "required": "Enter the tax base in Band D equivalents",
            "invalid": "The tax base must be a number, like 412.60",
            "min_value": "The tax base must be 0 or more",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        current = today.year if today.month >= 4 else today.year - 1
        # From five years back to the coming year, whose tax base is published before the precept.
        self.fields["financial_year"].choices = [
            (year, f"{year}–{(year + 1) % 100:02d}") for year in range(current + 1, current - 6, -1)
        ]


class PersonNameField(forms.CharField):
    """A person's name as it may appear in an email: see invitations.clean_person_name."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", NAME_MAX_LENGTH)
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault(
            "max_length", f"The name must be {NAME_MAX_LENGTH} characters or fewer"
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return clean_person_name(value)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class InviteForm(forms.Form):
    name = PersonNameField(required=False, help_text="Used to greet them in the email")
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "The email address must be 254 characters or fewer",
        },
    )
    role = forms.ChoiceField(widget=forms.RadioSelect, error_messages={"required": "Select a role"})

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles


def council_invite_form(data=None):
    return InviteForm(data, roles=CouncilRole.Kind.choices)


def area_invite_form(data=None):
    return InviteForm(data, roles=AreaRole.Kind.choices)


class PermissionsForm(forms.Form):
    permissions = forms.MultipleChoiceField(
        label="Permissions given to this person",
        help_text="In addition to what their role lets them do",
        choices=list(GRANTABLE_COUNCIL_PERMISSIONS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class CouncilSearchForm(forms.Form):
    q = forms.CharField(label="Name or GSS code", required=False, max_length=120)
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "All kinds"), *Council.Kind.choices])
    district = forms.ChoiceField(label="District", required=False)

    def __init__(self, *args, districts=(), **kwargs):
        """districts: those the area's councils lie in, the only ones the filter offers."""
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", "All districts")] + [(d.gss_code, str(d)) for d in districts]


class RegisterUploadForm(forms.Form):
    file = forms.FileField(
        label="Upload a CSV file",
        help_text=(
            "Columns: gss_code, name, kind, population, electorate, and district (a name or GSS code, "
            "needed only where the ONS data does not know the parish's district). "
            "The first row names the columns."
        ),
        error_messages={"required": "Select a CSV file", "empty": "The selected file is empty"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # A file stopped while it streamed (config.uploads.RefusedUpload) is over the limit too.
        if getattr(upload, "refused", False) or upload.size > settings.REGISTER_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file must be smaller than {settings.REGISTER_IMPORT_MAX_BYTES // (1024 * 1024)} MB"
            )
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError("The selected file must be a CSV")
        return upload


class NewPersonForm(forms.Form):
    """The invited person's name and password, when they have no account yet."""

    name = PersonNameField(label="Full name", error_messages={"required": "Enter your full name"})
    password1 = forms.CharField(
        label="Create a password",
        widget=forms.PasswordInput,
        strip=False,
        help_text="At least 10 characters; not a common password",
        error_messages={"required": "Create a password"},
    )
    password2 = forms.CharField(
        label="Confirm password",
        widget=forms.PasswordInput,
        strip=False,
        error_messages={"required": "Confirm your password"},
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The passwords do not match")
        elif first:
            try:
                validate_password(first, get_user_model()(email=self.email, name=cleaned.get("name", "")))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
