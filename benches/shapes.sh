#!/usr/bin/env bash
# Hostile but plausible shapes of input (issue 19): each is generated at n
# and 2n and checked with the release binary; prints wall time, peak RSS and
# the number of findings per size, then the 2n/n ratios. A run that is
# linear in its input has ratios near 2; the goal is at most 2.5 wherever a
# run takes 0.5 s or more. Each size runs REPEAT times (default 3; the
# build machine is shared) and the least time and memory count.
#   [REPEAT=3] [PLIMSOLL=binary] benches/shapes.sh [SHAPE...]   default: every shape
# Shapes: duplicate-keys namespace-apps empty-documents document-limit
#         suppressions findings-in-one-document long-line deep-nesting
#         secrets-on-one-line aliases depends-on-chain sync-waves selectors
#         duplicate-resources many-files many-environments
set -euo pipefail
cd "$(dirname "$0")/.."
plimsoll=${PLIMSOLL:-target/release/plimsoll}
[ -x "$plimsoll" ] || cargo build --release -q -p plimsoll-cli
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/gen.py" <<'PY'
import os, sys

shape, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(out)

def write(name, text):
    path = os.path.join(out, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)

def deployment(name, namespace, labels, extra_metadata=""):
    label_lines = "".join("        %s: %s\n" % kv for kv in labels.items())
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n  namespace: %s\n%s"
        "spec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: %s\n"
        "  template:\n    metadata:\n      labels:\n%s"
        "    spec:\n      containers:\n        - name: app\n"
        "          image: registry.example.com/%s@sha256:%s\n"
        "          resources:\n            requests: {cpu: 10m, memory: 16Mi}\n"
        "            limits: {cpu: 100m, memory: 64Mi}\n"
        % (name, namespace, extra_metadata, labels["app"], label_lines, name, "a" * 64)
    )

if shape == "duplicate-keys":
    # One ConfigMap whose data repeats the key `k`.
    write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\n  namespace: ns\ndata:\n"
          + '  k: "v"\n' * n)
elif shape == "namespace-apps":
    # One namespace of the prod environment, n applications: a Deployment,
    # a Service, a NetworkPolicy restricting egress and a
    # PodDisruptionBudget each; every 50th policy forgets DNS, every 50th
    # budget is missing.
    write(".plimsoll.yaml", "environments:\n  - name: prod\n    replicas: {min: 2}\n")
    docs = ["apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
            "apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: quota\n  namespace: shop\n"
            "spec:\n  hard:\n    requests.cpu: \"1000\"\n    limits.memory: 1000Gi\n    pods: \"100000\"\n",
            "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: limits\n  namespace: shop\n"
            "spec:\n  limits:\n    - type: Container\n      max: {cpu: \"2\"}\n"]
    for i in range(n):
        app = "app-%d" % i
        docs.append(deployment(app, "shop", {"app": app, "tier": "web"}))
        docs.append("apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n  namespace: shop\n"
                    "spec:\n  selector:\n    app: %s\n  ports:\n    - port: 80\n" % (app, app))
        dns = "" if i % 50 == 0 else (
            "    - to:\n        - namespaceSelector:\n            matchLabels:\n"
            "              kubernetes.io/metadata.name: kube-system\n"
            "      ports:\n        - {protocol: UDP, port: 53}\n        - {protocol: TCP, port: 53}\n")
        docs.append("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: %s\n"
                    "  namespace: shop\nspec:\n  podSelector:\n    matchLabels:\n      app: %s\n"
                    "  policyTypes: [Ingress, Egress]\n  ingress:\n    - from:\n        - podSelector:\n"
                    "            matchLabels: {tier: web}\n  egress:\n    - to:\n        - podSelector:\n"
                    "            matchLabels: {app: db}\n      ports:\n        - {protocol: TCP, port: 5432}\n%s"
                    % (app, app, dns))
        if i % 50 != 1:
            docs.append("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: %s\n"
                        "  namespace: shop\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app: %s\n"
                        % (app, app))
    os.makedirs(os.path.join(out, "prod"))
    write("prod/apps.yaml", "---\n".join(docs))
elif shape in ("empty-documents", "document-limit"):
    write("empty.yaml", "---\n" * n)
elif shape == "suppressions":
    # n ConfigMaps in one file, each holding a secret-looking literal and a
    # suppression comment naming its rule.
    write("cms.yaml", "".join(
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n  namespace: ns\ndata:\n"
        "  # plimsoll: ignore[secret-literal] reason: a test fixture\n"
        "  password: \"hunter2-%d\"\n" % (i, i) for i in range(n)))
elif shape == "findings-in-one-document":
    # One ConfigMap with n secret-looking literals.
    write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: secrets\n  namespace: ns\ndata:\n"
          + "".join('  password%d: "hunter2-%d"\n' % (i, i) for i in range(n)))
elif shape == "long-line":
    # One flow mapping of n keys on a single line, each value a YAML 1.1
    # boolean (a schema finding each, all on the same line).
    write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: long\n  namespace: ns\ndata: {"
          + ", ".join("k%d: yes" % i for i in range(n)) + "}\n")
elif shape == "deep-nesting":
    # n documents, each nested 200 levels deep (the limit is 256).
    depth = 200
    doc = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep-%d\n  namespace: ns\n"
           "extra: " + "{a: " * depth + "1" + "}" * depth + "\n")
    write("deep.yaml", "---\n".join(doc % i for i in range(n)))
elif shape == "aliases":
    # One ConfigMap with an anchor and n aliases to it (under the budget).
    write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alias\n  namespace: ns\n"
          "  labels: &labels {a: b}\ndata:\n  base: &v \"value\"\n"
          + "".join("  k%d: *v\n" % i for i in range(n)))
elif shape == "depends-on-chain":
    # n Flux Kustomizations, each depending on the one before.
    docs = []
    for i in range(n):
        depends = "  dependsOn:\n    - name: ks-%d\n" % (i - 1) if i else ""
        docs.append("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n"
                    "  name: ks-%d\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps/%d\n"
                    "  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: repo\n%s" % (i, i, depends))
    docs.append("apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: repo\n"
                "  namespace: flux-system\nspec:\n  interval: 10m\n  url: https://example.com/repo.git\n"
                "  ref: {branch: main}\n")
    write("flux.yaml", "---\n".join(docs))
elif shape == "sync-waves":
    # n Jobs in one namespace, each in its own Argo CD sync wave.
    docs = []
    for i in range(n):
        docs.append("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: job-%d\n  namespace: ns\n"
                    "  annotations:\n    argocd.argoproj.io/sync-wave: \"%d\"\n    argocd.argoproj.io/hook: PreSync\n"
                    "spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n"
                    "        - name: job\n          image: registry.example.com/job@sha256:%s\n" % (i, i, "b" * 64))
    write("jobs.yaml", "---\n".join(docs))
elif shape == "selectors":
    # n Deployments and n Services in one namespace; every Service selects
    # by a label all pods share plus its own, and every 50th selects nothing.
    docs = []
    for i in range(n):
        app = "app-%d" % i
        docs.append(deployment(app, "ns", {"app": app, "team": "shop"}))
        selected = "nobody-%d" % i if i % 50 == 0 else app
        docs.append("apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n  namespace: ns\n"
                    "spec:\n  selector:\n    team: shop\n    app: %s\n  ports:\n    - port: 80\n" % (app, selected))
    write("apps.yaml", "---\n".join(docs))
elif shape == "secrets-on-one-line":
    # One flow mapping of n secret-looking literals on a single line: n
    # findings on one line, each masked in its snippet.
    write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: long\n  namespace: ns\ndata: {"
          + ", ".join('password%d: "hunter2-%d"' % (i, i) for i in range(n)) + "}\n")
elif shape == "duplicate-resources":
    # One file defining n/2 ConfigMaps twice each.
    write("cms.yaml", "".join(
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n  namespace: ns\ndata:\n  a: b\n"
        % (i // 2) for i in range(n)))
elif shape == "many-files":
    # n one-document files in one directory.
    for i in range(n):
        write("cm-%d.yaml" % i, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n"
              "  namespace: ns\ndata:\n  a: b\n" % i)
elif shape == "many-environments":
    # A promotion chain of n environments, a Deployment in each.
    envs = ["e%d" % i for i in range(n)]
    write(".plimsoll.yaml", "environments:\n" + "".join(
        "  - name: %s\n%s" % (e, ("    promotesTo: [%s]\n" % envs[i + 1]) if i + 1 < n else "")
        for i, e in enumerate(envs)))
    for e in envs:
        write("envs/%s/api.yaml" % e, deployment("api-" + e, "shop-" + e, {"app": "api"}))
else:
    sys.exit("unknown shape " + shape)
PY

# shape → "n extra-arguments"
declare -A sizes=(
    [duplicate-keys]=100000
    [namespace-apps]=5000
    [empty-documents]=400000
    [document-limit]=2000000
    [suppressions]=20000
    [findings-in-one-document]=100000
    [long-line]=200000
    [deep-nesting]=20000
    [aliases]=50000
    [depends-on-chain]=10000
    [sync-waves]=10000
    [selectors]=10000
    [secrets-on-one-line]=50000
    [duplicate-resources]=20000
    [many-files]=10000
    [many-environments]=4000
)
declare -A extra=(
    [document-limit]="--max-documents 1000000"
)
order=(duplicate-keys namespace-apps empty-documents document-limit suppressions
       findings-in-one-document long-line secrets-on-one-line deep-nesting aliases
       depends-on-chain sync-waves selectors duplicate-resources many-files
       many-environments)
shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=("${order[@]}")

run() { # shape n → "seconds kilobytes findings exit" (the least time and
         # memory of $REPEAT runs: the build machine is shared)
    local shape=$1 n=$2 dir="$work/$1-$2"
    python3 "$work/gen.py" "$shape" "$n" "$dir"
    local config=()
    [ -f "$dir/.plimsoll.yaml" ] && config=(--config "$dir/.plimsoll.yaml")
    local best_time="" best_memory="" code=0
    for _ in $(seq "${REPEAT:-3}"); do
        set +e
        # shellcheck disable=SC2086
        /usr/bin/time -f "%e %M" -o "$work/time" \
            "$plimsoll" check --quiet --format json --fail-on never "${config[@]}" \
            ${extra[$shape]:-} "$dir" >"$work/out.json" 2>"$work/err"
        code=$?
        set -e
        read -r seconds kilobytes < <(tail -n 1 "$work/time")
        best_time=$(awk -v a="$best_time" -v b="$seconds" 'BEGIN { print (a == "" || b < a) ? b : a }')
        best_memory=$(awk -v a="$best_memory" -v b="$kilobytes" 'BEGIN { print (a == "" || b < a) ? b : a }')
    done
    local findings
    findings=$(python3 -c 'import json,sys
try: print(len(json.load(open(sys.argv[1]))["findings"]))
except Exception: print("-")' "$work/out.json")
    rm -rf "$dir"
    echo "$best_time $best_memory $findings $code"
}

printf '| shape | n | time n | time 2n | ratio | MB n | MB 2n | ratio | findings n / 2n | exit |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for shape in "${shapes[@]}"; do
    n=${sizes[$shape]:?unknown shape $shape}
    read -r t1 m1 f1 c1 < <(run "$shape" "$n")
    read -r t2 m2 f2 c2 < <(run "$shape" $((2 * n)))
    awk -v s="$shape" -v n="$n" -v t1="$t1" -v t2="$t2" -v m1="$m1" -v m2="$m2" \
        -v f="$f1 / $f2" -v c="$c1 / $c2" 'BEGIN {
        printf "| %s | %d | %.2f s | %.2f s | %.2f | %d | %d | %.2f | %s | %s |\n",
            s, n, t1, t2, (t1 > 0 ? t2 / t1 : 0), m1 / 1024, m2 / 1024, m2 / m1, f, c }'
done
