"""Every scalar parameter of the model, declared once.

Each :class:`Param` carries its type, allowed range, unit, default and the basis of the default
(source or assumption). The scenario loader validates against these declarations, ``ptsim validate``
prints them, and ``docs/parameters.md`` is generated from them (``python -m simulation.docs``), so
the three can never disagree.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
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
        "run.steps",
        48,
        "quarters",
        "Number of quarterly steps.",
        "docs/model.md",
        kind=int,
        low=1,
        high=400,
        plausible=(4, 80),
        plausible_basis=(
            "assumption: a year to twenty years of quarters; the policy's horizon is 2024-2035 (48)"
        ),
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
        plausible=(1000, 200000),
        plausible_basis=(
            "assumption: below 1,000 synthetic firms a province-sector cell holds a handful "
            "of firms; 200,000 is twice the documented count"
        ),
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
        plausible=(0, 2**63 - 1),
        plausible_basis="any seed: seeds are not a parameter of the world",
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
    Param(
        "run.plant_draws",
        False,
        "-",
        "Tie the quarter's random draws (reviews, consideration sets, taste shocks, park lotteries, "
        "exits, new plants' choices) to each plant's id, so that runs with different parameters "
        "share them (common random numbers; the estimator turns it on). Off: one stream a quarter, "
        "faster at 100,000 firms (simulation.choice.PlantRows).",
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
        plausible=(0.01, 0.04),
        plausible_basis=(
            "assumption: halved to doubled (no Chinese location-choice coefficients found); "
            "the sensitivity experiment's range"
        ),
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
        plausible=(0.0025, 0.04),
        plausible_basis=(
            "assumption: 1%-16% of firms review in a year; Dutch firms moved at 7.9%/yr, "
            "mostly locally (Pellenbarg & Kemper 1999)"
        ),
    ),
    Param(
        "behaviour.hazard_gap_slope",
        0.5,
        "per logit-scale unit",
        "Extra review hazard per unit of (sector mean margin - own margin)/mu when behind.",
        A + ": 'review more when profit falls behind' (docs/model.md §7.10)",
        low=0.0,
        high=100.0,
        plausible=(0.0, 2.0),
        plausible_basis=(
            "assumption: from no extra review to quadrupling the hazard at a gap of two logit scales"
        ),
    ),
    Param(
        "behaviour.max_hazard",
        0.25,
        "1/quarter",
        "Cap on the review hazard.",
        A,
        low=0.0,
        high=1.0,
        plausible=(0.1, 0.5),
        plausible_basis="assumption: at most a tenth to half of the firms review in one quarter",
    ),
    Param(
        "behaviour.consideration_size",
        5,
        "provinces",
        "Provinces sampled from the known set besides the current one at each review.",
        A + ": bounded search; matchmaking (measure 5) enlarges it",
        kind=int,
        low=1,
        high=1000,
        plausible=(2, 10),
        plausible_basis="assumption: bounded search over a few provinces (31 in all)",
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
        plausible=(0.05, 0.95),
        plausible_basis=(
            "assumption: from firms that know almost no province outside their region to "
            "firms that know almost all"
        ),
    ),
    Param(
        "behaviour.knowledge_turnover",
        0.1,
        "1/quarter",
        "Chance per quarter that a firm's knowledge of a province outside its region is renewed "
        "(learned with behaviour.know_other_region_prob, else forgotten): the baseline search "
        "friction on which matchmaking acts (simulation/knowledge.py); 0 = known sets never change.",
        A + ": business contacts and information about a province renew over about 2.5 years "
        "(mean 1/0.1 quarters); not found; to be estimated with behaviour.know_other_region_prob",
        low=0.0,
        high=1.0,
        plausible=(0.025, 0.3),
        plausible_basis="assumption: renewal every 10 years (0.025) to every 10 months (0.3)",
    ),
    Param(
        "behaviour.taste_persistence",
        True,
        "-",
        "A firm's taste shock for where it is persists from the choice that took it there (match "
        "quality), instead of a fresh draw at every review; the calibration accounts for it.",
        A + ": documented moves between provinces are rare (about 0.04% of registered firms a year "
        "change province, Qichacha 2018-23, a lower bound since firms open new subsidiaries "
        "instead); a fresh draw at every review makes about one firm in five move within 12 years",
        kind=bool,
    ),
    Param(
        "behaviour.relocation_cost_share",
        0.3,
        "share of fixed capital",
        "One-off cost of moving (dismantling, transport, reinstallation, lost output).",
        A + ": no structural estimate of relocation costs found",
        low=0.0,
        high=10.0,
        plausible=(0.1, 0.6),
        plausible_basis=(
            "assumption: a light move of equipment to months of lost output and "
            "reinstallation; the sensitivity experiment's range"
        ),
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
        plausible=(5.0, 20.0),
        plausible_basis="assumption: a typical depreciation life of plant (5-20 years)",
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
        plausible=(0.04, 0.15),
        plausible_basis=(
            "assumption: from a bank loan rate (LPR about 4%) to the cost of equity of a risky SME"
        ),
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
        plausible=(0.05, 0.4),
        plausible_basis=(
            "assumption: weak to twice the default, well below 1 (above it the equilibrium "
            "concentrates in one province); the sensitivity experiment's range"
        ),
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
        plausible=(0.5, 10.0),
        plausible_basis=(
            "assumption: a numerical offset; small against the thousands of real firms in a populated cell"
        ),
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
        plausible=(0.03, 0.08),
        plausible_basis=(
            "documented national labour productivity growth 6.5-7.0% (2014-2017, NBS) and "
            "Guangzhou 6.5% (2015-2021); 3% allows the slowdown since"
        ),
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
        plausible=(1.0, 4.0),
        plausible_basis="assumption: halved to doubled; no migrant supply elasticity found",
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
        plausible=(0.0, 8.0),
        plausible_basis="assumption: from no migrant effect to twice the default",
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
        plausible=(0.02, 0.15),
        plausible_basis="assumption: processing jobs are a few per cent of the local labour pool",
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
        plausible=(0.8, 1.2),
        plausible_basis="assumption: a normalisation; +-20% for a uniform skill shift",
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
        plausible=(30.0, 150.0),
        plausible_basis="assumption: dense multi-storey standard factories to single-storey plots",
    ),
    Param(
        "land.annuity_rate",
        0.05,
        "1/year",
        "Annual cost of land as a share of its price (lease of 50 years at ~4%).",
        A,
        low=0.0,
        high=1.0,
        plausible=(0.03, 0.08),
        plausible_basis="assumption: a 50-year lease at 2-7% interest",
    ),
    Param(
        "land.rent_elasticity",
        1.0,
        "-",
        "Elasticity of land rent to local processing employment relative to the labour pool.",
        A,
        low=0.0,
        high=100.0,
        plausible=(0.25, 2.0),
        plausible_basis=("assumption: a quarter to twice the default response of rents to local employment"),
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
        plausible=(5000.0, 50000.0),
        plausible_basis=("assumption: a quarter to two and a half times the default; park sizes vary widely"),
    ),
    Param(
        "parks.initial_occupancy",
        1.0,
        "share",
        "Share of park capacity occupied at the start.",
        A + ": parks are full at the start; new capacity comes from special bonds (measure 4)",
        low=0.0,
        high=1.0,
        plausible=(0.7, 1.0),
        plausible_basis="assumption: parks from largely to fully occupied at the start",
    ),
    Param(
        "parks.rent_discount",
        0.3,
        "share of land cost",
        "Land-cost discount inside a park.",
        A + ": land-price discount rules allow reserve prices >= 70% of the floor (2009 notice)",
        low=0.0,
        high=1.0,
        plausible=(0.0, 0.3),
        plausible_basis=(
            "reserve prices may go down to 70% of the floor (2009 land-price notice): a discount of 0-30%"
        ),
    ),
    Param(
        "parks.setup_discount",
        0.3,
        "share of relocation cost",
        "Cut in the relocation cost when moving into a park with room (ready factories).",
        A,
        low=0.0,
        high=1.0,
        plausible=(0.0, 0.5),
        plausible_basis="assumption: from no saving to ready factories halving the cost of moving",
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
        plausible=(0.02, 0.1),
        plausible_basis=(
            "assumption: processing exporters earn thin margins (Dai, Maitra & Yu 2016); 2-10% of output"
        ),
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
        plausible=(-0.03, 0.04),
        plausible_basis="the NBS PPI, a proxy, moved between -3.0% (2023) and +4.1% (2022)",
    ),
    Param(
        "economy.load_shift_cost",
        1.5,
        "x flat price per kWh",
        "Cost of moving the last flexible kWh of peak load to valley hours (shift premia, storage); "
        "the marginal cost rises linearly from 0 (costs.tou_multiplier).",
        A + ": battery storage costs about one flat industrial price per kWh cycled and shift premia "
        "add to it; not found for processing firms. At 1.5 a firm facing today's 1:0.5 schedule "
        "moves two thirds of its flexible load, and a wider spread moves more",
        low=0.0,
        high=20.0,
        plausible=(0.75, 3.0),
        plausible_basis="assumption: half to twice the central value",
    ),
    Param(
        "economy.input_tariff",
        0.05,
        "share of input value",
        "Import duty on the bonded inputs of processing goods sold at home (内销补税; exports pay none).",
        "derived (B): China's overall tariff level was 7.3% in 2024 (Customs Tariff Commission of "
        "the State Council, 2024 tariff adjustment plan); processing inputs are dominated by "
        "electronic parts duty-free under the ITA, so 5% as a trade-weighted middle",
        low=0.0,
        high=1.0,
        plausible=(0.02, 0.073),
        plausible_basis="ITA-dominated electronic inputs (about 2%) to the overall tariff level 7.3%",
    ),
    Param(
        "tax.vat_rate",
        0.13,
        "share of value",
        "Import VAT on bonded inputs sold at home (its deferral bears interest; the VAT is credited).",
        "VAT on goods 13% since 2019-04-01 (MOF/STA/GACC Announcement 2019 No. 39, A)",
        low=0.0,
        high=1.0,
        plausible=(0.13, 0.13),
        plausible_basis="VAT law: 13%, fixed by law",
    ),
    Param(
        "economy.bonded_interest_rate",
        0.0345,
        "1/year",
        "Rate of the deferral interest (缓税利息) on duty and VAT of bonded inputs sold at home.",
        "customs charge it at the PBoC one-year lending reference rate, now the one-year LPR: 3.45% "
        "(PBoC, 2024-02 to 2024-06, A)",
        low=0.0,
        high=0.5,
        plausible=(0.03, 0.0435),
        plausible_basis="one-year LPR 3.0% (2025) to the one-year lending benchmark 4.35% (2015-19)",
    ),
    Param(
        "economy.bonded_deferral_years",
        0.5,
        "years",
        "Time from the import of bonded inputs to the domestic sale of the goods made from them.",
        A + ": a processing cycle of about six months; not found",
        low=0.0,
        high=5.0,
        plausible=(0.25, 1.0),
        plausible_basis="assumption: a quarter to a year between import and sale",
    ),
    Param(
        "economy.domestic_operating_margin",
        0.2,
        "yuan per yuan of domestic sales",
        "Operating profit per yuan of domestic sales at average market access (1/sigma).",
        A + ": sigma = 5",
        low=0.0,
        high=1.0,
        plausible=(0.1, 0.33),
        plausible_basis="assumption: 1/sigma for an elasticity of substitution sigma from 3 to 10",
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
        plausible=(4000000000000.0, 6000000000000.0),
        plausible_basis=(
            "the 2023 figure (4.93e12 yuan, NBS and GACC) +-20%, covering the exchange rate "
            "and neighbouring years"
        ),
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
        plausible=(50000, 150000),
        plausible_basis="about 100,000 (MOFCOM 2016-01, for 2014) +-50%: no later count was found",
    ),
    Param(
        "economy.compliance_cost_share",
        0.01,
        "yuan per yuan of trade",
        "Customs and compliance cost of processing trade (manuals, guarantees, audits).",
        A,
        low=0.0,
        high=1.0,
        plausible=(0.002, 0.03),
        plausible_basis="assumption: customs and compliance costs of 0.2-3% of trade",
    ),
    Param(
        "economy.bonded_zone_discount",
        0.3,
        "share",
        "Cut in compliance cost in provinces with special customs supervision zones.",
        A,
        low=0.0,
        high=1.0,
        plausible=(0.0, 0.6),
        plausible_basis=(
            "assumption: from no saving to cutting compliance costs by more than half in supervision zones"
        ),
    ),
    Param(
        "economy.productivity_sigma",
        0.3,
        "log points",
        "Dispersion of firm productivity (lognormal, mean 1).",
        A,
        low=0.0,
        high=3.0,
        plausible=(0.15, 0.6),
        plausible_basis="assumption: half to twice the default dispersion of log productivity",
    ),
    Param(
        "economy.size_sigma",
        1.1,
        "log points",
        "Dispersion of firm employment (lognormal around the sector mean; heavy right tail).",
        A + ": firm sizes are heavy-tailed",
        low=0.0,
        high=4.0,
        plausible=(0.7, 1.5),
        plausible_basis=(
            "assumption: lognormal firm-size dispersions of this order fit heavy-tailed size distributions"
        ),
    ),
    Param(
        "economy.foreign_share",
        0.6,
        "share",
        "Share of foreign-invested firms.",
        A + ": foreign-invested firms dominate processing trade; no recent figure found",
        low=0.0,
        high=1.0,
        plausible=(0.4, 0.8),
        plausible_basis=(
            "assumption: foreign-invested firms dominate processing trade; no recent figure found"
        ),
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
        plausible=(300, 2000),
        plausible_basis=(
            "the MIIT 2011 standard is 1000 employees for industry; 300 is its line for small"
            " firms (MIIT 2011)"
        ),
    ),
    Param(
        "economy.supervised_equipment_share",
        0.2,
        "share of fixed capital",
        "Duty-free imported equipment under customs supervision, for foreign-invested firms.",
        A,
        low=0.0,
        high=1.0,
        plausible=(0.05, 0.4),
        plausible_basis=(
            "assumption: a twentieth to two fifths of fixed capital is supervised duty-free equipment"
        ),
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
        plausible=(3.0, 5.0),
        plausible_basis="measure 12: 5 years, to be cut to 3",
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
        plausible=(5.0, 15.0),
        plausible_basis="assumption: equipment lives of 5-15 years",
    ),
    Param(
        "economy.equipment_duty_rate",
        0.1,
        "share of equipment value",
        "Import duty and VAT due on supervised equipment moved early.",
        A,
        low=0.0,
        high=1.0,
        plausible=(0.05, 0.2),
        plausible_basis="assumption: import duty plus VAT of 5-20% of equipment value",
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
        plausible=(0.001, 0.01),
        plausible_basis=(
            "assumption: export credit insurance premia and hedging costs of 0.1-1% of export value"
        ),
    ),
    Param(
        "economy.sme_finance_premium",
        0.5,
        "share of moving cost",
        "Extra cost SMEs pay to finance a move (credit constraints); lever finance cuts it.",
        A + ": 商贸发〔2023〕308号 八 (financing of SMEs that move); size not found",
        low=0.0,
        high=5.0,
        plausible=(0.1, 1.0),
        plausible_basis="assumption: financing adds a tenth of the moving cost to doubling it",
    ),
    Param(
        "economy.outage_loss_share",
        0.1,
        "share of the electricity bill",
        "Losses from power rationing and outages; lever time_of_use's energy guarantee cuts them.",
        A + ": not in the sources (2021 power rationing hit processing provinces); 10% of the bill",
        low=0.0,
        high=2.0,
        plausible=(0.0, 0.3),
        plausible_basis="assumption: from no losses to the 2021 rationing year",
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
        plausible=(0.25, 0.25),
        plausible_basis="CIT law: 25%, fixed by law",
    ),
    Param(
        "tax.cit_west",
        0.15,
        "share of profit",
        "CIT for encouraged industries in provinces with west_cit_15 = 1.",
        "MOF/STA/NDRC 2020 No. 23 (2021-2030)",
        low=0.0,
        high=1.0,
        plausible=(0.15, 0.15),
        plausible_basis="MOF/STA/NDRC 2020 No. 23: 15% until 2030, fixed by law",
    ),
    Param(
        "tax.west_cit_coverage",
        1.0,
        "share",
        "Share of firms in those provinces that qualify (encouraged-industry catalogue).",
        A,
        low=0.0,
        high=1.0,
        plausible=(0.5, 1.0),
        plausible_basis=(
            "assumption: from half of the firms to all of them qualify under the encouraged-"
            "industry catalogue"
        ),
    ),
    Param(
        "tax.rd_super_deduction",
        1.0,
        "share of R&D spending",
        "Extra deduction of R&D spending from taxable profit.",
        "100% for manufacturing since 2021 (STA)",
        low=0.0,
        high=5.0,
        plausible=(0.75, 1.0),
        plausible_basis="75% before 2021, 100% for manufacturing since (STA)",
    ),
    # --- accounts (docs/model.md 7.16, 7.21) -------------------------------------------------
    Param(
        "accounts.discount_rate",
        0.0287,
        "1/year",
        "Rate at which the accounts discount quarterly flows to present value (2024Q1 = the start).",
        "the government's borrowing cost: average special-bond issuance rate 2023, 2.87% (MOF, A); the "
        "social discount rate of 建设项目经济评价方法与参数 (3rd ed., NDRC & MOHURD 2006) is 8%, the "
        "upper end of the plausible range",
        low=0.0,
        high=0.5,
        plausible=(0.0287, 0.08),
        plausible_basis="from the 2023 special-bond coupon (MOF) to the 8% social discount rate (NDRC 2006)",
    ),
    Param(
        "accounts.vat_rate",
        0.13,
        "share of value added",
        "VAT on the value added of processing output sold at home (exports are zero-rated).",
        "13% for manufactured goods since 2019-04-01 (MOF, STA & GACC announcement 2019 No. 39); exports "
        "of processing trade bear no VAT (来料加工 exempt, 进料加工 exempt-credit-refund, Caishui [2012] "
        "No. 39)",
        low=0.0,
        high=1.0,
        plausible=(0.13, 0.13),
        plausible_basis="fixed by law since 2019",
    ),
    Param(
        "accounts.vat_surcharge",
        0.12,
        "share of VAT",
        "Local surcharges levied on the VAT paid.",
        "urban maintenance and construction tax 7% in cities (Urban Maintenance and Construction Tax "
        "Law, 2021) + education surcharge 3% + local education surcharge 2% (State Council 1986; MOF "
        "2010 No. 98)",
        low=0.0,
        high=1.0,
        plausible=(0.1, 0.12),
        plausible_basis="7% in cities, 5% in counties and towns (the same law), plus 5% of surcharges",
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
        plausible=(0.002, 0.05),
        plausible_basis=(
            "assumption: from an almost deterministic choice of the cheapest mode to a broad mix"
        ),
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
        plausible=(800.0, 3000.0),
        plausible_basis="assumption: half to twice the default distance decay",
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
        plausible=(0.7, 1.3),
        plausible_basis="assumption: a normalisation; +-30% for better or worse links",
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
        plausible=(0.7, 1.3),
        plausible_basis="assumption: a normalisation; +-30% for better or worse links",
    ),
    Param(
        "logistics.inland_leg_cost",
        1.0,
        "multiplier",
        "Multiplier on the cost of the domestic leg to ports, hubs and borders.",
        "normalisation",
        low=0.0,
        high=100.0,
        plausible=(0.7, 1.3),
        plausible_basis="assumption: a normalisation; +-30% for better or worse links",
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
        plausible=(0.0, 0.3),
        plausible_basis=(
            "reported caps 50% (2018), 30% (2020), 0 by 2022 (BOFIT Weekly 2019/35): 0-30% after 2020"
        ),
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
        plausible=(40000000000.0, 80000000000.0),
        plausible_basis=(
            "US$56.7 bn (2023) and 66.4 bn (2024) (China State Railway Group via Xinhua); "
            "40-80 bn around them"
        ),
    ),
    Param(
        "logistics.cre_outbound_share",
        0.6,
        "share of cargo value",
        "Share of CRE cargo value that leaves China (westbound).",
        A + ": return trains carry less value than westbound ones; not found by value",
        low=0.0,
        high=1.0,
        plausible=(0.5, 0.75),
        plausible_basis="assumption: westbound trains carry at least half the value",
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
        plausible=(0.2, 0.5),
        plausible_basis=(
            "from the processing share of all exports (20.8%, GACC 2023) to half (computers "
            "alone 18% of CRE value in 2019, Cargo Facts)"
        ),
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
        plausible=(270000000000.0, 900000000000.0),
        plausible_basis=(
            "derived from Youyiguan's trade (GACC 2024): from Youyiguan's exports alone x 1 "
            "to x 3.3 for all land ports"
        ),
    ),
    Param(
        "logistics.land_port_processing_share",
        0.208,
        "share of value",
        "Share of land-port exports to ASEAN that is processing exports.",
        "assumption: the processing share of all exports, 20.8% (GACC Jan-Oct 2023, derived, C)",
        low=0.0,
        high=1.0,
        plausible=(0.1, 0.35),
        plausible_basis=(
            "assumption: half to 1.7 times the processing share of all exports (20.8%, GACC 2023)"
        ),
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
        plausible=(6, 40),
        plausible_basis=(
            "numerical: enough iterations for the shadow price to settle; rationing removes any excess"
        ),
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
        plausible=(5000, 100000),
        plausible_basis="numerical: enough firms for smooth expected flows, at a cost",
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
        plausible=(0.0001, 0.01),
        plausible_basis="numerical: a small weight that keeps empty cells choosable",
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
        plausible=(10, 100),
        plausible_basis="numerical: rounds of swaps that sort the initial firms",
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
        plausible=(1e-08, 0.0001),
        plausible_basis="numerical: convergence tolerances of the contraction",
    ),
    # --- demography: entry, exit, conversion, expansion -----------------------------------------
    Param(
        "demography.enabled",
        True,
        "-",
        "Plants enter, exit and convert to ordinary trade each quarter (off: a closed population "
        "that only relocates, the model before entry and exit).",
        "docs/model.md (Demography)",
        kind=bool,
    ),
    Param(
        "demography.exit_rate",
        0.08,
        "1/year",
        "Exogenous exit hazard of a plant (closures unrelated to its margin).",
        "C: set equal to the entry rate of new non-state manufacturing firms, about 8% a year "
        "(Brandt, Kambourov & Storesletten, Review of Economic Studies 2025), for a population of "
        "constant size before the trend; no exit rate of processing firms found",
        low=0.0,
        high=1.0,
        plausible=(0.03, 0.2),
        plausible_basis=(
            "C: 8% a year for new non-state manufacturing firms (Brandt, Kambourov & Storesletten "
            "2025); unrefereed figures for above-scale firms reach 21%, an upper bound inflated by the "
            "sales threshold"
        ),
    ),
    Param(
        "demography.loss_exit_quarters",
        8,
        "quarters",
        "A plant with an after-tax loss in this many consecutive quarters closes.",
        A + ": two years of losses; no documented figure for processing plants",
        kind=int,
        low=1,
        high=400,
        plausible=(4, 20),
        plausible_basis=(
            "assumption: one to five years of losses; 17.6% of Guangzhou's industrial firms lose money "
            "in a year (2021), far more than exit"
        ),
    ),
    Param(
        "demography.conversion_rate",
        0.02,
        "1/year",
        "Hazard that a processing plant converts to ordinary trade (leaves the processing regime).",
        A + ": processing fell from 44% of China's exports (2011) to about 20% (2023, customs), "
        "while processing exports fell about 0.7% a year in yuan; no firm-level conversion rate "
        "found; 2% a year of plants",
        low=0.0,
        high=1.0,
        plausible=(0.0, 0.06),
        plausible_basis=(
            "assumption: up to three times the default; processing's share of exports fell by about 2 "
            "points a year 2011-23"
        ),
    ),
    Param(
        "demography.trend_growth",
        -0.0074,
        "1/year",
        "Documented trend of national processing exports; entry replaces exits and conversions "
        "plus this trend (entry rate = exit_rate + conversion_rate + trend_growth).",
        "C: processing exports 835 bn USD x 6.46 CNY/USD in 2011 to 4.93 trn yuan in 2023 "
        "(customs; data/documented.csv): (4.934 / 5.394)^(1/12) - 1",
        low=-1.0,
        high=1.0,
        plausible=(-0.03, 0.02),
        plausible_basis=(
            "C: processing exports in yuan fell 0.7% a year 2011-23 and 1.2% a year 2011-19 (customs)"
        ),
    ),
    Param(
        "demography.growth_elasticity",
        1.0,
        "1/year per unit of margin",
        "Plants grow (shrink) by this times their after-tax margin above (below) their sector's "
        "output-weighted mean, a year; 0 = plants keep their size.",
        A + ": a plant 5 margin points behind its sector shrinks 5% a year; no estimate for "
        "processing plants found (firm growth rises with profitability: e.g. Coad 2007 survey)",
        low=0.0,
        high=20.0,
        plausible=(0.0, 3.0),
        plausible_basis="assumption: from no growth response to three times the default",
    ),
    Param(
        "demography.expansion_share",
        0.3,
        "share of entrants",
        "Share of new plants opened by existing firms (a second plant of a profitable firm, "
        "which keeps its first; the pattern of the laptop and phone assemblers' inland plants).",
        A + ": no count of processing firms' new plants by owner found",
        low=0.0,
        high=1.0,
        plausible=(0.0, 0.6),
        plausible_basis="assumption: from none to most new plants being second plants",
    ),
    # --- places abroad --------------------------------------------------------------------------
    Param(
        "abroad.enabled",
        True,
        "-",
        "Plants reviewing their location and new plants can choose places abroad "
        "(Vietnam, India, Indonesia, Mexico).",
        "docs/model.md (Places abroad)",
        kind=bool,
    ),
    Param(
        "abroad.reference_province",
        "Guangdong",
        "-",
        "Province whose freight, electricity, land and compliance costs and constant a place abroad "
        "is priced from.",
        A + ": the coast's largest processing exporter (data/provinces.csv)",
        kind=str,
    ),
    Param(
        "abroad.productivity_ratio",
        0.59,
        "ratio",
        "Labour productivity abroad relative to China (divides the wage ratio into a unit labour "
        "cost ratio).",
        "B: Vietnam's output per worker was 59% of China's at PPP in 2022 (ILO modelled "
        "estimates); applied to every place abroad (assumption)",
        low=0.0,
        low_open=True,
        high=10.0,
        plausible=(0.35, 0.9),
        plausible_basis=(
            "B: Vietnam's output per worker 0.36 of China's at market exchange rates (2013) to 0.59 at "
            "PPP (2022); up to 0.9 for Mexico (assumption)"
        ),
    ),
    Param(
        "abroad.tariff_incidence",
        1.0,
        "share",
        "Share of the US Section 301 duty on China-made goods that a plant in China bears "
        "(against tariff-free competitors abroad).",
        A + ": competitors abroad sell duty-free, so a plant in China must absorb the duty to "
        "keep its North-American sales",
        low=0.0,
        high=1.0,
        plausible=(0.3, 1.0),
        plausible_basis=(
            "assumption: studies found most of the Section 301 duty passed on to US buyers (Amiti, "
            "Redding & Weinstein 2019), which lowers what a plant in China bears"
        ),
    ),
    Param(
        "abroad.constant",
        -2.0,
        "logit units",
        "Utility of any place abroad relative to the reference province beyond the modelled costs "
        "(supply-chain depth, infrastructure, parts from China).",
        A + ": to be estimated (not fitted to any target); at -2, in the baseline's first year, 30% "
        "of the plants that leave their province go abroad and 6% of new plants, about 100,000 "
        "jobs a year (two-thirds to Vietnam; Samsung alone built about 150,000 jobs there in "
        "2009-16, Vietstock 2023)",
        low=-50.0,
        high=50.0,
        plausible=(-4.0, 0.0),
        plausible_basis=(
            "assumption: from places abroad as good as the reference province (0) to a fifth of today's"
            " moves abroad"
        ),
    ),
    Param(
        "calibration.max_iter",
        3000,
        "iterations",
        "Iteration cap.",
        "numerical",
        kind=int,
        low=1,
        high=10**6,
        plausible=(500, 10000),
        plausible_basis="numerical: an iteration cap the contraction rarely reaches",
    ),
)

#: the shipped all-years estimate of the behavioural parameters (``ptsim estimate``; docs/estimation.md)
ESTIMATE_FILE = Path(__file__).parent / "data" / "estimates" / "all_years.json"
#: whether that estimate is the default of the parameters it estimates: only if the model with it
#: still runs sanely (docs/estimation.md, "Estimates as defaults", says why it is or is not)
USE_ESTIMATES = True


#: limits of the regime a widened plausible range stays in (the estimate's interval may cross
#: them): with agglomeration at 1 or more the long-run equilibrium locks each sector into one
#: province (ODD section 10), a different world from the dispersed one observed
REGIME: dict[str, tuple[float, float]] = {"agglomeration.gamma": (0.0, 0.95)}


def _widened(p: Param, value: float, se: float) -> Param:
    """``p`` with its plausible range joined with the estimate's 95% interval (value +/- 2 se,
    within the validation range and ``REGIME``): an estimated default must lie in the range sweeps
    draw from, and the data do not rule out what the interval holds."""
    if p.plausible is None or se != se:
        return p
    lo, hi = p.plausible
    floor, ceiling = REGIME.get(p.key, (p.low, p.high))
    wide_lo, wide_hi = value - 2 * se, value + 2 * se
    if floor is not None:
        wide_lo = max(wide_lo, floor)
    if ceiling is not None:
        wide_hi = min(wide_hi, ceiling)
    new = (float(f"{min(lo, wide_lo):.3g}"), float(f"{max(hi, wide_hi):.3g}"))
    if new == (lo, hi):
        return p
    basis = f"{p.plausible_basis}; joined with the estimate's 95% interval {wide_lo:.3g}-{wide_hi:.3g}"
    return dataclasses.replace(p, plausible=new, plausible_basis=basis)


def _with_estimates(params: tuple[Param, ...], path: Path, use: bool) -> tuple[Param, ...]:
    """``params`` with each estimated parameter's basis citing its estimate and standard error
    (and, if ``use``, the estimate, rounded to 3 significant digits, as its default)."""
    if not path.exists():
        return params
    data = json.loads(path.read_text(encoding="utf-8"))
    where = f"simulation/data/estimates/{path.name}"
    out = []
    for p in params:
        if p.key in data["estimate"]:
            value, se = data["estimate"][p.key], data["se"][p.key]
            spread = f"se {se:.2g}" if se == se else "se none: not identified"  # NaN: no moment moves it
            note = f"estimated (MSM, {spread}; {where}, fit {data['fit_until']}): {value:.3g}"
            if use:
                p = dataclasses.replace(p, default=float(f"{value:.3g}"), basis=f"{note}; before: {p.basis}")
                p = _widened(p, value, se)
            else:
                p = dataclasses.replace(p, basis=f"{p.basis}; {note}, not the default (docs/estimation.md)")
        out.append(p)
    return tuple(out)


PARAMS = _with_estimates(PARAMS, ESTIMATE_FILE, USE_ESTIMATES)
BY_KEY: dict[str, Param] = {p.key: p for p in PARAMS}
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(p.key.split(".")[0] for p in PARAMS))


def defaults() -> dict[str, Any]:
    """Flat ``{key: default}`` for every parameter."""
    return {p.key: p.default for p in PARAMS}


def find(key: str) -> Param | None:
    """The declaration of a scalar parameter or a lever parameter (``levers.<name>.<key>``)."""
    return BY_KEY[key] if key in BY_KEY else levers.PARAM_BY_KEY.get(key)
