"""What a user reads: result tables (Markdown, CSV) and figures (PNG)."""
