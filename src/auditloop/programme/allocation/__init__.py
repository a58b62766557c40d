"""Auditor allocation as plain data: `solver.solve(problem)` returns who audits which slot
and, for each slot left over, why. Importing this package (or its `types`) does not load
OR-Tools: only `solver`, `flow` and `search` do."""
