"""`python -m bench.inside <step> [args]`: sets Django up (bench.settings, from the environment bench.run
gives), then runs bench.<step>.main(args): prepare, pdfs or reminders. Their modules import Django's
models at the top, so they are only imported here, after setup."""

import importlib
import sys

import django

STEPS = ("prepare", "pdfs", "reminders")

if __name__ == "__main__":
    step = sys.argv[1]
    if step not in STEPS:
        sys.exit(f"unknown step {step!r}: one of {', '.join(STEPS)}")
    django.setup()
    importlib.import_module(f"bench.{step}").main(sys.argv[2:])
