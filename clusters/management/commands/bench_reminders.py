import json

from django.core.management.base import BaseCommand

from clusters.bench import reminder_scan


class Command(BaseCommand):
    help = (
        "Measure the daily reminder scan over N due items built in bulk (and its rerun): time, "
        "queries, peak memory. Everything it writes is rolled back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=100_000, help="How many due items (default 100,000)")

    def handle(self, *args, items, **options):
        self.stdout.write(json.dumps(reminder_scan(items), indent=2))
