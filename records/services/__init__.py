"""Every write to the clinical record."""
