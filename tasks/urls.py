from django.urls import path

from .views import bulk, dashboard, exports, measures, reports, review, todo, years

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("overdue/", dashboard.overdue, name="overdue"),
    path("due-soon/", dashboard.due_soon, name="due_soon"),
    path("measures/", dashboard.measure_list, name="measure_list"),
    path("measures/export/", dashboard.measure_export, name="measure_export"),
    path("measures/audit/", dashboard.measure_audit, name="measure_audit"),
    path("departments/<id:pk>/", dashboard.department_detail, name="department_detail"),
    path("plans/<str:slug>/export/", exports.plan_export, name="plan_export"),
    path("plans/<str:slug>/writeback/", exports.plan_writeback, name="plan_writeback"),
    path("plans/<str:slug>/audit/", exports.plan_audit, name="plan_audit"),
    path("plans/<str:slug>/report/", reports.evaluation_report, name="evaluation_report"),
    path("plans/<str:slug>/years/", years.plan_years, name="plan_years"),
    path("plans/<str:slug>/years/close/", years.close, name="close_year"),
    path("plans/<str:slug>/years/reopen/", years.reopen, name="reopen_year"),
    path("plans/<str:slug>/years/rollover/", years.rollover, name="rollover"),
    path("start/", todo.start, name="start"),
    path("my/", todo.my_measures, name="my_measures"),
    path("my/report-many/", bulk.report_many, name="report_many"),
    path("measures/<id:pk>/", measures.measure_detail, name="measure_detail"),
    path("measures/<id:pk>/progress/<int:year>/", measures.report, name="report_progress"),
    path("measures/<id:pk>/progress/<int:year>/review/", review.review, name="review_report"),
    path("measures/<id:pk>/progress/<int:year>/withdraw/", measures.withdraw, name="withdraw_report"),
    path("measures/<id:pk>/extensions/", review.ask_extension, name="request_extension"),
    path("extensions/<id:pk>/decision/", review.decide, name="decide_extension"),
    path("evidence/<id:pk>/", measures.evidence_file, name="evidence_file"),
    path("review/", review.queue, name="review_queue"),
    path("review/bulk/", bulk.review_many, name="review_many"),
]
