"""Benchmarks: synthetic persons (generate_people.py) and search latency/recall (search.py)."""
