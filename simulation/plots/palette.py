"""The one palette of the project: every figure (``simulation.plots``) and the dashboard
(``simulation.dashboard``) take their colours from here, so a region, a sector, a channel or a
scenario looks the same wherever it is drawn.

Okabe & Ito (2008) for regions, scenarios and channels and Tol (2021, "muted") for sectors, safe
for the common colour-vision deficiencies. Each NBS region has one fixed
colour (:data:`REGION_COLOURS`), each sector and each channel of the profit advantage too; scenarios
take colours from :data:`SCENARIO_CYCLE` by their position in a sweep
(:func:`simulation.plots.style.scenario_styles`), the baseline always black. No matplotlib here:
plain hex strings, importable without a plotting backend.
"""

from __future__ import annotations

#: One fixed colour per NBS region.
REGION_COLOURS = {"east": "#0072B2", "central": "#E69F00", "west": "#009E73", "northeast": "#CC79A7"}
#: The inland regions together (a group, not a region).
INLAND_COLOUR = "#D55E00"
BASELINE_COLOUR = "#000000"
#: A policy run drawn against its baseline (the dashboard has one run at a time).
POLICY_COLOUR = "#0072B2"
#: Scenario colours after the baseline: Okabe-Ito without black, the yellow last (weak on white).
SCENARIO_CYCLE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
LINESTYLES = ("-", "--", ":", "-.")
#: One colour per sector, in the order of simulation/data/sectors.csv: Paul Tol's "muted" scheme
#: (also safe for colour-vision deficiencies), so that no sector shares a region's colour.
SECTOR_COLOURS = {
    "electronics": "#332288",
    "apparel": "#88CCEE",
    "food": "#117733",
    "machinery": "#DDCC77",
    "biomedicine": "#CC6677",
    "new_energy": "#44AA99",
    "aerospace": "#882255",
}
#: One colour per channel of the profit advantage (ten channels: Okabe-Ito without black, Tol's
#: indigo and two greys; black is kept for the net effect).
CHANNEL_COLOURS = {
    "labour": "#0072B2",
    "land": "#E69F00",
    "electricity": "#F0E442",
    "logistics": "#009E73",
    "customs": "#56B4E9",
    "finance": "#CC79A7",
    "market_access": "#D55E00",
    "tax": "#332288",
    "subsidies": "#999999",
    "agglomeration": "#DDDDDD",
}
#: A quantity and the levers' part of it side by side (advantage and lever effect).
LEVEL_COLOUR, LEVER_COLOUR = "#0072B2", "#E69F00"
#: Moves from the east inland, and every other move, on a map.
INLAND_MOVE_COLOUR, OTHER_MOVE_COLOUR = "#000000", "#999999"


def sector_colour(name: str, index: int) -> str:
    """The colour of sector ``name``; a sector of a custom world (not in :data:`SECTOR_COLOURS`)
    takes the ``index``-th colour of the same cycle."""
    cycle = tuple(SECTOR_COLOURS.values())
    return SECTOR_COLOURS.get(name, cycle[index % len(cycle)])
