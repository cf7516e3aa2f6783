"""What ``ptsim estimate`` estimates: the parameters, the box searched and the replay scenario
(no heavy imports: the command line builds its options from these)."""

from __future__ import annotations

from pathlib import Path

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "history" / "backcast_2011.toml"
#: estimated parameters and the box searched (inside each declared range; ASSUMPTION: wide enough to
#: hold every value the plausible ranges allow, and more)
BOUNDS: dict[str, tuple[float, float]] = {
    "behaviour.logit_scale": (0.004, 0.1),
    "behaviour.review_hazard": (0.001, 0.1),
    "behaviour.relocation_cost_share": (0.0, 1.5),
    "agglomeration.gamma": (0.0, 0.9),
    "behaviour.know_other_region_prob": (0.02, 1.0),
    "abroad.constant": (-6.0, 1.0),
}
