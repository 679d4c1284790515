"""Territorial analysis: datasets (INSEE tables...) loaded into DuckDB, questions answered with exact figures."""
