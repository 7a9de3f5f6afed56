"""Summaries pages: the patient's home (patient.py)."""
