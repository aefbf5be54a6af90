from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render

from tasks.models import Plan


@login_required
def home(request):
    """The landing page: the plans in this instance and their size."""
    plans = Plan.objects.annotate(
        section_count=Count("sections", distinct=True),
        task_count=Count("sections__tasks", distinct=True),
        measure_count=Count("sections__tasks__items__measures", distinct=True),
    )
    return render(request, "home.html", {"plans": plans})
