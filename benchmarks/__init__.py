"""Benchmarks of the regionalization engine against its peers (``make bench``); not installed."""
