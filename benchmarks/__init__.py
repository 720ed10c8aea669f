"""Speed benchmarks (`make bench`, `make bench BENCH=name`). See scripts/bench.py for the contract."""
