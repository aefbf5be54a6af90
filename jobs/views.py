"""The status page of a background export, which becomes its download; only its owner sees either."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .models import Export, ExportState


def own_export(request, pk):
    """The export, if the user asked for it; 404 for anyone else (its id says nothing to them)."""
    return get_object_or_404(Export.objects.select_related("plan"), pk=pk, owner=request.user)


@require_GET
@login_required
def export_status(request, pk):
    """``/exports/<id>/``: waiting, ready (the link) or failed (the reason); htmx polls the state part."""
    export = own_export(request, pk)
    template = "jobs/_export_state.html" if request.headers.get("HX-Request") else "jobs/export_status.html"
    return render(request, template, {"export": export})


@require_GET
@login_required
def export_download(request, pk):
    export = own_export(request, pk)
    if export.state != ExportState.READY or not export.file:
        raise Http404("this export is not ready")
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=export.filename, content_type=export.content_type)
