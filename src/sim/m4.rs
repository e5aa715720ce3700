//! m4-proxy (ports 5000 and 5001) and the simulated M4 running the tutorial's sketch.
