"""The email preferences on the person's account page, and who is offered each.

`accounts` knows nothing of areas or councils, so the app that sends an email registers, from its
`AppConfig.ready()`, who is offered the preference that turns it on (as with accounts.two_factor's
rules): a boolean field of the User, the question in that app's words, and a function of the person
from that app's access.py.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms


@dataclass(frozen=True)
class Preference:
    field_name: str
    question: str  # "Do you want …?"
    hint: str
    # Refused when no answer is given: "Select yes if you want …".
    error: str
    offered_to: Callable[..., bool]


preferences: list[Preference] = []


def offer_preference(field_name: str, *, question: str, hint: str, error: str, to: Callable[..., bool]):
    preferences.append(Preference(field_name, question, hint, error, to))


def preferences_for(user) -> list[Preference]:
    return [preference for preference in preferences if preference.offered_to(user)]


class PreferencesForm(forms.Form):
    """A yes-or-no question per preference the person is offered: GOV.UK radios rather than a
    checkbox, so that a missing or unknown answer is refused instead of read as no."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for preference in preferences_for(user):
            self.fields[preference.field_name] = forms.ChoiceField(
                label=preference.question,
                help_text=preference.hint,
                choices=[("yes", "Yes"), ("no", "No")],
                widget=forms.RadioSelect,
                initial="yes" if getattr(user, preference.field_name) else "no",
                error_messages={"required": preference.error, "invalid_choice": preference.error},
            )

    def save(self) -> None:
        for name in self.fields:
            setattr(self.user, name, self.cleaned_data[name] == "yes")
        self.user.save(update_fields=list(self.fields))
