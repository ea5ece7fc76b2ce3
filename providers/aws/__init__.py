"""aws provider."""
