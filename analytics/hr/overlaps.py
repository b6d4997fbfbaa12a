"""Overlapping sickness episodes of one person: each calendar day is lost once (domain.md §3).

An absence extract can list one spell of sickness more than once (ESR lists an episode once per
assignment), or list an episode inside another (a "continuation" entered as a new episode). Refusing such a
file helps nobody; counting it as it stands loses some days twice. :func:`merge_episodes` sweeps each
person's episodes into **elementary segments** (runs of days covered by the same set of episodes) and
keeps, for every segment, the one episode that loses the most FTE per day there, so that every calendar day
of a person is lost once. :class:`AbsenceOverlaps` is the data-quality finding that says so.

The rule on shared days
-----------------------
Every episode has a rate, its FTE days lost per calendar day: its FTE days lost ÷ (end − start + 1). When
the file gives "FTE Days Lost" that is the given figure prorated over the episode's calendar days;
otherwise it is the episode's FTE (the absence file's FTE column, or the person's FTE on the episode's
first day: :func:`analytics.hr.loading.load_absence`). A day shared by several episodes counts once, at
the **largest** of their rates. The larger, not the sum (that would count the day twice) and not the
first listed (an arbitrary pick): the same episode listed twice has equal rates, so it counts once; an
episode inside a longer one loses no extra days; of two differing figures for one day, the larger is
kept because a smaller one is more often a part (a shorter or partial entry) than a correction. Ties go
to the episode listed first in the file. Days covered by one episode only are as the file gives them.

Cost: sorting is O(n log n); the sweep pairs each episode with the segments of its own cluster of
overlapping episodes only (a few for real files), so 100,000s of episodes take well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


#: How many spreadsheet rows the finding lists before "and N more".
ROWS_SHOWN = 20


@dataclass(frozen=True)
class AbsenceOverlaps:
    """A data-quality finding: absence episodes of one person that share calendar days.

    Attributes
    ----------
    episodes
        Episodes sharing at least one day with another episode of the same person.
    people
        People (employee or assignment numbers, whichever links the files) with such episodes.
    days
        Person-days listed in two or more episodes (each such day of each person once).
    rows
        The spreadsheet rows of those episodes, ascending.
    file_name
        The absence file.
    """

    episodes: int
    people: int
    days: int
    rows: tuple[int, ...]
    file_name: str = ""

    @property
    def text(self) -> str:
        """The finding in plain words (shown with the other HR notes on the Data page)."""
        shown = ", ".join(str(r) for r in self.rows[:ROWS_SHOWN])
        more = len(self.rows) - ROWS_SHOWN
        where = f"rows {shown}" + (f" and {more} more" if more > 0 else "")
        return (f"{self.episodes} absence episodes of {self.people} "
                f"{'person' if self.people == 1 else 'people'} overlap ({where}"
                f"{' of ' + self.file_name if self.file_name else ''}): {self.days} calendar "
                f"{'day was' if self.days == 1 else 'days were'} listed more than once. Each day is counted "
                "once, at the largest FTE days lost per day of the episodes listing it.")


def _clusters(key: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Episodes in order of person and start, and each one's cluster number: a cluster is a run of episodes
    of one person each sharing a day with an earlier one in the run (so its days are contiguous)."""
    order = np.lexsort((end, start, key))
    k, s, e = key[order], start[order], end[order]
    running_end = pd.Series(e).groupby(k, sort=False).cummax().to_numpy()
    new_person = np.r_[True, k[1:] != k[:-1]]
    new_cluster = new_person | (s > np.r_[np.iinfo(np.int64).min, running_end[:-1]])
    return order, np.cumsum(new_cluster) - 1


def _sweep(episode: np.ndarray, cluster: np.ndarray, start: np.ndarray, end: np.ndarray,
           rate: np.ndarray) -> pd.DataFrame:
    """Elementary segments of clusters of overlapping episodes, with the covering episode of the largest
    rate (ties: the lowest episode number) and how many episodes cover each: ``cluster``, ``start_day``,
    ``end_day``, ``episode``, ``cover``."""
    bounds = pd.DataFrame({"cluster": np.r_[cluster, cluster], "day": np.r_[start, end + 1]})
    bounds = bounds.drop_duplicates().sort_values(["cluster", "day"], kind="stable")
    c, d = bounds["cluster"].to_numpy(), bounds["day"].to_numpy()
    has_next = np.r_[c[1:] == c[:-1], False]
    segments = pd.DataFrame({"cluster": c[has_next], "start_day": d[has_next],
                             "end_day": np.r_[d[1:], 0][has_next] - 1})
    segments["segment"] = np.arange(len(segments))
    members = pd.DataFrame({"cluster": cluster, "episode": episode, "ep_start": start, "ep_end": end,
                            "rate": rate})
    pairs = segments.merge(members, on="cluster")
    pairs = pairs[(pairs["ep_start"].to_numpy() <= pairs["start_day"].to_numpy())
                  & (pairs["ep_end"].to_numpy() >= pairs["end_day"].to_numpy())]
    cover = pairs.groupby("segment", sort=True).size()
    best = (pairs.sort_values(["segment", "rate", "episode"], ascending=[True, False, True], kind="stable",
                              na_position="last")
            .drop_duplicates("segment"))
    out = best[["segment", "cluster", "start_day", "end_day", "episode"]].set_index("segment").sort_index()
    out["cover"] = cover.reindex(out.index).to_numpy()
    return out.reset_index(drop=True)


def _join_runs(segments: pd.DataFrame) -> pd.DataFrame:
    """Join consecutive segments of one cluster kept from the same episode (equal rate, contiguous days)."""
    c, ep = segments["cluster"].to_numpy(), segments["episode"].to_numpy()
    new_run = np.r_[True, (c[1:] != c[:-1]) | (ep[1:] != ep[:-1])]
    run = np.cumsum(new_run)
    return (segments.groupby(run, sort=False)
            .agg(episode=("episode", "first"), start_day=("start_day", "min"), end_day=("end_day", "max"))
            .reset_index(drop=True))


def merge_episodes(key: np.ndarray, start: np.ndarray, end: np.ndarray, rate: np.ndarray,
                   rows: np.ndarray, file_name: str = "") -> tuple[pd.DataFrame, AbsenceOverlaps | None]:
    """Each person's calendar days of absence once, at the largest rate of the episodes listing a day.

    Parameters
    ----------
    key
        Each episode's person (an integer code: the employee or assignment number linking the files).
    start, end
        First and last day of each episode (day numbers, both included; ``end >= start``).
    rate
        FTE days lost per calendar day of each episode (see the module docstring).
    rows
        Each episode's spreadsheet row, for the finding.
    file_name
        The absence file, for the finding.

    Returns
    -------
    (pd.DataFrame, AbsenceOverlaps or None)
        The kept pieces, one row per run of days kept from one episode: ``episode`` (position of the
        episode in the inputs), ``start_day``, ``end_day`` and ``whole`` (True when the piece is the whole
        episode, so its FTE days lost are the episode's own). An episode that overlaps nothing is one
        whole piece; an episode wholly outweighed on its days has none. The finding is None when no
        episodes overlap.
    """
    key, start, end = (np.asarray(x, dtype=np.int64) for x in (key, start, end))
    rate = np.asarray(rate, dtype=float)
    order, cluster = _clusters(key, start, end)
    size = np.bincount(cluster, minlength=int(cluster.max()) + 1 if len(cluster) else 0)
    multi = size[cluster] > 1
    single = order[~multi]
    pieces = [pd.DataFrame({"episode": single, "start_day": start[single], "end_day": end[single]})]
    finding = None
    if multi.any():
        ep = order[multi]
        segments = _sweep(ep, cluster[multi], start[ep], end[ep], rate[ep])
        shared = segments["cover"].to_numpy() > 1
        days = int((segments["end_day"].to_numpy() - segments["start_day"].to_numpy() + 1)[shared].sum())
        finding = AbsenceOverlaps(episodes=len(ep), people=len(np.unique(key[ep])), days=days,
                                  rows=tuple(int(r) for r in np.sort(np.asarray(rows)[ep])), file_name=file_name)
        pieces.append(_join_runs(segments))
    out = pd.concat(pieces, ignore_index=True)
    e = out["episode"].to_numpy()
    out["whole"] = (out["start_day"].to_numpy() == start[e]) & (out["end_day"].to_numpy() == end[e])
    return out.sort_values(["episode", "start_day"], kind="stable").reset_index(drop=True), finding
