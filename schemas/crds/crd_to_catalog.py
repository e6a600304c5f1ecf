#!/usr/bin/env python3
"""Writes the schemas of CustomResourceDefinition YAML files in the
datreeio/CRDs-catalog layout (`<group>/<kind lowercase>_<version>.json`,
the version's `openAPIV3Schema` unchanged), for projects whose newest CRDs
are not in the catalog yet. `bundle.py` then reads them like catalog files.

usage: crd_to_catalog.py OUT_DIR CRD.yaml...
needs PyYAML; deterministic output (sorted keys).
"""
import json
import os
import sys

import yaml


def main():
    out = sys.argv[1]
    for path in sys.argv[2:]:
        with open(path) as handle:
            for crd in yaml.safe_load_all(handle):
                if not crd or crd.get("kind") != "CustomResourceDefinition":
                    continue
                spec = crd["spec"]
                group, kind = spec["group"], spec["names"]["kind"].lower()
                for version in spec.get("versions", []):
                    schema = (version.get("schema") or {}).get("openAPIV3Schema")
                    if schema is None or version.get("served") is False:
                        continue
                    folder = os.path.join(out, group)
                    os.makedirs(folder, exist_ok=True)
                    target = os.path.join(folder, "%s_%s.json" % (kind, version["name"]))
                    with open(target, "w") as handle_out:
                        json.dump(schema, handle_out, sort_keys=True, indent=2)
                    print(target)


if __name__ == "__main__":
    main()
