# Shared helper for the bench scripts (sourced, not run).
# measure LABEL DOCS CMD...: runs CMD under /usr/bin/time -v and prints one
# row: wall seconds, documents/s (wall), documents per CPU-second (user+sys,
# robust when the machine is shared), peak RSS in MB.
measure() {
    label=$1; docs=$2; shift 2
    log=$(mktemp)
    /usr/bin/time -v "$@" >/dev/null 2>"$log" || true  # findings exit 1
    python3 - "$label" "$docs" "$log" <<'PY'
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
PY
    rm -f "$log"
}
