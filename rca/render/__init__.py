"""Rendering: an audience's context -> diagrams, decks, briefs. Formats are a registry."""
