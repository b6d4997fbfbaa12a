"""Culture analytics for health and social care: pure pandas / scipy / statsmodels.

Nothing in this package imports Streamlit. Pages, exports and the command line
(``python -m analytics``) all call the same functions, and every table that leaves
the package has passed the anonymity rules of :mod:`analytics.survey.privacy`.
"""

from analytics.errors import InputError

__all__ = ["InputError"]
