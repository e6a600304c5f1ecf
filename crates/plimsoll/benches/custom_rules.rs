//! Ten custom CEL rules against the same ten checks written in Rust, over a
//! corpus of manifests.
//!
//! ```text
//! python3 gen_corpus.py --out /tmp/corpus --files 5000 --docs-per-file 20
//! PLIMSOLL_BENCH_CORPUS=/tmp/corpus cargo bench -p plimsoll --bench custom_rules
//! ```
//!
//! Without `PLIMSOLL_BENCH_CORPUS` a small synthetic corpus is generated in
//! memory. The three configurations (the pipeline alone, the ten native
//! rules, the ten CEL rules) run in turn, five rounds; the best wall time of
//! each is reported. Each rule is wrapped in a timer, so the time spent in
//! the rules themselves (summed over threads) is measured directly rather
//! than as a difference of noisy wall times.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use plimsoll::model::{containers, Object};
use plimsoll::rules::{Category, Check, Rule, RuleMeta, Violation};
use plimsoll::yaml::Node;
use plimsoll::{Config, Engine, EngineOptions, Input, Severity};

const POLICY: &str = r#"
apiVersion: plimsoll.dev/v1
kind: Policy
rules:
  - id: c01-replicas
    match: {kinds: [Deployment]}
    expression: "!has(object.spec.replicas) || object.spec.replicas >= 2"
  - id: c02-memory-limits
    match: {kinds: [Deployment, StatefulSet]}
    expression: "object.spec.template.spec.containers.all(c, has(c.resources.limits) && has(c.resources.limits.memory))"
  - id: c03-memory-ceiling
    match: {kinds: [Deployment]}
    expression: >-
      object.spec.template.spec.containers.all(c, !has(c.resources.limits.memory) ||
        quantity(c.resources.limits.memory).compareTo(quantity('4Gi')) <= 0)
  - id: c04-registry
    match: {kinds: [Deployment, StatefulSet]}
    expression: "object.spec.template.spec.containers.all(c, c.image.startsWith('registry.example.com/') || c.image.startsWith('images.acme.internal/'))"
  - id: c05-name-label
    expression: "has(object.metadata.labels) && 'app.kubernetes.io/name' in object.metadata.labels"
  - id: c06-dns-name
    expression: "object.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')"
  - id: c07-privileged
    match: {kinds: [Deployment, StatefulSet]}
    expression: "object.spec.template.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || !c.securityContext.privileged)"
  - id: c08-readiness
    match: {kinds: [Deployment, StatefulSet]}
    expression: "object.spec.template.spec.containers.all(c, has(c.readinessProbe))"
  - id: c09-service-type
    match: {kinds: [v1/Service]}
    expression: "!has(object.spec.type) || object.spec.type != 'LoadBalancer'"
  - id: c10-default-namespace
    expression: "!has(object.metadata.namespace) || object.metadata.namespace != 'default'"
"#;

fn meta(id: &'static str) -> RuleMeta {
    RuleMeta {
        id: Cow::Borrowed(id),
        category: Category::Custom,
        default_severity: Severity::Error,
        summary: Cow::Borrowed(id),
        rationale: Cow::Borrowed(""),
        fix: Cow::Borrowed(""),
        bad: Cow::Borrowed(""),
        good: Cow::Borrowed(""),
    }
}

fn is_kind(object: &Object, kinds: &[&str]) -> bool {
    kinds.contains(&object.identity.kind.as_str())
}

fn template_containers(object: &Object) -> Vec<&Node> {
    containers(object)
        .into_iter()
        .filter(|container| container.list == "containers")
        .map(|container| container.node)
        .collect()
}

fn quantity(text: &str) -> Option<plimsoll::model::Quantity> {
    plimsoll::model::Quantity::parse(text).ok()
}

/// The ten checks of `POLICY`, in Rust.
fn native_rules() -> Vec<Rule> {
    let simple = |id: &'static str, check: fn(&Object) -> bool| {
        Rule::document(meta(id), move |context, sink| {
            if !check(context.object) {
                sink.push(Violation::at_value(context.object, "", id));
            }
        })
    };
    let dns = regex::Regex::new("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$").unwrap();
    vec![
        simple("n01-replicas", |o| {
            !is_kind(o, &["Deployment"])
                || o.node
                    .pointer("/spec/replicas")
                    .and_then(Node::as_i64)
                    .is_none_or(|n| n >= 2)
        }),
        simple("n02-memory-limits", |o| {
            !is_kind(o, &["Deployment", "StatefulSet"])
                || template_containers(o)
                    .iter()
                    .all(|c| c.pointer("/resources/limits/memory").is_some())
        }),
        simple("n03-memory-ceiling", |o| {
            let ceiling = quantity("4Gi");
            !is_kind(o, &["Deployment"])
                || template_containers(o).iter().all(|c| {
                    c.pointer("/resources/limits/memory")
                        .and_then(Node::as_str)
                        .is_none_or(|m| quantity(m) <= ceiling)
                })
        }),
        simple("n04-registry", |o| {
            !is_kind(o, &["Deployment", "StatefulSet"])
                || template_containers(o).iter().all(|c| {
                    c.get("image").and_then(Node::as_str).is_some_and(|i| {
                        i.starts_with("registry.example.com/")
                            || i.starts_with("images.acme.internal/")
                    })
                })
        }),
        simple("n05-name-label", |o| {
            o.label("app.kubernetes.io/name").is_some()
        }),
        Rule::document(meta("n06-dns-name"), move |context, sink| {
            if !dns.is_match(&context.object.identity.name) {
                sink.push(Violation::at_value(context.object, "", "n06"));
            }
        }),
        simple("n07-privileged", |o| {
            !is_kind(o, &["Deployment", "StatefulSet"])
                || template_containers(o).iter().all(|c| {
                    c.pointer("/securityContext/privileged")
                        .and_then(Node::as_bool)
                        != Some(true)
                })
        }),
        simple("n08-readiness", |o| {
            !is_kind(o, &["Deployment", "StatefulSet"])
                || template_containers(o)
                    .iter()
                    .all(|c| c.get("readinessProbe").is_some())
        }),
        simple("n09-service-type", |o| {
            !(o.identity.is("", "Service")
                && o.node.pointer("/spec/type").and_then(Node::as_str) == Some("LoadBalancer"))
        }),
        simple("n10-default-namespace", |o| {
            o.identity.namespace.as_deref() != Some("default")
        }),
    ]
}

fn synthetic_corpus() -> Vec<Input> {
    (0..2000)
        .map(|file| {
            let mut text = String::new();
            for doc in 0..20 {
                text.push_str(&format!(
                    "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-{file}-{doc}\n  namespace: team-{file}\n  labels:\n    app.kubernetes.io/name: svc\nspec:\n  replicas: {}\n  template:\n    spec:\n      containers:\n        - name: main\n          image: registry.example.com/svc:1.{doc}.0\n          resources:\n            limits: {{cpu: 500m, memory: {}Mi}}\n          readinessProbe: {{httpGet: {{path: /, port: 8080}}}}\n",
                    doc % 4,
                    64 * (doc + 1)
                ));
            }
            Input::Text {
                name: format!("f{file}.yaml"),
                text,
            }
        })
        .collect()
}

/// Wraps every document rule in a timer adding to `total` (nanoseconds).
fn timed(rules: Vec<Rule>, total: &Arc<AtomicU64>) -> Vec<Rule> {
    rules
        .into_iter()
        .map(|rule| match rule.check {
            Check::Document(check) => {
                let total = Arc::clone(total);
                Rule::document(rule.meta, move |context, sink| {
                    let start = Instant::now();
                    check(context, sink);
                    let spent = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
                    total.fetch_add(spent, Ordering::Relaxed);
                })
            }
            _ => rule,
        })
        .collect()
}

struct Measure {
    wall: Duration,
    in_rules: Duration,
    documents: usize,
    findings: usize,
}

fn run(engine: &Engine, inputs: &[Input], total: &AtomicU64, best: &mut Option<Measure>) {
    total.store(0, Ordering::Relaxed);
    let start = Instant::now();
    let report = engine.check(inputs).unwrap();
    let wall = start.elapsed();
    let measure = Measure {
        wall,
        in_rules: Duration::from_nanos(total.load(Ordering::Relaxed)),
        documents: report.summary.documents,
        findings: report.findings.len(),
    };
    if best.as_ref().is_none_or(|best| measure.wall < best.wall) {
        *best = Some(measure);
    }
}

fn main() {
    let inputs = match std::env::var_os("PLIMSOLL_BENCH_CORPUS") {
        Some(path) => vec![Input::Path(PathBuf::from(path))],
        None => synthetic_corpus(),
    };
    let jobs = std::env::var("PLIMSOLL_BENCH_JOBS")
        .ok()
        .and_then(|jobs| jobs.parse().ok());
    let engine = |rules: Vec<Rule>| {
        let options = EngineOptions {
            jobs,
            ..EngineOptions::default()
        };
        Engine::with_rules(Config::default(), options, rules).unwrap()
    };
    let cel_rules = plimsoll::policy::from_yaml(&Config::default(), POLICY, "bench.yaml".as_ref())
        .unwrap()
        .rules
        .into_iter()
        .filter(|rule| rule.id().starts_with('c'))
        .collect::<Vec<_>>();
    assert_eq!(cel_rules.len(), 10);

    let base_total = Arc::new(AtomicU64::new(0));
    let native_total = Arc::new(AtomicU64::new(0));
    let cel_total = Arc::new(AtomicU64::new(0));
    let base_engine = engine(Vec::new());
    let native_engine = engine(timed(native_rules(), &native_total));
    let cel_engine = engine(timed(cel_rules, &cel_total));
    let (mut base, mut native, mut cel) = (None, None, None);
    let rounds = std::env::var("PLIMSOLL_BENCH_ROUNDS")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(5);
    for _ in 0..rounds {
        run(&base_engine, &inputs, &base_total, &mut base);
        run(&native_engine, &inputs, &native_total, &mut native);
        run(&cel_engine, &inputs, &cel_total, &mut cel);
    }
    let (base, native, cel) = (base.unwrap(), native.unwrap(), cel.unwrap());
    let documents = base.documents;
    let rate = |m: &Measure| documents as f64 / m.wall.as_secs_f64();
    println!(
        "documents: {documents}, threads: {}",
        jobs.map_or("all cores".to_owned(), |j: usize| j.to_string())
    );
    for (name, measure) in [
        ("pipeline, no rules", &base),
        ("10 native rules", &native),
        ("10 CEL rules", &cel),
    ] {
        println!(
            "{name:20} {:8.3} s wall  {:9.0} documents/s  {:8.3} s in rules  {:6} findings",
            measure.wall.as_secs_f64(),
            rate(measure),
            measure.in_rules.as_secs_f64(),
            measure.findings,
        );
    }
    let threads =
        jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)) as f64;
    println!(
        "time in CEL: {:.3} s of rule time = {:.1} % of the CEL run's thread time; CEL rules / native rules: {:.1}x; CEL run / native run (wall): {:.2}x",
        cel.in_rules.as_secs_f64(),
        100.0 * cel.in_rules.as_secs_f64() / (cel.wall.as_secs_f64() * threads),
        cel.in_rules.as_secs_f64() / native.in_rules.as_secs_f64().max(1e-9),
        cel.wall.as_secs_f64() / native.wall.as_secs_f64(),
    );
    println!(
        "per object and rule: CEL {:.2} µs, native {:.3} µs",
        1e6 * cel.in_rules.as_secs_f64() / (documents as f64 * 10.0),
        1e6 * native.in_rules.as_secs_f64() / (documents as f64 * 10.0),
    );
}
