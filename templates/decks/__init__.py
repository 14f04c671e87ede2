"""Deck masters (.pptx with named layouts)."""
