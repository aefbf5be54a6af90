from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("台账任务")

    def ready(self):
        from tasks.standing.kept import tick_on_edits

        tick_on_edits()
