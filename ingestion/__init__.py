"""Turning a collectivity's files into indexed, permission-tagged chunks."""
