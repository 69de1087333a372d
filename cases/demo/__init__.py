"""The demo city behind ``manage.py seed_demo``: a Wuhan-shaped centre network with its people and cases.

- ``city``: the static tables (districts, streets, committees, courts, place-name fragments);
- ``network``: builds the centres, rooms, users, memberships and mediators, and the demo logins;
- ``people``: fake but well-formed parties (names, ID numbers, phones, Wuhan addresses);
- ``stories``: the words of cases (summaries, facts, agreement terms, reasons);
- ``cases``: plans cases over the last months and runs each one through the real services;
- ``bulk``: the same plans performed in memory, their rows written by COPY (``generate_city``);
  a test holds them equal, row for row, to what the services write.
"""
