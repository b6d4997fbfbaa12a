"""The column mapping as data: what each column of a survey file means (:class:`Mapping`), and the
user's local measures (:class:`CustomMeasure`). Saved as JSON and re-applied to next year's file (a
"preset", :func:`analytics.ingest.presets.apply_mapping`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from analytics.errors import InputError
from analytics.ingest.raw import RawTable

MAPPING_FORMAT_VERSION = 1


@dataclass
class CustomMeasure:
    """A local measure defined by the user from any columns (e.g. a pulse survey's own questions).

    ``scale`` is the name of a codebook scale (``"agreement"``, ``"frequency"``, ``"yes_no"``) or the
    list of options from least to most favourable wording order; ``reverse_columns`` are reverse-keyed.
    The saved form is described by ``analytics/schemas/mapping.schema.json``.
    """

    id: str
    label: str
    columns: list[str]
    scale: str | list[str] = "agreement"
    reverse_columns: list[str] = field(default_factory=list)
    description: str = ""
    #: Column -> the question's text when the file has it (e.g. a Qualtrics export's second header row);
    #: shown as the item's wording (a column without one is worded by its header).
    wordings: dict[str, str] = field(default_factory=dict)


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


def unmapped_columns(raw: RawTable, mapping: Mapping) -> list[str]:
    """The columns of ``raw`` (file order) that ``mapping`` does not use."""
    used = set(mapping.used_columns())
    return [c for c in raw.columns if c not in used]


def copy_mapping(mapping: Mapping) -> Mapping:
    """A deep copy (through the saved form, so nothing is shared)."""
    return Mapping.from_dict(mapping.to_dict())
