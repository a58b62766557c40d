"""The demo council: a seeded, fictional council for demonstrations, tests and benchmarks."""
