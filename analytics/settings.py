"""Labels, thresholds and fixed column names: the one place they live.

Pages, exports and the CLI read these; nothing else hard-codes a threshold or a label.
"""

from __future__ import annotations

from pathlib import Path

# --- Anonymity (shared/design/domain.md §2) -------------------------------------------------------
#: Minimum reporting group: NHS Staff Survey practice is 11 responses.
DEFAULT_MIN_GROUP_SIZE = 11
#: Users may lower the threshold, but never below this.
MIN_GROUP_SIZE_FLOOR = 5
#: What a suppressed unit shows instead of a score ("{k}" is the threshold in use).
SUPPRESSED_LABEL = "fewer than {k} responses"
#: What a unit with no responses at all shows: distinct from a suppressed unit.
NO_DATA_LABEL = "no data"
#: Why a row is suppressed: the ``suppressed_reason`` column of the survey tables holds one of these
#: codes ("" on a shown row). Primary: the figure rests on fewer than k responses. Complementary: the
#: unit has k or more responses but is hidden so that a smaller group's figure cannot be worked out by
#: subtraction from its parent (``analytics.survey.privacy``). Count unknown: a published table gave no number
#: of responses, so anonymity could not be checked.
SUPPRESSION_PRIMARY = "primary"
SUPPRESSION_COMPLEMENTARY = "complementary"
SUPPRESSION_COUNT_UNKNOWN = "count_unknown"
#: What a unit hidden as a complement shows instead of a score.
COMPLEMENTARY_LABEL = "hidden to protect a group with fewer than {k} responses"
#: What a unit whose number of responses is not known shows instead of a score.
COUNT_UNKNOWN_LABEL = "number of responses not given"
#: Display text of each suppression reason ("{k}" is the threshold in use);
#: ``analytics.survey.privacy.suppression_label`` fills it in.
SUPPRESSION_LABELS = {
    SUPPRESSION_PRIMARY: SUPPRESSED_LABEL,
    SUPPRESSION_COMPLEMENTARY: COMPLEMENTARY_LABEL,
    SUPPRESSION_COUNT_UNKNOWN: COUNT_UNKNOWN_LABEL,
}

# --- Reporting levels ---------------------------------------------------------------------------
LEVEL_ORGANISATION = "organisation"
LEVEL_DIRECTORATE = "directorate"
LEVEL_TEAM = "team"
#: Levels from the top down; a unit's parent is at the level before it.
LEVELS = (LEVEL_ORGANISATION, LEVEL_DIRECTORATE, LEVEL_TEAM)
#: The single unit at organisation level.
ORGANISATION_UNIT = "Organisation"
#: The unit for respondents (or staff) whose team or directorate was left blank. It is reported and
#: suppressed like any other unit, so that it cannot be recovered from the organisation total by
#: subtraction.
NOT_RECORDED_UNIT = "Not recorded"

# --- Fixed column names of the tables that leave the analytics layer -----------------------------
#: One row per wave x level x unit x measure (``analytics.survey.scoring.unit_scores``).
#: ``suppressed_reason`` is one of the ``SUPPRESSION_*`` codes on a suppressed row, "" on a shown row.
UNIT_SCORE_COLUMNS = (
    "wave", "level", "unit", "parent", "measure", "n", "mean", "ci_low", "ci_high", "pct_positive", "suppressed",
    "suppressed_reason",
)
#: One row per wave x level x unit x item (question-level % positive).
ITEM_RESULT_COLUMNS = (
    "wave", "level", "unit", "parent", "item", "n", "pct_positive", "suppressed", "suppressed_reason",
)
#: Data-quality findings (``analytics.ingest.quality``): one row per finding.
FINDING_COLUMNS = ("severity", "kind", "file", "sheet", "column", "rows", "count", "value", "message")

# --- Survey wave and duplicate respondents (analytics.survey.wave_source, analytics.survey.duplicates) ---
#: Headers of the response-time columns a survey tool writes (compared case-, space- and
#: underscore-insensitively), in the order they are tried: Qualtrics, Microsoft Forms, SurveyMonkey.
RESPONSE_DATE_HEADERS = ("StartDate", "EndDate", "RecordedDate", "Start time", "Completion time", "Start Date",
                         "End Date")
#: A column is a date column when at least this share of its filled cells read as dates.
DATE_COLUMN_MIN_SHARE = 0.5
#: Headers of a respondent (response) id column (compared like the date headers), in the order tried.
RESPONSE_ID_HEADERS = ("ResponseId", "Response ID", "Respondent ID", "RespondentId",
                       "Response number", "ID")
#: Rows of one file identical (all answers and units) to rows of another, with no id column: the
#: file is removed as a copy when every one of its rows is found in the others; otherwise a warning
#: is given (two people may answer identically) when there are at least this many.
DUPLICATE_ROWS_WARN_MIN = 1

# --- Files ------------------------------------------------------------------------------------------
#: A workbook larger than this once uncompressed is refused before parsing (zip-bomb guard).
MAX_UNCOMPRESSED_BYTES = 1024**3
#: A worksheet whose cells reach over more than this many cells (last row x last column) is not opened: the
#: workbook reader allocates the whole grid (about 32 bytes a cell), so one stray cell at XFD1048576 would
#: ask for hundreds of GB. 25 million cells is 1,000,000 rows x 25 columns, or 100,000 x 250.
MAX_SHEET_CELLS = 25_000_000
#: A worksheet whose rows below the data hold only blank or space-only cells (one space typed in row
#: 1,048,576) is read up to its last row with data when its grid is at most this many cells: the workbook
#: reader still allocates the grid (about 26 bytes a cell: 10 million cells is about 260 MB and 0.4 s), but
#: the empty rows are never turned into rows. A larger one is refused, naming the cell to delete.
MAX_CUT_SHEET_CELLS = 10_000_000
#: A workbook whose uncompressed / compressed size exceeds this ratio is refused (zip-bomb guard).
MAX_COMPRESSION_RATIO = 200
#: Reading a file runs in a child process (analytics.ingest.isolated) whose address space is capped at this
#: many bytes: a file that slips past the guards above can only end that child, never the server. Address
#: space is more than resident memory (the child starts at about 0.36 GB, and allocators reserve ahead): a CSV
#: of 1,000,000 rows x 101 columns read in full reaches 2.9 GB of address space for 1.6 GB resident (61 of
#: its columns: 2.3 GB for 1.0 GB). The cap leaves room for twice that, and stops a file that would ask for
#: more (a stray cell at XFD1048576 asks for 512 GB).
READ_MEMORY_LIMIT_BYTES = 6 * 1024**3
#: A child still reading after this many seconds is stopped, and the user told why.
READ_TIME_LIMIT_SECONDS = 60
#: CSV files up to this size are read in the server process (a child costs a few hundredths of a second to
#: start, much against a small CSV); larger CSV files, and every workbook whatever its size, in a child.
#: ``None`` reads every file in the server process.
ISOLATE_READS_ABOVE_BYTES = 1024**2
#: An upload larger than this is handed to the reading child as a temporary file rather than in its launch
#: message (which would copy it in the server and again in the child); ``None`` never does.
HAND_OVER_ON_DISK_BYTES = 16 * 1024**2
#: Survey files larger than this in all are read *and scored* in one child process (analytics.dataset.load_survey),
#: which sends back only the results and its progress: the server never holds the read table or the scoring's
#: working copies (``bench/bench_memory.py``), and the other sessions' pages run while it works (a scoring in
#: the server process would hold Python's interpreter lock: ``bench/bench_upload_load.py``). About 12,000
#: responses of an NSS-shaped CSV; smaller files score in well under a second, where the child's start would
#: show. ``None`` scores in the server process. That child's address space and time:
SCORE_IN_CHILD_ABOVE_BYTES = 2 * 1024**2
SCORE_MEMORY_LIMIT_BYTES = 12 * 1024**3
#: HR files (staff and absence) larger than this in all are read and linked in a child process too, with the
#: same limits (the sample's 3.5 MB take about 2 s of Python work). ``None`` reads them in the server process.
HR_IN_CHILD_ABOVE_BYTES = 2 * 1024**2
SCORE_TIME_LIMIT_SECONDS = 600
#: The respondents' item scores of survey files larger than this in all (scored in that child) are kept in
#: ``LARGE_UPLOAD_ITEM_DTYPE`` (single precision: half the memory; 7 significant digits, and every figure is
#: shown to at most 2 decimals); smaller ones in double precision, as the server scores them.
SINGLE_PRECISION_ITEMS_ABOVE_BYTES = 64 * 1024**2
LARGE_UPLOAD_ITEM_DTYPE = "float32"
#: A CSV larger than this is read in two passes (a preview to recognise the columns, then only the mapped
#: columns), which keeps a 1M-row export within memory; a smaller one is read once, which is faster.
LARGE_CSV_BYTES = 64 * 1024**2
#: Memory budgets of the dashboard's caches (ui/cache.py), estimated sizes in bytes: the server-wide caches (the
#: sample and published waves, shared by every session) together, and each session's own caches of its uploads.
#: Past a budget the least recently used entries are dropped; a result larger than the whole budget is returned
#: but not kept. A session's budget covers the scored tables of a 1 GB survey upload (about 0.6 GB).
CACHE_BUDGET_BYTES = 1024**3
SESSION_CACHE_BUDGET_BYTES = 1024**3
#: Total size of the files one session may hold uploaded at once (survey, HR and absence files together),
#: beside Streamlit's per-file limit (``server.maxUploadSize`` in .streamlit/config.toml, 1024 MB).
SESSION_UPLOAD_LIMIT_BYTES = 2 * 1024**3
#: Statistics: confidence level used everywhere.
CONFIDENCE_LEVEL = 0.95

# --- Data-quality findings (analytics.ingest.quality) ------------------------------------------------------
#: Severity of a finding, from the most to the least serious.
SEVERITY_ERROR = "error"
SEVERITY_WARNING = "warning"
SEVERITY_INFO = "info"
SEVERITIES = (SEVERITY_ERROR, SEVERITY_WARNING, SEVERITY_INFO)
#: An item whose share of respondents without a scorable answer is above this is a warning (else info).
MISSING_RATE_WARNING = 0.30
#: Straight-lining is looked for in blocks (items sharing a scale) of at least this many answered items.
STRAIGHT_LINING_MIN_ITEMS = 8
#: How many spreadsheet rows a finding lists before "and N more".
FINDING_ROWS_SHOWN = 3
#: At most this many distinct unrecognised values are reported one by one per column; the rest are
#: summarised in one finding (a column holding free text would otherwise flood the list).
MAX_VALUE_FINDINGS_PER_COLUMN = 20
#: Values quoted in a finding are cut to this many characters.
FINDING_VALUE_MAX_CHARS = 60

# --- RAG status (board assurance) -------------------------------------------------------------------
#: Starting RAG thresholds a user sees before setting their own: ``(green_at, red_at, higher_is_better)``,
#: both thresholds inclusive. They are local choices, not NHS standards: survey scores ("score", any
#: measure) use 7.0 / 6.0 on the 0–10 scale; sickness uses the England average (~5.6–5.7%) as the red
#: line; leaver rate uses the top of the NHS range (~12.5%) as red and its bottom (~10%) as green;
#: stability uses 85% / 80%. Morale runs about a point lower than the other measures across the NHS
#: Staff Survey (national morale scores sit around 6, mostly because work pressure scores below 5), so
#: its starting thresholds sit a point lower: 6.5 / 5.5 — otherwise a typical organisation would start
#: red. ``analytics.labels.DEFAULT_RAG_THRESHOLDS`` is built from this.
DEFAULT_RAG_THRESHOLDS: dict[str, tuple[float, float, bool]] = {
    "score": (7.0, 6.0, True),
    "morale": (6.5, 5.5, True),
    "sickness_rate": (4.0, 5.6, False),
    "sickness_rate_12m": (4.0, 5.6, False),
    "leaver_rate": (10.0, 12.5, False),
    "leaver_rate_12m": (10.0, 12.5, False),
    "stability_index": (85.0, 80.0, True),
}

# --- HR period and windows (analytics.hr.period, analytics.hr_window) ------------------------------------
#: Events separated from the rest by more than this many empty months are a detached tail (outlying dates).
HR_PERIOD_GAP_MONTHS = 3
#: ... and are dropped when they hold less than this share of all events.
HR_PERIOD_TAIL_SHARE = 0.05
#: An edge month is judged thin only when the 12 months before it average at least this many events.
HR_PERIOD_MIN_MONTHLY_EVENTS = 4
#: A last (or first) month with fewer events than this share of that average is outside the extract.
HR_PERIOD_EDGE_SHARE = 0.5
#: The standard HR window (domain.md §3) and the shortest window reported at all: a wave's window cut
#: to fewer months than this by the HR data is not used (rates over a few months are mostly noise and
#: seasonal: winter sickness is higher).
HR_WINDOW_MONTHS = 12
MIN_HR_WINDOW_MONTHS = 6
# --- Count models and funnel plots (analytics.stats) ---------------------------------------------------
#: A count model fitted on fewer units than this carries :data:`FEW_UNITS_NOTE`: with so few teams the
#: quasi-likelihood dispersion, and so the interval, rests on a handful of residuals.
FEW_UNITS_WARNING = 10
FEW_UNITS_NOTE = "fewer than {n} teams: intervals are wide and unstable"
#: Funnel plot control limits (Spiegelhalter 2005): about 1 in 20 and 1 in 500 units in control fall
#: outside them by chance. Each is two-sided: the lower limit is the (1 - level) / 2 quantile.
FUNNEL_LEVELS = (0.95, 0.998)
#: Share of units at each end whose z-scores are winsorised before the overdispersion factor is estimated
#: (Spiegelhalter 2005, Qual Saf Health Care 14:347-351: 10% at each end).
FUNNEL_WINSOR_FRACTION = 0.10
#: Over-dispersion is estimated (and the limits widened) only from at least this many units.
FUNNEL_MIN_UNITS_FOR_DISPERSION = 10
#: ``position`` of a unit on a funnel plot, from the highest to the lowest; "no data" when it has no
#: denominator or no events figure (missing is never zero).
FUNNEL_ABOVE_998 = "above 99.8%"
FUNNEL_ABOVE_95 = "above 95%"
FUNNEL_WITHIN = "within"
FUNNEL_BELOW_95 = "below 95%"
FUNNEL_BELOW_998 = "below 99.8%"
FUNNEL_NO_DATA = "no data"
FUNNEL_POSITIONS = (FUNNEL_ABOVE_998, FUNNEL_ABOVE_95, FUNNEL_WITHIN, FUNNEL_BELOW_95, FUNNEL_BELOW_998,
                    FUNNEL_NO_DATA)
# --- HR leaver definitions (analytics.hr.leavers; domain.md §3) --------------------------------------
#: How leavers are counted: the values ``LeaverDefinition.method`` accepts and their plain labels.
#: "spell": every continuous spell in the unit that ends inside the window (a joiner who leaves within it
#: counts); "snapshot": NHS Digital's method, people in post in the unit on the window's first day who are
#: not in post in it on its last day.
LEAVER_METHOD_SPELL = "spell"
LEAVER_METHOD_SNAPSHOT = "snapshot"
LEAVER_METHODS: dict[str, str] = {
    LEAVER_METHOD_SPELL: "spell-based",
    LEAVER_METHOD_SNAPSHOT: "NHS Digital snapshot",
}
#: What leaver rates count: ``LeaverDefinition.basis`` values and labels. "headcount" (people; NHS
#: Digital's headline) or "fte" (leavers' FTE ÷ mean FTE in post at the start and end).
LEAVER_BASIS_HEADCOUNT = "headcount"
LEAVER_BASIS_FTE = "fte"
LEAVER_BASES: dict[str, str] = {
    LEAVER_BASIS_HEADCOUNT: "headcount",
    LEAVER_BASIS_FTE: "FTE",
}
#: The ``leaver_definition`` text of team-month figures, whose leavers are counted by whoever made the file.
LEAVER_DEFINITION_AS_GIVEN = "as given in the team-month file"
#: ESR leaving reasons of voluntary resignations all start with this ("Voluntary Resignation - Relocation",
#: "Voluntary Resignation - Work Life Balance", ...); compared case- and space-insensitively.
VOLUNTARY_RESIGNATION_PREFIX = "Voluntary Resignation"
#: Survey-to-HR unit matching (analytics/unit_matching.py): the Data page fills in a unit's best suggested HR
#: unit for the user to confirm only when its similarity (rapidfuzz token-set ratio, 0-100) is at least this
#: and no other suggestion scores as high; the user confirms every pair either way.
UNIT_SUGGESTION_PREFILL_SCORE = 90


#: Fewer questions of the codebook than this recognised in a survey file: the Data page says how to add
#: local measures (or choose another codebook) instead (:func:`analytics.corrections.few_questions_message`).
FEW_QUESTIONS = 3


# --- The shared workspace: the store of published waves (analytics/store) -------------------------
#: Where the embedded store lives when no URL is given: a SQLite file in the repository's ``.workspace/``
#: folder (created on first use; the folder is ignored by git).
WORKSPACE_DIR = Path(__file__).resolve().parent.parent / ".workspace"
DEFAULT_STORE_URL = f"sqlite:///{WORKSPACE_DIR / 'store.sqlite'}"
#: Roles of the shared workspace: admin (the OD team: publish, withdraw, users, k), board (guardians: the
#: Board and the pack), manager (their directorates or teams only), analyst (every page, no respondent rows).
ROLE_ADMIN = "admin"
ROLE_BOARD = "board"
ROLE_MANAGER = "manager"
ROLE_ANALYST = "analyst"
ROLES = (ROLE_ADMIN, ROLE_BOARD, ROLE_MANAGER, ROLE_ANALYST)
#: A published wave's version is one of these.
WAVE_PUBLISHED = "published"
WAVE_WITHDRAWN = "withdrawn"
#: The organisation a wave is published for when none is named.
DEFAULT_ORGANISATION_NAME = "Our organisation"
#: PostgreSQL advisory-lock key held while the store's schema is created or migrated, so that two app
#: processes starting at once do not both migrate (any fixed 64-bit number; this one spells "culture").
STORE_MIGRATION_LOCK = 0x63756C74757265
#: How often (seconds) a running app asks the store whether a wave was published or withdrawn (by this
#: replica or another): a new wave shows on every replica within this time.
PUBLISHED_CHECK_SECONDS = 30
#: Environment variable naming the store's URL when neither ``--store`` nor ``[connections.store] url`` in
#: ``.streamlit/secrets.toml`` gives one (a deployment without a secrets file; the tests' temporary store).
STORE_URL_ENV = "WORKSPACE_STORE_URL"
#: How long (seconds) opening an embedded SQLite store waits for another process that is creating or
#: migrating the same store file before it gives up with a message naming the lock file.
STORE_LOCK_SECONDS = 60


#: Decimal places a RAG-rated value is shown with and judged at (:func:`analytics.rag.rag_rating`): scores
#: (0–10) and rates (%) are shown to one decimal, so the colour always matches the number beside it.
RAG_DECIMALS = 1

#: What a page shows for a measure that a wave's survey did not ask (no answers at all in that wave, while
#: another wave has them: :func:`analytics.survey.asked.not_asked`).
NOT_ASKED_LABEL = "not asked in this wave"

#: Most team sheets the scorecards workbook holds (one printable page per team with results); teams past
#: this are listed as left out on the workbook's Contents sheet (their rows stay on the Teams sheet).
SCORECARD_MAX_TEAM_SHEETS = 150
