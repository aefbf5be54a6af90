"""``send_reminders [--as-of DATE] [--dry-run]``: the day's reminder digests, escalations and
supervisors' digests, by e-mail and through the channels, each sent once."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notices.sending import send_reminders


def iso_date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be a date as YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = "Send each responsible person one digest of what is due, overdue or to report, and nudges; idempotent per day."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=str, help="the day to remind for (YYYY-MM-DD); today by default")
        parser.add_argument("--dry-run", action="store_true", help="show who would get what; send and record nothing")

    def handle(self, *args, as_of=None, dry_run=False, **options):
        day = iso_date(as_of) if as_of else timezone.localdate()
        report = send_reminders(day, dry_run=dry_run)
        for digest in report.digests:
            where = digest.address or "(no e-mail: inbox only)"
            state = "FAILED" if digest in report.failed else ("would deliver" if dry_run else "delivered")
            self.stdout.write(
                f"{state}: {digest.user.get_username()} <{where}>: "
                f"{len(digest.measures)} measure(s), {len(digest.nudges)} nudge(s)"
            )
        verb = "would go" if dry_run else "went"
        self.stdout.write(
            f"{day}: {len(report.digests)} digest(s) {verb} out; "
            f"{len(report.inbox_only)} to the inbox only (no e-mail address)."
        )
        for delivery in report.deliveries:
            self.stdout.write(f"{delivery.get_status_display()}: {delivery.event} → {delivery.channel.name} ({delivery.attempts} attempt(s))")
        if not dry_run:
            self.stdout.write(f"{len(report.deliveries)} channel message(s), {len(report.failed_deliveries)} failed.")
        if report.failed:
            raise CommandError(f"{len(report.failed)} digest(s) could not be mailed; run again to retry them.")
        if report.failed_deliveries:
            raise CommandError(
                f"{len(report.failed_deliveries)} channel message(s) failed after retries; "
                "see the delivery log (管理后台 → 投递记录) and resend from there."
            )
