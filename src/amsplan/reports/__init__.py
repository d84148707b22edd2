"""Report rendering: the team lead's dashboard as one self-contained HTML page or a PDF.

Importing this package is cheap: matplotlib and WeasyPrint are imported when used.
"""

from __future__ import annotations

from amsplan.reports.dashboard import render_html, write_html, write_pdf

__all__ = ["render_html", "write_html", "write_pdf"]
