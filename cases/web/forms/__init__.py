"""Forms of the web UI.

Django ends every form label with its translatable label suffix, ``_(":")``. Django's own zh_Hans
catalogue keeps the ASCII colon; this project's catalogue, which comes first, gives Chinese labels
the full-width "：". The ``gettext_noop`` below only keeps that entry in the catalogue.
"""

from django.utils.translation import gettext_noop

gettext_noop(":")
