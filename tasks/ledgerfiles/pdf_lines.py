"""The ruling lines a PDF page draws: horizontal and vertical strokes and thin rectangles.

Read from pdfium's path objects (inside form XObjects too), every segment mapped to page
coordinates through the object's matrix; straight segments that run across or down the page
are kept, as are the sides of rectangles (exporters draw borders as lines, as rectangles and as
thin filled rectangles). pdfplumber finds the same edges but parses every character with
pdfminer on the way, about ten times slower on a 50-page ledger; its ``merge_edges`` then joins
the pieces (a table border is often drawn cell by cell) here.

Positions are points from the page's top left, like ``pdf_text``.
"""

import ctypes

import pypdfium2.raw as pdfium_c
from pdfplumber.table import merge_edges

#: pt: lines this close are one line; a stroke this short, or a rectangle this thin, is a line.
TOLERANCE = 2.0
_MAX_DEPTH = 8  # forms within forms


def ruling_lines(page) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
    """``(horizontal, vertical)`` of a pypdfium2 page: ``(y, x0, x1)`` and ``(x, top, bottom)``."""
    height = page.get_height()
    edges = []
    handle = page.raw
    for index in range(pdfium_c.FPDFPage_CountObjects(handle)):
        _collect(pdfium_c.FPDFPage_GetObject(handle, index), (1, 0, 0, 1, 0, 0), height, edges, 0)
    edges = merge_edges(edges, TOLERANCE, TOLERANCE, TOLERANCE, TOLERANCE)
    horizontal = [(edge["top"], edge["x0"], edge["x1"]) for edge in edges if edge["orientation"] == "h"]
    vertical = [(edge["x0"], edge["top"], edge["bottom"]) for edge in edges if edge["orientation"] == "v"]
    return horizontal, vertical


def _collect(obj, outer, height, edges, depth):
    kind = pdfium_c.FPDFPageObj_GetType(obj)
    if kind not in (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM) or depth > _MAX_DEPTH:
        return
    matrix = pdfium_c.FS_MATRIX()
    own = (1, 0, 0, 1, 0, 0)
    if pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(matrix)):
        own = (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)
    combined = _compose(own, outer)
    if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
        for index in range(pdfium_c.FPDFFormObj_CountObjects(obj)):
            _collect(pdfium_c.FPDFFormObj_GetObject(obj, index), combined, height, edges, depth + 1)
        return
    thin = _thin_box(obj, combined, height)
    if thin:
        edges.append(thin)
        return
    for start, end in _segments(obj, combined):
        edge = _edge(start, end, height)
        if edge:
            edges.append(edge)


def _compose(inner, outer):
    """The matrix applying ``inner`` then ``outer`` (PDF's row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _apply(matrix, x, y):
    a, b, c, d, e, f = matrix
    return a * x + c * y + e, b * x + d * y + f


def _segments(obj, matrix):
    """The straight segments of a path, closing segments included, in page space (y up)."""
    x, y = ctypes.c_float(), ctypes.c_float()
    start = current = None
    for index in range(pdfium_c.FPDFPath_CountSegments(obj)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, index)
        if not pdfium_c.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y)):
            continue
        point = _apply(matrix, x.value, y.value)
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        if kind == pdfium_c.FPDF_SEGMENT_LINETO and current is not None:
            yield current, point
        elif kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            start = point
        current = point
        if pdfium_c.FPDFPathSegment_GetClose(segment) and start is not None and current != start:
            yield current, start
            current = start


def _thin_box(obj, matrix, height):
    """A path whose whole extent is a thin bar (a border drawn as a filled rectangle) as one edge."""
    points = [point for segment in _segments(obj, matrix) for point in segment]
    if not points:
        return None
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    width, tall = max(xs) - min(xs), max(ys) - min(ys)
    if width < TOLERANCE and tall >= TOLERANCE:
        return _edge(((min(xs) + max(xs)) / 2, min(ys)), ((min(xs) + max(xs)) / 2, max(ys)), height)
    if tall < TOLERANCE and width >= TOLERANCE:
        return _edge((min(xs), (min(ys) + max(ys)) / 2), (max(xs), (min(ys) + max(ys)) / 2), height)
    return None


def _edge(start, end, height):
    """A pdfplumber edge for a segment that runs across or down the page; None for any other."""
    (x0, y0), (x1, y1) = start, end
    if abs(y1 - y0) < 0.5 and abs(x1 - x0) >= TOLERANCE:
        top = height - (y0 + y1) / 2
        left, right = sorted((x0, x1))
        return {"orientation": "h", "x0": left, "x1": right, "top": top, "bottom": top, "width": right - left, "height": 0}
    if abs(x1 - x0) < 0.5 and abs(y1 - y0) >= TOLERANCE:
        top, bottom = sorted((height - y0, height - y1))
        return {"orientation": "v", "x0": x0, "x1": x0, "top": top, "bottom": bottom, "width": 0, "height": bottom - top}
    return None
