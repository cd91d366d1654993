from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.utils import OperationalError

PG_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
REDIS_START = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'


class Command(BaseCommand):
    help = "Check that the configured PostgreSQL and Redis answer; say how to start the one that does not."

    def add_arguments(self, parser):
        parser.add_argument("--require-postgres", action="store_true")
        parser.add_argument("--require-redis", action="store_true")

    def handle(self, *args, **options):
        problems = []
        db = settings.DATABASES["default"]
        if options["require_postgres"] and connection.vendor != "postgresql":
            problems.append("DATABASE_URL does not point to PostgreSQL (the test suite needs it).")
        else:
            try:
                connection.ensure_connection()
            except OperationalError as exc:
                if (
                    "does not exist" in str(exc)
                    and options["require_postgres"]
                    and self._create_database(db)
                ):
                    return self.handle(*args, **options)
                where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
                problems.append(
                    f"PostgreSQL at {where} is unreachable ({str(exc).strip().splitlines()[0]}).\n"
                    f"    Start it with: {PG_START}"
                )
        if options["require_redis"] and not settings.REDIS_URL:
            problems.append("REDIS_URL is not set (the test suite needs Redis).")
        elif settings.REDIS_URL:
            import redis

            try:
                redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
            except redis.RedisError as exc:
                problems.append(
                    f"Redis at {settings.REDIS_URL} is unreachable ({exc}).\n    Start it with: {REDIS_START}"
                )
        if problems:
            raise CommandError("\n".join(problems))
        self.stdout.write(
            "PostgreSQL and Redis are reachable."
            if settings.REDIS_URL
            else "Database is reachable."
        )

    def _create_database(self, db) -> bool:
        """The server answers but the database is missing: create it (test set-up only)."""
        import psycopg
        from psycopg import sql

        try:
            with psycopg.connect(
                dbname="postgres",
                user=db.get("USER") or None,
                password=db.get("PASSWORD") or None,
                host=db.get("HOST") or None,
                port=db.get("PORT") or None,
                autocommit=True,
            ) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
        except psycopg.Error:
            return False
        connection.close()
        self.stdout.write(f"Created the database {db['NAME']}.")
        return True
