"""Tables derived from the input tables, which the workspace keeps in step with them.

Their names start with ``derived_``; each is kept in step with its input in the same
transaction as every import (docs/import.md) and logged in ``meta_derived``. Today there is
one: ``derived_purchase_days``, the sales summed per customer and day
(:mod:`saleskpi.derived.purchase_days`).

This layer sits above the engines and the data contract and below the workspace and the
analyses.
"""
