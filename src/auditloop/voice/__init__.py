"""What families and staff tell us: families' feedback when a case closes, staff surveys,
feedback on the audit process, complaints and compliments."""
