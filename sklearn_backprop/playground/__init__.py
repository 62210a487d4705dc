"""The browser playground: the donut story, live, on the real estimators.

``python -m sklearn_backprop.playground [--port N] [--no-browser]`` serves a
local page (127.0.0.1 only) where each browser tab trains its own scikit-learn
Pipeline (a feature step, then a network) and watches the library's own
outputs: ``history_``, ``hidden_activations`` and ``trace_backprop``.

- :mod:`.data`: the page's data sets, also imported by the code it hands out;
- :mod:`.session`: one tab's state, validated, its pipeline and everything the
  page shows of it (no math, only calls to the library);
- :mod:`.server`: the web server (needs the ``playground`` extra);
- ``static/``: the page itself, all local.

Importing this package, ``data`` or ``session`` needs no web dependency.
"""
