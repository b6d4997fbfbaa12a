"""Display layer shared by the pages.

* :mod:`render.charts` — Plotly figure builders: pure functions returning ``plotly.graph_objects.Figure``.
* :mod:`analytics.format` — number, change, RAG and suppressed-cell formatting.
* :mod:`analytics.labels` — labels, help texts, units, palettes and default RAG thresholds.

These three modules import neither Streamlit nor anything that does, so they are tested without an app.
Streamlit glue (session state, cached wrappers, error display) lives in other ``ui`` modules; this
package file stays empty of imports so that importing :mod:`render.charts` never pulls Streamlit in.
"""
