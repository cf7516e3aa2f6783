"""Results as data: the sweep's summary and long outcome tables as declared in
``simulation.results_format``, read as they are by pandas and duckdb, merged on their shared names,
typed (categoricals, quarter dates, units in the schema), and ``store.read_runs`` on pyarrow.dataset."""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import BASELINE

from simulation import cli
from simulation import results_format as fmt
from simulation.io import UNITS_KEY
from simulation.sweep import store

SMALL = ["--firms", "300", "--steps", "3", "--set", "calibration.sorting_rounds=2"]
LEVER = "levers.special_funds.enabled=true"


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory) -> Path:
    """Baseline (with and without a spending lever, varied) x 2 seeds, and one run failing."""
    out = tmp_path_factory.mktemp("tidy") / "sweep"
    args = ["sweep", str(BASELINE), *SMALL, "--vary", "levers.special_funds.enabled=false,true"]
    args += ["--vary", "behaviour.logit_scale=0.02,0.03", "--seeds", "2", "--workers", "0", "--no-progress"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PTSIM_SWEEP_FAULT", "baseline-p00003-s0001=raise")
        assert cli.main([*args, "--out", str(out)]) == 1  # the one failed run
    return out


@pytest.fixture(scope="module")
def summary(sweep_folder) -> pd.DataFrame:
    return pd.read_parquet(sweep_folder / "summary.parquet")


def test_names_are_identifiers_everywhere():
    for table in fmt.SWEEP_TABLES.values():
        bad = [f.name for f in table.fields if not fmt.is_identifier(f.name)]
        assert not bad, (table.name, bad)
    assert fmt.is_identifier("inland_employment_share_end")
    assert not fmt.is_identifier("region_employment_share_end.west") and not fmt.is_identifier("a b")
    assert not fmt.is_identifier("x" * 33) and not fmt.is_identifier("1x")
    assert fmt.safe_name("levers.time_of_use.spread_scale") == "levers_time_of_use_spread_scale"
    assert fmt.safe_name("sectors.electronics.load_flexibility") == "electronics_load_flexibility"
    long = fmt.safe_name("provinces.Inner Mongolia.some_very_long_column_name_here")
    assert fmt.is_identifier(long) and long != fmt.safe_name(
        "provinces.Inner Mongolia.some_very_long_column_x"
    )


def test_summary_has_ids_parameters_and_scalar_outcomes_only(summary, sweep_folder):
    params = ["levers_special_funds_enabled", "behaviour_logit_scale"]
    declared = list(fmt.SWEEP_SUMMARY.columns)
    assert list(summary.columns) == declared[:8] + params + declared[8:]
    assert all(fmt.is_identifier(c) for c in summary.columns)
    assert len(summary) == 8 and (summary["status"] == "failed").sum() == 1
    failed = summary[summary["status"] == "failed"].iloc[0]
    assert math.isnan(failed["inland_employment_share_end"]) and "fault injected" in failed["error"]
    manifest = json.loads((sweep_folder / "manifest.json").read_text())
    assert manifest["parameter_columns"] == {
        "levers_special_funds_enabled": "levers.special_funds.enabled",
        "behaviour_logit_scale": "behaviour.logit_scale",
    }


@pytest.mark.parametrize("name", list(fmt.SWEEP_TABLES))
def test_pandas_and_duckdb_read_each_table_as_it_is(sweep_folder, name):
    spec = fmt.SWEEP_TABLES[name]
    frame = pd.read_parquet(sweep_folder / name)
    if spec is fmt.SWEEP_SUMMARY:  # the varied parameters sit between the ids and the outcomes
        assert [c for c in frame.columns if c in spec.columns] == list(spec.columns)
    else:
        assert list(frame.columns) == list(spec.columns), name
    for field in spec.fields:
        dtype = str(frame[field.name].dtype)
        allowed = {"number": ("int64", "float64")}.get(field.dtype, (field.dtype,))
        if field.dtype == "str":
            assert pd.api.types.is_string_dtype(frame[field.name].dtype), field.name
        else:
            assert dtype in allowed, (name, field.name, dtype)
    assert len(frame) > 0
    con = duckdb.connect()
    rel = con.sql(f"SELECT * FROM read_parquet('{sweep_folder / name}')")
    assert rel.columns == list(frame.columns) and len(rel.fetchall()) == len(frame)
    # the CSV beside it: the same columns and values (text where Parquet has categoricals)
    csv = pd.read_csv(sweep_folder / f"{spec.stem}.csv", keep_default_na=False, na_values=[""])
    assert list(csv.columns) == list(frame.columns)
    numbers = [f.name for f in spec.fields if f.dtype in ("int64", "float64", "number")]
    np.testing.assert_allclose(csv[numbers].to_numpy(float), frame[numbers].to_numpy(float), rtol=1e-15)
    # duckdb works on the tables directly, e.g. a mean per scenario of a long table
    if "scenario" in frame.columns and spec is not fmt.SWEEP_SUMMARY:
        value = spec.values[0]
        got = con.sql(
            f"SELECT scenario, avg({value}) FROM '{sweep_folder / name}' GROUP BY scenario"
        ).fetchall()
        want = frame.groupby("scenario", observed=True)[value].mean()
        assert {s: pytest.approx(v) for s, v in got} == want.to_dict()


def test_long_tables_hold_the_nested_outcomes_of_each_ok_run(sweep_folder, summary):
    ok = summary[summary["status"] == "ok"]
    record = json.loads((sweep_folder / "records" / f"run-{ok['run_id'].iloc[-1]}.json").read_text())
    regions = pd.read_parquet(sweep_folder / "summary_by_region.parquet")
    assert len(regions) == len(ok) * 4
    assert np.allclose(regions.groupby("run_id", observed=True)["employment_share_end"].sum(), 1)
    sectors = pd.read_parquet(sweep_folder / "summary_by_sector.parquet")
    assert len(sectors) == len(ok) * 7
    levers = pd.read_parquet(sweep_folder / "summary_by_lever.parquet")
    spent = levers.groupby("run_id", observed=True)["fiscal_cost_yuan"].sum()
    paid = ok.set_index("run_id")["fiscal_cost_yuan_total"]
    assert set(spent.index) == set(paid[paid > 0].index) and np.allclose(spent, paid[spent.index])
    channels = pd.read_parquet(sweep_folder / "summary_by_province_channel.parquet")
    assert len(channels) == len(ok) * 31 * 10
    scale = pd.read_parquet(sweep_folder / "summary_scale.parquet")
    mine = scale[scale["run_id"] == record["run_id"]].set_index("entry")
    assert mine.loc["processing_exports_yuan", "model"] == pytest.approx(
        {r["entry"]: r for r in record["outcome_tables"]["summary_scale"]}["processing_exports_yuan"]["model"]
    )


def test_a_default_merge_joins_on_the_shared_names(sweep_folder, summary):
    """One meaning per name: the summary's run size is ``run_firms``, not the parts' ``firms``."""
    series = store.read_runs(sweep_folder)
    shared = set(summary.columns) & set(series.columns)
    assert shared == set(fmt.RUN_ID_COLUMNS)
    merged = summary.merge(series)
    assert len(merged) == len(series) > 0 and {"run_firms", "firms", "province"} <= set(merged.columns)
    sectors = pd.read_parquet(sweep_folder / "summary_by_sector.parquet")
    wide = summary.merge(sectors)
    assert len(wide) == len(sectors) and set(summary.columns) & set(sectors.columns) == set(
        fmt.RUN_ID_COLUMNS
    )


def test_files_are_typed_and_carry_units(sweep_folder):
    part = next((sweep_folder / "runs").glob("scenario=*/run-*.parquet"))
    schema = pq.read_schema(part)
    assert pa.types.is_dictionary(schema.field("province").type)  # categoricals, dictionary-encoded
    assert pa.types.is_timestamp(schema.field("quarter").type)
    assert schema.field("employment").metadata[b"unit"] == fmt.TIMESERIES.units["employment"].encode()
    series = pd.read_parquet(part)
    assert str(series["quarter"].dtype) == "datetime64[ns]"
    assert (series["quarter"].dt.to_period("Q").astype(str).iloc[0]) == "2023Q4"
    by_sector = pq.read_schema(sweep_folder / "summary_by_sector.parquet")
    assert by_sector.field("electricity_cost_share_end").metadata[b"unit"] == fmt.PER_YUAN.encode()
    assert json.loads(by_sector.metadata[UNITS_KEY]) == fmt.BY_SECTOR.units


@pytest.mark.parametrize("folder", store.PART_FOLDERS)
def test_read_runs_equals_reading_every_part_by_hand(sweep_folder, folder):
    parts = sorted((sweep_folder / folder).glob("scenario=*/run-*.parquet"))
    by_hand = pd.concat(
        [pd.read_parquet(p).assign(scenario=p.parent.name.split("=", 1)[1]) for p in parts], ignore_index=True
    )
    got = store.read_runs(sweep_folder, folder)
    assert isinstance(got["scenario"].dtype, pd.CategoricalDtype)
    # the same rows, columns and values; pyarrow.dataset unifies the parts' categories, a concat of
    # frames with different categories falls back to text
    text = {c: str for c in got.select_dtypes("category").columns}
    pd.testing.assert_frame_equal(got.astype(text), by_hand.astype(text))
    assert store.read_runs(sweep_folder / "nowhere", folder).empty


def test_effects_take_long_table_outcomes(sweep_folder, summary):
    from simulation.sweep import effects

    selector = "fiscal_cost_yuan[lever=special_funds]"
    wide = effects.with_selected(summary, sweep_folder, [selector])
    levers = pd.read_parquet(sweep_folder / "summary_by_lever.parquet")
    spent = wide.dropna(subset=[selector]).set_index("run_id")[selector]
    assert np.allclose(spent, levers.set_index("run_id").loc[spent.index, "fiscal_cost_yuan"])
    with pytest.raises(effects.SweepError, match="no lever 'special_fund'.*did you mean special_funds"):
        effects.with_selected(summary, sweep_folder, ["fiscal_cost_yuan[lever=special_fund]"])


def test_missing_extra_says_how_to_install_it_from_a_checkout():
    from simulation.sweep.errors import SweepError, require

    with pytest.raises(SweepError, match=r'pip install -e "\.\[sa\]"'):
        require("no_such_module_for_this_test", "sa")


def test_printed_effects_are_citable():
    """Shares in percentage points with the unit in the header, one format per column, design points
    labelled by their values, the Monte-Carlo standard error beside each effect."""
    from simulation.sweep import effects

    rows = [
        ("lever", "baseline", p, o, 10, base, base + d, d, sd, d - 0.1 * abs(d), d + 0.1 * abs(d))
        + (sd / math.sqrt(10), 0.001, 40.0)
        for p, scale in ((0, 1.5), (1, 3.0))
        for o, base, d, sd in (
            ("inland_employment_share_end", 0.305, 0.0042 * scale, 0.003),
            ("inland_employment_end", 2.46e6, 12345.6 * scale, 9000.0),
        )
    ]
    eff = pd.DataFrame(rows, columns=list(effects.COLUMNS))
    design = pd.DataFrame({"point": [0, 1], "levers.time_of_use.spread_scale": [1.5, 3.0]})
    text = effects.format_effects(eff, 0.95, design)
    share = text.split("inland_employment_share_end:")[1].split("inland_employment_end:")[0]
    assert "percentage points" in share and "baseline, %" in share and "effect, pp" in share
    lines = [ln for ln in share.splitlines() if ln.startswith("lever")]
    assert "spread_scale=1.5" in lines[0] and "spread_scale=3" in lines[1]
    assert "30.50" in lines[0] and "0.63" in lines[0]  # 0.305 as 30.50 %, 0.0063 as 0.63 pp
    se = 0.003 / math.sqrt(10) * 100
    assert f"{se:.2f}" in lines[0]
    jobs = text.split("inland_employment_end:")[1]
    assert "persons" in jobs.splitlines()[0]
    cells = [ln.split()[-5] for ln in jobs.splitlines() if ln.startswith("lever")]  # the effect column
    assert cells == ["18,518", "37,037"]  # one format: thousands separators, no decimals
