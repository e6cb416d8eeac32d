"""Every Django form renders in the GOV.UK Design System's markup (templates/forms/)."""

from django.forms import widgets
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting

from .date_input import GovukDateInput, box_id, boxes_at_fault, hint_with_example


def _widget_classes(widget: widgets.Widget, has_errors: bool) -> list[str]:
    """The GOV.UK class (and error modifier) for the element a widget renders."""
    # Order matters: CheckboxSelectMultiple is a RadioSelect, and checkbox/file inputs are Inputs.
    if isinstance(widget, widgets.CheckboxSelectMultiple | widgets.CheckboxInput):
        return ["govuk-checkboxes__input"]
    if isinstance(widget, widgets.RadioSelect):
        return ["govuk-radios__input"]
    if isinstance(widget, widgets.FileInput):
        base = "govuk-file-upload"
    elif isinstance(widget, widgets.Textarea):
        base = "govuk-textarea"
    elif isinstance(widget, widgets.Select):
        base = "govuk-select"
    elif isinstance(widget, widgets.Input) and not widget.is_hidden:
        base = "govuk-input"
    else:
        return []
    return [base, f"{base}--error"] if has_errors else [base]


class GovukBoundField(BoundField):
    def __init__(self, form, field, name):
        super().__init__(form, field, name)
        if self.is_date_input:
            self.help_text = hint_with_example(self.help_text)

    @property
    def is_date_input(self) -> bool:
        return isinstance(self.field.widget, GovukDateInput)

    def build_widget_attrs(self, attrs, widget=None):
        widget = widget or self.field.widget
        attrs = super().build_widget_attrs(attrs, widget)
        classes = [widget.attrs.get("class", ""), attrs.get("class", "")]
        classes += _widget_classes(widget, bool(self.errors))
        if css_class := " ".join(c for c in classes if c):
            attrs["class"] = css_class
        # GOV.UK: no placeholder text (it vanishes as people type and fails contrast). False
        # drops an attribute that a widget (allauth's, notably) sets for itself.
        attrs["placeholder"] = False
        if self.is_date_input:
            attrs[GovukDateInput.AT_FAULT] = boxes_at_fault(self.errors)
        return attrs

    @property
    def error_anchor_id(self) -> str:
        """The element the error summary links to: the first option of a radio/checkbox group, the
        first box at fault of a date."""
        if self.is_date_input:
            return box_id(self.auto_id, (boxes_at_fault(self.errors) or ["day"])[0])
        if isinstance(self.field.widget, widgets.RadioSelect):
            return f"{self.auto_id}_0"
        return self.id_for_label or self.auto_id


class GovukFormRenderer(TemplatesSetting):
    """Looks templates up through the TEMPLATES setting, so it finds the project's templates/forms/
    (and, with "django.forms" installed, Django's own widget templates)."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
    bound_field_class = GovukBoundField
