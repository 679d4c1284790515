"""On-premises retrieval-augmented assistant for French local authorities."""
