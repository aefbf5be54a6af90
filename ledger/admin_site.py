"""The admin site under the app's name, and the columns third-party admins leave unnamed in Chinese.

``ledger/urls.py`` imports this module; by then every app's admin module has registered its models.
Templates: ``templates/admin/base_site.html`` (the app's stylesheet and scripts on every admin page).
"""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

admin.site.site_header = _("任务台账 · 管理后台")
admin.site.site_title = _("任务台账管理后台")
admin.site.index_title = _("管理首页")


class LoginAttemptAdmin(AccessAttemptAdmin):
    """django-axes' failed logins, with its two computed columns named."""

    @admin.display(description=_("过期时间"))
    def expiration(self, obj):
        return super().expiration(obj)

    @admin.display(description=_("状态"))
    def status(self, obj):
        return super().status(obj)


class TaskResultAdmin(DBTaskResultAdmin):
    """The worker's queue (django-tasks-db), with its computed columns named."""

    @admin.display(description=_("任务"))
    def task_name(self, obj):
        return obj.task_name

    @admin.display(description=_("错误追踪"))
    def formatted_traceback(self, obj):
        return super().formatted_traceback(obj)

    @admin.display(description=_("最早执行时间"))
    def display_run_after(self, obj):
        return super().display_run_after(obj)


for model, model_admin in ((AccessAttempt, LoginAttemptAdmin), (DBTaskResult, TaskResultAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
        admin.site.register(model, model_admin)
