from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import Department, Membership, Person


class PersonInline(admin.TabularInline):
    model = Person
    extra = 0
    fields = ["name", "user", "phone", "email"]
    autocomplete_fields = ["user"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "order", "measure_count", "people_count"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]
    inlines = [PersonInline, MembershipInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("parent")
            .annotate(measure_total=Count("measures", distinct=True), people_total=Count("people", distinct=True))
        )

    @admin.display(description=_("措施数"), ordering="measure_total")
    def measure_count(self, department):
        return department.measure_total

    @admin.display(description=_("人员数"), ordering="people_total")
    def people_count(self, department):
        return department.people_total


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "department", "user", "phone", "email"]
    list_filter = [("department", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "department__name", "user__username", "email"]
    autocomplete_fields = ["department", "user"]
    list_select_related = ["department", "user"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "department"]
    list_filter = [("department", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username", "department__name"]
    autocomplete_fields = ["user", "department"]
    list_select_related = ["user", "department"]
