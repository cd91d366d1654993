"""``python manage.py restore DIR --yes``: replace the database and the stored files with a
backup, then verify the counts and checksums of its manifest (dealership/backup.py; README,
"Backups")."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dealership.backup import BackupError, backup_restore, file_roots, read_manifest


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup`: drops and re-creates the database "
        "(PostgreSQL; replaces the SQLite file), replaces the stored files, then compares every "
        "table's and dealership's counts and checksums and every file's sha256 with the "
        "manifest. Exits 1 when anything differs. Needs --yes."
    )
    requires_system_checks = []  # the database may not exist yet

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="a backup's directory")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="really replace the database and the stored files",
        )

    def handle(self, *args, directory, yes=False, **options):
        directory = Path(directory)
        try:
            manifest = read_manifest(directory)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        database = settings.DATABASES["default"]["NAME"]
        roots = ", ".join(str(p) for p in file_roots().values())
        if not yes:
            raise CommandError(
                f"restore replaces the database {database} and the stored files in {roots} "
                f"with the backup of {manifest['created_at']}; everything written since is "
                "lost. Stop the app, then run it again with --yes."
            )
        try:
            result = backup_restore(directory, say=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        for note in result.notes:
            self.stdout.write(self.style.WARNING(note))
        if not result.verified:
            raise CommandError(
                f"restored, but {len(result.differences)} difference(s) from the backup's "
                "manifest:\n  " + "\n  ".join(result.differences)
            )
        self.stdout.write(self.style.SUCCESS("restored and verified"))
