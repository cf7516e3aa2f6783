"""Classroom dashboard (issue 6): a Solara app on Mesa's visualisation tools.

``ptsim dashboard`` (or ``solara run simulation.dashboard.app``) starts it. The package keeps the
app apart from the model, in the order data flows:

- :mod:`~simulation.dashboard.lessons`: ready-made presets (a scenario plus what to watch and why);
- :mod:`~simulation.dashboard.controls`: controls generated from the lever registry's ``Param``
  declarations (the same declarations as the scenario schema);
- :mod:`~simulation.dashboard.session`: the per-session model (a policy run stepped together with
  the same-seed baseline);
- :mod:`~simulation.dashboard.i18n`: the interface's two languages (English, Chinese);
- :mod:`~simulation.dashboard.views`: matplotlib figures kept per session and redrawn only where a
  Step changes them (map, inland share, employment, advantage);
- :mod:`~simulation.dashboard.app`: the Solara page.

Importing this package imports neither Solara nor the model.
"""
