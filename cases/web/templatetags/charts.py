"""The server-drawn SVG charts (``cases.documents.charts``) as template tags: ``{% load charts %}``
where the library is registered in ``TEMPLATES``. The views call the functions themselves; the
drawing's types are re-exported here, so web code may keep importing them from this module."""

from django import template

from ...documents.charts import Bar, Chart, Series, bar_chart, share_bar

__all__ = ["Bar", "Chart", "Series", "bar_chart", "share_bar"]

register = template.Library()
register.simple_tag(bar_chart)
register.simple_tag(share_bar)
