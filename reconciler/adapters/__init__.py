"""API mappings of the kinds: one adapter module per kind (see :mod:`.base`)."""
