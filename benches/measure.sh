# shellcheck shell=bash
# Shared helper for the bench scripts (sourced, not run).
# measure LABEL DOCS CMD...: runs CMD under /usr/bin/time -v and prints one
# row: wall seconds, documents/s (wall), documents per CPU-second (user+sys,
# robust when the machine is shared), peak RSS in MB.
# It also sets measured_docs, measured_wall (s), measured_cpu (user+sys s)
# and measured_rss (MB) for the caller, e.g. to compute ratios. CMD's
# standard output is discarded, unless MEASURE_STDOUT names a file to keep
# it in (`MEASURE_STDOUT=out.txt measure ...`).
measure() {
    local label=$1 docs=$2 log numbers
    shift 2
    log=$(mktemp)
    numbers=$(mktemp)
    /usr/bin/time -v "$@" >"${MEASURE_STDOUT:-/dev/null}" 2>"$log" || true  # findings exit 1
    python3 - "$label" "$docs" "$log" "$numbers" <<'PY'
import re, sys
label, docs, log = sys.argv[1], int(sys.argv[2]), open(sys.argv[3]).read()
def grab(pattern):
    match = re.search(pattern, log)
    return match.group(1) if match else "0"
wall = grab(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)")
seconds = 0.0
for part in wall.split(":"):
    seconds = seconds * 60 + float(part)
cpu = float(grab(r"User time \(seconds\): (\S+)")) + float(grab(r"System time \(seconds\): (\S+)"))
rss = int(grab(r"Maximum resident set size \(kbytes\): (\d+)")) / 1024
print("%-34s %8d docs %8.2f s %10.0f docs/s %10.0f docs/cpu-s %8.1f MB" % (
    label, docs, seconds, docs / seconds if seconds else 0, docs / cpu if cpu else 0, rss))
with open(sys.argv[4], "w") as out:
    out.write("%d %.3f %.3f %.1f\n" % (docs, seconds, cpu, rss))
PY
    # shellcheck disable=SC2034  # read by the scripts that source this file
    read -r measured_docs measured_wall measured_cpu measured_rss <"$numbers"
    rm -f "$log" "$numbers"
}
