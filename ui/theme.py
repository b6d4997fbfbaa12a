"""The colour theme (light or dark) the user chooses, and the page-wide styles for accessibility.

The two themes themselves are in ``.streamlit/config.toml`` (``[theme.light]`` and ``[theme.dark]``, colours
chosen for WCAG 2.2 AA contrast). Streamlit lets a viewer switch between them only from its settings menu,
which the viewer toolbar hides, so the sidebar carries its own control. Streamlit's page remembers the
chosen theme in the browser's local storage (key ``stActiveTheme-<path>-v2``, value ``"Light"``,
``"Dark"`` or ``"System"``) and reads it when the page loads: the control writes that value for every page
of the app and reloads the page, so the choice lasts across pages and visits on this browser.

:data:`ACCESSIBILITY_CSS` adds a visible keyboard-focus ring (WCAG 2.4.7/2.4.11) to the navigation links
and other controls, drawn differently from the highlighted background that marks the current page, and
lets the labels and changes of metric tiles wrap rather than be cut with an ellipsis.
"""

from __future__ import annotations

import json

import streamlit as st

THEME_KEY = "colour_theme"
LIGHT, DARK = "Light", "Dark"
CHOICES = (LIGHT, DARK)
THEME_HELP = ("Light or dark colours for this dashboard on this browser. Both meet the WCAG 2.2 AA contrast "
              "ratios. The page reloads to apply the choice.")
#: Streamlit's local-storage key for the active theme (frontend lib/theme: ``stActiveTheme-${path}-v2``).
_STORAGE_KEY = "stActiveTheme-{path}-v2"
_PENDING_KEY = "_colour_theme_to_apply"

#: Keyboard focus: a thick outline in a colour that reads on both themes (NHS warm yellow with a dark inner
#: ring), never used for the current page (which Streamlit marks with a background tint).
ACCESSIBILITY_CSS = """
<style>
[data-testid="stSidebarNavLink"]:focus-visible,
[data-testid="stSidebarNav"] a:focus-visible,
.stApp button:focus-visible,
.stApp a:focus-visible,
.stApp [role="tab"]:focus-visible,
.stApp summary:focus-visible {
  outline: 3px solid #FFB81C !important;
  outline-offset: 2px !important;
  box-shadow: 0 0 0 2px #0b0c0c !important;
}
[data-testid="stSidebarNavLink"]:focus-visible span { text-decoration: underline; text-decoration-thickness: 2px; }
/* No cut text: metric labels and changes wrap inside narrow tiles instead of ending in an ellipsis. */
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *,
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] * {
  white-space: normal !important;
  overflow: visible !important;
  text-overflow: clip !important;
  word-break: normal !important;
  overflow-wrap: normal !important;
}
[data-testid="stMetricDelta"] { height: auto !important; }
</style>
"""


def current_theme() -> str:
    """``LIGHT`` or ``DARK``: the theme the browser shows now (``st.context.theme``; light when unknown)."""
    kind = getattr(getattr(st.context, "theme", None), "type", None)
    return DARK if kind == "dark" else LIGHT


def _apply_script(choice: str) -> str:
    """JavaScript that stores ``choice`` as Streamlit's active theme for every page path of the app and
    reloads the page."""
    value = json.dumps(choice)
    return f"""
<script>
(() => {{
  const paths = new Set([window.location.pathname, "/"]);
  document.querySelectorAll('[data-testid="stSidebarNav"] a[href]').forEach(a => {{
    try {{ paths.add(new URL(a.href, window.location.href).pathname); }} catch (e) {{}}
  }});
  const base = window.location.pathname.replace(/[^/]*$/, "");
  paths.add(base);
  paths.forEach(p => window.localStorage.setItem({json.dumps(_STORAGE_KEY)}.replace("{{path}}", p), {json.dumps(value)}));
  window.location.reload();
}})();
</script>
"""


def _on_change() -> None:
    st.session_state[_PENDING_KEY] = st.session_state.get(THEME_KEY)


def theme_control() -> None:
    """The sidebar's "Colour theme" control and the page-wide accessibility styles."""
    st.html(ACCESSIBILITY_CSS)
    shown = current_theme()
    if st.session_state.get(THEME_KEY) not in CHOICES:
        st.session_state[THEME_KEY] = shown
    with st.sidebar:
        st.segmented_control("Colour theme", CHOICES, key=THEME_KEY, help=THEME_HELP, required=True,
                             on_change=_on_change)
        pending = st.session_state.pop(_PENDING_KEY, None)
        if pending in CHOICES and pending != shown:
            st.html(_apply_script(pending), unsafe_allow_javascript=True)
