#!/usr/bin/env python3
"""Instructions and allocations per request at concurrency 1, Tether against raw libcurl.

Runs `tether_bench_http --throughput <side> N 1` under callgrind (whole process;
the test server is a child process and is not traced) for two values of N, so
that start-up (symbol binding, curl's and the server's start) cancels out:
(total(N2) - total(N1)) / (N2 - N1) is the cost of one request. Instruction
counts do not depend on the machine's load, unlike wall or CPU times.

Usage: bench/instructions.py BENCH_BINARY [--json FILE]
"""
import json
import os
import re
import subprocess
import sys
import tempfile

SMALL, LARGE = 300, 1300
SIDES = ("tether", "curl")


ALLOCATORS = {"malloc", "calloc", "realloc"}


def allocations(path):
    """Calls to malloc, calloc and realloc recorded in a callgrind file."""
    names, total, target = {}, 0, None
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("cfn="):
                m = re.match(r"cfn=\((\d+)\)(?: (.*))?", line.strip())
                if m:
                    if m.group(2):
                        names[m.group(1)] = m.group(2)
                    target = names.get(m.group(1))
                else:
                    target = line.strip()[4:]
            elif line.startswith("calls=") and target is not None:
                if target in ALLOCATORS:
                    total += int(line[6:].split()[0])
                target = None
            elif line.startswith("fn="):
                m = re.match(r"fn=\((\d+)\)(?: (.*))?", line.strip())
                if m and m.group(2):
                    names[m.group(1)] = m.group(2)
    return total


def collected(binary, side, n, out_dir):
    out = os.path.join(out_dir, f"{side}.{n}.callgrind")
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary,
         "--throughput", side, str(n), "1"],
        capture_output=True, text=True, check=False)
    found = re.findall(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or not found:
        sys.exit(f"instructions.py: callgrind of {side} x{n} failed:\n{run.stderr[-2000:]}")
    return int(found[-1]), allocations(out)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    json_path = sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None
    per_request, allocs = {}, {}
    with tempfile.TemporaryDirectory() as out_dir:
        for side in SIDES:
            small, small_allocs = collected(binary, side, SMALL, out_dir)
            large, large_allocs = collected(binary, side, LARGE, out_dir)
            per_request[side] = (large - small) / (LARGE - SMALL)
            allocs[side] = (large_allocs - small_allocs) / (LARGE - SMALL)
    ratio = per_request["tether"] / per_request["curl"]
    print(f"instructions per request, concurrency 1 (callgrind, whole process, "
          f"{LARGE} - {SMALL} requests):")
    print(f"  tether {per_request['tether']:,.0f}   raw libcurl {per_request['curl']:,.0f}"
          f"   ratio {ratio:.2f}x (target <= 1.15x)")
    print(f"allocations per request (malloc, calloc, realloc): tether {allocs['tether']:.1f}"
          f"   raw libcurl {allocs['curl']:.1f}")
    if json_path:
        with open(json_path, "w") as f:
            json.dump({"instructions_per_request": per_request, "ratio": ratio,
                       "allocations_per_request": allocs}, f, indent=2)


if __name__ == "__main__":
    main()
