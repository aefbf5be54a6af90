"""API representations: measures as interchange objects, and a progress report."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from ..choices import ProgressStatus
from tasks.exporting.interchange import to_interchange


class MeasureSerializer(serializers.BaseSerializer):
    """A measure as the JSON interchange object of DESIGN.md (``tasks.exporting.interchange``)."""

    def to_representation(self, measure):
        return to_interchange(measure)


class MeasureSerializerSchema(OpenApiSerializerExtension):
    """The schema's name for ``MeasureSerializer``: an object whose shape docs/interchange.schema.json gives."""

    target_class = MeasureSerializer

    def map_serializer(self, auto_schema, direction):
        return {
            "type": "object",
            "description": "a measure as the interchange object of DESIGN.md (docs/interchange.schema.json, $defs/measure)",
            "required": ["id", "plan", "measure", "deadlines", "progress", "completed"],
            "additionalProperties": True,
        }


class ProgressReportSerializer(serializers.Serializer):
    """A report for one year; ``version`` is the one last read (leave it out only for a year never reported)."""

    year = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ProgressStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    done_on = serializers.DateField(required=False, allow_null=True, default=None)
    version = serializers.IntegerField(required=False, allow_null=True, min_value=0, default=None)

    def validate_year(self, year):
        if year not in self.context["measure"].plan.years:
            raise serializers.ValidationError(_("%(year)s 年不在本台账的年度范围内。") % {"year": year})
        return year

    def validate_done_on(self, done_on):
        if done_on is not None and done_on > timezone.localdate():
            raise serializers.ValidationError(_("完成日期不能晚于今天。"))
        return done_on

    def validate(self, data):
        if data["status"] != ProgressStatus.DONE:
            data["done_on"] = None
        return data


class WithdrawSerializer(serializers.Serializer):
    """Withdraw one's own report of ``year`` waiting for review; ``version`` is the one last read."""

    year = serializers.IntegerField()
    version = serializers.IntegerField(required=False, allow_null=True, min_value=0, default=None)

    def validate_year(self, year):
        if year not in self.context["measure"].plan.years:
            raise serializers.ValidationError(_("%(year)s 年不在本台账的年度范围内。") % {"year": year})
        return year


#: The body of a refusal (DRF's): ``{"detail": "…"}``.
ERROR = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}

#: The body of a 409: why, and the version stored now (send it back after reading the report again).
CONFLICT = {
    "type": "object",
    "required": ["detail", "version"],
    "properties": {"detail": {"type": "string"}, "version": {"type": "integer"}},
}
