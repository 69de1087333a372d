"""Reads: scoped querysets, filters and read models, one module per subject.

Every function that takes the user starts from ``cases.access``, so a surface that reads through
these cannot see more than the scope rule allows. The ``select_related``/``prefetch_related`` here
keep a list's query count independent of its length, and a detail's of its parties and events.
Import the subject's module (``from cases.queries import cases as case_queries``); nothing is
re-exported here. Reads only: no module here writes, nor imports ``services``, ``workflow`` or a
surface.
"""
