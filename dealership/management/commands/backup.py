"""``python manage.py backup [--output DIR]``: the database and the stored files, with a manifest
of counts and checksums (dealership/backup.py; README, "Backups")."""

from django.core.management.base import BaseCommand, CommandError

from dealership.backup import BackupError, backup_create, default_backup_dir, read_manifest


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, or a copy of the SQLite file) and the stored files into "
        "a new <BACKUP_DIR or var/backups>/<UTC timestamp>/ directory with a manifest of counts "
        "and checksums. On PostgreSQL, DATABASE_URL must name a superuser or a role with "
        "BYPASSRLS (row-level security hides the rows from the app's role)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            metavar="DIR",
            help=f"where the backup's directory is made (default: {default_backup_dir()})",
        )

    def handle(self, *args, output=None, **options):
        try:
            directory = backup_create(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = read_manifest(directory)
        rows = sum(
            entry["count"]
            for table in manifest["tenant_tables"].values()
            for entry in table.values()
        )
        size = sum(f.stat().st_size for f in directory.iterdir())
        self.stdout.write(
            f"{len(manifest['dealerships'])} dealerships, {rows} dealership rows in "
            f"{len(manifest['tenant_tables'])} tables, {len(manifest['tables'])} other tables, "
            f"{len(manifest['files'])} stored files; {size / 1e6:.1f} MB."
        )
        self.stdout.write(self.style.SUCCESS(f"Backup written to {directory}"))
