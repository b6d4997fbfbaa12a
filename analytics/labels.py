"""Display metadata: labels, help texts, units, palettes and default RAG thresholds.

Everything a chart, tile or table shows about a measure or an outcome is looked up here, so that page
code never spells a label, a unit or a colour (house style habit 6). Survey measure labels and help come
from the codebook (:func:`analytics.ingest.codebook.load_codebook`), which is data and may be edited by the
user; HR outcome labels and units are defined below.

Colours
-------
* Categorical series use the Okabe & Ito (2008) palette, "Color Universal Design", which stays
  distinguishable for the common forms of colour-vision deficiency. Its black is replaced by a mid grey
  so that every colour is visible on both the light and the dark app theme, and its yellow is placed
  last because it is faint on white.
* Sequential scales use Viridis (perceptually uniform, colour-blind safe, and without a grey middle that
  could be mistaken for the grey of a suppressed cell — the reason Cividis is not used).
* Diverging scales (correlations) use ColorBrewer PuOr (purple–orange), which ColorBrewer marks as
  colour-blind safe; red–green scales and RdBu are avoided.
* RAG status is never colour alone: each status has its own shape and its word (see
  :func:`analytics.format.rag_status`).

Nothing here imports Streamlit or Plotly.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics import settings
from analytics.ingest.codebook import Codebook, load_codebook
# Pages find labels, colours and thresholds here; the RAG rule and its thresholds are defined in analytics.rag.
from analytics.rag import DEFAULT_RAG_THRESHOLDS, RagThresholds

# --- Reporting levels ---------------------------------------------------------------------------------
#: Singular and plural display names of each reporting level (the unit of analysis in captions).
LEVEL_LABELS: dict[str, tuple[str, str]] = {
    settings.LEVEL_ORGANISATION: ("organisation", "organisations"),
    settings.LEVEL_DIRECTORATE: ("directorate", "directorates"),
    settings.LEVEL_TEAM: ("team", "teams"),
}


def level_label(level: str, count: int | None = None) -> str:
    """Display name of a reporting level, plural unless ``count`` is 1.

    >>> level_label("team", 1), level_label("team", 3), level_label("ward", 2)
    ('team', 'teams', 'ward')
    """
    singular, plural = LEVEL_LABELS.get(level, (str(level), str(level)))
    return singular if count == 1 else plural


# --- Survey measures (from the codebook) ---------------------------------------------------------------
#: Units of the survey figures, used in axis titles.
SCORE_UNIT = "score 0–10"
PCT_POSITIVE_UNIT = "% positive"
SCORE_AXIS_SUFFIX = f" ({SCORE_UNIT})"


def _book(codebook: Codebook | None) -> Codebook:
    return codebook if codebook is not None else load_codebook()


def measure_labels(codebook: Codebook | None = None) -> dict[str, str]:
    """Measure id → display label, in codebook order (e.g. ``"morale" → "Morale"``)."""
    return {m.id: m.label for m in _book(codebook).measures}


def measure_label(measure_id: str, codebook: Codebook | None = None) -> str:
    """Display label of a measure; an id the codebook does not know is shown as it is."""
    return measure_labels(codebook).get(measure_id, str(measure_id))


def measure_help(measure_id: str, codebook: Codebook | None = None) -> str:
    """Help text of a measure: its codebook description and the questions it rests on.

    Themes (morale, staff engagement) list their sub-scores; the scale note says 0–10, higher is better.
    """
    book = _book(codebook)
    if measure_id not in book.measure_ids:
        return ""
    measure = book.measure(measure_id)
    if measure.is_theme:
        parts = ", ".join(measure_label(s, book) for s in measure.sub_measures)
        basis = f"Mean of the sub-scores: {parts}."
    else:
        basis = "Questions: " + ", ".join(measure.items) + "."
    description = measure.description.strip()
    text = f"{description} " if description else ""
    return f"{text}{basis} Scored 0–10; higher is more favourable."


def item_wording(item_code: str, codebook: Codebook | None = None) -> str:
    """The question wording of an item code (e.g. ``q9h`` → "My immediate manager cares about my concerns.")."""
    item = _book(codebook).items.get(str(item_code).casefold())
    return item.wording if item is not None else ""


# --- The four behaviours lens (domain.md §1) -----------------------------------------------------------
#: Display order and names of the four behaviours of compassionate leadership (King's Fund, M. West).
BEHAVIOUR_LABELS: dict[str, str] = {
    "attending": "Attending",
    "understanding": "Understanding",
    "empathising": "Empathising",
    "helping": "Helping",
}
#: Shown wherever the behaviours are shown: the item mapping is the project's reading, not NHS method.
BEHAVIOURS_NOTE = "The four-behaviours mapping of questions is an interpretation, not NHS method."


def behaviour_items(codebook: Codebook | None = None) -> dict[str, str]:
    """Behaviour → item code, in :data:`BEHAVIOUR_LABELS` order (attending→q9g, understanding→q9f, ...).

    Behaviours the codebook does not map are left out; extra behaviours a user's codebook adds follow.
    """
    mapping = _book(codebook).behaviours
    ordered = {b: mapping[b] for b in BEHAVIOUR_LABELS if b in mapping}
    ordered.update({b: code for b, code in mapping.items() if b not in ordered})
    return ordered


def behaviour_label(behaviour: str) -> str:
    return BEHAVIOUR_LABELS.get(behaviour, str(behaviour).replace("_", " ").capitalize())


# --- HR and other outcomes ---------------------------------------------------------------------------
@dataclass(frozen=True)
class OutcomeLabel:
    """How an outcome is shown: name, unit (for axis titles), direction and help text."""

    label: str
    unit: str
    higher_is_better: bool
    help: str = ""
    kind: str = "pct"  # the analytics.format kind: "pct", "score", "number", "n"

    @property
    def axis_title(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label


#: HR metrics (column names of the HR tables) and their display metadata. Formulas: domain.md §3.
OUTCOMES: dict[str, OutcomeLabel] = {
    "leaver_rate": OutcomeLabel(
        "Leaver rate", "%", False,
        "100 × leavers in the period ÷ mean of staff in post at the start and at the end (headcount).",
    ),
    "stability_index": OutcomeLabel(
        "Stability index", "%", True,
        "100 × staff in post at the start who are still in post at the end ÷ staff in post at the start.",
    ),
    "sickness_rate": OutcomeLabel(
        "Sickness absence rate", "%", False,
        "100 × FTE days lost ÷ FTE days available, over calendar days (NHS Digital definition).",
    ),
    "leaver_rate_12m": OutcomeLabel(
        "Leaver rate, rolling 12 months", "%", False,
        "Leaver rate over the 12 months ending in the month shown.",
    ),
    "sickness_rate_12m": OutcomeLabel(
        "Sickness absence rate, rolling 12 months", "%", False,
        "Sickness absence rate over the 12 months ending in the month shown: summed FTE days lost ÷ summed "
        "FTE days available, not an average of monthly rates.",
    ),
    "fte_days_lost": OutcomeLabel("FTE days lost", "FTE days", False,
                                  "Full-time-equivalent days lost to sickness absence.", kind="number"),
    "fte_days_available": OutcomeLabel("FTE days available", "FTE days", True,
                                       "Full-time-equivalent calendar days available.", kind="number"),
    "leavers": OutcomeLabel("Leavers", "headcount", False, "Staff who left in the period.", kind="n"),
    "staff_start": OutcomeLabel("Staff in post at start", "headcount", True, kind="n"),
    "staff_end": OutcomeLabel("Staff in post at end", "headcount", True, kind="n"),
    "pct_positive": OutcomeLabel("Positive answers", "%", True,
                                 "Share of respondents choosing one of the two most favourable options.",
                                 kind="pct"),
    "pct_unfavourable": OutcomeLabel("Unfavourable answers", "%", False,
                                     "Share of respondents giving an unfavourable answer (e.g. burnt out, unwell "
                                     "from work-related stress), as published: higher is worse.", kind="pct"),
    "n": OutcomeLabel("Responses", "respondents", True, kind="n"),
}

#: Axis names of common x columns.
AXIS_LABELS: dict[str, str] = {
    "wave": "Survey wave (year)",
    "mean": "Mean score (0–10)",
    "month": "Month",
    "window_end": "End of window",
}

#: National context lines (domain.md §3): value range and source period, for benchmark lines.
NATIONAL_CONTEXT: dict[str, tuple[float, float, str]] = {
    "sickness_rate": (5.6, 5.7, "England NHS sickness absence, 2022–2025"),
    "leaver_rate": (10.0, 12.5, "NHS leaver rate, 2022–2024"),
}


def display_label(name: str, codebook: Codebook | None = None) -> str:
    """Label for any column or id: a measure, an outcome, a behaviour, an axis, else the name itself."""
    if name in OUTCOMES:
        return OUTCOMES[name].label
    if name in AXIS_LABELS:
        return AXIS_LABELS[name]
    if name in BEHAVIOUR_LABELS:
        return BEHAVIOUR_LABELS[name]
    labels = measure_labels(codebook)
    if name in labels:
        return labels[name]
    return str(name)


def axis_title(name: str, codebook: Codebook | None = None) -> str:
    """Axis title with its unit: "Leaver rate (%)", "Morale (score 0–10)", "Month".

    Survey measures are on the 0–10 scale; outcomes carry the unit from :data:`OUTCOMES`.
    """
    if name in OUTCOMES:
        return OUTCOMES[name].axis_title
    if name in AXIS_LABELS:
        return AXIS_LABELS[name]
    labels = measure_labels(codebook)
    if name in labels:
        return labels[name] + SCORE_AXIS_SUFFIX
    return str(name)


def value_kind(name: str, codebook: Codebook | None = None) -> str:
    """The :func:`analytics.format.format_value` kind of a column: "score" for measures, the outcome's kind,
    "pct" for ``pct_positive`` and columns ending in ``_rate``, else "number"."""
    if name in OUTCOMES:
        return OUTCOMES[name].kind
    if name in ("mean", "ci_low", "ci_high") or name in measure_labels(codebook):
        return "score"
    if name.endswith("_rate") or name.endswith("_pct"):
        return "pct"
    return "number"


# --- Palettes ----------------------------------------------------------------------------------------
#: Okabe–Ito categorical palette, reordered; black replaced by grey so it shows on a dark theme.
SERIES_COLOURS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#999999",  # grey (in place of black)
    "#F0E442",  # yellow (faint on white: last)
)
#: Line dash styles cycled with the colours, so series differ by more than colour.
SERIES_DASHES: tuple[str, ...] = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
#: Marker symbols cycled with the colours.
SERIES_SYMBOLS: tuple[str, ...] = ("circle", "square", "diamond", "triangle-up", "cross", "x",
                                   "triangle-down", "pentagon")
#: Sequential scale for scores (heatmaps).
SEQUENTIAL_SCALE = "Viridis"
#: Diverging scale for correlations, centred on zero.
DIVERGING_SCALE = "PuOr"
#: Fill of suppressed cells; a mid grey readable on light and dark themes and absent from Viridis.
SUPPRESSED_COLOUR = "#8C8C8C"
#: Neutral colour of reference lines and fit bands (mid grey, alpha for bands).
REFERENCE_COLOUR = "#8C8C8C"
FIT_LINE_COLOUR = "#D55E00"
FIT_BAND_COLOUR = "rgba(213, 94, 0, 0.18)"
#: Marker for a significant change in trend charts, and its legend entry.
SIGNIFICANT_SYMBOL = "star"
SIGNIFICANT_LEGEND = "changed significantly"
#: The unit and the organisation in two-series comparisons.
UNIT_COLOUR = "#0072B2"
ORGANISATION_COLOUR = "#E69F00"


def series_style(index: int) -> dict[str, str]:
    """Colour, dash and symbol of the ``index``-th series (cycling), for charts with many lines."""
    return {
        "colour": SERIES_COLOURS[index % len(SERIES_COLOURS)],
        "dash": SERIES_DASHES[index % len(SERIES_DASHES)],
        "symbol": SERIES_SYMBOLS[index % len(SERIES_SYMBOLS)],
    }


# --- RAG status --------------------------------------------------------------------------------------
#: RAG colours (Okabe–Ito bluish green, orange, vermillion) and their distinct shapes.
RAG_STYLE: dict[str, tuple[str, str]] = {
    "Green": ("●", "#009E73"),
    "Amber": ("▲", "#E69F00"),
    "Red": ("■", "#D55E00"),
    "No data": ("○", "#8C8C8C"),
}

def default_rag_thresholds(name: str, codebook: Codebook | None = None) -> RagThresholds | None:
    """Default thresholds of a measure (the "score" defaults) or outcome; ``None`` if there are none."""
    if name in DEFAULT_RAG_THRESHOLDS:
        return DEFAULT_RAG_THRESHOLDS[name]
    if name in measure_labels(codebook):
        return DEFAULT_RAG_THRESHOLDS["score"]
    return None

# --- Sign-in and roles (ui/auth.py, analytics/access.py) --------------------------------------------------
#: Shown on every page when no ``[auth]`` section is configured (the app then runs as one local administrator).
LOCAL_MODE_NOTICE = ("Unsecured local mode: anyone who can open this address can see everything; set up sign-in "
                     "(README) before sharing it.")
#: Shown to a signed-in user whose e-mail has no role in the store ({email} is filled in).
NO_ROLE_TEXT = "You are signed in as {email} but have no role in this workspace; ask an administrator."
SIGN_IN_TEXT = "This dashboard is for signed-in users of the workspace. Sign in with your organisation account."
SIGN_IN_BUTTON = "Sign in"
SIGN_OUT_BUTTON = "Sign out"
#: The page a role may not open (a deep link to it).
PAGE_NOT_ALLOWED_TEXT = "Your role ({role}) does not include this page. Choose a page from the navigation."
#: Beside the anonymity threshold for users who may not change it ({k} is filled in).
K_FIXED_TEXT = "Minimum responses to show a group: {k} (set by an administrator)."
#: Under a manager's sidebar: what their pages hold.
SCOPE_TEXT = "You see the organisation and your own units: {units}."


# --- Action log ("you said, we did") -------------------------------------------------------------------
ACTIONS_CAPTION = ("Each action's unit figure in the wave that prompted it and in the next wave. A change beside an "
                   "action is associated with what was done in the same period, which on its own is not evidence that the "
                   "action produced it. Figures hidden for anonymity stay hidden here.")
NO_ACTIONS_TEXT = ("No actions recorded yet. Teams and directorates record what they will do about their results on "
                   "the Team explorer; they are listed here with the next wave's figures beside them.")
#: Data page buttons.
PREVIEW_HELP = ("Read and score the files and show them on every page, for you only (this browser session). Nothing "
                "is stored; closing the tab drops the preview.")
PUBLISH_HELP = ("Store the checked files' answers (no free text, no names, employee numbers pseudonymised) as a new "
                "version of each wave, with the anonymity threshold now set, so that everyone who signs in sees the "
                "same figures. Nobody can lower that threshold or re-group the published teams.")
PUBLISH_ADMIN_ONLY = "Only administrators can publish waves."
#: Beside the anonymity threshold of published waves ({k} is filled in).
K_PUBLISHED_TEXT = ("Minimum responses to show a group: {k}, fixed when the waves were published (nobody can lower "
                    "it; an administrator can publish again with a higher one).")
#: The Data page refusing an upload past the session's total (settings.SESSION_UPLOAD_LIMIT_BYTES); {name}, {size},
#: {held} and {limit} are filled in.
UPLOAD_LIMIT_TEXT = ("{name} ({size}) was not added: the files uploaded in one session may come to {limit} in all, "
                     "and the files already here take {held}. Remove the files you no longer need (\"Remove this "
                     "file\" under a survey file, or the x beside a file in the uploader), or upload fewer waves at a "
                     "time, then add {name} again.")
