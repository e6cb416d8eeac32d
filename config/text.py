"""Names and other one-line text that reach a page heading or an email's subject line: no line
breaks or control characters (which also hide text, or reorder it, on screen)."""

import re

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
