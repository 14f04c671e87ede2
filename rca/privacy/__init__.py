"""What each audience may see: redacted views of a record, and the final leak guard."""
