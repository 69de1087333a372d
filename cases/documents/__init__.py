"""Documents made from the data: printed, downloaded or attached to an e-mail.

The floor between the writes (``services``, ``workflow``) and the entry points (``web``, ``api``,
``tasks``): all of them may use it, and it uses neither web nor API.

- ``pdf``: a template rendered into a PDF with WeasyPrint (loaded only when a PDF is made).
- ``cells``: text that a spreadsheet shows as text and never runs as a formula.
- ``agreement``: the mediation agreement's printable context (调解协议书), amounts in capitals.
- ``closing_summary``: the summary a court-entrusted case goes back to its court with.
- ``registration``: the registration form (受理登记表); ``session_record``: a session's record
  (调解笔录). Each is a ``context(...)`` and a body template without the page frame, so that a
  bigger document (the whole case file) can include them.
- ``report``: a monthly report as CSV, XLSX or PDF.
"""
