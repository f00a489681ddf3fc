#!/usr/bin/env python3
"""Plots tether_bench_http's JSON (--json FILE): throughput and abort latency
against concurrency, Tether and raw libcurl, as one PNG via gnuplot.

Usage: bench/plot.py build/bench/http_bench.json docs/performance.png
"""
import json
import os
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip())
    source, target = sys.argv[1], sys.argv[2]
    with open(source) as f:
        figures = json.load(f)
    sweep = figures.get("sweep") or []
    if not sweep:
        sys.exit(f"plot.py: {source} has no concurrency sweep")

    def p50(point, side):
        latency = point[side]["abort_settled_us"]
        return latency[0] if latency else "NaN"

    with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as data:
        data.write("# concurrency tether_rps curl_rps tether_abort_p50_us curl_abort_p50_us\n")
        for point in sweep:
            data.write(
                f'{point["concurrency"]} {point["tether"]["rps"]:.1f} {point["curl"]["rps"]:.1f} '
                f'{p50(point, "tether")} {p50(point, "curl")}\n'
            )
    script = f"""
set terminal pngcairo size 1100,450 font ',10'
set output '{target}'
set multiplot layout 1,2 title 'Tether vs raw libcurl multi, loopback (libcurl {figures.get("curl_version", "?")})'
set logscale x 2
set xtics (1, 8, 64, 256)
set xrange [0.8:320]
set xlabel 'concurrency (requests in flight)'
set key top left
set grid
set title 'throughput, small GETs over keep-alive'
set ylabel 'requests/s'
set yrange [0:*]
plot '{data.name}' using 1:2 with linespoints lw 2 title 'tether', \\
     '' using 1:3 with linespoints lw 2 title 'raw libcurl'
set title 'abort -> settled p50, with concurrency-1 others in flight'
set ylabel 'microseconds'
set logscale y 10
set yrange [*:*]
plot '{data.name}' using 1:4 with linespoints lw 2 title 'tether', \\
     '' using 1:5 with linespoints lw 2 title 'raw libcurl'
unset multiplot
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
    except FileNotFoundError:
        sys.exit("plot.py: gnuplot is not installed (Debian: gnuplot-nox; scripts/setup installs it)")
    finally:
        os.unlink(data.name)
    print(f"plot written to {target}")


if __name__ == "__main__":
    main()
