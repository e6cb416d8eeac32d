from argparse import RawDescriptionHelpFormatter

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from parishes.national import NationalDataError, load_national, proportions


class _HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Keeps the line breaks of the proportions in the help."""


class Command(BaseCommand):
    help = (
        "Build every parish and community of England and Wales as councils in their real areas,\n"
        "with their people, in bulk (for the national-scale benchmark). Refuses a database that\n"
        "already has councils unless --force is given."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        # Read when asked, not at import: the later steps' paragraphs are registered by their apps.
        self.help = f"{Command.help}\n\n{proportions()}"
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, help="Only the first N parishes by GSS code (for tests)")
        parser.add_argument("--password", help="Password of every person made (default: none usable)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even though the database has councils; parishes already there are skipped",
        )

    def handle(self, *args, limit, password, force, **options):
        try:
            load = load_national(limit=limit, password=password, force=force)
        except NationalDataError as error:
            raise CommandError(str(error)) from error
        for label, count in load.counts.items():
            self.stdout.write(f"{label}: {count:,}")
        self.stdout.write(f"Loaded in {load.seconds:.1f} s")
