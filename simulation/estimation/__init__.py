"""``ptsim estimate``: the behavioural parameters estimated on the 2011-2021 panel by the method of
simulated moments (optimagic's ``estimate_msm``). See docs/estimation.md."""
