"""The shipped data files load, and the checked loader rejects malformed files with clear messages."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import simulation.geography
import simulation.logistics
import simulation.sectors
import simulation.tables
from simulation.geography import PROVINCE_COLUMNS, REGIONS, load_china, load_regions
from simulation.logistics import MARKETS, MODES, load_freight
from simulation.sectors import load_sectors
from simulation.tables import DataError, data_path, read_table

# --- the shipped data --------------------------------------------------------------------------


def test_provinces_load():
    world = load_china()
    assert world.n == 31
    assert len(set(world.names.tolist())) == 31
    assert {"Guangdong", "Henan", "Sichuan", "Xinjiang", "Beijing"} <= set(world.names.tolist())
    assert set(world.region.tolist()) == set(REGIONS)
    assert world.distance_km.shape == (31, 31)
    assert np.allclose(world.distance_km, world.distance_km.T)
    assert np.allclose(np.diag(world.distance_km), 0.0)
    off = world.distance_km[~np.eye(31, dtype=bool)]
    assert off.min() > 0 and off.max() < 5000  # km between capitals of mainland China
    hours = world.col("tou_peak_hours") + world.col("tou_flat_hours") + world.col("tou_valley_hours")
    assert np.allclose(hours, 24)
    assert (world.col("processing_trade_100m_yuan") >= 0).all()
    assert world.col("processing_trade_100m_yuan").sum() > 0
    assert set(np.unique(world.col("coastal")).tolist()) <= {0.0, 1.0}
    for name in simulation.geography.NUMERIC_DEFAULTS:
        assert world.col(name).shape == (31,)
        assert np.isfinite(world.col(name)).all(), name


def test_inland_mask_matches_regions():
    world = load_china()
    assert (world.inland == (world.region != "east")).all()
    assert world.inland.sum() == 31 - (world.region == "east").sum()
    assert world.targets("central").sum() == (world.region == "central").sum()
    assert world.targets("Henan").sum() == 1


def test_regions_load():
    regions = load_regions()
    assert regions["region"].tolist() == list(REGIONS)
    assert (
        (regions["outmigrant_cross_province_share"] >= 0) & (regions["outmigrant_cross_province_share"] <= 1)
    ).all()


def test_sectors_load():
    sectors = load_sectors()
    assert sectors.n == 7
    assert len(set(sectors.names.tolist())) == 7
    assert {"electronics", "apparel", "food", "machinery"} <= set(sectors.names.tolist())
    assert np.allclose(sectors.destinations().sum(axis=1), 1.0, atol=1e-3)
    assert sectors.col("employment_share").sum() == pytest.approx(1.0, abs=1e-3)
    assert (sectors.col("labour_share") > 0).all()


def test_freight_table_loads():
    freight = load_freight()
    assert freight.money.shape == (len(MODES), len(MARKETS))
    sea = MODES.index("sea")
    assert np.isfinite(freight.money[sea]).all() and (freight.money[sea] > 0).all()
    assert np.isfinite(freight.days[sea]).all()
    served = np.isfinite(freight.money)
    assert (freight.money[served] > 0).all()
    assert np.array_equal(served, np.isfinite(freight.days))
    # air is faster but dearer per tonne than sea to every market it serves
    air = MODES.index("air")
    both = served[air]
    assert (freight.money[air, both] > freight.money[sea, both]).all()
    assert (freight.days[air, both] < freight.days[sea, both]).all()
    for key in simulation.logistics.REQUIRED_CONSTANTS:
        assert freight.constants[key] > 0


# --- a writable copy of the data ---------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of simulation/data that every loader reads instead of the shipped files."""
    folder = tmp_path / "data"
    shutil.copytree(data_path("provinces.csv").parent, folder)

    def patched(name: str) -> Path:
        return folder / name

    for module in (simulation.tables, simulation.geography, simulation.sectors, simulation.logistics):
        monkeypatch.setattr(module, "data_path", patched)
    return folder


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def edit(path: Path, key: str, name: str, column: str, value: str) -> int:
    """Set ``column`` of the row whose ``key`` column is ``name``; return that row's line number."""
    header, rows = read_rows(path)
    for i, row in enumerate(rows):
        if row[key] == name:
            row[column] = value
            write_rows(path, header, rows)
            return i + 2
    raise AssertionError(f"{name} not in {path}")


def raises(load: Callable[[], object], *fragments: str) -> str:
    with pytest.raises(DataError) as info:
        load()
    text = str(info.value)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in {text!r}"
    return text


def test_copy_loads_like_the_original(data_dir):
    # the fixture itself must not break loading, or every rejection below proves nothing
    assert load_china().n == 31
    assert load_sectors().n == 7
    assert load_freight().money.shape == (4, 4)


# --- provinces.csv -----------------------------------------------------------------------------


def test_missing_column(data_dir):
    path = data_dir / "provinces.csv"
    header, rows = read_rows(path)
    header.remove("wage_yuan")
    for row in rows:
        del row["wage_yuan"]
    write_rows(path, header, rows)
    raises(load_china, str(path), "missing column", "wage_yuan")


def test_non_numeric_cell(data_dir):
    path = data_dir / "provinces.csv"
    line = edit(path, "province", "Henan", "wage_yuan", "about 50k")
    raises(
        load_china,
        str(path),
        f"line {line}",
        "'wage_yuan'",
        "'about 50k'",
        "a number in [10000, 500000] (yuan/year)",
    )


def test_optional_cell_may_be_empty(data_dir):
    edit(data_dir / "provinces.csv", "province", "Sichuan", "name_zh", "")
    assert load_china().n == 31


def test_thirty_provinces(data_dir):
    path = data_dir / "provinces.csv"
    header, rows = read_rows(path)
    write_rows(path, header, rows[:-1])
    raises(load_china, str(path), "expected 31 provinces", "found 30")


def test_duplicate_province(data_dir):
    path = data_dir / "provinces.csv"
    header, rows = read_rows(path)
    rows[1]["province"] = rows[0]["province"]
    write_rows(path, header, rows)
    raises(load_china, str(path), "duplicate province", rows[0]["province"])


def test_unknown_region(data_dir):
    path = data_dir / "provinces.csv"
    edit(path, "province", "Henan", "region", "south")
    raises(load_china, str(path), "'region'", "south", "allowed:", "east, central, west, northeast")


def test_tou_hours_not_24(data_dir):
    path = data_dir / "provinces.csv"
    _, rows = read_rows(path)
    henan = next(r for r in rows if r["province"] == "Henan")
    edit(path, "province", "Henan", "tou_flat_hours", str(float(henan["tou_flat_hours"]) + 1))
    text = raises(load_china, str(path), "sum to 24", "Henan")
    assert "Hubei" not in text  # only the offending province is named


def test_tou_critical_exceeds_peak(data_dir):
    path = data_dir / "provinces.csv"
    _, rows = read_rows(path)
    henan = next(r for r in rows if r["province"] == "Henan")
    edit(path, "province", "Henan", "tou_critical_hours", str(float(henan["tou_peak_hours"]) + 1))
    raises(load_china, str(path), "tou_critical_hours", "tou_peak_hours")


def test_regions_file_checked(data_dir):
    path = data_dir / "regions.csv"
    header, rows = read_rows(path)
    write_rows(path, header, [r for r in rows if r["region"] != "northeast"])
    raises(load_regions, str(path), "east, central, west, northeast")
    raises(load_china, str(path))


def test_scenario_loading_reports_data_error(data_dir):
    """Scenario validation reads the province list; a broken data file surfaces as a DataError."""
    from simulation import scenario

    edit(data_dir / "provinces.csv", "province", "Henan", "wage_yuan", "n/a")
    with pytest.raises(DataError, match="provinces.csv.*wage_yuan"):
        scenario.from_dict({"provinces": {"Henan": {"wage_yuan": 50000}}})


# --- sectors.csv -------------------------------------------------------------------------------


def test_sector_destinations_not_summing_to_1(data_dir):
    path = data_dir / "sectors.csv"
    _, rows = read_rows(path)
    apparel = next(r for r in rows if r["sector"] == "apparel")
    edit(path, "sector", "apparel", "dest_eu", str(float(apparel["dest_eu"]) + 0.1))
    text = raises(load_sectors, str(path), "dest_eu+dest_na+dest_eastasia+dest_asean", "sum to 1", "apparel")
    assert "electronics" not in text


def test_sector_employment_shares_not_summing_to_1(data_dir):
    path = data_dir / "sectors.csv"
    _, rows = read_rows(path)
    food = next(r for r in rows if r["sector"] == "food")
    edit(path, "sector", "food", "employment_share", str(float(food["employment_share"]) + 0.05))
    raises(load_sectors, str(path), "employment_share", "sum to 1")


def test_sector_missing_column(data_dir):
    path = data_dir / "sectors.csv"
    header, rows = read_rows(path)
    for col in ("dest_asean", "skill_requirement"):
        header.remove(col)
        for row in rows:
            del row[col]
    write_rows(path, header, rows)
    raises(load_sectors, str(path), "missing column", "dest_asean", "skill_requirement")


# --- freight.csv and transport_constants.csv ---------------------------------------------------


def test_unknown_freight_mode(data_dir):
    path = data_dir / "freight.csv"
    header, rows = read_rows(path)
    rows[-1]["mode"] = "truck"
    write_rows(path, header, rows)
    raises(
        load_freight,
        str(path),
        f"line {len(rows) + 1}",
        "'truck'",
        "mode must be one of",
        "'sea'",
        "'air'",
        "'rail'",
        "'land'",
    )


def test_unknown_freight_market_and_unit(data_dir):
    path = data_dir / "freight.csv"
    header, rows = read_rows(path)
    rows[0]["market"] = "mars"
    write_rows(path, header, rows)
    raises(load_freight, str(path), "line 2", "'mars'", "market one of", "'eu'")
    rows[0]["market"] = "eu"
    rows[0]["cost_unit"] = "GBP/t"
    write_rows(path, header, rows)
    raises(load_freight, str(path), "line 2", "'GBP/t'", "cost_unit one of", "'USD/FEU'")


def test_freight_negative_cost(data_dir):
    path = data_dir / "freight.csv"
    header, rows = read_rows(path)
    rows[2]["cost"] = "-10"
    write_rows(path, header, rows)
    raises(load_freight, str(path), "line 4", "'cost'", "-10")


def test_freight_needs_sea_to_every_market(data_dir):
    path = data_dir / "freight.csv"
    header, rows = read_rows(path)
    write_rows(path, header, [r for r in rows if not (r["mode"] == "sea" and r["market"] == "asean")])
    raises(load_freight, str(path), "sea freight", "asean")


def test_transport_constant_missing(data_dir):
    path = data_dir / "transport_constants.csv"
    header, rows = read_rows(path)
    write_rows(path, header, [r for r in rows if r["key"] != "usd_cny"])
    raises(load_freight, str(path), "missing key", "usd_cny")


def test_processing_wages_are_migrant_incomes_by_region_of_work():
    """Each region's population-weighted wage is 12 x its migrant workers' monthly income at the end
    of 2023 (NBS: 2024 income / (1 + 2024 growth)); the east-interior gap is the migrants' (about
    1.1-1.3), not the urban private sector's."""
    world, regions = load_china(), load_regions()
    private = read_table(data_path("provinces.csv"), PROVINCE_COLUMNS, key="province")["wage_yuan"]
    monthly = regions["migrant_income_2024_month_yuan"] / (1 + regions["migrant_income_growth_2024"])
    pop = world.columns["population"]
    for i, region in enumerate(REGIONS):
        inside = world.region == region
        mean = np.average(world.columns["wage_yuan"][inside], weights=pop[inside])
        assert mean == pytest.approx(12 * monthly[i], rel=1e-9)
        # within a region the provinces keep their relative private-sector wages
        ratio = world.columns["wage_yuan"][inside] / private[inside].astype(float)
        assert np.allclose(ratio, ratio[0])
    east, northeast = (world.region == "east"), (world.region == "northeast")
    gap = np.average(world.columns["wage_yuan"][east], weights=pop[east]) / np.average(
        world.columns["wage_yuan"][northeast], weights=pop[northeast]
    )
    gap_private = np.average(private[east].astype(float), weights=pop[east]) / np.average(
        private[northeast].astype(float), weights=pop[northeast]
    )
    assert gap == pytest.approx(5172 / (4164 / 1.028), rel=1e-3) and gap < gap_private
