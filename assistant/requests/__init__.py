"""Citizen requests: qualify an incoming message, route it to a service, draft a sourced reply for staff."""
