"""The server-drawn SVG charts (``cases.documents.charts``) as template tags: ``{% load charts %}``
where the library is registered in ``TEMPLATES``. The views call the functions themselves, from
``cases.documents.charts``."""

from django import template

from ...documents.charts import bar_chart, share_bar

register = template.Library()
register.simple_tag(bar_chart)
register.simple_tag(share_bar)
