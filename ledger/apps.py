"""Third-party apps under names the admin shows in Chinese (their own configs name them in English)."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("登录保护")


class TaskResultsConfig(TasksAppConfig):
    verbose_name = _("后台任务队列")
