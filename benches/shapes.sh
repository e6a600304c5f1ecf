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
#         matrix-environments promote-environments matrix-services
#         promote-services matrix-diff baseline write-baseline
#         policies-objects policies-many selector-expressions limit-ranges
#         flux-environments
# Most shapes are measured with `check`; the matrix and promote shapes with
# those commands, baseline with `--baseline` after a change to the files
# (stale entries and new findings), matrix-diff with `--diff HEAD` in a
# Git repository after a change. For a matrix the findings column counts
# its rows, for a matrix diff its changes.
set -euo pipefail
cd "$(dirname "$0")/.."
plimsoll=${PLIMSOLL:-target/release/plimsoll}
[ -x "$plimsoll" ] || cargo build --release -q -p plimsoll-cli
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/gen.py" <<'PY'
import os, sys

shape, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
# "after": rewrite the input as a change to it would (see `prepare` below).
phase = sys.argv[4] if len(sys.argv) > 4 else "before"
os.makedirs(out, exist_ok=phase == "after")

def write(name, text):
    path = os.path.join(out, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)

def deployment(name, namespace, labels, extra_metadata="", image=None, replicas=2):
    image = image or "registry.example.com/%s@sha256:%s" % (name, "a" * 64)
    label_lines = "".join("        %s: %s\n" % kv for kv in labels.items())
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n  namespace: %s\n%s"
        "spec:\n  replicas: %d\n  selector:\n    matchLabels:\n      app: %s\n"
        "  template:\n    metadata:\n      labels:\n%s"
        "    spec:\n      containers:\n        - name: app\n"
        "          image: %s\n"
        "          resources:\n            requests: {cpu: 10m, memory: 16Mi}\n"
        "            limits: {cpu: 100m, memory: 64Mi}\n"
        % (name, namespace, extra_metadata, replicas, labels["app"], label_lines, image)
    )

def chain(count):
    """A .plimsoll.yaml promotion chain e0 → e1 → … of count environments."""
    names = ["e%d" % i for i in range(count)]
    write(".plimsoll.yaml", "environments:\n" + "".join(
        "  - name: %s\n%s" % (e, ("    promotesTo: [%s]\n" % names[i + 1]) if i + 1 < count else "")
        for i, e in enumerate(names)))
    return names

def services(count, tag_in):
    """count services in dev, staging and prod (the default graph): a
    Deployment each, in one file per environment; tag_in(env, i) gives the
    image tag."""
    for env in ("dev", "staging", "prod"):
        write("envs/%s/apps.yaml" % env, "---\n".join(
            deployment("svc-%d-%s" % (i, env), "shop-" + env, {"app": "svc-%d" % i},
                       image="registry.example.com/svc-%d:%s" % (i, tag_in(env, i)))
            for i in range(count)))

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
    for e in chain(n):
        write("envs/%s/api.yaml" % e, deployment("api-" + e, "shop-" + e, {"app": "api"}))
elif shape in ("matrix-environments", "promote-environments"):
    # A promotion chain of n environments, each running three services;
    # their tag moves on every tenth environment (drift there).
    for at, e in enumerate(chain(n)):
        write("envs/%s/apps.yaml" % e, "---\n".join(
            deployment("%s-%s" % (service, e), "shop-" + e, {"app": service},
                       image="registry.example.com/%s:1.%d" % (service, at // 10))
            for service in ("api", "web", "worker")))
elif shape in ("matrix-services", "promote-services"):
    # n services in dev, staging and prod; every 50th runs an older image
    # in prod (drift, and a parity finding when staging is promoted).
    services(n, lambda env, i: "0.9" if env == "prod" and i % 50 == 0 else "1.0")
elif shape == "matrix-diff":
    # n services in dev, staging and prod, committed; then every service
    # moves on in dev, and every tenth in prod too (not validated).
    if phase == "after":
        services(n, lambda env, i: "1.1" if env == "dev" or (env == "prod" and i % 10 == 0) else "1.0")
    else:
        services(n, lambda env, i: "1.0")
elif shape in ("baseline", "write-baseline"):
    # n ConfigMaps with a secret-looking literal each. For `baseline`, a
    # baseline of them is written, then every fourth loses its literal
    # (a stale entry) and every tenth gains a second one (a new finding).
    def config_map(i):
        stale = phase == "after" and i % 4 == 0
        fresh = phase == "after" and i % 10 == 0
        return ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n  namespace: ns\ndata:\n%s%s"
                % (i, "" if stale else '  password: "hunter2-%d"\n' % i,
                   '  token: "s3cr3t-%d"\n' % i if fresh else ""))
    write("cms.yaml", "---\n".join(config_map(i) for i in range(n)))
elif shape in ("policies-objects", "policies-many"):
    # policies-objects: one CEL rule over n Deployments, every 50th with
    # one replica. policies-many: n CEL rules over 20 Deployments, rule i
    # failing on Deployment i mod 20.
    write(".plimsoll.yaml", "policies: [\"policies/*.yaml\"]\n")
    if shape == "policies-objects":
        rules = ("  - id: two-replicas\n    match: {kinds: [apps/Deployment]}\n"
                 "    expression: object.spec.replicas >= 2\n"
                 "    messageExpression: object.metadata.name + ' runs one replica'\n"
                 "    path: spec.replicas\n")
        apps = n
    else:
        rules = "".join(
            "  - id: not-app-%d\n    match: {kinds: [apps/Deployment]}\n"
            "    expression: object.metadata.name != 'app-%d'\n    message: app-%d is not wanted\n"
            % (i, i % 20, i % 20) for i in range(n))
        apps = 20
    write("policies/rules.yaml", "apiVersion: plimsoll.dev/v1\nkind: Policy\nrules:\n" + rules)
    write("apps.yaml", "---\n".join(
        deployment("app-%d" % i, "shop", {"app": "app-%d" % i}, replicas=1 if i % 50 == 0 else 2)
        for i in range(apps)))
elif shape == "selector-expressions":
    # One namespace of the prod environment, n applications whose
    # PodDisruptionBudget and NetworkPolicy select with `In` and two values
    # (the application and its canary); every 50th policy forgets DNS,
    # every 50th budget is missing.
    write(".plimsoll.yaml", "environments:\n  - name: prod\n    replicas: {min: 2}\n")
    expression = "matchExpressions: [{key: app, operator: In, values: [%s, %s-canary]}]"
    docs = ["apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"]
    for i in range(n):
        app = "app-%d" % i
        docs.append(deployment(app, "shop", {"app": app, "tier": "web"}))
        dns = "" if i % 50 == 0 else (
            "    - to:\n        - namespaceSelector:\n            matchLabels:\n"
            "              kubernetes.io/metadata.name: kube-system\n"
            "      ports:\n        - {protocol: UDP, port: 53}\n        - {protocol: TCP, port: 53}\n")
        docs.append("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: %s\n"
                    "  namespace: shop\nspec:\n  podSelector:\n    %s\n"
                    "  policyTypes: [Egress]\n  egress:\n    - to:\n        - podSelector:\n"
                    "            matchLabels: {app: db}\n%s" % (app, expression % (app, app), dns))
        if i % 50 != 1:
            docs.append("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: %s\n"
                        "  namespace: shop\nspec:\n  minAvailable: 1\n  selector:\n    %s\n"
                        % (app, expression % (app, app)))
    write("prod/apps.yaml", "---\n".join(docs))
elif shape == "flux-environments":
    # Flux Kustomizations of n applications in dev, staging and prod, one
    # cluster each (clusters/<env>/): each depends on its cluster's infra,
    # none on another environment's.
    def kustomization(name, env, depends):
        return ("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n"
                "  name: %s\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps/%s\n"
                "  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n%s"
                % (name, env, "  dependsOn:\n    - name: %s\n" % depends if depends else ""))
    for env in ("dev", "staging", "prod"):
        write("clusters/%s/apps.yaml" % env, "---\n".join(
            [kustomization("infra-" + env, env, None)]
            + [kustomization("app-%d-%s" % (i, env), env, "infra-" + env) for i in range(n)]))
elif shape == "limit-ranges":
    # One namespace of n applications, each shipping its own LimitRange
    # (one chart per application); every container is within all of them.
    docs = ["apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"]
    for i in range(n):
        app = "app-%d" % i
        docs.append(deployment(app, "shop", {"app": app}))
        docs.append("apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: %s\n  namespace: shop\n"
                    "spec:\n  limits:\n    - type: Container\n      max: {cpu: \"2\", memory: 1Gi}\n"
                    % app)
    write("apps.yaml", "---\n".join(docs))
else:
    sys.exit("unknown shape " + shape)
PY

# shape → n
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
    [matrix-environments]=10000
    [promote-environments]=10000
    [matrix-services]=20000
    [promote-services]=20000
    [matrix-diff]=10000
    [baseline]=20000
    [write-baseline]=40000
    [policies-objects]=10000
    [policies-many]=10000
    [selector-expressions]=5000
    [limit-ranges]=10000
    [flux-environments]=10000
)
order=(duplicate-keys namespace-apps empty-documents document-limit suppressions
       findings-in-one-document long-line secrets-on-one-line deep-nesting aliases
       depends-on-chain sync-waves selectors duplicate-resources many-files
       many-environments matrix-environments promote-environments matrix-services
       promote-services matrix-diff baseline write-baseline policies-objects
       policies-many selector-expressions limit-ranges flux-environments)
shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=("${order[@]}")

check=(check --quiet --format json --fail-on never)

command_for() { # shape n → the arguments of the measured run, in $arguments
    case $1 in
        document-limit) arguments=("${check[@]}" --max-documents 1000000) ;;
        matrix-environments | matrix-services) arguments=(matrix --format json) ;;
        matrix-diff) arguments=(matrix --format json --diff HEAD) ;;
        promote-environments)
            arguments=(promote --quiet --format json --fail-on never --from e0 --to "e$(($2 - 1))") ;;
        promote-services)
            arguments=(promote --quiet --format json --fail-on never --from staging --to prod) ;;
        baseline) arguments=("${check[@]}" --baseline baseline.json) ;;
        write-baseline) arguments=("${check[@]}" --write-baseline written.json) ;;
        *) arguments=("${check[@]}") ;;
    esac
}

prepare() { # shape n dir: what comes before the measured run
    case $1 in
        baseline)
            (cd "$3" && "$plimsoll" "${check[@]}" --write-baseline baseline.json . >/dev/null)
            python3 "$work/gen.py" "$1" "$2" "$3" after ;;
        matrix-diff)
            git -C "$3" init -q
            git -C "$3" add -A
            git -C "$3" -c user.name=bench -c user.email=bench@example.com commit -qm base
            python3 "$work/gen.py" "$1" "$2" "$3" after ;;
    esac
}

run() { # shape n → "seconds kilobytes findings exit" (the least time and
         # memory of $REPEAT runs: the build machine is shared)
    local shape=$1 n=$2 dir="$work/$1-$2"
    python3 "$work/gen.py" "$shape" "$n" "$dir"
    local config=() arguments=()
    [ -f "$dir/.plimsoll.yaml" ] && config=(--config .plimsoll.yaml)
    prepare "$shape" "$n" "$dir"
    command_for "$shape" "$n"
    local best_time="" best_memory="" code=0
    for _ in $(seq "${REPEAT:-3}"); do
        set +e
        (cd "$dir" && /usr/bin/time -f "%e %M" -o "$work/time" \
            "$plimsoll" "${arguments[@]}" "${config[@]}" . >"$work/out.json" 2>"$work/err")
        code=$?
        set -e
        read -r seconds kilobytes < <(tail -n 1 "$work/time")
        best_time=$(awk -v a="$best_time" -v b="$seconds" 'BEGIN { print (a == "" || b < a) ? b : a }')
        best_memory=$(awk -v a="$best_memory" -v b="$kilobytes" 'BEGIN { print (a == "" || b < a) ? b : a }')
    done
    # Findings of a check or a promotion, rows of a matrix, changes of a
    # matrix diff.
    local findings
    findings=$(python3 -c 'import json,sys
try:
    out = json.load(open(sys.argv[1]))
    print(len(next(out[key] for key in ("findings", "services", "changes") if key in out)))
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
