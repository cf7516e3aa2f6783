"""Every scalar parameter of the model, declared once.

Each :class:`Param` carries its type, allowed range, unit, default and the basis of the default
(source or assumption). The scenario loader validates against these declarations, ``ptsim validate``
prints them, and ``docs/parameters.md`` is generated from them (``python -m simulation.docs``), so
the three can never disagree.
"""

from __future__ import annotations

from typing import Any

from simulation import levers
from simulation.schema import A, Param

PARAMS: tuple[Param, ...] = (
    # --- run ---------------------------------------------------------------------------------
    Param(
        "run.start",
        "2024Q1",
        "quarter",
        "First simulated quarter (any from 2010Q1).",
        "docs/model.md §2: default run 2024Q1-2035Q4, the years after 商贸发〔2023〕308号",
        kind=str,
    ),
    Param(
        "run.steps", 48, "quarters", "Number of quarterly steps.", "docs/model.md", kind=int, low=1, high=400
    ),
    Param(
        "run.firms",
        100_000,
        "firms",
        "Number of synthetic firms.",
        "one per documented processing firm (economy.processing_firms) by default; fewer for the "
        "dashboard and tests (each then stands for processing_firms / run.firms real firms)",
        kind=int,
        low=10,
        high=5_000_000,
    ),
    Param(
        "run.seed",
        20240101,
        "-",
        "Master seed; every random draw comes from it.",
        "reproducibility",
        kind=int,
        low=0,
        high=2**63 - 1,
    ),
    Param(
        "run.firm_agents",
        False,
        "-",
        "Create a Mesa agent per firm (views on the arrays) for "
        "inspection and dashboards; off for speed in sweeps.",
        "design choice",
        kind=bool,
    ),
    # --- behaviour ---------------------------------------------------------------------------
    Param(
        "behaviour.logit_scale",
        0.02,
        "profit margin (yuan per yuan of output)",
        "Scale mu of the logit error: a margin advantage of mu multiplies the odds by e (at least "
        "1e-6, a rule of the loader: below, margins over mu overflow).",
        A + ": no Chinese location-choice coefficients found (Cheng & Kwan 2000; Amiti & Javorcik 2008 "
        "give signs only); 2 margin points; varied in sensitivity analysis",
        low=0.0,
        low_open=True,
        high=10.0,
    ),
    Param(
        "behaviour.review_hazard",
        0.01,
        "1/quarter",
        "Base probability that a firm reviews its location in a quarter.",
        A + ": Dutch firms moved at 7.9%/yr (Pellenbarg & Kemper 1999), mostly over short "
        "distances; moves between provinces are far rarer (84,000 of 257,000 registered-address "
        "moves in China 2018-23 crossed provinces, Qichacha); no hazard for processing firms found; "
        "1%/quarter reviews, of which about half end in a move",
        low=0.0,
        high=1.0,
    ),
    Param(
        "behaviour.hazard_gap_slope",
        0.5,
        "per logit-scale unit",
        "Extra review hazard per unit of (sector mean margin - own margin)/mu when behind.",
        A + ": 'review more when profit falls behind' (docs/model.md §7.10)",
        low=0.0,
        high=100.0,
    ),
    Param("behaviour.max_hazard", 0.25, "1/quarter", "Cap on the review hazard.", A, low=0.0, high=1.0),
    Param(
        "behaviour.consideration_size",
        5,
        "provinces",
        "Provinces sampled from the known set besides the current one at each review.",
        A + ": bounded search; matchmaking (measure 5) enlarges it",
        kind=int,
        low=1,
        high=1000,
    ),
    Param(
        "behaviour.know_other_region_prob",
        0.5,
        "probability",
        "Probability that a firm knows a given province outside its own NBS region "
        "(it knows every province of its own region).",
        A,
        low=0.0,
        high=1.0,
    ),
    Param(
        "behaviour.relocation_cost_share",
        0.3,
        "share of fixed capital",
        "One-off cost of moving (dismantling, transport, reinstallation, lost output).",
        A + ": no structural estimate of relocation costs found",
        low=0.0,
        high=10.0,
    ),
    Param(
        "behaviour.planning_horizon_years",
        10.0,
        "years",
        "Horizon over which the one-off relocation cost is annualised (at least one quarter, a step: "
        "a shorter horizon has no meaning and the annuity factor would overflow).",
        A,
        low=0.25,
        high=100.0,
    ),
    Param(
        "behaviour.discount_rate",
        0.08,
        "1/year",
        "Discount rate for annualising one-off costs (0, or at least 1e-6, a rule of the loader: a "
        "smaller positive rate rounds 1 + r to 1 in the annuity factor, a division by zero).",
        A + ": cost of capital of a manufacturing SME",
        low=0.0,
        high=1.0,
    ),
    # --- agglomeration -----------------------------------------------------------------------
    Param(
        "agglomeration.gamma",
        0.2,
        "utility per log firm",
        "Agglomeration: gamma * ln(N + offset), N = same-sector real firms in the province (synthetic "
        "firms x economy.processing_firms / run.firms).",
        A + ": China's density elasticity of productivity is ~8.8% (261 cities, 2004; "
        "Fan 2006, 经济研究); expressed in logit units here; must stay < 1 for a dispersed equilibrium",
        low=0.0,
        high=5.0,
    ),
    Param(
        "agglomeration.offset",
        1.0,
        "firms",
        "Offset in ln(N + offset) (N in real firms) so empty provinces remain choosable (> 0: "
        "ln 0 is minus infinity).",
        "numerical",
        low=0.0,
        low_open=True,
        high=1e6,
    ),
    # --- labour ------------------------------------------------------------------------------
    Param(
        "labour.wage_feedback",
        True,
        "-",
        "Wages respond to processing labour demand.",
        "docs/model.md §7.12",
        kind=bool,
    ),
    Param(
        "labour.wage_trend",
        True,
        "-",
        "Apply the regional wage trends (regions.csv and wage_growth series).",
        "NBS migrant income growth 2024",
        kind=bool,
    ),
    Param(
        "labour.productivity_growth",
        0.065,
        "per year",
        "Growth of output per worker (labour productivity), national, all sectors; unit labour "
        "costs move with wage growth less this (from step 1).",
        "ASSUMPTION from documented rates (simulation/data/national_series.csv): industrial "
        "enterprises above designated size in Guangzhou 2015-2021, 6.5%/yr (value added per worker, "
        "Guangzhou Statistical Yearbook 2022 table 11-10); national overall labour productivity "
        "+7.0% (2014), +6.5% (2016), +6.9% (2017) (NBS); the lower end taken; no national "
        "manufacturing series found",
        low=-0.1,
        high=0.2,
    ),
    Param(
        "labour.supply_elasticity",
        2.0,
        "-",
        "Base elasticity of local labour supply to the wage (wages move with labour demand to the "
        "power 1/elasticity, so at least 0.05: a power of 20 at most, which keeps wages finite).",
        A + ": no migrant supply elasticity found (NBS 农民工监测调查报告 give levels only)",
        low=0.05,
        high=1000.0,
    ),
    Param(
        "labour.migrant_pool_weight",
        4.0,
        "-",
        "Elasticity rises by this factor times the region's cross-province out-migrant share "
        "(returnable migrants), so Henan, Sichuan, Anhui can supply more.",
        A + " on NBS 2017 out-migrant shares (regions.csv)",
        low=0.0,
        high=1000.0,
    ),
    Param(
        "labour.processing_share_of_workforce",
        0.05,
        "share",
        "Processing employment as a share of the labour pool it draws on; sets how strongly "
        "a change in processing jobs moves local wages and rents.",
        A + ": a few per cent of employment",
        low=0.0,
        low_open=True,
        high=1.0,
    ),
    Param(
        "labour.skill_efficiency",
        1.0,
        "-",
        "Skill efficiency of labour everywhere (province column skill_efficiency multiplies it).",
        "normalisation",
        low=0.0,
        low_open=True,
        high=10.0,
    ),
    # --- land --------------------------------------------------------------------------------
    Param(
        "land.m2_per_worker",
        60.0,
        "m2 of land per worker",
        "Industrial land used per job.",
        A + ": standard-factory plots; not in the shared data",
        low=0.0,
        high=10000.0,
    ),
    Param(
        "land.annuity_rate",
        0.05,
        "1/year",
        "Annual cost of land as a share of its price (lease of 50 years at ~4%).",
        A,
        low=0.0,
        high=1.0,
    ),
    Param(
        "land.rent_elasticity",
        1.0,
        "-",
        "Elasticity of land rent to local processing employment relative to the labour pool.",
        A,
        low=0.0,
        high=100.0,
    ),
    # --- parks -------------------------------------------------------------------------------
    Param("parks.enabled", True, "-", "Designated parks with limited capacity.", "docs/model.md", kind=bool),
    Param(
        "parks.capacity_jobs",
        20000.0,
        "real jobs per park",
        "Capacity of each national processing-trade park at the start.",
        A + ": a standard-factory phase of 26,410 m2 cost 114 m yuan (Taiyuan); parks hold many",
        low=0.0,
        high=1e7,
    ),
    Param(
        "parks.initial_occupancy",
        1.0,
        "share",
        "Share of park capacity occupied at the start.",
        A + ": parks are full at the start; new capacity comes from special bonds (measure 4)",
        low=0.0,
        high=1.0,
    ),
    Param(
        "parks.rent_discount",
        0.3,
        "share of land cost",
        "Land-cost discount inside a park.",
        A + ": land-price discount rules allow reserve prices >= 70% of the floor (2009 notice)",
        low=0.0,
        high=1.0,
    ),
    Param(
        "parks.setup_discount",
        0.3,
        "share of relocation cost",
        "Cut in the relocation cost when moving into a park with room (ready factories).",
        A,
        low=0.0,
        high=1.0,
    ),
    # --- economy -----------------------------------------------------------------------------
    Param(
        "economy.profit_margin",
        0.05,
        "yuan per yuan of output",
        "Average pre-tax margin of processing firms at the start; sets the base gross margin.",
        A + ": processing exporters are less profitable (Dai, Maitra & Yu 2016)",
        low=-1.0,
        high=1.0,
    ),
    Param(
        "economy.export_price_growth",
        0.0,
        "per year",
        "Growth of world (US dollar) prices of processing exports and of their imported inputs; "
        "with the CNY/USD series (cny_per_usd) it sets the export price in yuan (from step 1).",
        A + ": flat; no export price index found (NBS PPI, a proxy only: +4.1% 2022, -3.0% 2023)",
        low=-0.2,
        high=0.2,
    ),
    Param(
        "economy.domestic_operating_margin",
        0.2,
        "yuan per yuan of domestic sales",
        "Operating profit per yuan of domestic sales at average market access (1/sigma).",
        A + ": sigma = 5",
        low=0.0,
        high=1.0,
    ),
    Param(
        "economy.processing_exports_yuan",
        4.93416e12,
        "yuan/year",
        "Documented processing exports the synthetic firms stand for at the start: the scale of "
        "money and jobs (real yuan per model yuan); employment follows from output per worker.",
        "2023: processing trade 76,432 亿元 (NBS communique) less processing imports 384.44 bn USD "
        "(GACC) x 7.0467 (C; simulation/data/documented.csv); set it for another start year",
        low=1.0,
        high=1e15,
    ),
    Param(
        "economy.processing_firms",
        100_000,
        "firms",
        "Documented number of processing-trade firms the synthetic firms stand for (real firms per "
        "synthetic firm = this / run.firms; agglomeration counts real firms).",
        "about 100,000 processing-trade enterprises (MOFCOM, published 2016-01, A); no later count "
        "found, so the 2014 count stands for the start (assumption)",
        kind=int,
        low=1,
        high=10_000_000,
    ),
    Param(
        "economy.compliance_cost_share",
        0.01,
        "yuan per yuan of trade",
        "Customs and compliance cost of processing trade (manuals, guarantees, audits).",
        A,
        low=0.0,
        high=1.0,
    ),
    Param(
        "economy.bonded_zone_discount",
        0.3,
        "share",
        "Cut in compliance cost in provinces with special customs supervision zones.",
        A,
        low=0.0,
        high=1.0,
    ),
    Param(
        "economy.productivity_sigma",
        0.3,
        "log points",
        "Dispersion of firm productivity (lognormal, mean 1).",
        A,
        low=0.0,
        high=3.0,
    ),
    Param(
        "economy.size_sigma",
        1.1,
        "log points",
        "Dispersion of firm employment (lognormal around the sector mean; heavy right tail).",
        A + ": firm sizes are heavy-tailed",
        low=0.0,
        high=4.0,
    ),
    Param(
        "economy.foreign_share",
        0.6,
        "share",
        "Share of foreign-invested firms.",
        A + ": foreign-invested firms dominate processing trade; no recent figure found",
        low=0.0,
        high=1.0,
    ),
    Param(
        "economy.sme_threshold",
        1000,
        "employees",
        "Firms below this are SMEs.",
        "MIIT 2011 SME standard for industry (<1000 employees)",
        kind=int,
        low=1,
        high=10**7,
    ),
    Param(
        "economy.supervised_equipment_share",
        0.2,
        "share of fixed capital",
        "Duty-free imported equipment under customs supervision, for foreign-invested firms.",
        A,
        low=0.0,
        high=1.0,
    ),
    Param(
        "economy.equipment_supervision_years",
        5.0,
        "years",
        "Customs supervision period of duty-free equipment; moving before it ends repays "
        "duty on the remaining share.",
        "measure 12: 5 years (to be cut to 3)",
        low=0.0,
        high=50.0,
    ),
    Param(
        "economy.equipment_renewal_years",
        10.0,
        "years",
        "Firms re-import duty-free equipment on this cycle, so equipment ages stay uniform "
        "(a stationary baseline).",
        A,
        low=0.25,
        high=100.0,
    ),
    Param(
        "economy.equipment_duty_rate",
        0.1,
        "share of equipment value",
        "Import duty and VAT due on supervised equipment moved early.",
        A,
        low=0.0,
        high=1.0,
    ),
    Param(
        "economy.export_risk_premium",
        0.005,
        "yuan per yuan of exports",
        "Cost of buyer and exchange-rate risk on exports (uninsured, unhedged); lever finance cuts it.",
        A + ": export credit insurance premia and hedging costs are of the order of 0.1-1% of "
        "export value; not in the sources",
        low=0.0,
        high=0.2,
    ),
    Param(
        "economy.sme_finance_premium",
        0.5,
        "share of moving cost",
        "Extra cost SMEs pay to finance a move (credit constraints); lever finance cuts it.",
        A + ": 商贸发〔2023〕308号 八 (financing of SMEs that move); size not found",
        low=0.0,
        high=5.0,
    ),
    Param(
        "economy.outage_loss_share",
        0.1,
        "share of the electricity bill",
        "Losses from power rationing and outages; lever time_of_use's energy guarantee cuts them.",
        A + ": not in the sources (2021 power rationing hit processing provinces); 10% of the bill",
        low=0.0,
        high=2.0,
    ),
    # --- tax ---------------------------------------------------------------------------------
    Param(
        "tax.cit_standard",
        0.25,
        "share of profit",
        "Corporate income tax rate.",
        "CIT law (25%)",
        low=0.0,
        high=1.0,
    ),
    Param(
        "tax.cit_west",
        0.15,
        "share of profit",
        "CIT for encouraged industries in provinces with west_cit_15 = 1.",
        "MOF/STA/NDRC 2020 No. 23 (2021-2030)",
        low=0.0,
        high=1.0,
    ),
    Param(
        "tax.west_cit_coverage",
        1.0,
        "share",
        "Share of firms in those provinces that qualify (encouraged-industry catalogue).",
        A,
        low=0.0,
        high=1.0,
    ),
    Param(
        "tax.rd_super_deduction",
        1.0,
        "share of R&D spending",
        "Extra deduction of R&D spending from taxable profit.",
        "100% for manufacturing since 2021 (STA)",
        low=0.0,
        high=5.0,
    ),
    # --- logistics ---------------------------------------------------------------------------
    Param(
        "logistics.mode_choice_scale",
        0.01,
        "yuan per yuan of value",
        "Scale of the logit split across freight modes; 0 picks the cheapest mode only.",
        A + ": one sector stands for goods of many value densities, so modes mix",
        low=0.0,
        high=1.0,
    ),
    Param(
        "logistics.domestic_decay_km",
        1500.0,
        "km",
        "Distance over which the freeness of domestic trade falls by 1/e (phi = exp(-d / decay)).",
        A,
        low=0.0,
        low_open=True,
        high=1e6,
    ),
    Param(
        "logistics.coast_interior_cost",
        1.0,
        "multiplier",
        "Multiplier on domestic trade "
        "distance between coastal and interior provinces (links between the coast and the "
        "interior).",
        "normalisation",
        low=0.0,
        low_open=True,
        high=100.0,
    ),
    Param(
        "logistics.interior_cost",
        1.0,
        "multiplier",
        "Multiplier on domestic trade distance between two interior provinces (links inside the interior).",
        "normalisation",
        low=0.0,
        low_open=True,
        high=100.0,
    ),
    Param(
        "logistics.inland_leg_cost",
        1.0,
        "multiplier",
        "Multiplier on the cost of the domestic leg to ports, hubs and borders.",
        "normalisation",
        low=0.0,
        high=100.0,
    ),
    Param(
        "logistics.cre_subsidy_share",
        0.0,
        "share of rail cost",
        "Subsidy on China-Europe Railway Express freight.",
        "reported subsidy caps 50% (2018) -> 40% (2019) -> 30% (2020) -> 0 by 2022 "
        "(BOFIT Weekly 2019/35; simulation/data/SOURCES.md §5); 0 for a 2024 start",
        low=0.0,
        high=1.0,
    ),
    Param(
        "logistics.cre_cargo_usd",
        56.7e9,
        "USD/year",
        "Value of all cargo carried by the China-Europe Railway Express in a year (its capacity).",
        "2023: US$56.7 bn, >17,000 trains, 1.9 m TEU (China State Railway Group via Xinhua, May 2024, B); "
        "2024: US$66.4 bn (Xinhua 2025, B)",
        low=0.0,
        high=1e13,
    ),
    Param(
        "logistics.cre_outbound_share",
        0.6,
        "share of cargo value",
        "Share of CRE cargo value that leaves China (westbound).",
        A + ": return trains carry less value than westbound ones; not found by value",
        low=0.0,
        high=1.0,
    ),
    Param(
        "logistics.cre_processing_share",
        0.35,
        "share of westbound value",
        "Share of westbound CRE cargo value that is processing exports.",
        A + ": above the 20.8% processing share of all exports (GACC Jan-Oct 2023, C) because "
        "westbound trains carry laptops and phones from processing plants in Chongqing, Chengdu and "
        "Zhengzhou (computers 18% of CRE value in 2019, Cargo Facts, B)",
        low=0.0,
        high=1.0,
    ),
    Param(
        "logistics.land_port_exports_yuan",
        5.38e11,
        "yuan/year",
        "Exports to ASEAN through the land ports in a year (their capacity).",
        "derived (C): Youyiguan (Friendship Pass), the largest China-Vietnam land port, 336.34 bn yuan "
        "of trade Jan-Sep 2024 (GACC press conference, 14 Oct 2024, B) -> 448 bn a year; x 0.6 exports "
        "(assumption) x 2 for all land ports (assumption: Youyiguan taken as half of them)",
        low=0.0,
        high=1e15,
    ),
    Param(
        "logistics.land_port_processing_share",
        0.208,
        "share of value",
        "Share of land-port exports to ASEAN that is processing exports.",
        "assumption: the processing share of all exports, 20.8% (GACC Jan-Oct 2023, derived, C)",
        low=0.0,
        high=1.0,
    ),
    Param(
        "logistics.capacity_iterations",
        12,
        "iterations",
        "Fixed-point iterations of the shadow price on rail and land-port capacity per computation.",
        "numerical choice; rationing removes any remaining excess",
        low=0,
        high=200,
        kind=int,
    ),
    # --- calibration -------------------------------------------------------------------------
    Param(
        "calibration.method",
        "berry",
        "-",
        "How province constants are set: 'berry' "
        "contraction to the initial distribution, or 'none' (constants from the data's "
        "`amenity` column only).",
        "docs/model.md §7.14",
        kind=str,
        choices=("berry", "none"),
    ),
    Param(
        "calibration.sample_firms",
        20000,
        "firms",
        "Firms used to compute expected flows in the contraction.",
        "numerical",
        kind=int,
        low=10,
        high=10**7,
    ),
    Param(
        "calibration.documented_weight",
        0.001,
        "share",
        "Weight of the documented distribution in the contraction's target (the rest is the "
        "firms' own hazard-weighted distribution); keeps empty cells choosable.",
        "numerical",
        low=0.0,
        high=1.0,
    ),
    Param(
        "calibration.sorting_rounds",
        40,
        "rounds",
        "Rounds of pairwise location swaps "
        "that sort the initial firms among provinces with the documented distribution held "
        "fixed; 0 = random placement.",
        "numerical",
        kind=int,
        low=0,
        high=100000,
    ),
    Param(
        "calibration.tolerance",
        1e-6,
        "log share",
        "Convergence tolerance.",
        "numerical",
        low=0.0,
        low_open=True,
        high=1.0,
    ),
    Param(
        "calibration.max_iter", 3000, "iterations", "Iteration cap.", "numerical", kind=int, low=1, high=10**6
    ),
)

BY_KEY: dict[str, Param] = {p.key: p for p in PARAMS}
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(p.key.split(".")[0] for p in PARAMS))


def defaults() -> dict[str, Any]:
    """Flat ``{key: default}`` for every parameter."""
    return {p.key: p.default for p in PARAMS}


def find(key: str) -> Param | None:
    """The declaration of a scalar parameter or a lever parameter (``levers.<name>.<key>``)."""
    return BY_KEY[key] if key in BY_KEY else levers.PARAM_BY_KEY.get(key)
