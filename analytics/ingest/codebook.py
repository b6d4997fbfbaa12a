"""Codebooks: which questions make up which measure, on which scale, and which are reverse-keyed.

A codebook is data (``analytics/codebooks/*.json``), one file per survey year, because NHS Staff Survey
question numbers change between years. A user can edit a copy or add local measures through the
:class:`~analytics.ingest.mapping.Mapping` (see :meth:`Codebook.with_custom_measures`).

JSON layout::

    {"id": "nss_2024_2025", "name": "...", "years": [2024, 2025],
     "scales": {"agreement": {"label": "...", "options": ["Strongly disagree", ..., "Strongly agree"]}},
     "missing_options": ["Don't know", "Not applicable", ...],
     "items": {"q9f": {"wording": "...", "scale": "agreement", "reverse": false}, ...},
     "measures": [{"id": "compassionate_leadership", "label": "...", "items": ["q9f", ...],
                   "aliases": ["PP1_2", ...], "source": "..."},
                  {"id": "morale", "label": "...", "sub_measures": ["thinking_about_leaving", ...]}],
     "published_measures": [{"id": "pp4_burnout", "label": "Burnout", "aliases": ["PP4_2", ...],
                             "questions": [], "source": "..."}],
     "sources": [{"title": "...", "url": "..."}], "notes": "...",
     "behaviours": {"note": "...", "items": {"attending": "q9g", ...}}}

``measures`` are scored from respondent answers. ``published_measures`` are NSS scores whose question
list (or the questions' scales) could not be verified against a published source for the codebook's
years: they are never scored, but their names and aliases let a reader of *published* results (benchmark
workbooks, contractor files) recognise the column. ``questions`` lists codes a source gives, if any.

Aliases (benchmark / published variable names such as ``PP1_2``, ``pp1_2_2025``, ``theme_morale``) are
matched by :meth:`Codebook.measure_by_alias` after :func:`normalise_alias`: case, separators and a
trailing year are ignored. A measure's id and label are always aliases of it.

Choosing a codebook: :func:`load_codebook` takes a shipped id (``"nss_2024_2025"``, ``"nss_2021_2023"``)
or a JSON path; :func:`codebook_for_year` picks the shipped codebook whose ``years`` include a wave year.
Shipped: ``nss_2024_2025`` (the default; scored measures and People Promise element 1, the other elements
published-only) and ``nss_2021_2023`` (published element and theme names only: no question list of those
years could be verified, so it scores nothing).

Scale options are listed from the least to the most favourable *wording order of the scale* (e.g.
Strongly disagree ... Strongly agree); an item's ``reverse`` flag says that agreeing is unfavourable.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from analytics.errors import InputError

CODEBOOK_DIR = Path(__file__).resolve().parent.parent / "codebooks"
DEFAULT_CODEBOOK_ID = "nss_2024_2025"


def normalise_label(text: object) -> str:
    """Normalise an answer label or header for matching: case-folded, curly quotes straightened,
    runs of white space collapsed, outer spaces and a trailing full stop removed.

    >>> normalise_label("  Strongly  Agree. ")
    'strongly agree'
    >>> normalise_label("Don\u2019t know")
    "don't know"
    """
    s = str(text).replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    s = s.replace("\u00a0", " ")
    s = re.sub(r"\s+", " ", s).strip().casefold()
    return s.rstrip(".").strip()


@dataclass(frozen=True)
class Scale:
    """An ordered response scale.

    ``options`` run from position 1 to position k. Item score (domain.md §1):
    ``(position - 1) / (k - 1) * 10``, reversed for reverse-keyed items.
    """

    name: str
    label: str
    options: tuple[str, ...]

    @property
    def n_options(self) -> int:
        return len(self.options)


@dataclass(frozen=True)
class Item:
    """One survey question: its code (e.g. ``q9f``), wording, scale name and reverse keying."""

    code: str
    wording: str
    scale: str
    reverse: bool = False


@dataclass(frozen=True)
class Measure:
    """A sub-score (mean of items) or a theme (mean of sub-scores).

    Exactly one of ``items`` and ``sub_measures`` is non-empty for a scored measure; a published-only
    measure (:attr:`Codebook.published_measures`) has neither and is never scored. ``aliases`` are
    published variable names; ``source`` cites where the question list was taken from; ``questions``
    (published-only measures) are the question codes a source lists.
    """

    id: str
    label: str
    items: tuple[str, ...] = ()
    sub_measures: tuple[str, ...] = ()
    description: str = ""
    aliases: tuple[str, ...] = ()
    source: str = ""
    questions: tuple[str, ...] = ()

    @property
    def is_theme(self) -> bool:
        return bool(self.sub_measures)

    @property
    def alias_keys(self) -> tuple[str, ...]:
        """Normalised names this measure answers to: its id, label and aliases (:func:`normalise_alias`)."""
        keys = dict.fromkeys(normalise_alias(a) for a in (self.id, self.label, *self.aliases))
        return tuple(k for k in keys if k)


_TRAILING_YEAR = re.compile(r"(?:[\s_\-.]+|(?<=[a-z]))(?:19|20)\d{2}$")


def normalise_alias(name: object) -> str:
    """Normalise a published variable name for alias matching: case-folded, a trailing year removed
    (``_2025``, ``-2024``, ``2023`` after a letter), then every character that is not a letter or digit
    removed.

    >>> normalise_alias("pp1_2_2025")
    'pp12'
    >>> normalise_alias(" Theme-Morale 2024 ")
    'thememorale'
    >>> normalise_alias("People_Promise_1")
    'peoplepromise1'
    """
    s = str(name).strip().casefold()
    s = _TRAILING_YEAR.sub("", s)
    return re.sub(r"[^0-9a-z]", "", s)


@dataclass(frozen=True)
class Codebook:
    """Measures, items and scales of one survey year."""

    id: str
    name: str
    years: tuple[int, ...]
    scales: dict[str, Scale]
    items: dict[str, Item]
    measures: tuple[Measure, ...]
    missing_options: tuple[str, ...] = ()
    behaviours: dict[str, str] = field(default_factory=dict)
    behaviours_note: str = ""
    published_measures: tuple[Measure, ...] = ()
    sources: tuple[dict, ...] = ()
    notes: str = ""

    # -- look-ups --------------------------------------------------------------------------------
    @property
    def measure_ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.measures)

    def measure(self, measure_id: str) -> Measure:
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise InputError(f"The codebook '{self.name}' has no measure '{measure_id}'. "
                         f"Known measures: {', '.join(self.measure_ids)}.")

    def items_of(self, measure_id: str) -> tuple[str, ...]:
        """All item codes a measure rests on, expanding themes into their sub-scores' items."""
        m = self.measure(measure_id)
        if not m.is_theme:
            return m.items
        seen: dict[str, None] = {}
        for sub in m.sub_measures:
            for code in self.items_of(sub):
                seen[code] = None
        return tuple(seen)

    def scale_of(self, item_code: str) -> Scale:
        return self.scales[self.items[item_code].scale]

    def measure_by_alias(self, name: object) -> Measure | None:
        """The measure (scored or published-only) a published variable name stands for, or ``None``.

        Matching is on :func:`normalise_alias` keys of the measure's id, label and ``aliases``: case,
        separators and a trailing year are ignored, so ``PP1_2``, ``pp1_2_2025`` and ``pp1-2`` all give
        compassionate leadership. Scored measures are searched before published-only ones.
        """
        key = normalise_alias(name)
        if not key:
            return None
        for m in (*self.measures, *self.published_measures):
            if key in m.alias_keys:
                return m
        return None

    # -- building ----------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict, *, source: str = "codebook") -> "Codebook":
        """Build and validate a codebook from its JSON structure; problems raise :class:`InputError`."""
        try:
            scales = {
                name: Scale(name=name, label=s.get("label", name), options=tuple(s["options"]))
                for name, s in data["scales"].items()
            }
            items = {
                code.casefold(): Item(code=code.casefold(), wording=i.get("wording", ""), scale=i["scale"],
                                      reverse=bool(i.get("reverse", False)))
                for code, i in data["items"].items()
            }
            measures = tuple(_measure_from_dict(m) for m in data["measures"])
            published = tuple(_measure_from_dict(m, published=True) for m in data.get("published_measures", ()))
            behaviours = data.get("behaviours", {}) or {}
            book = cls(
                id=str(data.get("id", source)), name=str(data.get("name", source)),
                years=tuple(int(y) for y in data.get("years", ())), scales=scales, items=items,
                measures=measures, missing_options=tuple(data.get("missing_options", ())),
                behaviours={k: v.casefold() for k, v in behaviours.get("items", {}).items()},
                behaviours_note=behaviours.get("note", ""), published_measures=published,
                sources=tuple(dict(x) for x in data.get("sources", ())), notes=str(data.get("notes", "")),
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise InputError(f"The codebook is not in the expected layout ({exc!r} is missing or wrong). "
                             "Start from a copy of a shipped codebook.", file=source) from None
        book.validate(source)
        return book

    def validate(self, source: str = "codebook") -> None:
        ids = [m.id for m in self.measures]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise InputError(f"Measure ids must be unique; repeated: {', '.join(dupes)}.", file=source)
        for item in self.items.values():
            if item.scale not in self.scales:
                raise InputError(f"Item '{item.code}' uses the scale '{item.scale}', which is not defined.",
                                 file=source)
            if self.scales[item.scale].n_options < 2:
                raise InputError(f"The scale '{item.scale}' needs at least two options.", file=source)
        for m in self.measures:
            if bool(m.items) == bool(m.sub_measures):
                raise InputError(f"Measure '{m.id}' must list either items or sub_measures.", file=source)
            for code in m.items:
                if code not in self.items:
                    raise InputError(f"Measure '{m.id}' lists item '{code}', which is not defined.", file=source)
            for sub in m.sub_measures:
                if sub not in ids or self.measure(sub).is_theme:
                    raise InputError(f"Theme '{m.id}' lists '{sub}', which is not a sub-score measure.",
                                     file=source)
        self._validate_published(source)

    def _validate_published(self, source: str) -> None:
        """Published-only measures: unique ids not shared with scored measures, no items; no alias key
        shared by two measures (an alias must name one measure)."""
        ids = set(self.measure_ids)
        for m in self.published_measures:
            if m.id in ids:
                raise InputError(f"Measure id '{m.id}' is used twice (scored and published-only).", file=source)
            ids.add(m.id)
        owner: dict[str, str] = {}
        for m in (*self.measures, *self.published_measures):
            for key in m.alias_keys:
                if owner.setdefault(key, m.id) != m.id:
                    raise InputError(f"The alias '{key}' names two measures ('{owner[key]}' and '{m.id}').",
                                     file=source)

    def to_dict(self) -> dict:
        return {
            "id": self.id, "name": self.name, "years": list(self.years),
            "scales": {n: {"label": s.label, "options": list(s.options)} for n, s in self.scales.items()},
            "missing_options": list(self.missing_options),
            "items": {c: {"wording": i.wording, "scale": i.scale, "reverse": i.reverse} for c, i in self.items.items()},
            "measures": [
                {"id": m.id, "label": m.label, "description": m.description,
                 **({"sub_measures": list(m.sub_measures)} if m.is_theme else {"items": list(m.items)}),
                 **_measure_extras(m)}
                for m in self.measures
            ],
            "published_measures": [
                {"id": m.id, "label": m.label, "description": m.description, "questions": list(m.questions),
                 **_measure_extras(m)}
                for m in self.published_measures
            ],
            "sources": [dict(x) for x in self.sources], "notes": self.notes,
            "behaviours": {"note": self.behaviours_note, "items": dict(self.behaviours)},
        }

    def with_custom_measures(self, custom_measures) -> "Codebook":
        """A copy with the user's local measures added (see :class:`analytics.ingest.mapping.CustomMeasure`).

        Each custom measure's columns become items with code ``custom.<measure id>.<column>`` on the
        measure's scale; ``reverse_columns`` are reverse-keyed. A custom scale given as a list of options
        is added as the scale ``custom.<measure id>``.
        """
        if not custom_measures:
            return self
        scales = dict(self.scales)
        items = dict(self.items)
        measures = list(self.measures)
        for cm in custom_measures:
            if cm.id in self.measure_ids:
                raise InputError(f"A local measure cannot reuse the id '{cm.id}' of a codebook measure; "
                                 "choose another name.")
            if isinstance(cm.scale, str):
                if cm.scale not in scales:
                    raise InputError(f"Local measure '{cm.label}' uses the scale '{cm.scale}', which is not "
                                     f"defined. Known scales: {', '.join(scales)}.")
                scale_name = cm.scale
            else:
                scale_name = f"custom.{cm.id}"
                scales[scale_name] = Scale(name=scale_name, label=f"{cm.label} scale", options=tuple(cm.scale))
            codes = []
            for column in cm.columns:
                code = custom_item_code(cm.id, column)
                wording = (getattr(cm, "wordings", None) or {}).get(column) or column
                items[code] = Item(code=code, wording=wording, scale=scale_name, reverse=column in cm.reverse_columns)
                codes.append(code)
            measures.append(Measure(id=cm.id, label=cm.label, items=tuple(codes),
                                    description=cm.description or "Local measure defined by the user."))
        book = Codebook(id=self.id, name=self.name, years=self.years, scales=scales, items=items,
                        measures=tuple(measures), missing_options=self.missing_options,
                        behaviours=self.behaviours, behaviours_note=self.behaviours_note,
                        published_measures=self.published_measures, sources=self.sources, notes=self.notes)
        book.validate("local measures")
        return book


def _measure_from_dict(m: dict, *, published: bool = False) -> Measure:
    """One measure of the JSON layout (see the module docstring)."""
    return Measure(id=m["id"], label=m.get("label", m["id"]),
                   items=() if published else tuple(c.casefold() for c in m.get("items", ())),
                   sub_measures=() if published else tuple(m.get("sub_measures", ())),
                   description=m.get("description", ""), aliases=tuple(str(a) for a in m.get("aliases", ())),
                   source=str(m.get("source", "")), questions=tuple(c.casefold() for c in m.get("questions", ())))


def _measure_extras(m: Measure) -> dict:
    """The optional keys of a measure in the JSON layout, only when set."""
    out: dict = {}
    if m.aliases:
        out["aliases"] = list(m.aliases)
    if m.source:
        out["source"] = m.source
    return out


def custom_item_code(measure_id: str, column: str) -> str:
    """Item code given to a column of a user-defined measure."""
    return f"custom.{measure_id}.{column}"


def available_codebooks() -> dict[str, Path]:
    """Shipped codebooks by id (file stem)."""
    return {p.stem: p for p in sorted(CODEBOOK_DIR.glob("*.json"))}


@lru_cache(maxsize=8)
def _load_shipped(codebook_id: str) -> Codebook:
    path = available_codebooks()[codebook_id]
    return Codebook.from_dict(json.loads(path.read_text(encoding="utf-8")), source=path.name)


#: Codebooks uploaded in this process (the Data page), by the id :func:`register_codebook` gave them.
_REGISTERED: dict[str, Codebook] = {}


def register_codebook(text: str | bytes, file_name: str) -> Codebook:
    """Read an uploaded codebook (JSON text) and make it loadable by :func:`load_codebook` under the id
    ``uploaded:<file name>:<first 8 hex digits of the SHA-256 of its text>`` (the same upload, the same id).

    Raises
    ------
    InputError
        Not JSON, or not a codebook (:meth:`Codebook.from_dict`).
    """
    raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"The codebook is not valid JSON ({exc}).", file=file_name) from None
    if not isinstance(data, dict):
        raise InputError("The codebook is not in the expected layout (a JSON object with 'scales', 'items' and "
                         "'measures'). Start from a copy of a shipped codebook.", file=file_name)
    book = Codebook.from_dict(data, source=file_name)
    book_id = f"uploaded:{file_name}:{hashlib.sha256(raw).hexdigest()[:8]}"
    book = dataclasses.replace(book, id=book_id)
    _REGISTERED[book_id] = book
    return book


def load_codebook(source: str | Path | None = None) -> Codebook:
    """Load a shipped codebook by id (default: NSS 2024/2025), an uploaded one by the id
    :func:`register_codebook` gave it, or a JSON file by path."""
    if source is None:
        source = DEFAULT_CODEBOOK_ID
    if str(source) in _REGISTERED:
        return _REGISTERED[str(source)]
    if str(source) in available_codebooks():
        return _load_shipped(str(source))
    path = Path(source)
    if not path.exists():
        raise InputError(f"No codebook '{source}'. Shipped codebooks: {', '.join(available_codebooks())}; "
                         "or give the path of a codebook JSON file.")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"The codebook is not valid JSON ({exc}).", file=path.name) from None
    return Codebook.from_dict(data, source=path.name)


def codebook_for_year(year: int | str) -> Codebook:
    """The shipped codebook whose ``years`` include a survey (wave) year, e.g. ``codebook_for_year(2023)``.

    NHS Staff Survey question numbers change between years, so a wave must be scored and its published
    results read with that year's codebook. A year such as ``"2024.0"`` or ``" 2024 "`` is accepted.
    When two shipped codebooks list the year, the one with the fewest years (the most specific) is used.

    Raises
    ------
    InputError
        The year is not a number, or no shipped codebook covers it (the message lists the years covered).
    """
    try:
        wanted = int(float(str(year).strip()))
    except ValueError:
        raise InputError(f"'{year}' is not a survey year.") from None
    books = [load_codebook(cid) for cid in available_codebooks()]
    covering = sorted((b for b in books if wanted in b.years), key=lambda b: (len(b.years), b.id))
    if not covering:
        covered = sorted({y for b in books for y in b.years})
        raise InputError(f"No shipped codebook covers the survey year {wanted}. Years covered: "
                         f"{', '.join(str(y) for y in covered)}. Give a codebook file for that year.")
    return covering[0]
