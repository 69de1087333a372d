"""A report snapshot's files (issue 24): the JSON as stored, and the CSV, XLSX and PDF made from
it (``cases.documents.report``) with names in the active language."""

import json

from ..models import ReportSnapshot
from ..reports import monthly
from . import report

FILE_KINDS = ("json", "csv", "xlsx", "pdf")
CONTENT_TYPES = {"json": "application/json", **report.CONTENT_TYPES}


def snapshot_file(snapshot: ReportSnapshot, kind: str) -> tuple[str, bytes]:
    """The file ``kind`` of ``snapshot`` and its name: the stored JSON as it is, the others made
    from it with names in the active language (``PdfUnavailable`` without a PDF renderer)."""
    data = snapshot.data
    name = report.filename(data, kind).replace(f".{kind}", f"-v{snapshot.version}.{kind}")
    if kind == "json":
        return name, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    makers = {"csv": report.to_csv, "xlsx": report.to_xlsx, "pdf": report.to_pdf}
    return name, makers[kind](monthly.labelled(data))
