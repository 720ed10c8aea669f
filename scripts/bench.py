"""`make bench`: speed figures, printed. Later issues add benchmarks here."""

print("no benchmarks yet")
