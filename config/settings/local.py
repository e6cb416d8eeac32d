"""The quick start: SQLite (unless DATABASE_URL says otherwise), tasks in-process, emails to the console."""

from .base import *  # noqa: F403

DEBUG = True
