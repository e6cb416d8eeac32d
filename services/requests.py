"""(being written: see the issue 9 briefs)"""

# How this module's audit records read (parishes.audit_display.describe's keyword arguments).
AUDIT: dict = {}
