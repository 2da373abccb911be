"""Signals the people layer sends, for the layers above it to hear (ARCHITECTURE.md, Layers).

`person_updated` is sent by `people.services.person_update` inside its transaction, after the
change is saved, with `before` (the person as it was) and `after` (as saved), `by` and `request`.
A receiver's writes are part of the same transaction: they commit or roll back with the edit.
The cases connect to it so that an automatic case title follows the person's name
(cases.titles), whichever door (page, API) made the edit.
"""

from django.dispatch import Signal

person_updated = Signal()
