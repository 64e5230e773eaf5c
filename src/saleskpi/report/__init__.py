"""Reports a manager opens without a terminal: the Excel workbook (:func:`write_xlsx`).

Every report reads stored results only, through the one reader with the user's scope
(:func:`saleskpi.results.read`, :mod:`saleskpi.access`); its headers and tooltips come from the
result declarations (docs/report.md).
"""

from saleskpi.report.xlsx import SHEETS, ReportSummary, write_xlsx

__all__ = ["SHEETS", "ReportSummary", "write_xlsx"]
