"""Refills' part of the demo clinic (filled in below once the pages exist)."""
