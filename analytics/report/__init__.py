"""The board pack's content model and the scorecards workbook."""
