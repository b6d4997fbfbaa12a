"""AppTests of the Board assurance page: sample data, and uploads (one wave without HR; two waves with HR).

Tile values are compared with :mod:`analytics.board` run on the same dataset; the behaviours chart is
read from its Plotly JSON; suppressed teams must appear nowhere on the page.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analytics import board, settings
from analytics.dataset import DatasetSpec, FilePayload, load_dataset, sample_spec
from test_board import TEAMS_2024, TEAMS_2025, HIDDEN_TEAMS, _survey_frame
from ui import board_view as view
from ui import tables
from analytics import format as fmt
from analytics.hr import HRExclusions

PAGE = "pages/board.py"
K = settings.DEFAULT_MIN_GROUP_SIZE


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def _team_month_csv() -> bytes:
    rows = []
    for i, month in enumerate(pd.period_range("2024-01", "2025-12", freq="M")):
        for j, (team, (directorate, _, _)) in enumerate(TEAMS_2025.items()):
            available = 40 * month.days_in_month
            rows.append({"Directorate": directorate, "Team": team, "Month": str(month), "Staff in post": 40,
                         "Leavers": 1 + (i % 3 == 0), "FTE days lost": round(available * (4 + j) / 100, 2),
                         "FTE days available": available})
    return _csv(pd.DataFrame(rows))


def _page_text(at) -> str:
    """Every piece of text the page shows (markdown, captions, code, metrics, alerts, tables)."""
    parts = []
    for kind in ("markdown", "caption", "code", "info", "success", "warning", "error", "title", "subheader"):
        parts += [str(e.value) for e in at.get(kind)]
    parts += [f"{m.label} {m.value} {m.delta}" for m in at.metric]
    parts += [df.value.astype(str).to_csv() for df in at.dataframe]
    return "\n".join(parts)


def _each_tab(at):
    """Run the page once with each of its tabs open, the exceptions' detail open too (the tabs and the
    expander run their content only when open); yields each tab's label after its run."""
    at.session_state[view.EXCEPTIONS_DETAIL_KEY] = True
    for tab in view.BOARD_TABS:
        at.session_state[view.TABS_KEY] = tab
        at.run()
        assert not at.exception, at.exception
        yield tab


def _whole_page(at) -> dict:
    """What the page shows over all its tabs: ``text`` (:func:`_page_text` of each), ``specs`` (Plotly JSON
    of every chart, once each), ``downloads`` (id -> label of every download button) and ``code`` (code blocks)."""
    seen = {"text": [], "specs": {}, "downloads": {}, "code": [], "markdown": []}
    for _ in _each_tab(at):
        seen["text"].append(_page_text(at))
        seen["specs"].update({chart.proto.id: json.loads(chart.proto.spec) for chart in at.get("plotly_chart")})
        seen["downloads"].update({b.proto.id: b.proto.label for b in at.get("download_button")})
        seen["code"] += [c.value for c in at.get("code")]
        seen["markdown"] += [m.value for m in at.markdown]
    seen["text"] = "\n".join(seen["text"])
    seen["specs"] = list(seen["specs"].values())
    return seen


def _metric(at, ref: str):
    return next(m for m in at.metric if m.label.startswith(f"{ref} ·"))


def _run(app_test, spec: DatasetSpec | None = None):
    if spec is not None:
        app_test.session_state["dataset_spec"] = spec
    app_test.switch_page(PAGE)
    app_test.run()
    assert not app_test.exception, app_test.exception
    return app_test


def test_board_page_on_sample_data(app_test):
    at = _run(app_test)
    dataset = load_dataset(sample_spec(), min_group_size=K, exclusions=HRExclusions(doctors_in_training=True))
    wave = dataset.waves[-1]
    headline = board.headline_measures(dataset.survey, dataset.hr, wave=wave,
                                       hr_description=dataset.hr_exclusions).set_index("ref")
    kinds = {"score": "score", "pct": "pct", "count": "n"}
    for ref, row in headline.iterrows():
        metric = _metric(at, ref)
        assert metric.value == fmt.format_value(row["value"], kinds[row["kind"]])
    # Every tile's change as tile_delta_text words it; a change that rounds to 0.0 (H1 on the sample:
    # 7.07 against 7.04) has no arrow.
    for ref, row in headline.iterrows():
        kind = kinds[row["kind"]]
        expected = view.tile_delta_text(row["value"], row["previous"], row["significant"], kind,
                                        previous_wave=row["previous_wave"])
        assert _metric(at, ref).delta == expected, ref
    cl = headline.loc["H1"]
    assert round(abs(cl["value"] - cl["previous"]), 1) == 0
    assert _metric(at, "H1").delta == "0.0, little changed (not significant)"
    assert _metric(at, "H6").delta == "▲ +33 since 2024"
    # On arrival only the first tab runs: the behaviours chart, no funnel plots, no statements.
    first_specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    assert len(first_specs) == 1 and "four behaviours" in first_specs[0]["layout"]["title"]["text"]
    assert not at.get("code")
    page = _whole_page(at)
    text = page["text"]
    for ref, row in headline.iterrows():
        if row["rag"] in ("Green", "Amber", "Red"):
            assert f"**{row['rag']}** · {row['rag_reason']}" in text
    # The behaviours chart holds this wave and the previous one, in % positive.
    specs = page["specs"]
    spec = next(sp for sp in specs if "four behaviours" in sp["layout"]["title"]["text"])
    # The funnel plots behind the exceptions: every shown team with HR figures against all teams.
    funnels = [sp for sp in specs if "against all teams" in sp["layout"]["title"]["text"]]
    assert len(funnels) == 2
    assert {"95% limits", "99.8% limits"} <= {t["name"] for t in funnels[0]["data"]}
    weakest = board.weakest_behaviour(dataset.survey.item_results, wave, dataset.survey.codebook)
    traces = {t["name"]: t for t in spec["data"]}
    assert set(traces) == {wave, board.previous_wave(dataset.waves, wave)}
    assert traces[wave]["x"] == pytest.approx(weakest.table["pct_positive"].tolist())
    assert any("weakest" in label for label in traces[wave]["y"])
    # Statements read as a numbered list of prose, each with its figure reference; one plain-text block
    # (with a copy button) holds them all.
    statements = board.board_statements(
        board.apply_thresholds(board.headline_figures(dataset.survey, dataset.hr, wave=wave,
                                                      hr_description=dataset.hr_exclusions)),
        board.exceptions(dataset.survey, dataset.hr, wave=wave),
        weakest)
    listed = next(m for m in page["markdown"] if m.startswith("1. "))
    first = statements.iloc[0]
    assert listed.splitlines()[0] == f"1. {tables.markdown_literal(first['statement'])} \\[{first['figure_ref']}\\]"
    assert len(listed.splitlines()) == len(statements)
    assert len(page["code"]) == 1
    code = page["code"][0]
    assert "[H1]" in code and "[H4]" in code and "out of 10" in code
    assert code == view.statements_text(statements)
    # No team below the threshold (in this wave) appears anywhere.
    table = dataset.survey.unit_scores
    hidden = table[(table["wave"] == wave) & (table["level"] == "team")]
    shown = set(hidden.loc[~hidden["suppressed"], "unit"])
    suppressed = set(hidden.loc[hidden["suppressed"], "unit"]) - shown
    assert suppressed
    for team in suppressed:
        assert team not in text, team
    assert f"Staff survey {wave} compared with {board.previous_wave(dataset.waves, wave)}; HR records Apr 2025" in text
    # Every table has its download, and the board pack comes as HTML and PDF.
    keys = list(page["downloads"])
    labels = list(page["downloads"].values())
    assert labels.count("Download CSV") == 5
    assert {"Board pack (HTML)", "Board pack (PDF)"} <= set(labels), labels
    assert len(keys) == 7


def test_board_page_directorate_filter_and_thresholds(app_test):
    app_test.session_state[view.SETTINGS_OPEN_KEY] = True      # the settings expander runs only when open
    at = _run(app_test)
    at.number_input(key="board_green_compassionate_leadership").set_value(9.0)
    at.number_input(key="board_red_compassionate_leadership").set_value(8.0)
    at.number_input(key="board_benchmark_morale").set_value(5.0)
    at.session_state["directorate"] = "Medicine"   # the sidebar's directorate filter
    at.session_state[view.TABS_KEY] = "How each status was reached"
    at.run()
    assert not at.exception
    text = _page_text(at)
    assert "**Red** · 7.07 is at or below the red threshold (8.00)" in text
    morale_lines = [c.value for c in at.caption if "Benchmark 5.0: +" in c.value]
    assert len(morale_lines) == 1
    for frame in at.dataframe:
        if "parent" in frame.value.columns:
            assert set(frame.value["parent"]) <= {"Medicine"}
    # Wrong-way thresholds give a plain message, not a traceback.
    at.number_input(key="board_red_compassionate_leadership").set_value(9.5)
    at.run()
    assert not at.exception
    assert any("must be above the red threshold" in e.value for e in at.error)


def test_board_page_after_upload_one_wave_without_hr(app_test):
    upload = FilePayload("survey_2025.csv", _csv(_survey_frame(TEAMS_2025, 3)))
    spec = DatasetSpec(label="Uploaded", survey_files=(upload,))
    at = _run(app_test, spec)
    assert _metric(at, "H4").value == "no HR data" and _metric(at, "H5").value == "no HR data"
    assert _metric(at, "H1").delta is None or _metric(at, "H1").delta == ""
    page = _whole_page(at)
    text = page["text"]
    assert "No previous wave to compare with." in text
    assert "there is no previous wave to compare with" in page["code"][0]
    assert "No HR data were provided" in page["code"][0]
    assert "No previous wave: 2025 is the first survey" in text
    for team in HIDDEN_TEAMS:
        assert team not in text


def test_board_page_after_upload_two_waves_with_hr(app_test):
    spec = DatasetSpec(label="Uploaded",
                       survey_files=(FilePayload("survey_2024.csv", _csv(_survey_frame(TEAMS_2024, 1))),
                                     FilePayload("survey_2025.csv", _csv(_survey_frame(TEAMS_2025, 2)))),
                       staff_file=FilePayload("hr_team_month.csv", _team_month_csv()))
    at = _run(app_test, spec)
    dataset = load_dataset(spec, min_group_size=K)
    headline = board.headline_measures(dataset.survey, dataset.hr, wave="2025").set_index("ref")
    assert _metric(at, "H1").value == fmt.format_score(headline.loc["H1", "value"])
    assert _metric(at, "H4").value == fmt.format_pct(headline.loc["H4", "value"])
    assert _metric(at, "H6").value == "70"
    falls = next(df.value for df in at.dataframe if "p_adj" in df.value.columns)
    assert set(falls["unit"]) == {"Ward A"}
    text = _whole_page(at)["text"]
    for team in HIDDEN_TEAMS:
        assert team not in text


# --- Display helpers (no app run) -----------------------------------------------------------------------
@pytest.mark.parametrize("value, previous, significant, kind, expected", [
    (7.07, 7.04, False, "score", "0.0, little changed (not significant)"),      # +0.03 shows as 0.0
    (6.876, 6.887, False, "score", "0.0, little changed (not significant)"),    # −0.011: no ▼ either
    (5.40, 5.43, None, "pct", "0.0 pp, little changed (significance not tested)"),
    (7.1, 7.04, True, "score", "▲ +0.1 (significant)"),                        # +0.06 rounds to 0.1
    (11.93, 11.23, False, "pct", "▲ +0.7 pp (not significant)"),
    (5.40, 5.48, False, "pct", "▼ −0.1 pp (not significant)"),
    (2335, 2302, None, "n", "▲ +33 since 2024"),
    (2302, 2302, None, "n", "no change since 2024"),
    (7.0, None, None, "score", None),
])
def test_tile_change_has_no_arrow_when_it_rounds_to_zero(value, previous, significant, kind, expected):
    assert view.tile_delta_text(value, previous, significant, kind, previous_wave="2024") == expected


def test_tile_change_keeps_format_change_otherwise():
    assert view.tile_delta_text(6.0, 5.6, True, "score") == fmt.format_change(0.4, True)


def _widths(config: dict) -> list:
    return [column["width"] for column in config.values()]


@pytest.mark.parametrize("config", [view.LOW_LEADERSHIP_CONFIG, view.FALLS_CONFIG])
def test_exception_tables_fit_a_1400_pixel_window(config):
    """Main area at 1400 px with the sidebar open is about 940 px wide: fixed column widths within it."""
    widths = _widths(config)
    assert all(isinstance(w, int) for w in widths), widths
    assert sum(widths) <= 940


def test_low_leadership_display_says_which_rate_is_high():
    frame = pd.DataFrame({"high_leaver_rate": [True, False, True], "high_sickness_rate": [False, True, True],
                          "reason": ["a", "b", "c"]})
    shown = view.low_leadership_display(frame)
    assert list(shown["high_on"]) == ["Leaving", "Sickness", "Leaving and sickness"]
    assert "high_on" not in frame.columns and list(shown["reason"]) == ["a", "b", "c"]


def test_statements_markdown_escapes_team_names():
    statements = pd.DataFrame({"statement": ["Ward *A* scored 5.1 [see note].", "No change."],
                               "figure_ref": ["E1", ""]})
    lines = view.statements_markdown(statements).splitlines()
    assert lines == ["1. Ward \\*A\\* scored 5\\.1 \\[see note\\]\\. \\[E1\\]", "2. No change\\."]


def test_other_waves_are_prefetched_after_the_page_is_drawn(app_test):
    """Once the Board of the latest wave is drawn, a background thread computes the earlier wave's Board into the
    session's own cache (an upload), so choosing that wave in the sidebar draws from the cache."""
    import threading

    from ui import cache

    spec = DatasetSpec(label="Uploaded",
                       survey_files=(FilePayload("survey_2024.csv", _csv(_survey_frame(TEAMS_2024, 1))),
                                     FilePayload("survey_2025.csv", _csv(_survey_frame(TEAMS_2025, 2)))),
                       staff_file=FilePayload("hr_team_month.csv", _team_month_csv()))
    at = _run(app_test, spec)
    for thread in threading.enumerate():
        if thread.name == "board-prefetch":
            thread.join(60)
    store = at.session_state[cache._SESSION_STORE_KEY]
    assert len(store.keys("ui.board_view.board_for")) == 2         # 2025, drawn; 2024, prefetched
    assert len(store.keys("ui.board_view.board_charts")) == 2
    # choosing 2024 adds nothing to the cache: its Board was there already
    at.session_state["wave"] = "2024"
    at.run()
    assert not at.exception
    assert len(store.keys("ui.board_view.board_for")) == 2
    assert _metric(at, "H1").label.startswith("H1 ·")


def test_settings_hold_while_their_expander_is_closed(app_test):
    """The settings expander runs only when open: what was chosen in it still rates the Board once it is closed,
    and its inputs show the chosen values when it is opened again."""
    at = _run(app_test)

    def board_inputs():
        return [w for w in at.number_input if str(w.key).startswith(view.KEY_PREFIX)]

    assert not board_inputs()                                    # closed on arrival: no inputs drawn
    at.session_state[view.SETTINGS_OPEN_KEY] = True
    at.run()
    at.number_input(key="board_red_compassionate_leadership").set_value(9.5)
    at.number_input(key="board_green_compassionate_leadership").set_value(9.8)
    at.run()
    at.session_state[view.SETTINGS_OPEN_KEY] = False
    at.session_state[view.TABS_KEY] = "How each status was reached"
    at.run()
    assert not at.exception and not board_inputs()
    assert "**Red** · 7.07 is at or below the red threshold (9.50)" in _page_text(at)
    at.session_state[view.SETTINGS_OPEN_KEY] = True
    at.run()
    assert at.number_input(key="board_red_compassionate_leadership").value == 9.5
    assert at.number_input(key="board_green_compassionate_leadership").value == 9.8
