"""Recognising columns: which column is the team, the directorate, the wave, and which question each
item column holds.

The result is a :class:`Mapping`: plain data, saved as JSON and re-applied to next year's file (a
"preset"), and corrected by the user on the Data page.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pandas as pd

from analytics.ingest.codebook import Codebook, custom_item_code, normalise_label
from analytics.errors import InputError
from analytics.ingest.raw import RawTable

MAPPING_FORMAT_VERSION = 1


@dataclass
class CustomMeasure:
    """A local measure defined by the user from any columns (e.g. a pulse survey's own questions).

    ``scale`` is the name of a codebook scale (``"agreement"``, ``"frequency"``, ``"yes_no"``) or the
    list of options from least to most favourable wording order; ``reverse_columns`` are reverse-keyed.
    """

    id: str
    label: str
    columns: list[str]
    scale: str | list[str] = "agreement"
    reverse_columns: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class Mapping:
    """What each column of a survey file means.

    Attributes
    ----------
    items
        Column label (as in :attr:`analytics.ingest.raw.RawTable.frame`) -> item code of the codebook
        (``"q9f"``) or of a custom measure (:func:`analytics.ingest.codebook.custom_item_code`).
    team_col, directorate_col, wave_col
        Column labels, or ``None`` when the file has no such column.
    wave_label
        The wave of every row when there is no wave column (e.g. ``"2025"``).
    custom_measures
        The user's local measures.
    codebook
        Id of the codebook used (a shipped codebook id or a file path).
    evidence
        Column -> how it was recognised (``"code"``, ``"wording"``, ``"header word 'ward'"``,
        ``"user"``): shown to the user so that they can check it.
    unmapped
        Columns that were not recognised (kept so the Data page can offer them for correction).
    """

    items: dict[str, str] = field(default_factory=dict)
    team_col: str | None = None
    directorate_col: str | None = None
    wave_col: str | None = None
    wave_label: str | None = None
    custom_measures: list[CustomMeasure] = field(default_factory=list)
    codebook: str = "nss_2024_2025"
    evidence: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)

    # -- persistence -----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        data = asdict(self)
        data["format_version"] = MAPPING_FORMAT_VERSION
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict, *, source: str = "mapping") -> "Mapping":
        if not isinstance(data, dict) or "items" not in data:
            raise InputError("This is not a saved column mapping (it has no 'items').", file=source)
        try:
            customs = [CustomMeasure(**cm) for cm in data.get("custom_measures", [])]
            return cls(
                items={str(k): str(v) for k, v in data["items"].items()},
                team_col=data.get("team_col"), directorate_col=data.get("directorate_col"),
                wave_col=data.get("wave_col"), wave_label=data.get("wave_label"),
                custom_measures=customs, codebook=data.get("codebook", "nss_2024_2025"),
                evidence=dict(data.get("evidence", {})), unmapped=list(data.get("unmapped", [])),
            )
        except TypeError as exc:
            raise InputError(f"The saved column mapping has an unexpected field ({exc}).", file=source) from None

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str = "mapping.json") -> "Mapping":
        try:
            data = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"The saved column mapping is not valid JSON ({exc}).", file=source) from None
        return cls.from_dict(data, source=source)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "Mapping":
        path = Path(path)
        if not path.exists():
            raise InputError("The mapping file does not exist.", file=str(path))
        return cls.from_json(path.read_bytes(), source=path.name)

    # -- helpers ---------------------------------------------------------------------------------
    def used_columns(self) -> list[str]:
        """Every column scoring needs (unit columns first), without repeats."""
        cols = [c for c in (self.team_col, self.directorate_col, self.wave_col) if c]
        cols += list(self.items)
        for cm in self.custom_measures:
            cols += cm.columns
        return list(dict.fromkeys(cols))


# =================================================================================================
# Recognition: which column holds which question, and which columns name the team, directorate, wave
# =================================================================================================

#: Roles of the columns that say who a row belongs to, and the header words that reveal them.
#: Within a role the words are listed in order of precedence: when several columns qualify equally
#: well, the one whose word comes first wins (full rules in :func:`recognise_unit_columns`).
#:
#: * team — "team" names the reporting unit directly and "ward" is the team in inpatient settings;
#:   "sub-team" is finer still but usually falls under the anonymity threshold, so it is used only when
#:   there is no team or ward column; "unit", "department" and "service" are broader groupings;
#:   "cost centre" (a finance code) and "location" (a site) are a last resort.
#: * directorate — "directorate", then "division", "care group", "clinical group", "business unit".
#: * wave — "wave", "survey year", "survey period", then a bare "year".
UNIT_COLUMN_WORDS: dict[str, tuple[str, ...]] = {
    "team": ("team", "ward", "sub-team", "subteam", "unit", "department", "service", "cost centre",
             "cost center", "location"),
    "directorate": ("directorate", "division", "care group", "clinical group", "business unit"),
    "wave": ("wave", "survey year", "survey period", "year"),
}

#: Words that may accompany a unit word without making the header less clear ("Team name",
#: "Your ward", "Directorate code").
UNIT_HEADER_QUALIFIERS = frozenset({
    "name", "names", "code", "id", "description", "desc", "title", "label", "your", "my", "the",
    "current", "primary", "main", "survey", "no", "number", "select", "please", "which", "what",
    "is", "are", "you", "in", "do", "work", "of", "level",
})
#: Qualifiers that mark a code rather than a readable name: a "Team name" column is preferred to a
#: "Team code" column.
UNIT_CODE_QUALIFIERS = frozenset({"code", "id", "no", "number"})

#: A header that contains one of these words is never read as a team / directorate / wave column
#: ("Year of birth", "Length of service", "Are you a service user?").
UNIT_HEADER_EXCLUSIONS = frozenset({
    "birth", "born", "age", "joined", "joining", "start", "started", "leaving", "left", "qualified",
    "qualification", "length", "long", "tenure", "experience", "user", "users", "patient", "patients",
    "agree", "disagree", "often",
})

#: Words joining unit words in one header ("Ward or team", "Team / department").
UNIT_HEADER_CONNECTIVES = frozenset({"or", "and", "on", "at", "for"})

#: A header that is not "<unit word> + qualifiers" is still a unit column when it asks which unit the
#: respondent belongs to: it has one of these words and at most :data:`UNIT_HEADER_MAX_WORDS` words
#: ("Which ward or team do you work in?"). Statements that merely mention a team ("I feel valued by
#: my team") are questions, not unit columns.
UNIT_HEADER_QUESTION_WORDS = frozenset({"which", "what", "where", "select"})
UNIT_HEADER_MAX_WORDS = 10

#: Characters after which the rest of a header may be a question's statement: "<matrix stem> - <item>",
#: "<stem>: <item>", "<stem>? <item>", "<stem> | <item>", a new line.
_STATEMENT_SEPARATORS = "-\u2013\u2014:?|;.)]>\n"

#: Characters that may follow an item code at the start of a header ("Q9f.", "Q9f - ...", "Q9f_").
_CODE_BOUNDARY = " \t\n.:-\u2013\u2014)],;/|?_"

_Q_CODE = re.compile(r"^q[.\s]?0*(\d+)([a-z]{1,2})")


def normalise_wording(text: object) -> str:
    """Key for comparing question wording: case, spaces and punctuation ignored.

    Stronger than :func:`analytics.ingest.codebook.normalise_label`: after case-folding and straightening
    curly quotes, "&" reads as "and" and everything but letters and digits is dropped, so
    ``"My immediate manager cares about my concerns."`` and ``"my immediate manager  cares about my
    concerns"`` get the same key, as do "well-being" and "wellbeing".

    >>> normalise_wording("My immediate manager cares about my concerns.")
    'myimmediatemanagercaresaboutmyconcerns'
    >>> normalise_wording("Team / department") == normalise_wording("team department")
    True
    """
    s = normalise_label(text).replace("&", " and ")
    return "".join(ch for ch in s if ch.isalnum())


def header_words(text: object) -> list[str]:
    """Header words: case-folded, split at anything that is not a letter or digit.

    >>> header_words("Sub-team / Ward name")
    ['sub', 'team', 'ward', 'name']
    """
    s = normalise_label(text).replace("&", " and ")
    return "".join(ch if ch.isalnum() else " " for ch in s).split()


def _code_in_text(text: str, codes: tuple[str, ...]) -> str | None:
    """The codebook item code a header starts with (or ends with, in brackets), if any.

    ``codes`` are case-folded codebook codes, longest first. A code must be followed by the end of the
    header or by a separator (space, ".", ":", "-", "_", ...), so "q9" never matches "q9f" and "q2"
    never matches "q25a". ``_`` followed by a digit marks a survey tool's own numbering ("Q9_4" in
    Qualtrics) and is never read as a code. NSS-style codes are also read when written "Q.9f",
    "Q 9f" or "Q09f".
    """
    h = normalise_label(text)
    h = h.lstrip(" \t\"'([{")
    if not h:
        return None
    code_set = set(codes)

    def boundary_ok(rest: str) -> bool:
        if not rest:
            return True
        if rest[0] not in _CODE_BOUNDARY:
            return False
        if rest[0] == "_" and len(rest) > 1 and rest[1].isdigit():
            return False
        return True

    for code in codes:
        if h.startswith(code) and boundary_ok(h[len(code):]):
            return code
    m = _Q_CODE.match(h)
    if m:
        canonical = f"q{int(m.group(1))}{m.group(2)}"
        if canonical in code_set and boundary_ok(h[m.end():]):
            return canonical
    # "My immediate manager cares about my concerns (Q9h)"
    m = re.search(r"[(\[]\s*([^()\[\]]{1,12}?)\s*[)\]]\s*$", h)
    if m:
        inner = m.group(1)
        if inner in code_set:
            return inner
        mq = _Q_CODE.fullmatch(inner)
        if mq:
            canonical = f"q{int(mq.group(1))}{mq.group(2)}"
            if canonical in code_set:
                return canonical
    return None


def _statement_tails(text: str) -> list[str]:
    """The whole header and every part of it that follows a separator ("stem - statement")."""
    s = normalise_label(text)
    tails = [s]
    for i, ch in enumerate(s):
        if ch in _STATEMENT_SEPARATORS:
            tail = s[i + 1:].strip()
            if tail:
                tails.append(tail)
    return tails


#: Wording indexes already built, by codebook object (a codebook is immutable; recognising one file asks
#: for its index once per column).
_WORDING_INDEXES: dict[int, tuple[Codebook, dict[str, str]]] = {}


def _wording_index(codebook: Codebook) -> dict[str, str]:
    """Wording key -> item code, for items with a wording (ambiguous wordings left out)."""
    cached = _WORDING_INDEXES.get(id(codebook))
    if cached is not None and cached[0] is codebook:
        return cached[1]
    index = _build_wording_index(codebook)
    if len(_WORDING_INDEXES) > 16:
        _WORDING_INDEXES.clear()
    _WORDING_INDEXES[id(codebook)] = (codebook, index)
    return index


def _build_wording_index(codebook: Codebook) -> dict[str, str]:
    index: dict[str, str] = {}
    clashes: set[str] = set()
    for code, item in codebook.items.items():
        key = normalise_wording(item.wording)
        if not key:
            continue
        if key in index and index[key] != code:
            clashes.add(key)
        index[key] = code
    for key in clashes:
        del index[key]
    return index


def _sorted_codes(codebook: Codebook) -> tuple[str, ...]:
    return tuple(sorted(codebook.items, key=len, reverse=True))


def recognise_item(texts: list[str], codebook: Codebook) -> tuple[str, str] | None:
    """Which codebook question a column holds, from its header texts.

    Parameters
    ----------
    texts
        Every header text of the column (e.g. :meth:`analytics.ingest.raw.RawTable.texts_of`).
    codebook
        The questions to look for.

    Returns
    -------
    ``(item code, evidence)`` where evidence is ``"code"`` or ``"wording"``, or ``None``.

    Notes
    -----
    Rules, in order:

    1. **Code.** A header that starts with a codebook code followed by a separator or the end
       ("q9f", "Q9F", "Q9f.", "Q9f - My immediate manager ...", "Q9f:", "q9f_"), or that ends with
       the code in brackets ("... (Q9f)"). The first header text with a code wins. Survey-tool ids
       such as Qualtrics' "Q9_4" are not codebook codes and are never guessed from.
    2. **Wording.** A header whose whole text, or whose text after a separator (" - ", ": ", "? ",
       " | ", a new line ...), is an item's wording, compared with :func:`normalise_wording` (case,
       spaces, punctuation, curly quotes and the trailing full stop ignored). When several items'
       wordings fit, the longest wins ("... to help me with any problems I face" over a shorter
       wording that it ends with).
    """
    codes = _sorted_codes(codebook)
    for text in texts:
        code = _code_in_text(str(text), codes)
        if code is not None:
            return code, "code"
    found = _wording_in_texts(texts, codebook)
    return (found, "wording") if found else None


def _wording_in_texts(texts: list[str], codebook: Codebook) -> str | None:
    index = _wording_index(codebook)
    best: tuple[int, str] | None = None
    for text in texts:
        for tail in _statement_tails(str(text)):
            key = normalise_wording(tail)
            code = index.get(key)
            if code is not None and (best is None or len(key) > best[0]):
                best = (len(key), code)
    return best[1] if best else None


# -- team / directorate / wave columns ------------------------------------------------------------

def _phrase_at(words: list[str], phrase: list[str]) -> int | None:
    n = len(phrase)
    for i in range(len(words) - n + 1):
        if words[i:i + n] == phrase:
            return i
    return None


def _unit_candidate(texts: list[str]) -> tuple[str, str, int, int, bool] | None:
    """Best role a column's header suggests: ``(role, word, rank, strength, is_code)``.

    ``strength`` is 0 when the header is the word plus qualifiers only ("Team name", "Ward / team"), 1
    when the word is part of a short question ("Which ward are you on?"); ``rank`` is the word's position in
    :data:`UNIT_COLUMN_WORDS`.
    """
    best = None
    all_unit_words = {w for phrases in UNIT_COLUMN_WORDS.values() for p in phrases for w in header_words(p)}
    for text in texts:
        words = header_words(text)
        if not words or any(w in UNIT_HEADER_EXCLUSIONS for w in words):
            continue
        for role, phrases in UNIT_COLUMN_WORDS.items():
            for rank, phrase in enumerate(phrases):
                pw = header_words(phrase)
                at = _phrase_at(words, pw)
                if at is None:
                    continue
                rest = words[:at] + words[at + len(pw):]
                if all(w in UNIT_HEADER_QUALIFIERS or w in UNIT_HEADER_CONNECTIVES or w in all_unit_words
                       for w in rest):
                    strength = 0
                elif len(words) <= UNIT_HEADER_MAX_WORDS and any(w in UNIT_HEADER_QUESTION_WORDS for w in words):
                    strength = 1
                else:
                    continue
                is_code = any(w in UNIT_CODE_QUALIFIERS for w in rest)
                # longer phrases are more specific ("business unit" is a directorate, not a "unit")
                key = (-len(pw), strength, list(UNIT_COLUMN_WORDS).index(role))
                if best is None or key < best[0]:
                    best = (key, (role, phrase, rank, strength, is_code))
    return best[1] if best else None


def recognise_unit_columns(raw: RawTable, *, exclude: tuple[str, ...] | list[str] = ()) -> dict[str, tuple[str, str]]:
    """Find the team, directorate and wave columns from their header words.

    Parameters
    ----------
    raw
        The table; every header row is read (:meth:`~analytics.ingest.raw.RawTable.texts_of`).
    exclude
        Columns already taken (question columns, columns the user named).

    Returns
    -------
    dict
        Role (``"team"``, ``"directorate"``, ``"wave"``) -> ``(column, word)`` for the roles found.

    Notes
    -----
    A header qualifies when it contains a word of :data:`UNIT_COLUMN_WORDS` as whole words and either
    the rest of it is qualifiers or other unit words ("Team name", "Your directorate", "Survey year",
    "Ward / team"), or it is a short question about the unit (:data:`UNIT_HEADER_QUESTION_WORDS`,
    :data:`UNIT_HEADER_MAX_WORDS`: "Which ward do you work on?"; not "I feel valued by my team"). Headers with a word of
    :data:`UNIT_HEADER_EXCLUSIONS` never qualify ("Year of birth", "Length of service"). A column takes
    the role of its longest matching phrase ("Business unit" is a directorate).

    Precedence when several columns qualify for one role: headers that are the word plus qualifiers
    before longer headers; then the word's order in :data:`UNIT_COLUMN_WORDS` ("Team" before
    "Department"); then a name before a code ("Team name" before "Team code"); then the leftmost
    column. Each column takes at most one role.
    """
    taken = set(exclude)
    candidates: dict[str, list[tuple[tuple, str, str]]] = {role: [] for role in UNIT_COLUMN_WORDS}
    for position, column in enumerate(raw.columns):
        if column in taken:
            continue
        cand = _unit_candidate(raw.texts_of(column))
        if cand is None:
            continue
        role, phrase, rank, strength, is_code = cand
        candidates[role].append(((strength, rank, is_code, position), column, phrase))
    found: dict[str, tuple[str, str]] = {}
    for role, cands in candidates.items():
        if cands:
            _, column, phrase = min(cands)
            found[role] = (column, phrase)
    return found


# -- detection ---------------------------------------------------------------------------------

def _short(text: str, limit: int = 60) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def detect_mapping(
    raw: RawTable,
    codebook: Codebook,
    *,
    team_col: str | None = None,
    directorate_col: str | None = None,
    wave_col: str | None = None,
    wave_label: str | None = None,
    require_items: bool = True,
) -> Mapping:
    """Recognise what each column of a respondent-level survey file holds.

    Parameters
    ----------
    raw
        The file as read (:class:`analytics.ingest.raw.RawTable`).
    codebook
        The survey year's questions and measures.
    team_col, directorate_col, wave_col
        Columns the user names; any header text as it appears in any header row, compared case- and
        space-insensitively (:meth:`~analytics.ingest.raw.RawTable.resolve_column`). They override recognition
        and are never read as questions.
    wave_label
        The wave of every row (e.g. ``"2025"``). Left ``None`` when not given: the pipeline then falls
        back to a year in the file name.
    require_items
        When true (the default) a file in which no codebook question is recognised is refused. A local
        pulse survey with only its own questions passes ``False`` and adds
        :func:`add_custom_measure` measures afterwards.

    Returns
    -------
    Mapping
        ``items`` in file order; ``evidence`` says how each column was recognised (``"code"``,
        ``"wording"``, ``"header word 'ward'"``, ``"user"``); ``unmapped`` lists the other columns.
        A column that repeats a question already recognised by its code is left unmapped and its
        evidence starts with ``"not used:"``.

    Raises
    ------
    InputError
        Two columns recognised as the same question (both columns and the code are named); no question
        of the codebook recognised (when ``require_items``); a named column that does not exist, or one
        column named for two roles.

    Notes
    -----
    Question columns are recognised by :func:`recognise_item` (code first, then wording); a match by
    code is preferred to a match by wording, and a column is never mapped to two questions. Unit
    columns are recognised by :func:`recognise_unit_columns` among the columns that are not questions.
    """
    where = {"file": raw.file_name, "sheet": raw.sheet}
    explicit: dict[str, str] = {}
    for role, name in (("team", team_col), ("directorate", directorate_col), ("wave", wave_col)):
        if name is None:
            continue
        column = raw.resolve_column(str(name), role=role)
        for other_role, other_col in explicit.items():
            if other_col == column:
                raise InputError(f"The column '{column}' was named both as the {other_role} column and as the "
                                 f"{role} column; name a different column for each.", **where)
        explicit[role] = column

    evidence: dict[str, str] = {col: "user" for col in explicit.values()}
    by_code: dict[str, str] = {}     # item code -> column
    by_wording: dict[str, list[str]] = {}
    wording_alt: dict[str, str] = {}  # column -> item its wording suggests, when its code says otherwise
    codes = _sorted_codes(codebook)
    for column in raw.columns:
        if column in evidence:
            continue
        texts = raw.texts_of(column)
        code = next((c for c in (_code_in_text(t, codes) for t in texts) if c is not None), None)
        if code is not None:
            if code in by_code:
                raise _duplicate_error(by_code[code], column, code, codebook, where)
            by_code[code] = column
            alt = _wording_in_texts(texts, codebook)
            if alt is not None and alt != code:
                wording_alt[column] = alt
            continue
        code = _wording_in_texts(texts, codebook)
        if code is not None:
            by_wording.setdefault(code, []).append(column)

    items_by_col: dict[str, str] = {col: code for code, col in by_code.items()}
    for column in by_code.values():
        evidence[column] = "code"
        if column in wording_alt:
            evidence[column] = (f"code (its wording reads like {wording_alt[column]}; check that the codebook "
                                "is for this survey year)")
    for code, columns in by_wording.items():
        if len(columns) > 1:
            raise _duplicate_error(columns[0], columns[1], code, codebook, where)
        column = columns[0]
        if code in by_code:
            evidence[column] = (f"not used: its wording is that of {code}, but column '{by_code[code]}' has "
                                "that question's code")
            continue
        items_by_col[column] = code
        evidence[column] = "wording"

    if not items_by_col and require_items:
        focus = list(codebook.items_of(codebook.measures[0].id)) if codebook.measures else list(codebook.items)
        examples = ", ".join(focus[:6])
        wording = next((codebook.items[c].wording for c in focus if codebook.items[c].wording), "")
        shown = "; ".join(f"'{_short(c, 50)}'" for c in raw.columns[:8])
        more = f" and {len(raw.columns) - 8} more" if len(raw.columns) > 8 else ""
        raise InputError(
            f"None of the questions of the codebook '{codebook.name}' were recognised. Question columns are "
            f"expected to be headed by a question code ({examples}, ...) or by the question's wording "
            f"(e.g. '{wording}'). The headers are: {shown}{more}. Rename the question columns, choose "
            "another codebook, or map the columns by hand. If the file holds one row per team with "
            "scores, read it as unit-level results instead.", **where)

    items = {col: items_by_col[col] for col in raw.columns if col in items_by_col}
    detected = recognise_unit_columns(raw, exclude=list(items) + list(explicit.values()))
    roles: dict[str, str | None] = {}
    for role in UNIT_COLUMN_WORDS:
        if role in explicit:
            roles[role] = explicit[role]
        elif role in detected:
            column, phrase = detected[role]
            roles[role] = column
            evidence[column] = f"header word '{phrase}'"
        else:
            roles[role] = None

    mapping = Mapping(items=items, team_col=roles["team"], directorate_col=roles["directorate"],
                      wave_col=roles["wave"], wave_label=wave_label, codebook=codebook.id,
                      evidence={c: evidence[c] for c in raw.columns if c in evidence})
    mapping.unmapped = _unmapped(raw, mapping)
    return mapping


def _duplicate_error(first: str, second: str, code: str, codebook: Codebook, where: dict) -> InputError:
    wording = codebook.items[code].wording if code in codebook.items else ""
    about = f" ({_short(wording)})" if wording else ""
    return InputError(f"The columns '{first}' and '{second}' both look like question {code}{about}. Remove or "
                      "rename one of them, or map the columns by hand.", **where)


def _unmapped(raw: RawTable, mapping: Mapping) -> list[str]:
    used = set(mapping.used_columns())
    return [c for c in raw.columns if c not in used]


def _copy(mapping: Mapping) -> Mapping:
    return Mapping.from_dict(mapping.to_dict())


# -- presets ------------------------------------------------------------------------------------

def apply_mapping(raw: RawTable, mapping: Mapping, codebook: Codebook, *, wave_label: str | None = None) -> Mapping:
    """Re-apply a saved mapping (e.g. last year's preset) to a new file.

    Parameters
    ----------
    raw
        The new file.
    mapping
        The saved mapping; it is not modified.
    codebook
        The codebook the items refer to.
    wave_label
        The wave of this file's rows when it has no wave column. A preset's own ``wave_label`` belongs
        to the file it was made for and is **not** carried over (last year's label would mislabel this
        year's data); pass it again when re-applying a mapping to the same file.

    Returns
    -------
    Mapping
        The mapping resolved against ``raw``: every column exists in ``raw``; ``evidence`` is
        ``"preset"`` for columns found under their saved header, ``"preset (found by code)"`` /
        ``"preset (found by wording)"`` for question columns found under a new header; ``unmapped`` is
        recomputed. Column order in the file does not matter.

    Raises
    ------
    InputError
        An item code that is neither in the codebook nor a local measure's item (the preset was made
        with another codebook); saved columns missing from the file that cannot be found again (all of
        them named, with the advice to re-run recognition); two saved columns landing on one column;
        a local measure whose columns are missing.

    Notes
    -----
    A saved header is looked up exactly, then case- and space-insensitively in every header row. A
    missing question column is then looked for by its question's code and wording
    (:func:`recognise_item`) among the columns not already used. Unit columns are only looked up by
    header: a different team column is a decision for the user.
    """
    where = {"file": raw.file_name, "sheet": raw.sheet}
    custom_codes = {custom_item_code(cm.id, c): cm for cm in mapping.custom_measures for c in cm.columns}
    unknown = [code for code in mapping.items.values()
               if code not in codebook.items and code not in custom_codes]
    if unknown:
        raise InputError(
            f"The saved mapping refers to question(s) {', '.join(dict.fromkeys(unknown))}, which the codebook "
            f"'{codebook.name}' does not have. It was probably made with another survey year's codebook: "
            "choose that codebook or re-run column recognition.", **where)
    if mapping.custom_measures:
        codebook.with_custom_measures(mapping.custom_measures)

    def lookup(name: str) -> str | None:
        if name in raw.columns:
            return name
        try:
            return raw.resolve_column(name)
        except InputError:
            return None

    resolved = _copy(mapping)
    resolved.wave_label = wave_label
    evidence: dict[str, str] = {}
    missing: list[str] = []
    taken: dict[str, str] = {}  # file column -> saved column it stands for

    def claim(column: str, saved: str) -> None:
        if column in taken and taken[column] != saved:
            raise InputError(f"The saved columns '{taken[column]}' and '{saved}' both match the column "
                             f"'{column}' of this file; re-run column recognition.", **where)
        taken[column] = saved

    for attr in ("team_col", "directorate_col", "wave_col"):
        saved = getattr(mapping, attr)
        if saved is None:
            continue
        column = lookup(saved)
        if column is None:
            missing.append(saved)
            continue
        claim(column, saved)
        setattr(resolved, attr, column)
        evidence[column] = "preset"

    items: dict[str, str] = {}
    to_find: list[tuple[str, str]] = []
    for saved, code in mapping.items.items():
        if code in custom_codes:
            continue  # a local measure's items follow its columns below
        column = lookup(saved)
        if column is None:
            to_find.append((saved, code))
            continue
        claim(column, saved)
        items[column] = code
        evidence[column] = "preset"
    for saved, code in to_find:
        hits = []
        for column in raw.columns:
            if column in taken or column in items:
                continue
            found = recognise_item(raw.texts_of(column), codebook)
            if found is not None and found[0] == code:
                hits.append((column, found[1]))
        if len(hits) > 1:
            raise _duplicate_error(hits[0][0], hits[1][0], code, codebook, where)
        if not hits:
            missing.append(saved)
            continue
        column, how = hits[0]
        claim(column, saved)
        items[column] = code
        evidence[column] = f"preset (found by {how})"

    customs = []
    custom_missing: list[str] = []
    for cm in mapping.custom_measures:
        renamed: dict[str, str] = {}
        for saved in cm.columns:
            column = lookup(saved)
            if column is None:
                custom_missing.append(f"'{saved}' (local measure '{cm.label}')")
                continue
            renamed[saved] = column
            evidence.setdefault(column, "preset")
        customs.append(replace(cm, columns=[renamed.get(c, c) for c in cm.columns],
                               reverse_columns=[renamed.get(c, c) for c in cm.reverse_columns]))
        for saved in cm.columns:
            old_code = custom_item_code(cm.id, saved)
            if saved in renamed and old_code in mapping.items.values() and renamed[saved] not in items:
                items[renamed[saved]] = custom_item_code(cm.id, renamed[saved])

    if missing or custom_missing:
        listed = ", ".join([f"'{m}'" for m in missing] + custom_missing)
        raise InputError(
            f"The saved mapping names columns this file does not have: {listed}. Check that this is the right "
            "file, or re-run column recognition and save the mapping again.", **where)

    resolved.custom_measures = customs
    resolved.items = {c: items[c] for c in raw.columns if c in items}
    resolved.evidence = {c: evidence[c] for c in raw.columns if c in evidence}
    resolved.unmapped = _unmapped(raw, resolved)
    return resolved


# -- local measures ------------------------------------------------------------------------------

def measure_id_from_label(label: str) -> str:
    """A safe measure id from a label: ASCII letters, digits and underscores, starting with a letter.

    >>> measure_id_from_label("Local wellbeing pulse")
    'local_wellbeing_pulse'
    >>> measure_id_from_label("2025 pulse: café & teamwork!")
    'local_2025_pulse_cafe_teamwork'
    """
    ascii_text = unicodedata.normalize("NFKD", str(label)).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.casefold()).strip("_")
    if not slug:
        return "local_measure"
    if not slug[0].isalpha():
        slug = f"local_{slug}"
    return slug


def add_custom_measure(
    mapping: Mapping,
    raw: RawTable,
    label: str,
    columns: list[str] | tuple[str, ...],
    scale: str | list[str] = "agreement",
    reverse_columns: list[str] | tuple[str, ...] = (),
    *,
    description: str = "",
    codebook: Codebook | None = None,
) -> Mapping:
    """Add a user-defined measure over any columns (e.g. a local pulse survey's own questions).

    Parameters
    ----------
    mapping
        The current mapping; it is not modified.
    raw
        The file, to check the columns: any header text of any header row, case- and
        space-insensitive (:meth:`~analytics.ingest.raw.RawTable.resolve_column`).
    label
        The measure's name as users see it ("Local wellbeing pulse"); its id is made from it
        (:func:`measure_id_from_label`, e.g. ``"local_wellbeing_pulse"``).
    columns
        The measure's item columns.
    scale
        A codebook scale name (``"agreement"``, ``"frequency"``, ``"yes_no"``) or the options from least
        to most favourable wording order.
    reverse_columns
        Columns among ``columns`` that are reverse-keyed.
    description
        Shown with the measure.
    codebook
        When given, the new measure is checked against it (scale name known, id not a codebook
        measure's id) by :meth:`analytics.ingest.codebook.Codebook.with_custom_measures`.

    Returns
    -------
    Mapping
        A copy with the measure appended to ``custom_measures``; its columns leave ``unmapped`` and
        get evidence ``"user"`` unless already recognised.

    Raises
    ------
    InputError
        Empty label or column list; a column named twice, not in the file, or already the team,
        directorate or wave column; a reverse-keyed column
        that is not one of the columns; a scale with fewer than two options; a label (or id) already
        used by another local measure.
    """
    where = {"file": raw.file_name, "sheet": raw.sheet}
    label = str(label or "").strip()
    if not label:
        raise InputError("Give the local measure a name.", **where)
    if not columns:
        raise InputError(f"The local measure '{label}' needs at least one column.", **where)
    resolved_cols = [raw.resolve_column(str(c), role=f"'{label}'") for c in columns]
    repeated = sorted({c for c in resolved_cols if resolved_cols.count(c) > 1})
    if repeated:
        raise InputError(f"The local measure '{label}' lists the column(s) {', '.join(repeated)} more than once.",
                         **where)
    roles = {mapping.team_col: "team", mapping.directorate_col: "directorate", mapping.wave_col: "wave"}
    for column in resolved_cols:
        if column in roles:
            raise InputError(f"'{column}' is the {roles[column]} column; the columns of the local measure '{label}' "
                             "must hold answers.", **where)
    reverse = [raw.resolve_column(str(c), role=f"'{label}'") for c in reverse_columns]
    outside = [c for c in reverse if c not in resolved_cols]
    if outside:
        raise InputError(f"Reverse-keyed column(s) {', '.join(outside)} are not among the columns of the local "
                         f"measure '{label}'.", **where)
    if isinstance(scale, str):
        if not scale.strip():
            raise InputError(f"Choose a scale for the local measure '{label}'.", **where)
        scale_value: str | list[str] = scale.strip()
    else:
        options = [str(o).strip() for o in scale]
        if len(options) < 2 or len({normalise_label(o) for o in options}) != len(options):
            raise InputError(f"The scale of the local measure '{label}' needs at least two different options, "
                             "listed from least to most favourable.", **where)
        scale_value = options
    measure_id = measure_id_from_label(label)
    for cm in mapping.custom_measures:
        if cm.id == measure_id or normalise_label(cm.label) == normalise_label(label):
            raise InputError(f"There is already a local measure called '{cm.label}'; choose another name.", **where)
    new = CustomMeasure(id=measure_id, label=label, columns=resolved_cols, scale=scale_value,
                        reverse_columns=reverse, description=str(description or ""))
    if codebook is not None:
        codebook.with_custom_measures([new])
    result = _copy(mapping)
    result.custom_measures.append(new)
    for column in resolved_cols:
        result.evidence.setdefault(column, "user")
    result.unmapped = [c for c in result.unmapped if c not in resolved_cols]
    return result


# -- summary ------------------------------------------------------------------------------------

#: Columns of :func:`summarise_mapping`.
MAPPING_SUMMARY_COLUMNS = ("measure", "label", "items_expected", "items_found", "missing_items")


def summarise_mapping(mapping: Mapping, codebook: Codebook) -> pd.DataFrame:
    """How many of each measure's questions the mapping found.

    Returns
    -------
    pandas.DataFrame
        One row per codebook measure (codebook order, themes expanded into their sub-scores' items),
        then one per local measure, with columns

        * ``measure`` — measure id;
        * ``label`` — its label;
        * ``items_expected`` — number of distinct items the measure rests on;
        * ``items_found`` — how many of them a column is mapped to;
        * ``missing_items`` — the missing item codes, comma-separated, in codebook order (``""`` when
          none).

    Notes
    -----
    A local measure's columns were checked when it was added (:func:`add_custom_measure`) and when a
    preset was applied (:func:`apply_mapping`), so all of them count as found.
    """
    mapped = set(mapping.items.values())
    rows = []
    for measure in codebook.measures:
        expected = codebook.items_of(measure.id)
        missing = [c for c in expected if c not in mapped]
        rows.append((measure.id, measure.label, len(expected), len(expected) - len(missing), ", ".join(missing)))
    for cm in mapping.custom_measures:
        rows.append((cm.id, cm.label, len(cm.columns), len(cm.columns), ""))
    frame = pd.DataFrame(rows, columns=list(MAPPING_SUMMARY_COLUMNS))
    return frame.astype({"items_expected": "int64", "items_found": "int64"})
