"""``add_channel NAME --kind email|wecom|dingtalk|feishu|webhook [--url URL] [--secret S]
[--department NAME]... [--user NAME]...``: make or update a notification channel and whom it serves.

Options left out keep what the channel has; ``--department`` / ``--user`` given replace its list."""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from departments.models import Department
from notices.models import Channel, ChannelKind


class Command(BaseCommand):
    help = (
        "Make or update a notification channel (a department's group robot, a person's own) and whom it serves. "
        "--url: the robot's key / access token / hook token or full URL, an e-mail address, or the webhook URL."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--kind", required=True, choices=ChannelKind.values)
        parser.add_argument("--url", help="robot key, token or full URL; e-mail address; webhook URL")
        parser.add_argument("--secret", help="signing secret (DingTalk 加签, Feishu 签名校验, webhook HMAC)")
        parser.add_argument("--department", action="append", default=[], help="a department it serves (repeatable)")
        parser.add_argument("--user", action="append", default=[], help="a user (login name) it serves (repeatable)")
        parser.add_argument("--inactive", action="store_true", help="keep the channel but send nothing through it")

    @transaction.atomic
    def handle(self, name, *, kind, url=None, secret=None, department, user, inactive=False, **options):
        departments = []
        for department_name in department:
            found = Department.objects.filter(name=department_name.strip()).first()
            if found is None:
                raise CommandError(f"没有名为 {department_name!r} 的部门（no such department）")
            departments.append(found)
        users = []
        for username in user:
            found = User.objects.filter(username=username).first()
            if found is None:
                raise CommandError(f"没有名为 {username!r} 的用户（no such user）")
            users.append(found)
        channel = Channel.objects.filter(name=name).first() or Channel(name=name)
        created = channel.pk is None
        channel.kind = kind
        if url is not None:
            channel.address = url
        if secret is not None:
            channel.secret = secret
        channel.active = not inactive
        try:
            channel.full_clean()
        except ValidationError as error:
            raise CommandError("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items()))
        channel.save()
        if departments:
            channel.departments.set(departments)
        if users:
            channel.users.set(users)
        serves = [d.name for d in channel.departments.all()] + [u.get_username() for u in channel.users.all()]
        verb = "created" if created else "updated"
        self.stdout.write(f"{verb}: {channel.name} ({channel.kind}); serves: {', '.join(serves) or 'nobody yet'}")
