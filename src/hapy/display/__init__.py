"""Cluster status display (what ``crm_mon`` / ``crm_simulate -S`` print).

* :mod:`hapy.display.view` -- frozen records (hapy.records) the scheduler fills in:
  :class:`~hapy.display.view.ClusterView` with nodes and resources
  (primitives, groups, clones, bundles).
* :mod:`hapy.display.text` -- :func:`~hapy.display.text.render_status` turns a
  view into the lines of a ``Current cluster status:`` block;
  :func:`~hapy.display.text.render_preamble` gives the maintenance banner and
  ``N of M resource instances DISABLED ...`` line printed before it.
* :mod:`hapy.display.reference` -- test aid: builds the view Pacemaker itself
  would display for a CIB file, from the real ``crm_mon --output-as=xml``
  (``python -m hapy.display.reference [--repr] CIB.xml``), so a scheduler can
  be checked field by field against it.
"""
