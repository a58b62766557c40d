"""The voice app's models."""
