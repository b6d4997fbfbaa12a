"""Recognising columns from their header texts: which codebook question a column holds (by code, then by
wording), and which columns name the team, directorate and wave.

Used by :func:`analytics.ingest.mapping.detect_mapping`, :func:`analytics.ingest.presets.apply_mapping`
and :mod:`analytics.ingest.unit_level`. No knowledge of the file beyond its header texts.
"""

from __future__ import annotations

import re

from analytics.errors import InputError
from analytics.ingest.codebook import Codebook, normalise_label
from analytics.ingest.raw import RawTable

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


def _code_boundary_ok(rest: str) -> bool:
    """Whether what follows a code ends it: nothing, or a separator that is not "_<digit>" (a tool's own
    numbering, "Q9_4")."""
    if not rest:
        return True
    if rest[0] not in _CODE_BOUNDARY:
        return False
    return not (rest[0] == "_" and len(rest) > 1 and rest[1].isdigit())


def _canonical_q_code(match: re.Match | None, code_set: set[str]) -> str | None:
    """"Q.9f", "Q 9f" or "Q09f" matched by ``_Q_CODE`` as the codebook's "q9f", if the codebook has it."""
    if match is None:
        return None
    canonical = f"q{int(match.group(1))}{match.group(2)}"
    return canonical if canonical in code_set else None


def code_in_text(text: str, codes: tuple[str, ...]) -> str | None:
    """The codebook item code a header starts with (or ends with, in brackets), if any.

    ``codes`` are case-folded codebook codes, longest first. A code must be followed by the end of the
    header or by a separator (space, ".", ":", "-", "_", ...), so "q9" never matches "q9f" and "q2"
    never matches "q25a". ``_`` followed by a digit marks a survey tool's own numbering ("Q9_4" in
    Qualtrics) and is never read as a code. NSS-style codes are also read when written "Q.9f",
    "Q 9f" or "Q09f".
    """
    h = normalise_label(text).lstrip(" \t\"'([{")
    if not h:
        return None
    code_set = set(codes)
    for code in codes:
        if h.startswith(code) and _code_boundary_ok(h[len(code):]):
            return code
    m = _Q_CODE.match(h)
    if m and _code_boundary_ok(h[m.end():]):
        found = _canonical_q_code(m, code_set)
        if found:
            return found
    # "My immediate manager cares about my concerns (Q9h)"
    m = re.search(r"[(\[]\s*([^()\[\]]{1,12}?)\s*[)\]]\s*$", h)
    if m:
        inner = m.group(1)
        return inner if inner in code_set else _canonical_q_code(_Q_CODE.fullmatch(inner), code_set)
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


def sorted_codes(codebook: Codebook) -> tuple[str, ...]:
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
    codes = sorted_codes(codebook)
    for text in texts:
        code = code_in_text(str(text), codes)
        if code is not None:
            return code, "code"
    found = wording_in_texts(texts, codebook)
    return (found, "wording") if found else None


def wording_in_texts(texts: list[str], codebook: Codebook) -> str | None:
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


def _all_unit_words() -> set[str]:
    """Every word of every phrase of :data:`UNIT_COLUMN_WORDS`."""
    return {w for phrases in UNIT_COLUMN_WORDS.values() for p in phrases for w in header_words(p)}


def _header_strength(words: list[str], rest: list[str], all_unit_words: set[str]) -> int | None:
    """0 when the words around the unit phrase (``rest``) are all qualifiers, connectives or other unit
    words; 1 when the header is a short question (:data:`UNIT_HEADER_QUESTION_WORDS`, at most
    :data:`UNIT_HEADER_MAX_WORDS` words); ``None`` when it is neither."""
    if all(w in UNIT_HEADER_QUALIFIERS or w in UNIT_HEADER_CONNECTIVES or w in all_unit_words for w in rest):
        return 0
    if len(words) <= UNIT_HEADER_MAX_WORDS and any(w in UNIT_HEADER_QUESTION_WORDS for w in words):
        return 1
    return None


def _phrase_matches(words: list[str], all_unit_words: set[str]):
    """Every ``(key, (role, phrase, rank, strength, is_code))`` of a unit phrase found in a header's
    ``words``; the smallest key is the best: longer phrases first (more specific: "business unit" is a
    directorate, not a "unit"), then strength, then the role's order."""
    role_order = list(UNIT_COLUMN_WORDS)
    for role, phrases in UNIT_COLUMN_WORDS.items():
        for rank, phrase in enumerate(phrases):
            pw = header_words(phrase)
            at = _phrase_at(words, pw)
            if at is None:
                continue
            rest = words[:at] + words[at + len(pw):]
            strength = _header_strength(words, rest, all_unit_words)
            if strength is None:
                continue
            is_code = any(w in UNIT_CODE_QUALIFIERS for w in rest)
            yield (-len(pw), strength, role_order.index(role)), (role, phrase, rank, strength, is_code)


def _unit_candidate(texts: list[str]) -> tuple[str, str, int, int, bool] | None:
    """Best role a column's header suggests: ``(role, word, rank, strength, is_code)``.

    ``strength`` is 0 when the header is the word plus qualifiers only ("Team name", "Ward / team"), 1
    when the word is part of a short question ("Which ward are you on?"); ``rank`` is the word's position in
    :data:`UNIT_COLUMN_WORDS`. Headers with a word of :data:`UNIT_HEADER_EXCLUSIONS` are skipped; among
    equal keys the first found wins.
    """
    best = None
    all_unit_words = _all_unit_words()
    for text in texts:
        words = header_words(text)
        if not words or any(w in UNIT_HEADER_EXCLUSIONS for w in words):
            continue
        for key, candidate in _phrase_matches(words, all_unit_words):
            if best is None or key < best[0]:
                best = (key, candidate)
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


def short_text(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def duplicate_error(first: str, second: str, code: str, codebook: Codebook, where: dict) -> InputError:
    """Two columns recognised as the same question ``code``: both named, with the question's wording."""
    wording = codebook.items[code].wording if code in codebook.items else ""
    about = f" ({short_text(wording)})" if wording else ""
    return InputError(f"The columns '{first}' and '{second}' both look like question {code}{about}. Remove or "
                      "rename one of them, or map the columns by hand.", **where)
