"""An admin page without the scripts of prepopulated fields it does not have.

Django's ModelAdmin loads urlify.js, prepopulate.js and XRegExp (171 KB of the 290 KB of script an
admin page loads) on every page, for the slug fields a form may fill in as one types. Only the
plan's form has one; the measure list, which staff supervisors open most, needs none of it.
"""

from django import forms
from django.contrib import admin

#: What Django's ModelAdmin.media adds for ``prepopulated_fields``.
SLUG_SCRIPTS = ("admin/js/urlify.js", "admin/js/prepopulate.js", "admin/js/vendor/xregexp/xregexp.js",
                "admin/js/vendor/xregexp/xregexp.min.js")


class LightModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose pages load the prepopulated fields' scripts only when it has such fields."""

    @property
    def media(self):
        media = super().media
        if self.prepopulated_fields:
            return media
        return forms.Media(js=[js for js in media._js if js not in SLUG_SCRIPTS], css=media._css)
