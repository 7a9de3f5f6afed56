"""records: arrives with its own issue (see ../shared/docs/ARCHITECTURE.md)."""
