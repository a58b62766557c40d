"""Indicators: performance figures computed from the statutory returns, entered by the
performance team or counted from auditloop itself, their SPC signals, and the themed audits
the signals propose."""
