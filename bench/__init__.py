"""SalesOps benchmarks at scale: a data generator, operations measured against the best
hand-written SQL, an HTTP load test, and the report (see bench/README.md)."""
