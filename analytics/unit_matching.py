"""Matching survey units to HR organisation units on (directorate, team), with suggestions to confirm.

Survey results and HR records are joined per unit (domain.md §4), so each survey team must be paired
with the HR unit it stands for. Names rarely agree exactly: ESR organisation names carry cost-centre
codes ("123 ABC Ward 4 CC") and team names repeat across directorates ("Ward 4" in Medicine and in
Surgery). This module never joins on a team name alone when that could be wrong:

1. **Mapped**: the user's confirmed unit map (:func:`read_unit_map`) is applied first.
2. **Matched**: equal normalised directorate *and* team (:func:`normalise_unit_name`).
3. **Matched on team alone** only when a side has no directorate (blank, the not-recorded marker
   :data:`analytics.settings.NOT_RECORDED_UNIT`, or a file without a directorate column) and the team
   name is unique on the other side; otherwise **ambiguous**.
4. One HR unit is never given to two survey units: when two claim it, the stronger claim (mapped, then
   exact) keeps it and the others become ambiguous; when the claims are equal, all are ambiguous.
5. Everything else is **unmatched**. Ambiguous and unmatched units get the top suggestions
   (:data:`N_SUGGESTIONS`) for the user to confirm; nothing is joined until they do.

Suggestions are ranked by :func:`rapidfuzz.fuzz.token_set_ratio` between the normalised team names
(with the ESR code stripped, :func:`esr_core_name`), ties broken by a shared directorate and then by
:func:`rapidfuzz.fuzz.ratio`. ``token_set_ratio`` scores 100 when one name's words are all in the
other ("ward 4" in "123 abc ward 4 cc"), whatever the order ("Medical Ward 4" / "Ward 4 Medical"),
which is how ESR names differ from the names staff use; ``WRatio`` weights partial matches lower (90
for the example) and mixes in length heuristics that rank a short unrelated name above the ESR form.
Because the token-set score also gives 100 to a bare subset ("ward" in "ward 4"), it only ever
suggests, and ``fuzz.ratio`` separates ties (closest overall spelling first).
"""

from __future__ import annotations

import dataclasses
import io
import re
import unicodedata
from typing import Iterable

import pandas as pd
from rapidfuzz import fuzz, process

from analytics import settings
from analytics.errors import InputError

STATUS_MATCHED = "matched"
STATUS_MAPPED = "mapped"
STATUS_AMBIGUOUS = "ambiguous"
STATUS_UNMATCHED = "unmatched"
STATUSES = (STATUS_MATCHED, STATUS_MAPPED, STATUS_AMBIGUOUS, STATUS_UNMATCHED)
#: Statuses that join a survey unit to an HR unit.
JOINED_STATUSES = (STATUS_MATCHED, STATUS_MAPPED)
#: Suggestions offered per unit needing attention.
N_SUGGESTIONS = 3

#: Columns of :func:`match_units`.
MATCH_COLUMNS = ("survey_directorate", "survey_team", "hr_directorate", "hr_team", "status", "score",
                 "suggestions", "reason")
#: Columns of a unit map (CSV), the user's confirmed pairs.
UNIT_MAP_COLUMNS = ("survey_directorate", "survey_team", "hr_directorate", "hr_team")

REASON_EXACT = "same directorate and team"

# An ESR cost-centre prefix: a numeric code of 3+ digits and an upper-case code of 2-5 letters/digits,
# before the name ("123 ABC Ward 4"); and an upper-case "CC" (cost centre) as the last word.
_ESR_PREFIX = re.compile(r"^\s*\d{3,}\s+[A-Z0-9]{2,5}\s+(?=\S)")
_ESR_SUFFIX = re.compile(r"(?<=\S)\s+CC\s*$")


def normalise_unit_name(text: object) -> str:
    """A unit name for comparison: Unicode NFKC, case-folded, ``&`` read as "and", apostrophes dropped,
    any other run of punctuation or white space one space, no outer spaces. Missing gives ``""``.

    >>> normalise_unit_name("  St. Mary\u2019s  Ward&Day-Unit ")
    'st marys ward and day unit'

    Cost-centre codes are **not** removed here, because doing so is not safe for an exact match: a
    leading number can belong to the name ("111 Service"), and "CC" is also "Critical Care" ("Ward 4
    CC" need not be "Ward 4"). They are removed only for suggestions (:func:`esr_core_name`), which the
    user confirms.
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    s = unicodedata.normalize("NFKC", str(text)).casefold()
    s = re.sub(r"['\u2018\u2019`]", "", s).replace("&", " and ")
    return re.sub(r"[\W_]+", " ", s).strip()


def esr_core_name(text: object) -> str:
    """The normalised name without an ESR cost-centre prefix or a trailing "CC" (used for suggestions only).

    The rule, on the name as written (case matters, so ordinary words are not codes): a leading numeric
    code of at least 3 digits followed by an upper-case code of 2–5 letters or digits ("123 ABC ") is
    removed, and so is a last word "CC" in capitals, as long as some name is left.

    >>> esr_core_name("123 ABC Ward 4 CC")
    'ward 4'
    >>> esr_core_name("Ward 4 cc")
    'ward 4 cc'
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    s = _ESR_SUFFIX.sub("", _ESR_PREFIX.sub("", str(text)))
    return normalise_unit_name(s)


def _directorate_key(text: object) -> str:
    """Normalised directorate; blank and the not-recorded marker give ``""`` (no directorate)."""
    key = normalise_unit_name(text)
    return "" if key == normalise_unit_name(settings.NOT_RECORDED_UNIT) else key


def _units(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Distinct (directorate, team) of a unit table, with their keys; ``directorate`` may be absent."""
    if "team" not in frame.columns:
        raise InputError(f"The {name} units need a 'team' column.")
    directorate = frame["directorate"] if "directorate" in frame.columns else pd.Series("", index=frame.index)
    out = pd.DataFrame({"directorate": directorate.astype(object).where(directorate.notna(), "").astype(str),
                        "team": frame["team"].astype(object).where(frame["team"].notna(), "").astype(str)})
    # A blank team or the not-recorded marker is no unit: never matched, never suggested.
    out = out[~out["team"].map(_directorate_key).eq("")].drop_duplicates().reset_index(drop=True)
    out["dkey"] = out["directorate"].map(_directorate_key)
    out["tkey"] = out["team"].map(normalise_unit_name)
    return out


# --------------------------------------------------------------------------------------------------
# The unit map
# --------------------------------------------------------------------------------------------------
def empty_unit_map() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in UNIT_MAP_COLUMNS})


def _check_unit_map(table: pd.DataFrame, source: str, row_of: list[int]) -> pd.DataFrame:
    """Blank teams and one survey team (or HR unit) given twice refused, naming the row."""
    table = table.fillna("").astype(str).map(str.strip)
    seen_survey: dict[tuple[str, str], int] = {}
    seen_hr: dict[tuple[str, str], int] = {}
    for i, rec in enumerate(table.itertuples(index=False)):
        row = row_of[i]
        for column in ("survey_team", "hr_team"):
            if not normalise_unit_name(getattr(rec, column)):
                raise InputError(f"The {column.replace('_', ' ')} is blank: every row pairs a survey team with an "
                                 "HR team (leave unmatched teams out of the map).", file=source, column=column, row=row)
        s_key = (_directorate_key(rec.survey_directorate), normalise_unit_name(rec.survey_team))
        h_key = (_directorate_key(rec.hr_directorate), normalise_unit_name(rec.hr_team))
        if s_key in seen_survey:
            raise InputError(f"The survey team '{rec.survey_team}' is mapped twice (rows {seen_survey[s_key]} and "
                             f"{row}): keep one row per survey team.", file=source, column="survey_team", row=row)
        if h_key in seen_hr:
            raise InputError(f"The HR team '{rec.hr_team}' is given to two survey teams (rows {seen_hr[h_key]} and "
                             f"{row}): one HR unit's outcomes would count twice. Keep one row per HR team.",
                             file=source, column="hr_team", row=row)
        seen_survey[s_key], seen_hr[h_key] = row, row
    return table.reset_index(drop=True)


def _read_csv(source: object, name: str | None) -> tuple[str, pd.DataFrame]:
    """(the file's name for messages, its cells as text) of a path or bytes."""
    if isinstance(source, (bytes, bytearray)):
        label, data = name or "unit map", io.BytesIO(bytes(source))
    else:
        label, data = name or str(source), source
    try:
        return label, pd.read_csv(data, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("The unit map file does not exist.", file=label) from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"The unit map is not a readable CSV file ({exc}).", file=label) from None


def read_unit_map(source: object, *, name: str | None = None) -> pd.DataFrame:
    """Read a unit map (CSV: ``survey_directorate, survey_team, hr_directorate, hr_team``).

    ``source`` is a path or the file's bytes; ``name`` names it in messages. Directorates may be blank
    (a file without directorates); headers are matched case- and space-insensitively; other columns
    are ignored. Rows are spreadsheet rows (the header is row 1).

    Raises
    ------
    InputError
        Unreadable file, a missing column, a blank team, one survey team mapped twice, or one HR team
        given to two survey teams (naming the file, column and row).
    """
    label, raw = _read_csv(source, name)
    headers = {normalise_unit_name(c).replace(" ", "_"): c for c in raw.columns}
    missing = [c for c in UNIT_MAP_COLUMNS if c not in headers]
    if missing:
        raise InputError(f"The unit map has no column '{missing[0]}'; it needs the columns "
                         f"{', '.join(UNIT_MAP_COLUMNS)}.", file=label, column=missing[0])
    table = raw[[headers[c] for c in UNIT_MAP_COLUMNS]].set_axis(list(UNIT_MAP_COLUMNS), axis=1)
    keep = table.apply(lambda r: any(str(v).strip() for v in r), axis=1) if len(table) else []
    rows = [i + 2 for i, k in enumerate(keep) if k]
    return _check_unit_map(table[list(keep)] if len(table) else table, label, rows)


def unit_map_csv(table: pd.DataFrame | None) -> bytes:
    """The unit map as CSV bytes (UTF-8, the columns of :data:`UNIT_MAP_COLUMNS`)."""
    table = empty_unit_map() if table is None else table
    return table[list(UNIT_MAP_COLUMNS)].to_csv(index=False).encode("utf-8")


def unit_map_records(table: pd.DataFrame | None) -> list[dict[str, str]]:
    """The unit map as a list of plain dicts (for a preset's JSON)."""
    if table is None or table.empty:
        return []
    return [{c: str(rec[c]) for c in UNIT_MAP_COLUMNS} for rec in table.to_dict("records")]


def unit_map_from_records(records: object, *, source: str = "preset") -> pd.DataFrame:
    """A unit map from :func:`unit_map_records` output, checked as :func:`read_unit_map` checks a file
    (rows counted from 1)."""
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise InputError("The preset's unit map is not a list of rows.", file=source, column="unit_map")
    table = pd.DataFrame([{c: r.get(c, "") for c in UNIT_MAP_COLUMNS} for r in records],
                         columns=list(UNIT_MAP_COLUMNS))
    return _check_unit_map(table, source, list(range(1, len(table) + 1)))


# --------------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------------
def _suggest(survey_row: pd.Series, hr: pd.DataFrame) -> list[tuple[str, str, float]]:
    """Top :data:`N_SUGGESTIONS` HR units for one survey unit: (hr_directorate, hr_team, score 0–100)."""
    if hr.empty:
        return []
    query = esr_core_name(survey_row["team"]) or survey_row["tkey"]
    choices = hr["core"].tolist()
    found = process.extract(query, choices, scorer=fuzz.token_set_ratio, limit=None)
    ranked = sorted(found, key=lambda f: (-round(f[1], 6),
                                          hr["dkey"].iat[f[2]] != survey_row["dkey"] or not survey_row["dkey"],
                                          -fuzz.ratio(query, f[0]), f[2]))
    return [(hr["directorate"].iat[i], hr["team"].iat[i], round(float(score), 1))
            for _, score, i in ranked[:N_SUGGESTIONS] if score > 0]


def _mapped(survey: pd.DataFrame, hr: pd.DataFrame, unit_map: pd.DataFrame | None) -> dict[int, tuple[int, str]]:
    """Survey index -> (HR index, reason) from the user's map. A map row with a blank survey directorate
    applies to the survey team of that name when it is unique among survey units."""
    out: dict[int, tuple[int, str]] = {}
    if unit_map is None or unit_map.empty:
        return out
    hr_index = {(d, t): i for i, (d, t) in enumerate(zip(hr["dkey"], hr["tkey"]))}
    hr_by_team = hr.groupby("tkey").groups
    for rec in unit_map.itertuples(index=False):
        sd, st = _directorate_key(rec.survey_directorate), normalise_unit_name(rec.survey_team)
        hd, ht = _directorate_key(rec.hr_directorate), normalise_unit_name(rec.hr_team)
        targets = [hr_index[(hd, ht)]] if (hd, ht) in hr_index else (
            list(hr_by_team.get(ht, [])) if not hd else [])
        hits = survey.index[(survey["tkey"] == st) & ((survey["dkey"] == sd) | (sd == ""))]
        if sd == "" and len(hits) > 1:
            hits = hits[survey.loc[hits, "dkey"] == ""]
        if len(hits) == 1 and len(targets) == 1:
            out[int(hits[0])] = (int(targets[0]), "confirmed in the unit map")
    return out


def _automatic(s: pd.Series, hr: pd.DataFrame, survey_team_counts: pd.Series) -> tuple[str, list[int], str]:
    """(status, HR candidates, reason) of one survey unit by the name rules 2 and 3 of the module docstring."""
    same_team = hr.index[hr["tkey"] == s["tkey"]]
    if s["dkey"]:
        exact = [i for i in same_team if hr.at[i, "dkey"] == s["dkey"]]
        if exact:
            return (STATUS_MATCHED if len(exact) == 1 else STATUS_AMBIGUOUS, exact,
                    REASON_EXACT if len(exact) == 1 else "several HR units of the same name")
        blank = [i for i in same_team if hr.at[i, "dkey"] == ""]
        if not blank:
            return STATUS_UNMATCHED, [], "no HR unit of this directorate and team"
        if len(blank) == 1 and survey_team_counts.get(s["tkey"], 0) == 1:
            return STATUS_MATCHED, blank, "same team (no HR directorate); the name is unique in the survey"
        return STATUS_AMBIGUOUS, blank, "no HR directorate, and the team name is not unique"
    if len(same_team) == 1:
        return STATUS_MATCHED, list(same_team), "same team (no survey directorate); the name is unique in HR"
    if len(same_team) > 1:
        return STATUS_AMBIGUOUS, list(same_team), "no survey directorate, and several HR units have this name"
    return STATUS_UNMATCHED, [], "no HR unit of this team name"


def match_units(survey_units: pd.DataFrame, hr_units: pd.DataFrame, unit_map: pd.DataFrame | None = None
                ) -> pd.DataFrame:
    """Pair survey units with HR units (rules in the module docstring).

    Parameters
    ----------
    survey_units, hr_units
        Tables with a ``team`` column and optionally ``directorate`` (absent: no directorates);
        repeated rows count once; blank teams and :data:`~analytics.settings.NOT_RECORDED_UNIT` are left out.
    unit_map
        The user's confirmed pairs (:func:`read_unit_map`), applied first; pairs naming units not in
        the data are ignored.

    Returns
    -------
    pandas.DataFrame
        One row per distinct survey unit, in input order, with columns :data:`MATCH_COLUMNS`:
        ``survey_directorate``, ``survey_team`` (as written); ``hr_directorate``, ``hr_team`` (the HR
        unit joined, empty unless ``status`` is "matched" or "mapped"); ``status`` (one of
        :data:`STATUSES`); ``score`` (token-set similarity 0–100 of the joined pair, else of the best
        suggestion; NaN without any); ``suggestions`` (list of up to :data:`N_SUGGESTIONS` tuples
        ``(hr_directorate, hr_team, score)``, best first, for ambiguous and unmatched units; empty
        list otherwise); ``reason`` (in plain words).
    """
    survey, hr = _units(survey_units, "survey"), _units(hr_units, "HR")
    hr["core"] = [esr_core_name(t) or k for t, k in zip(hr["team"], hr["tkey"])]
    counts = survey["tkey"].value_counts()
    mapped = _mapped(survey, hr, unit_map)
    status, target, reason = {}, {}, {}
    for i, s in survey.iterrows():
        if i in mapped:
            status[i], target[i], reason[i] = STATUS_MAPPED, [mapped[i][0]], mapped[i][1]
        else:
            status[i], target[i], reason[i] = _automatic(s, hr, counts)
    _resolve_claims(survey, hr, status, target, reason)
    rows = []
    for i, s in survey.iterrows():
        joined = status[i] in JOINED_STATUSES
        h = target[i][0] if joined else None
        suggestions = [] if joined else _suggest(s, hr)
        score = (float(fuzz.token_set_ratio(esr_core_name(s["team"]) or s["tkey"], hr.at[h, "core"])) if joined
                 else (suggestions[0][2] if suggestions else float("nan")))
        rows.append({"survey_directorate": s["directorate"], "survey_team": s["team"],
                     "hr_directorate": hr.at[h, "directorate"] if joined else "",
                     "hr_team": hr.at[h, "team"] if joined else "", "status": status[i], "score": score,
                     "suggestions": suggestions, "reason": reason[i]})
    return pd.DataFrame(rows, columns=list(MATCH_COLUMNS))




def _resolve_claims(survey: pd.DataFrame, hr: pd.DataFrame, status: dict, target: dict, reason: dict) -> None:
    """Rule 4: an HR unit claimed by several survey units goes to the single strongest claim (mapped, then
    same directorate and team, then team alone); the other claimants become ambiguous."""
    claims: dict[int, list[tuple[int, int]]] = {}
    for i in survey.index:
        if status[i] in JOINED_STATUSES:
            strength = 3 if status[i] == STATUS_MAPPED else (2 if reason[i] == REASON_EXACT else 1)
            claims.setdefault(target[i][0], []).append((strength, i))
    for h, found in claims.items():
        if len(found) < 2:
            continue
        best = max(strength for strength, _ in found)
        winners = [i for strength, i in found if strength == best]
        for strength, i in found:
            if strength < best or len(winners) > 1:
                status[i] = STATUS_AMBIGUOUS
                reason[i] = (f"the HR unit '{hr.at[h, 'team']}' is also claimed by another survey team; "
                             "confirm which one it belongs to")


def joined_pairs(matches: pd.DataFrame) -> pd.DataFrame:
    """The matched and mapped rows of :func:`match_units` as ``survey_directorate, survey_team,
    hr_directorate, hr_team``: the pairs to join on."""
    keep = matches[matches["status"].isin(JOINED_STATUSES)]
    return keep[list(UNIT_MAP_COLUMNS)].reset_index(drop=True)


def needing_attention(matches: pd.DataFrame) -> pd.DataFrame:
    """The ambiguous and unmatched rows of :func:`match_units`."""
    return matches[matches["status"].isin((STATUS_AMBIGUOUS, STATUS_UNMATCHED))].reset_index(drop=True)


def unit_label(directorate: object, team: object) -> str:
    """How an HR unit is offered to the user: "Team (Directorate)", or the team alone without a directorate."""
    d = "" if _directorate_key(directorate) == "" else str(directorate)
    return f"{team} ({d})" if d else str(team)


def attention_note(matches: pd.DataFrame, level: str = settings.LEVEL_TEAM, *, shown: int = 5) -> list[str]:
    """Notes naming the unmatched and ambiguous units (count and first names), or none."""
    notes = []
    for kind, words in ((STATUS_UNMATCHED, "have no HR unit of the same directorate and name"),
                        (STATUS_AMBIGUOUS, "fit several HR units (or share one), so are not joined")):
        rows = matches[matches["status"] == kind]
        if rows.empty:
            continue
        names = [unit_label(d, t) for d, t in zip(rows["survey_directorate"], rows["survey_team"])]
        more = f" and {len(names) - shown} more" if len(names) > shown else ""
        notes.append(f"{len(names)} surveyed {level}(s) {words}: {', '.join(names[:shown])}{more}. Confirm their "
                     "HR units on the Data page (or give a unit map with --unit-map FILE.csv).")
    return notes


#: Columns of :func:`attention_editor_frame` (the Data page's table of units to confirm).
EDITOR_COLUMNS = ("Survey directorate", "Survey team", "Status", "Why", "Suggestions", "HR team")
#: The editor's choice for "no HR unit".
NO_HR_UNIT = "(none)"


def hr_unit_options(hr_units: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Every HR unit as :func:`unit_label` -> (directorate, team), sorted by label (the editor's choices)."""
    units = _units(hr_units, "HR")
    options = {unit_label(d, t): (d, t) for d, t in zip(units["directorate"], units["team"])}
    return dict(sorted(options.items(), key=lambda kv: kv[0].casefold()))


def attention_editor_frame(attention: pd.DataFrame) -> pd.DataFrame:
    """The units needing attention (:func:`needing_attention`) as the Data page's editor table
    (:data:`EDITOR_COLUMNS`). "HR team" is filled in with the best suggestion only when it scores at least
    :data:`analytics.settings.UNIT_SUGGESTION_PREFILL_SCORE` and no other suggestion scores as high (else
    :data:`NO_HR_UNIT`): the user confirms every pair."""
    def prefill(suggestions: list) -> str:
        if not suggestions or suggestions[0][2] < settings.UNIT_SUGGESTION_PREFILL_SCORE:
            return NO_HR_UNIT
        if len(suggestions) > 1 and suggestions[1][2] >= suggestions[0][2]:
            return NO_HR_UNIT
        return unit_label(suggestions[0][0], suggestions[0][1])

    return pd.DataFrame({
        "Survey directorate": attention["survey_directorate"].astype(str),
        "Survey team": attention["survey_team"].astype(str),
        "Status": attention["status"].astype(str),
        "Why": attention["reason"].astype(str),
        "Suggestions": ["; ".join(f"{unit_label(d, t)} ({score:.0f})" for d, t, score in sug)
                        for sug in attention["suggestions"]],
        "HR team": [prefill(sug) for sug in attention["suggestions"]],
    }, columns=list(EDITOR_COLUMNS))


def confirmed_map(attention: pd.DataFrame, chosen: Iterable[str | None], options: dict[str, tuple[str, str]],
                  base: pd.DataFrame | None = None) -> pd.DataFrame:
    """The unit map after the user's choices: ``base`` (the map so far) plus one row per unit of
    ``attention`` (rows of :func:`needing_attention`) whose choice names an HR unit of ``options``
    (:func:`hr_unit_options`; None, "" or :data:`NO_HR_UNIT` for none). A unit chosen again replaces its
    old row.

    Raises :class:`InputError` when the result gives one HR unit to two survey teams.
    """
    rows = [] if base is None or base.empty else base[list(UNIT_MAP_COLUMNS)].to_dict("records")
    for (_, unit), choice in zip(attention.iterrows(), chosen):
        if not choice or choice not in options:
            continue
        key = (_directorate_key(unit["survey_directorate"]), normalise_unit_name(unit["survey_team"]))
        rows = [r for r in rows if (_directorate_key(r["survey_directorate"]),
                                    normalise_unit_name(r["survey_team"])) != key]
        hd, ht = options[choice]
        rows.append({"survey_directorate": unit["survey_directorate"], "survey_team": unit["survey_team"],
                     "hr_directorate": hd, "hr_team": ht})
    table = pd.DataFrame(rows, columns=list(UNIT_MAP_COLUMNS)) if rows else empty_unit_map()
    return _check_unit_map(table, "the confirmed matches", list(range(1, len(table) + 1)))


# --------------------------------------------------------------------------------------------------
# Units of the data
# --------------------------------------------------------------------------------------------------
def survey_team_units(unit_scores: pd.DataFrame) -> pd.DataFrame:
    """Distinct ``directorate, team`` of the shown survey teams of every wave (not-recorded left out)."""
    teams = unit_scores[(unit_scores["level"] == settings.LEVEL_TEAM) & ~unit_scores["suppressed"].astype(bool)
                        & (unit_scores["unit"].astype(str) != settings.NOT_RECORDED_UNIT)]
    out = pd.DataFrame({"directorate": teams["parent"], "team": teams["unit"]}).drop_duplicates()
    return out.reset_index(drop=True)


def hr_team_units(records: object) -> pd.DataFrame:
    """Distinct ``directorate, team`` of HR records (employee-level or team-month; not-recorded left out)."""
    frame = getattr(records, "assignments", None)
    if frame is None:
        frame = records.table
    out = frame[["directorate", "team"]].drop_duplicates()
    out = out[out["team"].astype(str) != settings.NOT_RECORDED_UNIT]
    return out.reset_index(drop=True)


def with_unit_map(records: object, unit_map: pd.DataFrame | None) -> object:
    """HR records carrying the user's unit map (read by :func:`analytics.outcomes.unit_outcomes`)."""
    if records is None:
        return None
    return dataclasses.replace(records, unit_map=unit_map)
