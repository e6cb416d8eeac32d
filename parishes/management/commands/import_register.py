from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from parishes.models import Area
from parishes.register import import_register


class Command(BaseCommand):
    help = "Import an area's council register from a CSV file: every row, or nothing if any is refused."

    def add_arguments(self, parser):
        parser.add_argument("area", help="The area's slug, for example cumbria")
        parser.add_argument("csv_file", type=Path)

    def handle(self, *args, area, csv_file, **options):
        area_obj = Area.objects.filter(slug=area).first()
        if area_obj is None:
            raise CommandError(f"There is no area {area!r}.")
        try:
            content = csv_file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {csv_file}: {error.strerror}") from None
        result = import_register(acting_user=None, area=area_obj, file_name=csv_file.name, content=content)
        if result.error:
            raise CommandError(result.error)
        for row in result.rows:
            reason = f": {row['reason']}" if row["reason"] else ""
            self.stdout.write(f"line {row['line']:>5}  {row['gss_code'] or '-':<10} {row['result']}{reason}")
        if result.refused_count:
            raise CommandError(f"{result.refused_count} row(s) refused: nothing imported.")
        self.stdout.write(
            self.style.SUCCESS(f"Imported: {result.created_count} added, {result.updated_count} updated.")
        )
