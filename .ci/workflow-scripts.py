"""Writes every `run:` script of GitHub workflows and composite actions to
a folder, one file per step, for shellcheck: `python3 workflow-scripts.py
OUT FILE...`. Scripts run by bash on the runner get a shebang and the
options GitHub runs them with (`bash -e -o pipefail`); `${{ }}`
expressions become a placeholder word, as actionlint does."""

import pathlib
import re
import sys

import yaml

EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.S)


def steps_of(document):
    """(where, step) for each step of a workflow's jobs or a composite action."""
    for job_name, job in (document.get("jobs") or {}).items():
        for at, step in enumerate(job.get("steps") or []):
            yield f"jobs.{job_name}.steps[{at}]", step, job.get("defaults", {})
    runs = document.get("runs") or {}
    for at, step in enumerate(runs.get("steps") or []):
        yield f"runs.steps[{at}]", step, {}


def main():
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for name in sys.argv[2:]:
        document = yaml.safe_load(pathlib.Path(name).read_text())
        default_shell = (document.get("defaults") or {}).get("run", {}).get("shell", "bash")
        for where, step, job_defaults in steps_of(document):
            script = step.get("run")
            if script is None:
                continue
            shell = step.get("shell") or job_defaults.get("run", {}).get("shell") or default_shell
            if shell not in ("bash", "sh"):
                continue
            body = EXPRESSION.sub("PLACEHOLDER", script)
            stem = re.sub(r"[^A-Za-z0-9]+", "_", f"{name}_{where}")
            path = out / f"{stem}.sh"
            path.write_text(f"#!/usr/bin/env bash\n# {name}: {where}\nset -eo pipefail\n{body}")
            written += 1
    print(f"{written} script(s) from {len(sys.argv) - 2} file(s)")


main()
