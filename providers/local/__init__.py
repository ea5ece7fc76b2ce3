"""local provider."""
