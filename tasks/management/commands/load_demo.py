from django.core.management.base import BaseCommand

from tasks.importing.demo import DEMO_ACCOUNTS, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo: both real ledgers from fixtures/ and one account per role "
        "(admin, supervisor, staff of two departments). Idempotent: running it again changes nothing. "
        "--if-empty does nothing when the database already holds a plan."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="skip when any plan exists")

    def handle(self, if_empty, **options):
        loaded = load_demo(if_empty=if_empty, stdout=self.stdout)
        if not loaded:
            self.stdout.write("demo skipped: the database already holds a plan")
            return
        self.stdout.write("demo accounts (username / password / role):")
        for account in DEMO_ACCOUNTS:
            departments = "、".join(account["departments"])
            self.stdout.write(f"  {account['username']} / {account['password']} / {account['role']} {departments}".rstrip())
