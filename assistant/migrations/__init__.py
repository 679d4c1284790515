"""The relational schema's history, as Alembic revisions (`versions/`), applied from code.

`runner.py` upgrades a database to the latest revision (what `Database.create_schema()` does at start) or
checks that it is there; `env.py` is Alembic's environment, configured programmatically (no alembic.ini):
it works from an installed package and from any directory. `models.py` lists the modules whose tables
the revisions manage. How to add a revision: `versions/README.md`.
"""
