#!/usr/bin/env python3
"""Build plimsoll's embedded CRD schema bundle from a checkout of the
datreeio/CRDs-catalog layout (`<group>/<kind lowercase>_<version>.json`).

Writes `crds.json.gz`: one gzip-compressed JSON document
    {"<group>/<version>/<kind lowercase>": <schema>, ...}
with `description` keywords dropped (documentation only) and nothing else
changed, so verdicts stay those of kubeconform with the same catalog.

usage: bundle.py CATALOG_DIR OUT_FILE
stdlib only, deterministic output (sorted keys, gzip mtime 0).
"""
import gzip
import hashlib
import json
import os
import sys

SCHEMA_MAPS = ("properties", "$defs", "patternProperties", "definitions")


def strip(node):
    if isinstance(node, list):
        return [strip(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "description" and isinstance(value, str):
            continue
        if key in SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: strip(schema) for name, schema in value.items()}
        else:
            out[key] = strip(value)
    return out


def main():
    catalog, out = sys.argv[1], sys.argv[2]
    bundle = {}
    for group in sorted(os.listdir(catalog)):
        folder = os.path.join(catalog, group)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".json"):
                continue
            kind, version = name[:-len(".json")].rsplit("_", 1)
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                data = handle.read()
            print("%s/%s  %s" % (group, name, hashlib.sha256(data).hexdigest()))
            bundle["%s/%s/%s" % (group, version, kind)] = strip(json.loads(data))
    text = json.dumps(bundle, sort_keys=True, separators=(",", ":")).encode()
    with open(out, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as handle:
            handle.write(text)
    print("%s: %d schemas, %d bytes raw, %d gzip" % (out, len(bundle), len(text), os.path.getsize(out)))


if __name__ == "__main__":
    main()
