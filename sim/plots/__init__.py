"""Charts: one module per chart family; each function takes ``ax=None`` and tables."""
