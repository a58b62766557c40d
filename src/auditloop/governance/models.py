"""Information governance's own records."""
