"""Grounded answers: retrieval, prompt, generation or extraction, and citations that point somewhere."""
