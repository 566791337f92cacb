"""A local HTTP server whose routes reproduce real refusals, for the demo, tests and benchmarks."""
