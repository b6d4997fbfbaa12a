"""Presets: re-applying a saved :class:`~analytics.ingest.mapping_model.Mapping` (e.g. last year's) to a
new file, finding each saved column under its header or, for questions, by code and wording."""

from __future__ import annotations

from dataclasses import replace

from analytics.errors import InputError
from analytics.ingest.codebook import Codebook, custom_item_code
from analytics.ingest.mapping_model import CustomMeasure, Mapping, copy_mapping, unmapped_columns
from analytics.ingest.raw import RawTable
from analytics.ingest.recognise import duplicate_error, recognise_item


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
    _refuse_unknown_codes(mapping, codebook, custom_codes, where)
    if mapping.custom_measures:
        codebook.with_custom_measures(mapping.custom_measures)

    resolver = _PresetResolver(raw, codebook, where)
    resolved = copy_mapping(mapping)
    resolved.wave_label = wave_label
    resolver.unit_columns(mapping, resolved)
    # a local measure's items follow its columns (below); the others are looked up by header first,
    # then those not found by recognition
    questions = {saved: code for saved, code in mapping.items.items() if code not in custom_codes}
    to_find = [(saved, code) for saved, code in questions.items() if not resolver.item_by_header(saved, code)]
    for saved, code in to_find:
        resolver.item_by_recognition(saved, code)
    customs = [resolver.custom_measure(cm, mapping) for cm in mapping.custom_measures]
    resolver.refuse_missing()

    resolved.custom_measures = customs
    resolved.items = {c: resolver.items[c] for c in raw.columns if c in resolver.items}
    resolved.evidence = {c: resolver.evidence[c] for c in raw.columns if c in resolver.evidence}
    resolved.unmapped = unmapped_columns(raw, resolved)
    return resolved


def _refuse_unknown_codes(mapping: Mapping, codebook: Codebook, custom_codes: dict, where: dict) -> None:
    """An item code that is neither the codebook's nor a local measure's: the preset is for another
    codebook."""
    unknown = [code for code in mapping.items.values()
               if code not in codebook.items and code not in custom_codes]
    if unknown:
        raise InputError(
            f"The saved mapping refers to question(s) {', '.join(dict.fromkeys(unknown))}, which the codebook "
            f"'{codebook.name}' does not have. It was probably made with another survey year's codebook: "
            "choose that codebook or re-run column recognition.", **where)


class _PresetResolver:
    """Finds a preset's saved columns in a new file, collecting the file's ``items`` and ``evidence``,
    the saved columns not found (``missing``, ``custom_missing``) and which saved column each file column
    stands for (``taken``: two saved columns may not land on one file column)."""

    def __init__(self, raw: RawTable, codebook: Codebook, where: dict):
        self.raw, self.codebook, self.where = raw, codebook, where
        self.items: dict[str, str] = {}
        self.evidence: dict[str, str] = {}
        self.missing: list[str] = []
        self.custom_missing: list[str] = []
        self.taken: dict[str, str] = {}  # file column -> saved column it stands for

    def lookup(self, name: str) -> str | None:
        """The file column under a saved header: exactly, then case- and space-insensitively in every
        header row (:meth:`RawTable.resolve_column`); ``None`` when absent."""
        if name in self.raw.columns:
            return name
        try:
            return self.raw.resolve_column(name)
        except InputError:
            return None

    def claim(self, column: str, saved: str) -> None:
        """Record that file ``column`` stands for ``saved``; refused when another saved column has it."""
        if column in self.taken and self.taken[column] != saved:
            raise InputError(f"The saved columns '{self.taken[column]}' and '{saved}' both match the column "
                             f"'{column}' of this file; re-run column recognition.", **self.where)
        self.taken[column] = saved

    def unit_column(self, saved: str | None) -> str | None:
        """A team, directorate or wave column: looked up by header only (a different team column is a
        decision for the user)."""
        if saved is None:
            return None
        column = self.lookup(saved)
        if column is None:
            self.missing.append(saved)
            return None
        self.claim(column, saved)
        self.evidence[column] = "preset"
        return column

    def unit_columns(self, mapping: Mapping, resolved: Mapping) -> None:
        """Set ``resolved``'s team, directorate and wave columns to the file's columns for ``mapping``'s."""
        for attr in ("team_col", "directorate_col", "wave_col"):
            column = self.unit_column(getattr(mapping, attr))
            if column is not None:
                setattr(resolved, attr, column)

    def item_by_header(self, saved: str, code: str) -> bool:
        """A question column found under its saved header; ``False`` when it is not."""
        column = self.lookup(saved)
        if column is None:
            return False
        self.claim(column, saved)
        self.items[column] = code
        self.evidence[column] = "preset"
        return True

    def item_by_recognition(self, saved: str, code: str) -> None:
        """A question column not found by header, looked for by its code and wording
        (:func:`recognise_item`) among the columns not used yet; two hits are refused."""
        hits = []
        for column in self.raw.columns:
            if column in self.taken or column in self.items:
                continue
            found = recognise_item(self.raw.texts_of(column), self.codebook)
            if found is not None and found[0] == code:
                hits.append((column, found[1]))
        if len(hits) > 1:
            raise duplicate_error(hits[0][0], hits[1][0], code, self.codebook, self.where)
        if not hits:
            self.missing.append(saved)
            return
        column, how = hits[0]
        self.claim(column, saved)
        self.items[column] = code
        self.evidence[column] = f"preset (found by {how})"

    def custom_measure(self, cm: CustomMeasure, mapping: Mapping) -> CustomMeasure:
        """A local measure with its columns renamed to this file's headers; its mapped items follow."""
        renamed: dict[str, str] = {}
        for saved in cm.columns:
            column = self.lookup(saved)
            if column is None:
                self.custom_missing.append(f"'{saved}' (local measure '{cm.label}')")
                continue
            renamed[saved] = column
            self.evidence.setdefault(column, "preset")
        for saved in cm.columns:
            old_code = custom_item_code(cm.id, saved)
            if saved in renamed and old_code in mapping.items.values() and renamed[saved] not in self.items:
                self.items[renamed[saved]] = custom_item_code(cm.id, renamed[saved])
        return replace(cm, columns=[renamed.get(c, c) for c in cm.columns],
                       reverse_columns=[renamed.get(c, c) for c in cm.reverse_columns])

    def refuse_missing(self) -> None:
        """All saved columns not found, named in one message."""
        if self.missing or self.custom_missing:
            listed = ", ".join([f"'{m}'" for m in self.missing] + self.custom_missing)
            raise InputError(
                f"The saved mapping names columns this file does not have: {listed}. Check that this is the "
                "right file, or re-run column recognition and save the mapping again.", **self.where)
