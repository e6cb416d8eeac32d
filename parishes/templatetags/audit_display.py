"""{% load audit_display %}: the audit trail's rows and moments, as parishes.audit_display reads them."""

from django import template

from .. import audit_display

register = template.Library()

register.filter("audit_rows", audit_display.rows)
register.filter("govuk_datetime", audit_display.govuk_datetime)
