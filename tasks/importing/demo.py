"""Demo data: the two real ledgers and one account per role."""

from django.conf import settings
from django.db import transaction

from departments.roles import ADMIN, STAFF, SUPERVISOR, create_account

from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger
from tasks.models import Plan

#: The real ledgers shipped in fixtures/, with what each file does not say itself.
DEMO_LEDGERS = [
    ("anshan.xlsx", ImportOptions(plan_slug="anshan")),
    ("guangyuan.xlsx", ImportOptions(plan_slug="guangyuan", years=[2023, 2024, 2025])),
]

DEMO_ACCOUNTS = [
    {"username": "admin", "password": "demo-admin", "role": ADMIN, "departments": []},
    {"username": "supervisor", "password": "demo-supervisor", "role": SUPERVISOR, "departments": []},
    {"username": "fagui", "password": "demo-staff", "role": STAFF, "departments": ["政策法规科"]},
    {"username": "sifaju", "password": "demo-staff", "role": STAFF, "departments": ["市司法局"]},
]


@transaction.atomic
def load_demo(*, if_empty=False, stdout=None):
    """Import both real ledgers and create the demo accounts; False when skipped because a plan exists."""
    if if_empty and Plan.objects.exists():
        return False
    for file_name, options in DEMO_LEDGERS:
        report = import_ledger(settings.BASE_DIR / "fixtures" / file_name, options=options)
        if stdout is not None:
            for line in report.lines():
                stdout.write(line)
    for account in DEMO_ACCOUNTS:
        create_account(
            account["username"], account["role"], departments=account["departments"], password=account["password"]
        )
    return True
