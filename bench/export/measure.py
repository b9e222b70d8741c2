#!/usr/bin/env python3
"""Runs a command RUNS times; prints the median wall time and the peak RSS
(max over runs, of the command and its children) as JSON.
Usage: measure.py RUNS -- command args..."""
import json
import resource
import statistics
import subprocess
import sys
import time

runs = int(sys.argv[1])
cmd = sys.argv[sys.argv.index("--") + 1:]
times, peak = [], 0
for _ in range(runs):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    times.append(time.perf_counter() - t0)
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode(errors="replace"))
        sys.exit(f"failed: {' '.join(cmd)}")
    # ru_maxrss of children is the max over all waited-for children so far;
    # measure each tool in its own measure.py process to keep it per tool.
    peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"median_s": statistics.median(times), "runs": times, "peak_rss_mib": peak / 1024}))
