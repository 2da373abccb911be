"""Signals the consultations layer sends, for the layers above it to hear (ARCHITECTURE.md, Layers).

`consultations_bulk_written` is sent after records were written in bulk (the spreadsheet import):
no model signal fired for them. Its argument `fiscal_years` is the set of fiscal years the rows
fall in; the reports connect to it to mark those years' cached tables stale.
"""

from django.dispatch import Signal

consultations_bulk_written = Signal()
