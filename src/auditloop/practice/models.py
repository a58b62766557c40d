"""The practice app's models."""
