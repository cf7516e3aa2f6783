"""Figures and reports (simulation/plots): every figure kind renders from small *real* results folders
and plots exactly the numbers of the results tables; bad folders give clear messages (exit 2).

Three folders are made once per module: a ``ptsim run`` of the full package (800 firms, 4 quarters),
a sweep of the baseline and two measures over two special-bond budgets and two seeds (one run made
to fail on purpose), and a tiny Morris sweep for the sensitivity indices.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, SCENARIOS
from matplotlib.collections import PolyCollection
from matplotlib.patches import FancyArrowPatch, Rectangle

from simulation import cli
from simulation.levers import CHANNELS
from simulation.plots import channels, data, dose, effects, figures, flows, maps, report, sensitivity, style
from simulation.plots import timeseries as ts_mod
from simulation.sweep import runs as runs_mod

SMALL = ["--set", "calibration.sorting_rounds=2", "--set", "calibration.max_iter=50"]
FAILED_RUN = "m09_transport_energy-p00001-s0001"
BUDGET = "levers.special_bonds.budget_yuan_per_year"
NO_FONT = "no font with Chinese glyphs: run scripts/ensure-fonts.sh (make test and make test-fast do)"


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("plots") / "run"
    args = ["run", str(SCENARIOS / "full_package.toml"), "--firms", "800", "--steps", "4", "--no-figures"]
    assert cli.main([*args, *SMALL, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory) -> Path:
    """Baseline + two measures x two bond budgets x two seeds (one run fails on purpose)."""
    out = tmp_path_factory.mktemp("plots") / "sweep"
    scen = [
        str(BASELINE),
        str(SCENARIOS / "measures/m04_carriers.toml"),
        str(SCENARIOS / "measures/m09_transport_energy.toml"),
    ]
    args = ["sweep", *scen, "--firms", "500", "--steps", "5", *SMALL, "--vary", f"{BUDGET}=2e9,5e10"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(runs_mod.FAULT_ENV, f"{FAILED_RUN}=raise")
        status = cli.main([*args, "--seeds", "2", "--workers", "0", "--no-progress", "--out", str(out)])
    assert status == 1  # one run failed
    return out


@pytest.fixture(scope="module")
def morris_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("plots") / "morris"
    args = [
        "sweep",
        str(BASELINE),
        "--firms",
        "300",
        "--steps",
        "3",
        *SMALL,
        "--sample",
        "morris",
        "--n",
        "2",
        "--range",
        "behaviour.logit_scale=0.01:0.04",
        "--range",
        "agglomeration.gamma=0.05:0.4",
    ]
    assert cli.main([*args, "--seeds", "1", "--workers", "0", "--no-progress", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def run_res(run_folder):
    return data.load(run_folder)


@pytest.fixture(scope="module")
def sweep_res(sweep_folder):
    return data.load(sweep_folder)


@pytest.fixture(scope="module")
def summary(sweep_folder) -> pd.DataFrame:
    return pd.read_parquet(sweep_folder / "summary.parquet")


def ok(summary: pd.DataFrame, scenario: str, point: int = 0) -> pd.DataFrame:
    return summary[
        (summary["scenario"] == scenario) & (summary["point"] == point) & (summary["status"] == "ok")
    ]


def paired(summary: pd.DataFrame, scenario: str, outcome: str, point: int = 0) -> float:
    """Mean paired difference over seeds, computed here from the summary table."""
    a = ok(summary, scenario, point).set_index("seed_index")[outcome]
    b = ok(summary, "baseline", point).set_index("seed_index")[outcome]
    both = a.index.intersection(b.index)
    return float((a[both] - b[both]).mean())


# --- the sweep's per-run tables (runs.py, store.py) -------------------------------------------------


def test_sweep_keeps_small_flow_and_channel_parts(sweep_folder, summary):
    good = summary[summary["status"] == "ok"]
    fl = pd.read_parquet(sweep_folder / "flows")
    ch = pd.read_parquet(sweep_folder / "channels")
    assert set(fl["run_id"]) <= set(good["run_id"]) and set(ch["run_id"]) == set(good["run_id"])
    assert FAILED_RUN not in set(ch["run_id"])
    per_run = fl.groupby("run_id")["employment"].sum()
    moved = good.set_index("run_id")["relocated_employment_total"]
    assert np.allclose(per_run.reindex(moved.index, fill_value=0.0), moved, rtol=1e-9)
    inland = fl[(fl["origin_region"] == "east") & (fl["destination_region"] != "east")]
    to_inland = inland.groupby("run_id")["employment"].sum().reindex(moved.index, fill_value=0.0)
    assert np.allclose(to_inland, good.set_index("run_id")["relocated_jobs_to_inland"], rtol=1e-9)
    assert ch.groupby("run_id").size().eq(31 * len(CHANNELS)).all()
    assert set(runs_mod.CHANNEL_COLUMNS) <= set(ch.columns) and not list(sweep_folder.rglob("*.tmp"))


# --- loading and clear messages ------------------------------------------------------------------


def test_load_detects_the_kind_of_folder(run_res, sweep_res, tmp_path):
    assert run_res.kind == "run" and sweep_res.kind == "sweep"
    assert sweep_res.scenarios == ["baseline", "m04_carriers", "m09_transport_energy"]
    assert sweep_res.baseline == "baseline" and sweep_res.focal == "m09_transport_energy"
    assert sweep_res.varied == [BUDGET] and sweep_res.points == [0, 1]
    assert "special_bonds" in sweep_res.levers("m04_carriers") and sweep_res.levers("baseline") == []
    with pytest.raises(data.PlotDataError, match="not a results folder.*timeseries.parquet.*summary.parquet"):
        data.load(tmp_path)


def test_plot_on_a_folder_that_is_not_results_exits_2(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hello")
    assert cli.main(["plot", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a results folder" in err and "summary.json" in err and "summary.parquet" in err
    assert cli.main(["plot", str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_plot_names_a_missing_column(run_folder, tmp_path, capsys):
    broken = tmp_path / "broken"
    shutil.copytree(run_folder, broken)
    frame = pd.read_parquet(broken / "timeseries.parquet").drop(columns="employment")
    frame.to_parquet(broken / "timeseries.parquet")
    assert cli.main(["plot", str(broken), "--kind", "timeseries"]) == 2
    err = capsys.readouterr().err
    assert "timeseries.parquet" in err and "missing column 'employment'" in err


@pytest.mark.slow  # builds broken copies of two folders
def test_plot_names_a_missing_file_or_part(run_folder, sweep_folder, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(run_folder, run)
    (run / "channels.parquet").unlink()
    assert cli.main(["plot", str(run), "--kind", "channels"]) == 2
    assert "missing file channels.parquet" in capsys.readouterr().err
    sweep = tmp_path / "sweep"
    shutil.copytree(sweep_folder, sweep)
    shutil.rmtree(sweep / "flows")
    assert cli.main(["plot", str(sweep), "--kind", "map"]) == 2
    assert "missing folder flows/" in capsys.readouterr().err
    # by default the kinds that lack their data are skipped, saying why
    assert cli.main(["plot", str(sweep), "--out", str(tmp_path / "figs")]) == 0
    out = capsys.readouterr().out
    assert "skipped map" in out and "skipped flows" in out and "missing folder flows/" in out
    assert (tmp_path / "figs" / "effects.png").is_file()


def test_sweep_only_kinds_on_a_run_say_why(run_folder, capsys):
    assert cli.main(["plot", str(run_folder), "--kind", "dose"]) == 2
    assert "single run" in capsys.readouterr().err


# --- time series -------------------------------------------------------------------------------


def test_timeseries_of_a_run_equals_the_summary(run_res):
    table = ts_mod.share_data(run_res)
    end = table[table["step"] == table["step"].max()].set_index("group")
    s = run_res.summary
    assert end.loc["inland", "share"] == pytest.approx(s["inland_employment_share_end"], rel=1e-12)
    for region, share in s["region_employment_share_end"].items():
        assert end.loc[region, "share"] == pytest.approx(share, rel=1e-12)
    assert (table["n"] == 1).all() and (table["low"] == table["high"]).all()
    fig = ts_mod.inland_share_figure(run_res)
    line = fig.axes[0].get_lines()[0]
    assert np.allclose(line.get_ydata(), 100 * table[table["group"] == "inland"]["share"])
    assert fig.get_suptitle() and "%" in fig.axes[0].get_ylabel()


def test_timeseries_of_a_sweep_has_a_band_over_seeds(sweep_res, summary):
    table = ts_mod.share_data(sweep_res)
    last = table[(table["step"] == table["step"].max()) & (table["group"] == "inland")].set_index("scenario")
    for name in sweep_res.scenarios:
        values = ok(summary, name)["inland_employment_share_end"]
        assert last.loc[name, "share"] == pytest.approx(values.mean(), rel=1e-12)
        assert (last.loc[name, "low"], last.loc[name, "high"]) == pytest.approx((values.min(), values.max()))
        assert last.loc[name, "n"] == len(values)
    fig = ts_mod.inland_share_figure(sweep_res)
    ax = fig.axes[0]
    assert [ln.get_label() for ln in ax.get_lines()] == sweep_res.scenarios
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 3  # a band per scenario
    colours = style.scenario_styles(sweep_res.scenarios, "baseline")
    assert [ln.get_color() for ln in ax.get_lines()] == [colours[s]["color"] for s in sweep_res.scenarios]
    region_fig = ts_mod.region_share_figure(sweep_res)
    assert [a.get_title() for a in region_fig.axes[:4]] == ["east", "central", "west", "northeast"]


# --- effects -----------------------------------------------------------------------------------


def test_effects_equal_effects_csv_and_are_plotted(sweep_res, sweep_folder):
    table = effects.effects_data(sweep_res)
    csv = pd.read_csv(sweep_folder / "effects.csv")
    merged = table.merge(csv, on=["scenario", "point", "outcome"], suffixes=("", "_csv"))
    assert len(merged) == len(table) > 0
    for col in ("diff_mean", "ci_low", "ci_high"):
        assert np.allclose(merged[col], merged[f"{col}_csv"], equal_nan=True)
    assert np.allclose(table["effect"] * table["divisor"], table["diff_mean"], equal_nan=True)
    fig = effects.effects_figure(sweep_res)
    outcomes = list(dict.fromkeys(table["outcome"]))
    for ax, outcome in zip(fig.axes, outcomes, strict=False):
        plotted = sorted(float(c.lines[0].get_xdata()[0]) for c in ax.containers)
        expected = sorted(table.loc[table["outcome"] == outcome, "effect"].dropna())
        assert np.allclose(plotted, expected)
        assert ax.get_xlabel()  # a unit
    # the pair with the failed run is left out: n = 1 and no interval there
    row = table[(table["scenario"] == "m09_transport_energy") & (table["point"] == 1)].iloc[0]
    assert row["n"] == 1 and math.isnan(row["ci_low"])


def test_effects_are_computed_from_the_summary_when_the_csv_is_gone(sweep_folder, tmp_path):
    copy = tmp_path / "s"
    shutil.copytree(sweep_folder, copy)
    (copy / "effects.csv").unlink()
    again = effects.effects_data(data.load(copy))
    original = effects.effects_data(data.load(sweep_folder))
    assert np.allclose(again["diff_mean"], original["diff_mean"], equal_nan=True)


# --- map ---------------------------------------------------------------------------------------


def test_tile_layout_covers_the_31_provinces_in_compass_order():
    table = pd.read_csv(Path(data.__file__).parents[1] / "data" / "provinces.csv")
    assert set(maps.TILES) == set(table["province"]) == set(maps.CODES)
    assert len(set(maps.TILES.values())) == 31
    pos = table.set_index("province")[["lat", "lon"]]
    for a in maps.TILES:
        for b in maps.TILES:
            if pos.loc[a, "lat"] > pos.loc[b, "lat"] + 3:
                assert maps.TILES[a][1] <= maps.TILES[b][1], (a, b)
            if pos.loc[a, "lon"] > pos.loc[b, "lon"] + 3:
                assert maps.TILES[a][0] >= maps.TILES[b][0], (a, b)


def test_map_of_a_run_equals_the_timeseries_and_flows(run_res):
    ts = run_res.timeseries
    emp = ts.groupby(["step", "province"])["employment"].sum()
    first, last = ts["step"].min(), ts["step"].max()
    share = emp / emp.groupby("step").transform("sum")
    expected = 100 * (share.xs(last) - share.xs(first))
    tiles = maps.map_data(run_res).set_index("province")
    assert np.allclose(tiles["change"], expected.reindex(tiles.index), atol=1e-12)
    assert len(tiles) == 31 and tiles["change"].sum() == pytest.approx(0, abs=1e-9)
    top = maps.top_flows_data(run_res, top=5)
    od = run_res.flows.groupby(["origin", "destination"])["employment"].sum()
    od = od[od.index.get_level_values(0) != od.index.get_level_values(1)]
    # the net flow of a pair: one way minus the other, in the direction of the larger
    back = od.rename_axis(["destination", "origin"]).reorder_levels(["origin", "destination"])
    net = od.sub(back, fill_value=0.0)
    expected = net[net > 0].sort_values(ascending=False).head(5)
    assert np.allclose(top["net"], expected) and (top["net"] > 0).all()
    for r in top.itertuples(index=False):
        assert r.net == pytest.approx(r.forward - r.backward)
        assert r.forward == pytest.approx(od.get((r.origin, r.destination), 0.0))
    fig = maps.map_figure(run_res, top=5, outline=False)
    ax = fig.axes[1]  # the first axes holds the list of flows
    assert sum(isinstance(p, Rectangle) for p in ax.patches) == 31
    assert sum(isinstance(p, FancyArrowPatch) for p in ax.patches) == len(top)


def long_table(folder: Path, stem: str, **where: str) -> pd.DataFrame:
    """Rows of a sweep's long outcome table at one key (every row an ok run)."""
    table = pd.read_parquet(folder / f"{stem}.parquet").assign(status="ok")
    for key, value in where.items():
        table = table[table[key] == value]
    return table


def test_map_of_a_sweep_is_the_effect_on_shares(sweep_res, sweep_folder):
    tiles = maps.map_data(sweep_res, "m04_carriers")
    for region in ("east", "central", "west", "northeast"):
        total = tiles.loc[tiles["region"] == region, "change"].sum()
        shares = long_table(sweep_folder, "summary_by_region", region=region)
        expected = 100 * paired(shares, "m04_carriers", "employment_share_end")
        assert total == pytest.approx(expected, abs=1e-9)
    start_end = maps.map_data(sweep_res, "m04_carriers", against=None)
    assert np.allclose(start_end["change"], 100 * (start_end["share_end"] - start_end["share_start"]))
    maps.map_figure(sweep_res, scenario="m04_carriers", size="column")


def test_map_arrows_of_a_sweep_are_the_change_in_net_flows(sweep_res, sweep_folder):
    fl = pd.read_parquet(sweep_folder / "flows")
    fl = fl[(fl["point"] == 0) & (fl["origin"] != fl["destination"])]
    fl["scenario"] = fl["scenario"].astype(str)
    seeds = set(fl.loc[fl["scenario"] == "m04_carriers", "seed_index"]) & set(
        fl.loc[fl["scenario"] == "baseline", "seed_index"]
    )

    def mean_od(name: str) -> pd.Series:
        f = fl[(fl["scenario"] == name) & fl["seed_index"].isin(seeds)]
        return f.groupby(["origin", "destination"])["employment"].sum() / len(seeds)

    delta = mean_od("m04_carriers").sub(mean_od("baseline"), fill_value=0.0)
    top = maps.top_flows_data(sweep_res, "m04_carriers", top=6)
    for r in top.itertuples(index=False):
        there = delta.get((r.origin, r.destination), 0.0)
        back = delta.get((r.destination, r.origin), 0.0)
        assert r.net == pytest.approx(there - back) and r.net > 0
    assert top["net"].is_monotonic_decreasing
    # the baseline itself (or against=None) shows its own net flows, not a difference
    own = maps.top_flows_data(sweep_res, "baseline", top=3)
    assert (own["forward"] >= 0).all() and (own["backward"] >= 0).all()


# --- flows -------------------------------------------------------------------------------------


def test_flows_of_a_run_equal_the_summary(run_res):
    matrix = flows.region_matrix_data(run_res)
    s = run_res.summary
    assert len(matrix) == 16
    assert matrix["employment"].sum() == pytest.approx(s["relocated_employment_total"], rel=1e-9)
    east_in = matrix[(matrix["origin_region"] == "east") & (matrix["destination_region"] != "east")]
    assert east_in["employment"].sum() == pytest.approx(s["relocated_jobs_to_inland"], rel=1e-9)
    assert matrix["firms"].sum() == s["relocations_total"]
    sectors = flows.sector_flow_data(run_res)
    assert sectors["employment"].sum() == pytest.approx(s["relocated_employment_total"], rel=1e-9)
    by_sector = run_res.flows.groupby("sector")["employment"].sum()
    assert np.allclose(sectors.groupby("sector")["employment"].sum().reindex(by_sector.index), by_sector)
    fig = flows.flows_figure(run_res)
    image = fig.axes[0].get_images()[0].get_array()
    assert image.sum() == pytest.approx(s["relocated_employment_total"] / 1e3, rel=1e-9)


def test_flows_of_a_sweep_are_means_over_seeds(sweep_res, summary):
    for name in ("baseline", "m04_carriers"):
        matrix = flows.region_matrix_data(sweep_res, name)
        expected = ok(summary, name)["relocated_employment_total"].mean()
        assert matrix["employment"].sum() == pytest.approx(expected, rel=1e-9)
    flows.flows_figure(sweep_res, scenario="m04_carriers")


# --- channels ----------------------------------------------------------------------------------


def test_channels_of_a_run_equal_the_summary(run_res):
    table = channels.channels_data(run_res)
    inland = table[table["group"] == "inland"].set_index("channel")["lever_effect"]
    expected = pd.Series(run_res.summary["lever_effect_by_channel"]["inland"])
    assert np.allclose(inland.reindex(expected.index), expected, atol=1e-15, rtol=1e-9)
    assert set(table["group"]) == {"inland", "east", "central", "west", "northeast"}
    fig = channels.channels_figure(run_res)
    bars = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    assert len(bars) == 5 * len(expected)
    net = fig.axes[0].get_lines()[0].get_ydata()
    groups = list(dict.fromkeys(table["group"]))
    assert np.allclose(net, table.groupby("group", sort=False)["lever_effect"].sum().reindex(groups) * 1e3)


def test_channels_of_a_sweep_equal_the_summary(sweep_res, sweep_folder):
    table = channels.channels_data(sweep_res)
    assert set(table["group"]) == {"m04_carriers", "m09_transport_energy"}
    for name in ("m04_carriers", "m09_transport_energy"):
        got = table[table["group"] == name].set_index("channel")["lever_effect"]
        for ch in CHANNELS:
            expected = ok(long_table(sweep_folder, "summary_by_channel", channel=ch), name)
            expected = expected["inland_lever_effect_mean"].mean()
            assert got[ch] == pytest.approx(expected, rel=1e-9, abs=1e-15)
    assert table.loc[table["group"] == "m09_transport_energy", "lever_effect"].abs().sum() > 0
    channels.channels_figure(sweep_res, size="column")


# --- dose-response -------------------------------------------------------------------------------


def test_dose_response_equals_paired_effects(sweep_res, summary):
    table = dose.dose_data(sweep_res)
    # the jobs effect is the paired difference of inland employment at the end
    assert set(table["parameter"]) == {BUDGET} and table["outcome"].iloc[0] == "inland_employment_end"
    m04 = table[table["scenario"] == "m04_carriers"].set_index("point")
    for point, budget in ((0, 2e9), (1, 5e10)):
        assert m04.loc[point, "x"] == budget
        assert m04.loc[point, "effect"] == pytest.approx(
            paired(summary, "m04_carriers", "inland_employment_end", point)
        )
        assert m04.loc[point, "cost"] == pytest.approx(
            paired(summary, "m04_carriers", "fiscal_cost_yuan_total", point)
        )
    assert m04.loc[1, "cost"] > m04.loc[0, "cost"] > 0  # a bigger bond budget costs more
    positive = table["effect"] > 0
    assert np.allclose(
        table.loc[positive, "cost_per_job"], table.loc[positive, "cost"] / table.loc[positive, "effect"]
    )
    assert table.loc[~positive, "cost_per_job"].isna().all()
    # the interval of the cost per job: the cost over the ends of the jobs interval (cost held fixed)
    bounded = table[table["cpj_status"] == "bounded"]
    assert np.allclose(bounded["cpj_low"], bounded["cost"] / bounded["ci_high"])
    assert np.allclose(bounded["cpj_high"], bounded["cost"] / bounded["ci_low"])
    assert (bounded["ci_low"] > 0).all()
    open_ = table[table["cpj_status"] == "unbounded"]
    assert (open_["ci_low"] <= 0).all() and np.isinf(open_["cpj_high"]).all() and (open_["effect"] > 0).all()
    undefined = table[table["cpj_status"] == "undefined"]
    assert ((undefined["effect"] <= 0) | (undefined["cost"] <= 0)).all()
    assert undefined["cost_per_job"].isna().all()
    single = table[table["cpj_status"] == "no interval"]  # the pair with the failed run: n = 1
    assert (single["n"] == 1).all() and len(single) + len(undefined) + len(open_) + len(bounded) == len(table)
    fig = dose.dose_figure(sweep_res)
    ax_e, ax_c = fig.axes[:2]
    assert ax_e.get_xscale() == "log"  # 2e9 to 5e10
    line = ax_e.get_lines()[0]
    assert np.allclose(line.get_xdata(), m04.sort_values("x")["x"] / 1e8)
    assert np.allclose(line.get_ydata(), m04.sort_values("x")["effect"] / 1e3)
    assert "100 million yuan" in ax_c.get_xlabel()


# --- sensitivity -------------------------------------------------------------------------------


def test_sensitivity_equals_the_csv(morris_folder):
    res = data.load(morris_folder)
    table = sensitivity.sensitivity_data(res)
    csv = pd.read_csv(morris_folder / "sensitivity.csv")
    mu = table[table["index"] == "mu_star"].merge(csv, on=["outcome", "parameter"])
    assert (
        len(mu) == len(csv)
        and np.allclose(mu["value"], mu["mu_star"])
        and np.allclose(mu["conf"], mu["mu_star_conf"])
    )
    sig = table[table["index"] == "sigma"].merge(csv, on=["outcome", "parameter"])
    assert np.allclose(sig["value"], sig["sigma"], equal_nan=True)
    fig = sensitivity.sensitivity_figure(res)
    first = csv["outcome"].iloc[0]
    heights = sorted(p.get_width() for p in fig.axes[0].patches if isinstance(p, Rectangle))
    expected = table[table["outcome"] == first]["plotted"].tolist()
    assert np.allclose(heights, sorted(expected))
    assert cli.main(["plot", str(morris_folder), "--kind", "sensitivity", "--format", "svg"]) == 0
    assert (morris_folder / "plots" / "sensitivity.svg").is_file()


# --- the command, sizes, languages ---------------------------------------------------------------


@pytest.mark.slow  # draws every kind, 3 s
def test_plot_command_writes_every_applicable_kind(sweep_folder, run_folder, capsys, tmp_path):
    assert cli.main(["plot", str(sweep_folder), "--out", str(tmp_path / "s")]) == 0
    names = {p.name for p in (tmp_path / "s").iterdir()}
    assert {
        "inland_share.png",
        "region_shares.png",
        "effects.png",
        "map_m09_transport_energy.png",
        "flows_m09_transport_energy.png",
        "channels.png",
        "dose_budget_yuan_per_year.png",
    } == names
    assert "skipped sensitivity" in capsys.readouterr().out
    assert (
        cli.main(["plot", str(run_folder), "--kind", "map", "flows", "--format", "pdf", "--size", "column"])
        == 0
    )
    assert {p.name for p in (run_folder / "plots").iterdir()} == {
        "map_full_package.pdf",
        "flows_full_package.pdf",
    }


def test_sizes_and_scenario_colours(run_res):
    slide = ts_mod.inland_share_figure(run_res, size="slide")
    column = ts_mod.inland_share_figure(run_res, size="column")
    assert tuple(slide.get_size_inches()) == (10, 6) and column.get_size_inches()[0] == 3.5
    a = style.scenario_styles(["baseline", "x", "y"], "baseline")
    b = style.scenario_styles(["baseline", "x", "y", "z"], "baseline")
    assert a["baseline"]["color"] == "#000000" and all(a[k] == b[k] for k in a)
    many = style.scenario_styles([f"s{i}" for i in range(14)])
    assert len({(v["color"], v["linestyle"]) for v in many.values()}) == 14


def test_chinese_labels_or_a_clear_message(run_res, monkeypatch, capsys, run_folder, tmp_path):
    if style.cjk_font():
        fig = ts_mod.region_share_figure(run_res, lang="zh")
        assert fig.axes[0].get_title() == "东部"
        assert (
            cli.main(["plot", str(run_folder), "--kind", "map", "--lang", "zh", "--out", str(tmp_path)]) == 0
        )
    monkeypatch.setattr(style, "_cjk_cache", [None])
    assert style.resolve_lang("zh") == ("en", style.NO_CJK_MESSAGE)
    assert (
        cli.main(["plot", str(run_folder), "--kind", "channels", "--lang", "zh", "--out", str(tmp_path)]) == 0
    )
    assert "fonts-noto-cjk" in capsys.readouterr().err
    with pytest.warns(UserWarning, match="no font with Chinese glyphs"):
        fig = ts_mod.region_share_figure(run_res, lang="zh")
    assert fig.axes[0].get_title() == "east"


def test_figure_api_takes_a_filtered_table(sweep_res):
    table = ts_mod.share_data(sweep_res)
    fig = ts_mod.inland_share_figure(table[table["scenario"] != "m04_carriers"])
    assert [ln.get_label() for ln in fig.axes[0].get_lines()] == ["baseline", "m09_transport_energy"]
    made = figures.make(sweep_res, "effects", size="column")
    assert made[0].figure.get_size_inches()[0] == 3.5 and made[0].caption


# --- report ------------------------------------------------------------------------------------


@pytest.mark.slow  # draws every figure of a report
def test_report_is_self_contained_with_a_markdown_twin(sweep_folder, capsys):
    assert cli.main(["report", str(sweep_folder)]) == 0
    folder = sweep_folder / "report"
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"(?:src|href)\s*=\s*\"(?!data:)", page)  # nothing loaded from elsewhere
    assert "http://" not in page and "https://" not in page
    images = re.findall(r'<img [^>]*src="data:image/png;base64,', page)
    assert len(images) == 7
    assert "m04_carriers" in page and "95% CI" in page and "master seed" in page
    assert FAILED_RUN in page and "fault injected" in page  # the failed run is reported
    assert "pandas" in page and "sensitivity" in page  # versions; the skipped kind is noted
    md = (folder / "report.md").read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\((figures/[^)]+\.png)\)", md)
    assert len(links) == 7 and all((folder / link).is_file() for link in links)
    assert FAILED_RUN in md and "| scenario | outcome | unit | effect | 95% CI | n |" in md
    manifest = json.loads((sweep_folder / "manifest.json").read_text())
    assert str(manifest["master_seed"]) in md


@pytest.mark.slow  # draws a whole report
def test_report_of_a_run(run_folder, tmp_path):
    rep = report.build(run_folder, tmp_path / "r")
    page = rep.html.read_text(encoding="utf-8")
    assert "full_package" in page and "inland employment share" in page and len(rep.figures) == 5
    assert set(rep.skipped) == {"effects", "dose", "sensitivity"}
    assert rep.markdown.is_file()


# --- print-ready exports, sizes and layout ----------------------------------------------------------


def pdf_font_types(path: Path) -> set[str]:
    """The ``/Subtype`` of every font of a PDF (``Type0`` fonts by their descendant, e.g.
    ``CIDFontType2`` = TrueType outlines), parsed with pypdf."""
    from pypdf import PdfReader

    found = set()
    for page in PdfReader(path).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            found.add(str(font["/Subtype"]))
            for d in font.get("/DescendantFonts", []):
                found.add(str(d.get_object()["/Subtype"]))
    return found


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_exports_are_print_ready(run_res, tmp_path, lang):
    assert lang == "en" or style.cjk_font(), NO_FONT
    fig = maps.map_figure(run_res, size="column", lang=lang)  # made in a context that has ended
    pdf, svg, png = (figures.save(fig, tmp_path / f"map.{ext}") for ext in ("pdf", "svg", "png"))
    types = pdf_font_types(pdf)
    assert types and "/Type3" not in types and types <= {"/TrueType", "/Type0", "/CIDFontType2"}
    if shutil.which("pdffonts"):  # poppler's own reading, where installed
        import subprocess

        listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert "TrueType" in listing and "Type 3" not in listing
    text = svg.read_text(encoding="utf-8")
    assert text.count("<text") >= 31  # a label per province, kept as text
    assert ("广东" if lang == "zh" else ">GD<") in text
    from PIL import Image

    with Image.open(png) as im:
        assert round(im.info["dpi"][0]) == style.DPI == 300
        assert im.size[0] == round(3.5 * 300)
    # a figure saved by the user in a notebook is print-ready too
    user = tmp_path / "user.pdf"
    fig.savefig(user)
    assert "/Type3" not in pdf_font_types(user)


def drawn_texts(fig) -> list:
    """The texts drawn on ``fig``: titles, axis labels, annotations, legend entries and the tick
    labels of ticks inside the view (the figure is drawn with Agg first)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    out = [fig._suptitle, fig._supxlabel, fig._supylabel, *fig.texts]
    for leg in fig.legends:
        out += [*leg.get_texts(), leg.get_title()]
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        out += [ax.title, ax._left_title, ax._right_title, *ax.texts]
        if ax.get_legend():
            out += [*ax.get_legend().get_texts(), ax.get_legend().get_title()]
        if not ax.axison:
            continue
        out += [ax.xaxis.label, ax.yaxis.label]
        for axis, lim in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            lo, hi = sorted(lim)
            out += [
                t.label1 for t in axis.get_major_ticks() if lo <= t.get_loc() <= hi and t.label1.get_visible()
            ]
    return [t for t in out if t is not None and t.get_visible() and t.get_text().strip()]


def layout_problems(fig) -> list[str]:
    """Texts cut by the figure's edge, tick labels that run into each other, legends over data."""
    texts = drawn_texts(fig)
    renderer = fig.canvas.get_renderer()
    w, h = fig.bbox.width, fig.bbox.height
    problems = []
    for t in texts:
        b = t.get_window_extent(renderer)
        if b.x0 < -1 or b.y0 < -1 or b.x1 > w + 1 or b.y1 > h + 1:
            problems.append(f"cut by the edge: {t.get_text()!r}")
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison:
            continue
        labels = sorted(
            (t.label1.get_window_extent(renderer) for t in ax.xaxis.get_major_ticks() if t.label1.get_text()
             and sorted(ax.get_xlim())[0] <= t.get_loc() <= sorted(ax.get_xlim())[1]),
            key=lambda b: b.x0,
        )  # fmt: skip
        problems += [
            f"x tick labels overlap in {ax.get_title()!r}"
            for a, b in zip(labels, labels[1:], strict=False)
            if a.x1 > b.x0 + 1
        ]
    data_axes = [
        ax for ax in fig.axes if ax.get_visible() and (ax.lines or ax.collections or ax.patches or ax.images)
    ]
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    for leg in legends:
        lb = leg.get_window_extent(renderer)
        for ax in data_axes:
            if lb.overlaps(ax.get_window_extent(renderer)):
                problems.append(f"legend over the data of {ax.get_title() or ax}")
    return problems


@pytest.mark.slow  # draws every kind at both sizes
def test_every_figure_fits_its_size_without_clipping(run_res, sweep_res, morris_folder):
    from simulation.plots import runfigs

    morris = data.load(morris_folder)
    made = []
    for res in (run_res, sweep_res, morris):
        for size in ("slide", "column"):
            made += [(size, m) for m in figures.make_all(res, size=size).made]
    assert {m.kind for _, m in made} == set(figures.KINDS)
    for size, m in made:
        width, height = m.figure.get_size_inches()
        if size == "column":  # a paper column, within a page
            assert width == pytest.approx(3.5) and height <= style.COLUMN_MAX_HEIGHT, m.name
        else:
            assert width >= 10 and height <= 10, m.name
        assert layout_problems(m.figure) == [], (size, m.name)
    assert layout_problems(runfigs.region_figure(run_res.timeseries)) == []


def test_region_shares_column_has_readable_year_ticks(sweep_res):
    fig = ts_mod.region_share_figure(sweep_res, size="column")
    assert layout_problems(fig) == []
    ticks = [t.get_text() for t in fig.axes[2].get_xticklabels() if t.get_text()]
    assert ticks and all(re.fullmatch(r"\d{4}", t) for t in ticks)


def test_many_scenarios_are_drawn_as_small_multiples(sweep_res):
    table = ts_mod.share_data(sweep_res)
    names = [f"s{i:02d}" for i in range(13)]
    many = pd.concat(
        [table[table["scenario"] == "baseline"]]
        + [table[table["scenario"] == "m04_carriers"].assign(scenario=n) for n in names],
        ignore_index=True,
    )
    fig = ts_mod.inland_share_figure(many, size="column")
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == names  # one panel per scenario
    for ax in panels:  # each: the baseline (grey) and the scenario
        assert [ln.get_label() for ln in ax.get_lines()] == ["baseline", ax.get_title()]
    assert fig.get_size_inches()[1] <= style.COLUMN_MAX_HEIGHT and layout_problems(fig) == []


# --- the outline map ---------------------------------------------------------------------------------


def test_cnmaps_names_are_explicit_and_match_both_sides():
    from simulation.plots import outline

    table = pd.read_csv(Path(data.__file__).parents[1] / "data" / "provinces.csv")
    assert set(outline.CNMAPS_NAMES) == set(table["province"])
    short = table.set_index("province")["name_zh"]
    for province, full in outline.CNMAPS_NAMES.items():
        assert full.startswith(short[province]), province  # 广西 -> 广西壮族自治区
    assert len(set(outline.CNMAPS_NAMES.values())) == 31
    import cnmaps

    names = set(cnmaps.get_adm_names(level="省"))
    assert set(outline.CNMAPS_NAMES.values()) | set(outline.OUTSIDE_MODEL.values()) == names


def test_outline_map_colours_each_province_by_its_value():
    from matplotlib.figure import Figure

    from simulation.plots import outline

    values = {p: float(i) for i, p in enumerate(outline.CNMAPS_NAMES)}
    values.pop("Tibet")  # no value: grey
    ax = Figure().add_subplot()
    drawn = outline.draw_outline_map(ax, values, labels={"Guangdong": "GD"}, groups={"Guangdong": "east"})
    array = drawn.collection.get_array()
    assert len(array) == 31 and array.mask[list(outline.CNMAPS_NAMES).index("Tibet")]
    assert np.allclose(array.compressed(), list(values.values()))
    assert drawn.inset is not None and [t.get_text() for t in ax.texts] == ["GD"]
    drawn.update({"Tibet": 5.0})  # recolour in place (the dashboard's next step): the others grey now
    again = drawn.collection.get_array()
    assert again.count() == 1 and again[list(outline.CNMAPS_NAMES).index("Tibet")] == 5.0
    assert np.ma.allequal(drawn.inset_collection.get_array(), again)
    # anchors lie inside their provinces, west to east in the right order
    b = outline.boundaries()
    import shapely

    for p, (x, y) in drawn.anchors.items():
        assert b.provinces[p].contains(shapely.Point(x, y)), p
    assert drawn.anchors["Xinjiang"][0] < drawn.anchors["Sichuan"][0] < drawn.anchors["Shanghai"][0]
    assert drawn.anchors["Hainan"][1] < drawn.anchors["Hubei"][1] < drawn.anchors["Heilongjiang"][1]


def test_map_figure_uses_the_outline_map_or_falls_back_to_tiles(run_res, monkeypatch):
    from simulation.plots import outline

    fig = maps.map_figure(run_res)
    coll = [c for c in fig.axes[1].collections if c.get_array() is not None]
    tiles = maps.map_data(run_res).set_index("province")["change"]
    assert np.allclose(coll[0].get_array(), tiles.reindex(list(outline.CNMAPS_NAMES)))
    monkeypatch.setattr(outline, "available", lambda: False)
    fallback = maps.map_figure(run_res)
    assert sum(isinstance(p, Rectangle) for p in fallback.axes[1].patches) == 31
    with pytest.raises(ModuleNotFoundError, match="maps"):
        maps.map_figure(run_res, outline=True)


# --- languages -----------------------------------------------------------------------------------


ALLOWED_LATIN = {"Morris", "Sobol", "bootstrap", "Student", "ST", "CI", "UTC"}


def latin_words(text: str, names: list[str]) -> list[str]:
    """Latin words of two letters or more in ``text`` once the proper names (scenario names,
    parameter keys, lever and file names, paths) are taken out."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return [w for w in re.findall(r"[A-Za-z][A-Za-z']+", text) if w.strip("'") not in ALLOWED_LATIN]


def proper_names(res) -> list[str]:
    names = list(res.scenarios) + [str(res.root)] + res.varied + [k.split(".")[-1] for k in res.varied]
    if res.kind == "sweep" and res.has("design.csv"):
        for k in res.varied:
            names += [f"{k.split('.')[-1]}={v}" for v in res.design[k]]
    names += [lever for s in res.scenarios for lever in res.levers(s)]
    files = ["timeseries.parquet", "flows.parquet", "channels.parquet", "summary.parquet", "summary.json"]
    files += [
        "effects.csv",
        "design.csv",
        "sensitivity.csv",
        "documented.csv",
        "SOURCES.md",
        "runs/",
        "flows/",
    ]
    names += [str(res.manifest.get("name", "")), *figures.KINDS, "fonts-wqy-microhei", "fonts-noto-cjk"]
    names += [str(p) for p in res.manifest.get("scenario_sources", {}).values()]
    commands = [f"ptsim {c}" for c in ("compare", "report", "sweep", "experiment", "run")]
    return [n for n in names if n] + files + commands + ["channels/", "simulation/data/", "ptsim"]


@pytest.mark.slow  # draws every kind in Chinese
def test_chinese_figures_have_no_english_labels(run_res, sweep_res, morris_folder):
    assert style.cjk_font(), NO_FONT
    for res in (run_res, sweep_res, data.load(morris_folder)):
        names = proper_names(res)
        for m in figures.make_all(res, lang="zh").made:
            words = [w for t in drawn_texts(m.figure) for w in latin_words(t.get_text(), names)]
            assert words == [], (m.name, sorted(set(words)))
            assert latin_words(m.caption, names) == [], m.name


def test_chinese_report_has_no_english_text(sweep_res, monkeypatch):
    monkeypatch.setattr(style, "_cjk_cache", [None])  # the text needs no font
    batch = figures.Batch(skipped={"dose": "x", "sensitivity": "y"})
    s = report._sections(sweep_res, batch, style.NO_CJK_MESSAGE, "zh")
    names = proper_names(sweep_res) + [FAILED_RUN]
    m = sweep_res.manifest  # values from the manifest: data, as written there
    data_cells = {str(sweep_res.root), m.get("description") or "", str(m.get("spec_hash", ""))[:16]}
    texts = [s.title, s.headline_title, s.headline_note, s.cost_note, *s.notes]
    texts += [k for k, _ in s.facts] + [v for _, v in s.facts if v not in data_cells]
    for head, rows in (s.scenarios, s.headline, s.cost):
        texts += head + [c for r in rows for c in r]
    texts += s.failed[0] + s.versions[0] + list(report._words(s).values())
    card = s.scale  # the sources and notes of documented figures are quoted as published
    texts += [card.title, *card.header, *[c for r in card.rows for c in r[:-1]], *card.notes]
    english = [t for t in texts if latin_words(t, names)]
    assert english == [], "\n".join(english)
    md = report._markdown(sweep_res, s, [])
    assert "## 相对基准情景的效应" in md and "## 每亿元岗位" in md and "e+" not in md


# --- the report's numbers ------------------------------------------------------------------------


def test_report_has_the_jobs_per_100m_yuan_table_in_one_format(sweep_res, summary):
    from simulation.sweep.effects import cost_effectiveness

    s = report._sections(sweep_res, figures.Batch(), None, "en")
    head, rows = s.cost
    assert head[:2] == ["scenario", "design point"] and "jobs per 100 million yuan" in head
    assert rows[0][1] == "0: budget_yuan_per_year=2,000,000,000"  # the point with its value
    ce = cost_effectiveness(summary, "baseline")
    assert len(rows) == len(ce)
    r = ce.iloc[0]
    row = rows[0]
    assert row[0] == r["scenario"] and row[3] == f"{round(r['jobs_inland_mean']):,}"
    assert row[6] == f"{r['jobs_per_100m_yuan']:,.1f}"
    cells = [c for _, rows_ in (s.headline, s.cost) for r_ in rows_ for c in r_]
    assert not any("e+" in c or "e-" in c for c in cells)  # never scientific notation
    assert report.fmt(-0.0001, "percentage points") == "0.00" and report.fmt(16658.2, "persons") == "16,658"
    assert report.fmt(1657.9, "persons") == "1,658"  # not 1.66e+03


# --- notebooks -----------------------------------------------------------------------------------


def test_importing_the_plots_keeps_the_backend_and_figures_render_inline(run_folder):
    """Run in a real Jupyter kernel (nbclient): the package's figures and the user's own pyplot
    figures show as images."""
    import nbclient
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import matplotlib\nbefore = matplotlib.get_backend()\n"
            "import simulation.plots, simulation.plots.figures, simulation.plots.report, simulation.cli\n"
            "assert matplotlib.get_backend() == before, (before, matplotlib.get_backend())\nprint(before)"
        ),
        nbformat.v4.new_code_cell(
            f"from simulation.plots import timeseries\ntimeseries.inland_share_figure({str(run_folder)!r})"
        ),
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()"),
    ]
    nbclient.NotebookClient(nb, timeout=180, kernel_name="python3").execute()
    backend = nb.cells[0].outputs[0]["text"]
    assert "inline" in backend and "agg" not in backend.lower()
    for cell in nb.cells[1:]:
        assert any("image/png" in o.get("data", {}) for o in cell.outputs), cell.source
