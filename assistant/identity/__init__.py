"""Identity, in one place: who a caller is, whether we trust the proof, and who a user is by name.

`tokens` (access-token checks, claims -> `Principal`), `guard` (configurations refused outside
development, the development identity provider included), `oidc_client` (the Keycloak client: code flow,
refresh, logout), `sessions` (server-side web sessions and pending logins), `authentication` (a token or a
web session -> `Principal`, and the login/logout steps), `directory` (users looked up by name). Nothing
here knows HTTP: the API layer adapts it (`assistant/api/auth.py`, `assistant/api/routes/auth.py`), and
the CLI uses it directly.
"""
