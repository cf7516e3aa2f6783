"""The format of a run folder, declared once: each file, and each column (or JSON key) with its type,
unit and meaning.

``docs/outputs.md`` is generated from these declarations (``python -m simulation.docs``), and the
tests check that the files of a real run have exactly the declared columns with the declared types,
so this module is the one place the format is written down and the one that fails when it drifts.

Types of Parquet columns are pandas dtypes as read back by ``pandas.read_parquet``: ``int64``,
``float64``, ``category`` (text, dictionary-encoded in the file: R reads a factor, duckdb a
VARCHAR), ``datetime64[ns]`` (the quarters: the first day of the quarter) and ``number`` (``int64``,
or ``float64`` when a failed run leaves a gap). Types of JSON keys are JSON types: ``str``, ``int``,
``float``, ``bool``, ``object``, ``list of str``, ``... or null``. Every declared column's unit is
also written into the Parquet schema (field metadata ``unit``; :meth:`ResultFile.units`).

Column names of the sweep tables are identifiers that pandas, R, Stata and SQL take as they are
(:func:`is_identifier`: letters, digits and ``_``, at most 32 characters for Stata).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

SCALED_YUAN = "yuan/year (scaled)"
SCALED_PERSONS = "persons (real, scaled)"
PER_YUAN = "yuan per yuan of output"
QUARTER_UNIT = "quarter (its first day)"


@dataclass(frozen=True)
class Field:
    """One column of a Parquet file or one top-level key of a JSON file."""

    name: str
    dtype: str  # pandas dtype (Parquet) or JSON type (JSON), see the module docstring
    unit: str
    meaning: str


@dataclass(frozen=True)
class ResultFile:
    """One file (or folder) of a run folder: what one row is, its fields, and notes after the table."""

    name: str
    content: str  # one line for the overview of the folder
    rows: str = ""  # what one row (Parquet) or the file (JSON) is
    fields: tuple[Field, ...] = ()
    notes: str = ""  # prose after the table
    keys: tuple[str, ...] = ()  # key columns of a long outcome table (after the run ids)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def dtypes(self) -> dict[str, str]:
        return {f.name: f.dtype for f in self.fields}

    @property
    def units(self) -> dict[str, str]:
        """Column -> unit, for the Parquet schema metadata."""
        return {f.name: f.unit for f in self.fields}

    @property
    def values(self) -> tuple[str, ...]:
        """The value columns of a long outcome table (after the run ids and the keys)."""
        return tuple(c for c in self.columns[len(RUN_ID_COLUMNS) :] if c not in self.keys)

    @property
    def stem(self) -> str:
        """The file name without its extension (``summary_by_sector``)."""
        return self.name.split(".", 1)[0]


def _f(name: str, dtype: str, unit: str, meaning: str) -> Field:
    return Field(name, dtype, unit, meaning)


_STEP = _f("step", "int64", "–", "as in the time series")
_QUARTER = _f("quarter", "datetime64[ns]", QUARTER_UNIT, "as in the time series")

TIMESERIES = ResultFile(
    "timeseries.parquet",
    "one row per step × province × sector",
    "One row per step × province × sector: `(run.steps + 1) × 31 × 7` rows for China.",
    (
        _f("step", "int64", "–", "step number; 0 = before the first quarter"),
        _f(
            "quarter",
            "datetime64[ns]",
            QUARTER_UNIT,
            "quarter simulated in this step (step 0: the quarter before `run.start`), as the date of "
            'its first day (`2024-01-01` is 2024Q1; `.dt.to_period("Q")` gives the period)',
        ),
        _f("province", "category", "–", "province (English name)"),
        _f("region", "category", "–", "NBS region: `east`, `central`, `west`, `northeast`"),
        _f(
            "sector",
            "category",
            "–",
            "sector slug (`electronics`, `apparel`, `food`, `machinery`, `biomedicine`, `new_energy`, "
            "`aerospace`)",
        ),
        _f("firms", "int64", "synthetic firms", "firms of the sector located in the province (not scaled)"),
        _f("employment", "float64", SCALED_PERSONS, "processing employment"),
        _f("output_yuan", "float64", SCALED_YUAN, "gross output"),
        _f(
            "exports_yuan",
            "float64",
            SCALED_YUAN,
            "exports = output × export share; the export share is 1 − (`domestic_sales_share` + the "
            "domestic-market lever's `domestic_share_add` in its targets), clipped to [0, 1], the same "
            "share the costs use (`simulation.costs.export_share`)",
        ),
        _f(
            "labour_cost_yuan",
            "float64",
            SCALED_YUAN,
            "wage bill in efficiency terms: employment × wage ÷ skill efficiency",
        ),
        _f(
            "land_cost_yuan",
            "float64",
            SCALED_YUAN,
            "annual cost of industrial land, after the park rent discount for firms in parks",
        ),
        _f(
            "electricity_cost_yuan",
            "float64",
            SCALED_YUAN,
            "electricity bill at the time-of-use structure of the province",
        ),
        _f(
            "logistics_cost_yuan",
            "float64",
            SCALED_YUAN,
            "international freight, products out and imported parts in, money plus time cost (logsum "
            "over modes)",
        ),
        _f(
            "compliance_cost_yuan",
            "float64",
            SCALED_YUAN,
            "customs and compliance cost of processing trade, after the bonded-zone discount",
        ),
        _f(
            "export_risk_cost_yuan",
            "float64",
            SCALED_YUAN,
            "export risk premium on exports (less the finance lever's cut)",
        ),
        _f(
            "maintenance_gain_yuan",
            "float64",
            SCALED_YUAN,
            "bonded-maintenance margin (a gain, levers 二 and 三)",
        ),
        _f("subsidy_yuan", "float64", SCALED_YUAN, "operating subsidies received from levers (a gain)"),
        _f(
            "other_inputs_yuan",
            "float64",
            SCALED_YUAN,
            "inputs not itemised (imported parts, domestic materials and services): output × (1 − the "
            "sector's gross margin)",
        ),
        _f(
            "market_access_gain_yuan",
            "float64",
            SCALED_YUAN,
            "operating profit from domestic sales (a gain, not a cost)",
        ),
        _f(
            "tax_yuan",
            "float64",
            SCALED_YUAN,
            "corporate income tax, after the R&D super-deduction (no tax on losses)",
        ),
        _f(
            "pretax_profit_yuan",
            "float64",
            SCALED_YUAN,
            "pre-tax profit (margin × output); the sector's gross margin is normalised so that the mean "
            "pre-tax margin equals `economy.profit_margin` at the start",
        ),
        _f(
            "relocations_in",
            "int64",
            "synthetic firms",
            "firms that moved into this province and sector during the quarter (0 at step 0)",
        ),
        _f(
            "relocations_out",
            "int64",
            "synthetic firms",
            "firms that moved out during the quarter (0 at step 0)",
        ),
        _f("relocated_employment_in", "float64", SCALED_PERSONS, "employment of the firms that moved in"),
        _f("relocated_employment_out", "float64", SCALED_PERSONS, "employment of the firms that moved out"),
        _f(
            "firms_entered", "int64", "synthetic plants", "new plants that chose this province in the quarter"
        ),
        _f(
            "firms_exited",
            "int64",
            "synthetic plants",
            "plants that closed (persistent losses or the exogenous exit hazard)",
        ),
        _f("firms_converted", "int64", "synthetic plants", "plants that left processing for ordinary trade"),
        _f("firms_abroad", "int64", "synthetic plants", "plants that left this province for a place abroad"),
        _f("employment_entered", "float64", SCALED_PERSONS, "employment of the new plants"),
        _f("employment_exited", "float64", SCALED_PERSONS, "employment of the plants that closed"),
        _f("employment_converted", "float64", SCALED_PERSONS, "employment of the plants that converted"),
        _f("employment_abroad", "float64", SCALED_PERSONS, "employment of the plants that went abroad"),
        _f(
            "employment_grown",
            "float64",
            SCALED_PERSONS,
            "net change in the employment of the plants that stayed (growth with their margin)",
        ),
        _f(
            "wage_yuan",
            "float64",
            "yuan/year per worker",
            "province wage in force at the end of the step (trend × labour-demand feedback); per "
            "province, repeated over sectors",
        ),
        _f(
            "rent_index",
            "float64",
            "index, 1 at the start",
            "land-rent index (rises with local processing employment); per province",
        ),
        _f(
            "park_capacity_jobs",
            "float64",
            "jobs (real, scaled)",
            "capacity of the designated park(s) in the province; per province",
        ),
        _f(
            "park_occupied_jobs",
            "float64",
            "jobs (real, scaled)",
            "employment of firms inside the park(s); per province",
        ),
    ),
    "The after-tax profit of a cell is `pretax_profit_yuan − tax_yuan`. The columns add up: `output_yuan`\n"
    "= `other_inputs_yuan` + labour + land + electricity + logistics + compliance + export risk − market\n"
    "access gain − maintenance gain − subsidy + `pretax_profit_yuan` (checked in `tests/test_scale.py`).\n"
    "Unit costs per yuan of output are the cost columns divided by `output_yuan`.",
)

FLOWS = ResultFile(
    "flows.parquet",
    "origin–destination relocation flows per step and sector",
    "One row per step × origin × destination × sector with at least one move (steps ≥ 1 only). An\n"
    "empty table (with these columns) if no firm moved.",
    (
        _f(
            "step",
            "int64",
            "–",
            "step in which the firms moved (the quarter is the `quarter` of that step in the time series)",
        ),
        _f("origin", "category", "–", "province the firms left"),
        _f("destination", "category", "–", "province the firms moved to"),
        _f("sector", "category", "–", "sector slug"),
        _f("firms", "int64", "synthetic firms", "number of firms that made this move (not scaled)"),
        _f("employment", "float64", SCALED_PERSONS, "their employment"),
    ),
    "Summed over destinations (origins) and sectors, the flows of a step equal `relocations_out`\n"
    "(`relocations_in`) and the relocated employment of the time series.",
)

ABROAD = ResultFile(
    "abroad.parquet",
    "plants and employment that went to places abroad, per step, country and sector",
    "One row per step × place abroad × sector (no rows when `abroad.enabled` is false). Plants\n"
    "abroad leave the simulation: they are counted here, not simulated further.",
    (
        _STEP,
        _QUARTER,
        _f("country", "category", "–", "place abroad"),
        _f("sector", "category", "–", "sector slug"),
        _f(
            "plants_from_china",
            "int64",
            "synthetic plants",
            "plants that left a province for it in the quarter",
        ),
        _f("employment_from_china", "float64", SCALED_PERSONS, "their employment"),
        _f("plants_new", "int64", "synthetic plants", "new plants that chose it in the quarter"),
        _f("employment_new", "float64", SCALED_PERSONS, "their employment"),
        _f("plants_total", "int64", "synthetic plants", "plants gone there since the start"),
        _f("employment_total", "float64", SCALED_PERSONS, "their employment"),
    ),
    "Summed over countries and sectors, `plants_from_china` of a step equals `firms_abroad` of the\n"
    "time series.",
)

CHANNEL_TABLE = ResultFile(
    "channels.parquet",
    "each province's profit advantage by channel per step, and the levers' direct effect on it",
    "One row per step × province × channel (channels: `labour`, `land`, `electricity`, `logistics`,\n"
    "`customs`, `finance`, `market_access`, `tax`, `subsidies`, `agglomeration`). Definitions:\n"
    "[model.md](model.md) §7.17.",
    (
        _STEP,
        _QUARTER,
        _f("province", "category", "–", "province"),
        _f("region", "category", "–", "its NBS region"),
        _f("channel", "category", "–", "margin component"),
        _f(
            "advantage",
            "float64",
            PER_YUAN,
            "the province's component minus the sector's national employment-weighted mean, averaged "
            "over sectors with step-0 weights; summed over channels, the margin advantage of a "
            "representative firm",
        ),
        _f(
            "lever_effect",
            "float64",
            PER_YUAN,
            "`advantage` with the quarter's levers minus without any lever at the same state: why the "
            "policy moves firms. 0 in a run without levers",
        ),
    ),
)

FISCAL = ResultFile(
    "fiscal.parquet",
    "what each enabled lever cost in each quarter",
    "One row per step × enabled lever (no rows when no lever is enabled).",
    (
        _f("step", "int64", "–", "as in the time series; step 0 always has 0"),
        _QUARTER,
        _f("lever", "category", "–", "lever name ([levers.md](levers.md))"),
        _f(
            "yuan",
            "float64",
            "yuan (real scale)",
            "public spending, tax forgone or deferred in that quarter ([model.md](model.md) §7.16)",
        ),
    ),
)

_Q_YUAN = "yuan in the quarter (real scale)"
ACCOUNTS = ResultFile(
    "accounts.parquet",
    "value added, GDP, welfare, taxes and the special-bond account by province and quarter",
    "One row per step × province ([model.md](model.md) §7.16, §7.21). Flows are yuan in the "
    "quarter at the real scale (step 0: the flows of the start, no moves, no bonds; totals in "
    "`summary.json` are over steps ≥ 1); bond stocks are at the end of the quarter.",
    (
        _STEP,
        _QUARTER,
        _f("province", "category", "–", "province (English name)"),
        _f("region", "category", "–", "NBS region"),
        _f("wages_yuan", "float64", _Q_YUAN, "wage bill (a quarter of `labour_cost_yuan`)"),
        _f("profit_after_tax_yuan", "float64", _Q_YUAN, "`pretax_profit_yuan` (a quarter) less `cit_yuan`"),
        _f("cit_yuan", "float64", _Q_YUAN, "CIT paid at the rates in force (levers included)"),
        _f("indirect_tax_yuan", "float64", _Q_YUAN,
           "VAT and its local surcharges on the value added of output sold at home: "
           "`accounts.vat_rate × (1 + accounts.vat_surcharge) × domestic share × max(profit + wages, 0)`; "
           "exports are zero-rated"),
        _f("value_added_yuan", "float64", _Q_YUAN,
           "`profit_after_tax_yuan + wages_yuan + cit_yuan + indirect_tax_yuan`"),
        _f("subsidies_yuan", "float64", _Q_YUAN,
           "public money in firms' margins: operating subsidies, freight paid by government, export "
           "insurance support (the same as in `fiscal.parquet`)"),
        _f("gdp_yuan", "float64", _Q_YUAN, "`value_added_yuan − subsidies_yuan`"),
        _f("relocation_cost_yuan", "float64", _Q_YUAN,
           "real set-up cost of the quarter's moves into the province, before any public support"),
        _f("welfare_yuan", "float64", _Q_YUAN,
           "`gdp_yuan − relocation_cost_yuan` (national welfare also deducts the programme spending on "
           "real resources, `summary.json`'s `programme_real_yuan_total`)"),
        _f("cit_law_yuan", "float64", _Q_YUAN,
           "CIT the firms would pay under the law without levers (15% western rate included)"),
        _f("cit_standard_yuan", "float64", _Q_YUAN, "CIT at `tax.cit_standard` on the same base"),
        _f("preferential_loss_yuan", "float64", _Q_YUAN,
           "`cit_standard_yuan − cit_law_yuan`: revenue lost to the preferential western regime"),
        _f("bond_issued_yuan", "float64", _Q_YUAN, "special bonds issued for parks in the province"),
        _f("bond_interest_yuan", "float64", _Q_YUAN, "coupon paid on the bonds outstanding"),
        _f("bond_repaid_yuan", "float64", _Q_YUAN, "principal repaid (bullet at `term_years`)"),
        _f("bond_outstanding_yuan", "float64", "yuan (real scale)",
           "principal outstanding at the end of the quarter: issued less repaid since the start"),
        _f("bond_revenue_yuan", "float64", _Q_YUAN,
           "project revenue: park rent paid by the occupants (movers and new plants) of the bond-funded "
           "places, the province's park rents × bond-funded share of its park places"),
        _f("bond_shortfall_yuan", "float64", _Q_YUAN,
           "`max(bond_interest_yuan + bond_repaid_yuan − bond_revenue_yuan, 0)`: what the budget "
           "covers"),
        _f("bond_places", "float64", "real jobs", "bond-funded park places open at the end of the quarter"),
    ),
)  # fmt: skip
#: Columns of ``accounts.parquet`` after step, quarter, province and region, and those of them that
#: are flows in the quarter (summed into ``summary.json``; the others are stocks).
ACCOUNT_COLUMNS = tuple(f.name for f in ACCOUNTS.fields[4:])
ACCOUNT_FLOWS = tuple(f.name for f in ACCOUNTS.fields[4:] if f.unit == _Q_YUAN)

SUMMARY = ResultFile(
    "summary.json",
    "headline outcomes of the run",
    "One JSON object (keys sorted in the file):",
    (
        _f("scenario", "str", "–", "scenario name"),
        _f(
            "scenario_hash",
            "str",
            "–",
            "SHA-256 of the scenario's model inputs (parameters, overrides, series, world; not the name "
            "or description): equal hashes mean identical inputs",
        ),
        _f("seed", "int", "–", "master seed (`run.seed`)"),
        _f("steps", "int", "quarters", "number of the last step (= quarters simulated)"),
        _f("run_firms", "int", "synthetic firms", "number of synthetic firms of the run (`run.firms`)"),
        _f("start_quarter", "str", "`YYYYQn`", "first simulated quarter (`run.start`)"),
        _f("end_quarter", "str", "`YYYYQn`", "last simulated quarter"),
        _f(
            "inland_employment_share_start",
            "float",
            "share",
            "inland share of processing employment at step 0",
        ),
        _f("inland_employment_share_end", "float", "share", "the same at the last step"),
        _f("inland_output_share_start", "float", "share", "inland share of processing output at step 0"),
        _f("inland_output_share_end", "float", "share", "the same at the last step"),
        _f(
            "inland_employment_end",
            "float",
            SCALED_PERSONS,
            "inland processing employment at the last step (the level whose paired difference gives "
            "jobs moved inland by a lever)",
        ),
        _f(
            "inland_employment_share_end_by_sector",
            "object",
            "share",
            "`{sector: inland share of the sector's employment}` at the last step",
        ),
        _f(
            "electricity_cost_share_end_by_sector",
            "object",
            PER_YUAN,
            "`{sector: electricity cost / output}` at the last step (bill and outage losses, time-of-use "
            "included)",
        ),
        _f("region_employment_share_start", "object", "share", "`{region: share of employment}` at step 0"),
        _f("region_employment_share_end", "object", "share", "the same at the last step"),
        _f(
            "relocations_total",
            "int",
            "synthetic firms",
            "moves over the run (steps ≥ 1; a firm that moves twice counts twice)",
        ),
        _f("relocated_employment_total", "float", SCALED_PERSONS, "employment moved over the run"),
        _f("firms_entered_total", "int", "synthetic plants", "new plants in China over the run (steps ≥ 1)"),
        _f("firms_exited_total", "int", "synthetic plants", "plants closed over the run"),
        _f(
            "firms_converted_total",
            "int",
            "synthetic plants",
            "plants converted to ordinary trade over the run",
        ),
        _f("firms_abroad_total", "int", "synthetic plants", "plants that left China for a place abroad"),
        _f(
            "employment_abroad_total",
            "float",
            SCALED_PERSONS,
            "employment that went abroad over the run, moved and new plants",
        ),
        _f(
            "employment_abroad_by_country",
            "object",
            SCALED_PERSONS,
            "the same by place abroad",
        ),
        _f("levers", "list of str", "–", "enabled levers, in registry order"),
        _f(
            "fiscal_cost_yuan",
            "object",
            "yuan",
            "`{lever: total over the run}` for every enabled lever (sums of `fiscal.parquet`)",
        ),
        _f(
            "fiscal_cost_yuan_total",
            "float",
            "yuan",
            "fiscal cost of all enabled levers over the run (0 without levers)",
        ),
        _f(
            "relocated_jobs_to_inland",
            "float",
            SCALED_PERSONS,
            "employment that moved from an eastern to an inland province over the run (gross, baseline "
            "drift included: not a lever effect; `ptsim compare` gives the paired one)",
        ),
        *(
            _f(
                f"{c.removesuffix('_yuan')}_yuan_total",
                "float",
                "yuan",
                f"`{c}` of `accounts.parquet` summed over steps ≥ 1",
            )
            for c in ACCOUNT_FLOWS
        ),
        _f("bond_outstanding_yuan_end", "float", "yuan", "special bonds outstanding at the last step"),
        _f(
            "programme_real_yuan_total",
            "float",
            "yuan",
            "programme spending of the levers less the bonds' coupons (a transfer to bondholders): "
            "bond-funded construction, training, budgets",
        ),
        _f(
            "welfare_national_yuan_total", "float", "yuan", "`welfare_yuan_total − programme_real_yuan_total`"
        ),
        _f(
            "fiscal_cost_pv_yuan",
            "float",
            "yuan, present value at the start",
            "gross fiscal cost (`fiscal.parquet`) discounted at `accounts.discount_rate` to the start",
        ),
        _f(
            "bond_net_cost_pv_yuan",
            "float",
            "yuan, present value at the start",
            "PV of the special bonds' whole debt service (coupons and principal, also after the run) less "
            "the PV of the project revenue of the run",
        ),
        _f(
            "public_cost_pv_yuan",
            "float",
            "yuan, present value at the start",
            "`fiscal_cost_pv_yuan` with the special bonds at `bond_net_cost_pv_yuan` instead of "
            "issuance + coupons",
        ),
        _f(
            "tax_standard_pv_yuan",
            "float",
            "yuan, present value at the start",
            "PV of `cit_standard_yuan + indirect_tax_yuan`: the revenue base whose paired difference is the "
            "tax feedback of a lever",
        ),
        _f(
            "preferential_loss_pv_yuan",
            "float",
            "yuan, present value at the start",
            "PV of `preferential_loss_yuan`",
        ),
        _f("value_added_pv_yuan", "float", "yuan, present value at the start", "PV of `value_added_yuan`"),
        _f(
            "welfare_pv_yuan",
            "float",
            "yuan, present value at the start",
            "PV of national welfare (`welfare_yuan` less the programme spending on real resources)",
        ),
        _f(
            "east_employment_end",
            "float",
            SCALED_PERSONS,
            "processing employment in the eastern provinces at the last step",
        ),
        _f(
            "advantage_change_by_channel",
            "object",
            PER_YUAN,
            '`{"inland": {channel: value}, "provinces": {province: {channel: value}}}`: change of '
            "`advantage` from step 0 to the last step (inland: weighted by step-0 employment)",
        ),
        _f(
            "lever_effect_by_channel",
            "object",
            PER_YUAN,
            "the same layout: mean `lever_effect` over steps ≥ 1",
        ),
        _f(
            "lever_effect_by_channel_each",
            "object",
            PER_YUAN,
            "`{lever: {channel: value}}`: the inland mean of each enabled lever's direct effect *alone*, "
            "at the last step (levers interact, so these need not add up to the joint effect; special "
            "bonds act through park capacity, the state, and show no direct effect here)",
        ),
        _f(
            "employment_total",
            "float",
            SCALED_PERSONS,
            "total processing employment in China at the last step (entry, exit and moves abroad "
            "change it); at step 0 it follows from the documented exports "
            "(`economy.processing_exports_yuan`) and output per worker",
        ),
        _f(
            "scale",
            "object",
            "as in each entry's `unit`",
            "the scale card: `{entry: {model, documented, ratio, unit, documented_year, source, "
            "confidence, note}}` for the start (step 0, annual rates): processing exports (the anchor) "
            "and imports, employment, firms represented, exports by market (beside China's total "
            "exports to it), China–Europe Railway Express cargo, land-port exports to ASEAN, the air "
            "share of export value; `documented`/`ratio` are null where no figure was found "
            "(`simulation/data/documented.csv`)",
        ),
        _f(
            "calibration",
            "object or null",
            "–",
            '`null` when `calibration.method = "none"`; else `iterations` (int), `max_log_error` (float, '
            "max abs. log difference between target and predicted shares at the end) and `converged` "
            "(bool, `max_log_error < calibration.tolerance`) of the Berry contraction",
        ),
    ),
)

MANIFEST = ResultFile(
    "manifest.json",
    "provenance: the resolved scenario, its hash, seed, versions, timing",
    "One JSON object (keys sorted in the file):",
    (
        _f(
            "scenario",
            "object",
            "–",
            "the resolved scenario in canonical form: `name`, `description`, `params` (every parameter, "
            "`{key: value}`), `provinces` (province overrides), `sectors` (sector overrides), `series` "
            "(`variable`, `where`, `points` as `[decimal year, value]`), `world` (the custom world or null)",
        ),
        _f("scenario_source", "str", "–", "the scenario file the run was loaded from"),
        _f("scenario_hash", "str", "–", "as in `summary.json`"),
        _f("seed", "int", "–", "master seed"),
        _f(
            "versions",
            "object",
            "–",
            "`python`, `platform` and the versions of `processing-trade-sim`, `mesa`, `numpy`, `pandas`, "
            "`scipy`, `pyarrow`, `matplotlib`",
        ),
        _f("started_utc", "str", "ISO 8601, UTC", "start time, to the second"),
        _f("wall_time_s", "float", "seconds", "wall-clock time for the run and its files"),
        _f("command", "list of str", "–", "the command line (`sys.argv`)"),
        _f("files", "list of str", "–", "the files of the folder (`figures/` when figures were made)"),
    ),
    "Rerunning with the `scenario` of a manifest (same parameters, overrides, series, world) and the\n"
    "same package versions reproduces the run exactly.",
)

FIGURES = ResultFile(
    "figures/",
    "PNG figures: `inland_share.png` (inland share of employment and output), `employment_by_region.png` "
    "(stacked employment by NBS region); skipped with `--no-figures`",
)

#: Every file of a run folder, in the order of the documentation.
RUN_FOLDER: tuple[ResultFile, ...] = (
    TIMESERIES,
    FLOWS,
    ABROAD,
    CHANNEL_TABLE,
    FISCAL,
    ACCOUNTS,
    SUMMARY,
    MANIFEST,
    FIGURES,
)
#: The Parquet tables and the JSON files, by file name.
TABLES = {f.name: f for f in RUN_FOLDER if f.name.endswith(".parquet")}
JSON_FILES = {f.name: f for f in RUN_FOLDER if f.name.endswith(".json")}

# --- the sweep's summary tables ------------------------------------------------------------------

#: Longest column name Stata accepts.
MAX_NAME = 32
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def is_identifier(name: str) -> bool:
    """Whether ``name`` is a column name pandas, R, Stata and SQL take as it is: letters, digits and
    ``_``, not starting with a digit, at most :data:`MAX_NAME` characters."""
    return bool(_IDENTIFIER.fullmatch(name)) and len(name) <= MAX_NAME


def safe_name(key: str) -> str:
    """The summary column of a varied key (``sectors.electronics.load_flexibility`` ->
    ``electronics_load_flexibility``): non-identifier characters become ``_``, leading segments are dropped
    while the name is longer than :data:`MAX_NAME`, and a name still too long (or one that would
    begin with a digit) is cut to 27 characters plus ``_`` and 4 hex digits of the key's SHA-256 so
    that distinct keys keep distinct names. ``design.csv`` and the manifest map names to keys."""
    parts = [re.sub(r"\W", "_", p, flags=re.ASCII) for p in key.split(".")]
    while len(parts) > 1 and len("_".join(parts)) > MAX_NAME:
        parts = parts[1:]
    name = "_".join(parts)
    if is_identifier(name):
        return name
    digest = hashlib.sha256(key.encode()).hexdigest()[:4]
    return f"p_{name}"[:27] + f"_{digest}"


_RUN_IDS = (
    _f("run_id", "category", "–", "`<scenario>-p<point>-s<seed index>`, as in the summary"),
    _f("scenario", "category", "–", "scenario name"),
    _f("point", "int64", "–", "design point (row of `design.csv`)"),
    _f("seed_index", "int64", "–", "replication index (0..seeds − 1)"),
    _f("seed", "int64", "–", "the run's seed"),
)
_SCALAR_TYPES = {"int": "number", "float": "number", "float or null": "number", "bool": "number"}
#: The scalar outcomes of a run (``summary.json``'s numbers, and the calibration's three) as columns.
SCALAR_OUTCOMES: tuple[Field, ...] = (
    *(
        Field(f.name, _SCALAR_TYPES[f.dtype], f.unit, f.meaning)
        for f in SUMMARY.fields
        if f.dtype in _SCALAR_TYPES and f.name != "seed"  # the seed is an id column
    ),
    _f(
        "calibration_iterations", "number", "–", "iterations of the Berry contraction (empty: no calibration)"
    ),
    _f("calibration_max_log_error", "number", "–", "its max abs. log error at the end (`summary.json`)"),
    _f("calibration_converged", "number", "0/1", "1 if it converged (`summary.json`)"),
)

SWEEP_SUMMARY = ResultFile(
    "summary.parquet",
    "one row per run: ids, status, the varied parameters, then the scalar outcomes (also `summary.csv`)",
    "One row per run (ok or failed), sorted by scenario, point and seed index. Written as "
    "`summary.parquet` and `summary.csv` (UTF-8, header row, floats that round-trip, empty cells for "
    "missing values). After the ids come the varied parameters, one column each named by "
    "`simulation.results_format.safe_name` (`parks.enabled` -> `parks_enabled`, "
    "`sectors.electronics.load_flexibility` -> `electronics_load_flexibility`; the manifest's "
    "`parameter_columns` maps names to keys), then:",
    (
        *_RUN_IDS,
        _f("status", "category", "–", "`ok` or `failed`"),
        _f("wall_time_s", "float64", "seconds", "wall-clock time of the run"),
        _f("error", "category", "–", "last line of the traceback of a failed run (empty if ok)"),
        *SCALAR_OUTCOMES,
    ),
    "Outcomes are empty (NaN) for failed runs. Per-region, per-sector, per-lever, per-channel, "
    "per-province and scale-card outcomes are in the long tables below, one row per run × key; they "
    "share the id columns, so `summary.merge(table)` joins them on `run_id`, `scenario`, `point`, "
    "`seed_index` and `seed` (ok runs only).",
)


def _table(
    stem: str, rows: str, keys: tuple[Field, ...], values: tuple[Field, ...], notes: str = ""
) -> ResultFile:
    rows_text = f"One row per ok run × {rows} (also `{stem}.csv`)."
    fields = (*_RUN_IDS, *keys, *values)
    return ResultFile(f"{stem}.parquet", rows, rows_text, fields, notes, tuple(k.name for k in keys))


_REGION = _f("region", "category", "–", "NBS region")
_SECTOR = _f("sector", "category", "–", "sector slug")
_LEVER = _f("lever", "category", "–", "enabled lever ([levers.md](levers.md))")
_CHANNEL = _f("channel", "category", "–", "margin component (`channels.parquet`)")
BY_REGION = _table(
    "summary_by_region",
    "NBS region",
    (_REGION,),
    (
        _f("employment_share_start", "float64", "share", "the region's share of employment at step 0"),
        _f("employment_share_end", "float64", "share", "the same at the last step"),
    ),
)
BY_SECTOR = _table(
    "summary_by_sector",
    "sector",
    (_SECTOR,),
    (
        _f(
            "sector_inland_share_end",
            "float64",
            "share",
            "inland share of the sector's employment, last step",
        ),
        _f(
            "electricity_cost_share_end",
            "float64",
            PER_YUAN,
            "electricity cost / output of the sector, last step",
        ),
    ),
)
BY_LEVER = _table(
    "summary_by_lever",
    "enabled lever",
    (_LEVER,),
    (
        _f(
            "fiscal_cost_yuan",
            "float64",
            "yuan",
            "the lever's fiscal cost over the run (`fiscal.parquet` summed)",
        ),
    ),
    "No rows for a run without levers.",
)
BY_CHANNEL = _table(
    "summary_by_channel",
    "channel",
    (_CHANNEL,),
    (
        _f("inland_advantage_change", "float64", PER_YUAN,
           "change of `advantage` from step 0 to the last step, inland mean weighted by step-0 employment"),
        _f("inland_lever_effect_mean", "float64", PER_YUAN, "the same mean of `lever_effect` over steps ≥ 1"),
    ),
)  # fmt: skip
BY_PROVINCE_CHANNEL = _table(
    "summary_by_province_channel",
    "province × channel",
    (_f("province", "category", "–", "province"), _CHANNEL),
    (
        _f(
            "advantage_change",
            "float64",
            PER_YUAN,
            "change of the province's `advantage`, step 0 to the last",
        ),
        _f(
            "lever_effect_mean",
            "float64",
            PER_YUAN,
            "its mean `lever_effect` over steps ≥ 1 (as in `channels/`)",
        ),
    ),
)
BY_LEVER_CHANNEL = _table(
    "summary_by_lever_channel",
    "enabled lever × channel",
    (_LEVER, _CHANNEL),
    (
        _f("lever_effect_alone", "float64", PER_YUAN,
           "inland mean of the lever's direct effect alone at the last step (levers interact: these need "
           "not add up to `inland_lever_effect_mean`)"),
    ),
)  # fmt: skip
BY_SCALE_ENTRY = _table(
    "summary_scale",
    "scale-card entry",
    (_f("entry", "category", "–", "scale-card entry (`summary.json`'s `scale`)"),),
    (
        _f("model", "float64", "the entry's `unit`", "the model's value at step 0 (annual rate)"),
        _f("documented", "float64", "the entry's `unit`", "the documented figure (empty: none found)"),
        _f("ratio", "float64", "ratio", "model / documented"),
        _f("documented_year", "float64", "year", "year of the documented figure"),
        _f("unit", "category", "–", "unit of `model` and `documented`"),
        _f("confidence", "category", "–", "confidence of the documented figure"),
    ),
)

#: The long outcome tables of a sweep, one row per ok run × key.
OUTCOME_TABLES: tuple[ResultFile, ...] = (
    BY_REGION,
    BY_SECTOR,
    BY_LEVER,
    BY_CHANNEL,
    BY_PROVINCE_CHANNEL,
    BY_LEVER_CHANNEL,
    BY_SCALE_ENTRY,
)
RUN_ID_COLUMNS: tuple[str, ...] = tuple(f.name for f in _RUN_IDS)
#: The sweep's summary tables (documented in ``docs/outputs.md``), by file name.
SWEEP_TABLES: dict[str, ResultFile] = {f.name: f for f in (SWEEP_SUMMARY, *OUTCOME_TABLES)}
