"""Demo data: the two real ledgers and one account per role."""

from django.db import transaction

from departments.roles import ADMIN, STAFF, SUPERVISOR, create_account

from .models import Plan

DEMO_ACCOUNTS = [
    {"username": "admin", "password": "demo-admin", "role": ADMIN, "departments": []},
    {"username": "supervisor", "password": "demo-supervisor", "role": SUPERVISOR, "departments": []},
    {"username": "fagui", "password": "demo-staff", "role": STAFF, "departments": ["政策法规科"]},
    {"username": "sifaju", "password": "demo-staff", "role": STAFF, "departments": ["市司法局"]},
]


@transaction.atomic
def load_demo(*, if_empty=False, stdout=None):
    """Create the demo accounts; returns False when skipped because a plan exists."""
    if if_empty and Plan.objects.exists():
        return False
    for account in DEMO_ACCOUNTS:
        create_account(
            account["username"], account["role"], departments=account["departments"], password=account["password"]
        )
    return True
