"""Fails when a committed insta snapshot is read by no test, as
`cargo insta test --unreferenced reject` does: the test run lists every
snapshot it reads in the file INSTA_SNAPSHOT_REFERENCES_FILE names (insta
writes it), and every `*.snap` under the crates must be in that list.
Usage: python3 unreferenced-snapshots.py REFERENCES_FILE"""

import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent
references = pathlib.Path(sys.argv[1])
read = {
    pathlib.Path(line).resolve()
    for line in references.read_text().splitlines()
    if line.strip()
} if references.exists() else set()
committed = sorted(path.resolve() for path in (root / "crates").glob("*/tests/snapshots/*.snap"))
unread = [path.relative_to(root) for path in committed if path not in read]
if not read:
    sys.exit("unreferenced snapshots: the test run recorded no snapshot it read")
for path in unread:
    print(f"unreferenced snapshot (no test reads it; delete it): {path}")
if unread:
    sys.exit(1)
print(f"snapshots: all {len(committed)} read by a test")
