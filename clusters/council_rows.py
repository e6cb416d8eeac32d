"""One page on which a clerk records the same kind of resolution for every council they act for: a
clerk often serves a dozen small councils and records their votes, adoptions and answers together
after a round of meetings.

Each council has a row, a form of its own whose fields are prefixed with the council's id, so that
each row is validated on its own and shows its own errors. A row left blank records nothing
(Django's `empty_permitted`, as for a formset's extra forms); a row with anything filled in needs
every field.
"""

from django import forms

NOTHING_FILLED = "Record the resolution of at least one council"


class CouncilRow(forms.Form):
    """One council's row; the council is the form's, not a field a post could change."""

    def __init__(self, data=None, *, council, **kwargs):
        super().__init__(
            data,
            prefix=f"council-{council.pk}",
            empty_permitted=True,
            # Django refuses empty_permitted with the required attribute: a blank row is allowed.
            use_required_attribute=False,
            **kwargs,
        )
        self.council = council

    @property
    def non_field_errors_id(self) -> str:
        """Where forms/form.html shows the row's own errors, for the error summary to link to."""
        return f"{self.prefix}-non-field-errors"


class CouncilRows:
    """The rows of a page, one per council with something left to record, and the errors about the
    submission as a whole (nothing filled in)."""

    def __init__(self, row_class: type[CouncilRow], councils, data=None, **kwargs):
        self.rows = [row_class(data, council=council, **kwargs) for council in councils]
        self.errors: list[str] = []

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def is_valid(self) -> bool:
        # Every row, not only up to the first bad one: each shows its own errors.
        valid = [row.is_valid() for row in self.rows]
        if all(valid) and not self.filled():
            self.errors.append(NOTHING_FILLED)
        return all(valid) and not self.errors

    def filled(self) -> list[CouncilRow]:
        return [row for row in self.rows if row.is_bound and row.has_changed()]

    def refuse(self, council, message: str, field: str | None = None) -> None:
        """A service's refusal of one council's row, shown in that row."""
        row = next(row for row in self.rows if row.council.pk == council.pk)
        row.add_error(field if field in row.fields else None, message)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(row.errors for row in self.rows)


def council_names(rows) -> str:
    """The councils of the rows recorded, for the message that says so: "Ashby, Brough and Soulby"."""
    names = [row.council.name for row in rows]
    return f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else names[0]
