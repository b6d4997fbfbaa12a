"""Codebooks: which questions make up which measure, on which scale, and which are reverse-keyed.

A codebook is data (``analytics/codebooks/*.json``), one file per survey year, because NHS Staff Survey
question numbers change between years. A user can edit a copy or add local measures through the
:class:`~analytics.ingest.mapping.Mapping` (see :meth:`Codebook.with_custom_measures`).

JSON layout::

    {"id": "nss_2024_2025", "name": "...", "years": [2024, 2025],
     "scales": {"agreement": {"label": "...", "options": ["Strongly disagree", ..., "Strongly agree"]}},
     "missing_options": ["Don't know", "Not applicable", ...],
     "items": {"q9f": {"wording": "...", "scale": "agreement", "reverse": false}, ...},
     "measures": [{"id": "compassionate_leadership", "label": "...", "items": ["q9f", ...]},
                  {"id": "morale", "label": "...", "sub_measures": ["thinking_about_leaving", ...]}],
     "behaviours": {"note": "...", "items": {"attending": "q9g", ...}}}

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

    Exactly one of ``items`` and ``sub_measures`` is non-empty.
    """

    id: str
    label: str
    items: tuple[str, ...] = ()
    sub_measures: tuple[str, ...] = ()
    description: str = ""

    @property
    def is_theme(self) -> bool:
        return bool(self.sub_measures)


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
            measures = tuple(
                Measure(id=m["id"], label=m.get("label", m["id"]),
                        items=tuple(c.casefold() for c in m.get("items", ())),
                        sub_measures=tuple(m.get("sub_measures", ())),
                        description=m.get("description", ""))
                for m in data["measures"]
            )
            behaviours = data.get("behaviours", {}) or {}
            book = cls(
                id=str(data.get("id", source)), name=str(data.get("name", source)),
                years=tuple(int(y) for y in data.get("years", ())), scales=scales, items=items,
                measures=measures, missing_options=tuple(data.get("missing_options", ())),
                behaviours={k: v.casefold() for k, v in behaviours.get("items", {}).items()},
                behaviours_note=behaviours.get("note", ""),
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

    def to_dict(self) -> dict:
        return {
            "id": self.id, "name": self.name, "years": list(self.years),
            "scales": {n: {"label": s.label, "options": list(s.options)} for n, s in self.scales.items()},
            "missing_options": list(self.missing_options),
            "items": {c: {"wording": i.wording, "scale": i.scale, "reverse": i.reverse} for c, i in self.items.items()},
            "measures": [
                {"id": m.id, "label": m.label, "description": m.description,
                 **({"sub_measures": list(m.sub_measures)} if m.is_theme else {"items": list(m.items)})}
                for m in self.measures
            ],
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
                        behaviours=self.behaviours, behaviours_note=self.behaviours_note)
        book.validate("local measures")
        return book


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
