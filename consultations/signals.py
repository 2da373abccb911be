"""Signals of consultations for the layers above, which connect to them (no import upward)."""

from django.dispatch import Signal

# Sent after consultations were written in bulk (the spreadsheet import): no model signal fired.
# `fiscal_years`: the set of fiscal years the rows fall in (the reports' cache listens).
consultations_bulk_written = Signal()
