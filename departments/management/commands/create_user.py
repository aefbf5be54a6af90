from django.core.management.base import BaseCommand, CommandError

from departments.roles import ROLE_GROUPS, RoleError, create_account


class Command(BaseCommand):
    help = (
        "Create or update an account with one role (admin, supervisor, staff). "
        "Staff need at least one --department (matched by name, created if missing). "
        "Without --password a new account cannot log in until a password is set."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=list(ROLE_GROUPS))
        parser.add_argument("--department", action="append", default=[], dest="departments")
        parser.add_argument("--password")
        parser.add_argument("--email", default="")

    def handle(self, username, role, departments, password, email, **options):
        try:
            user, created = create_account(username, role, departments=departments, password=password, email=email)
        except RoleError as error:
            raise CommandError(str(error)) from error
        verb = "created" if created else "updated"
        where = f" in {', '.join(departments)}" if departments else ""
        self.stdout.write(f"{verb} {role} {user.username}{where}")
