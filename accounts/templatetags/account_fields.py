from django import template

register = template.Library()


@register.filter
def field_with_label(bound_field, label: str):
    """The field's GOV.UK form group under the page's own label: allauth's are Title Case
    ("New Password (again)") and its forms are not ours to change."""
    bound_field.label = label
    return bound_field.as_field_group()
