"""Operator commands: demo data, the local runner, demo second-factor codes."""
