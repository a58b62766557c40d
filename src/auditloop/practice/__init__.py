"""Practice seen first-hand: observations of practice and the practice alerts IROs and CP
Chairs raise."""
