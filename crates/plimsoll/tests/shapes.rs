//! Shapes of input that once made a run grow with the square of its size
//! (issue 19), at a size small enough for a test: their findings, not their
//! timing (`benches/shapes.sh` measures that at n and 2n).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use plimsoll::baseline::Baseline;
use plimsoll::promotion::Validation;
use plimsoll::{CheckError, Config, Engine, EngineOptions, Finding, Input, InputLimits, Report};

fn check_with(config: &str, select: &[&str], files: &[(&str, String)]) -> Report {
    let options = EngineOptions {
        select: select.iter().map(|rule| (*rule).to_owned()).collect(),
        ..EngineOptions::default()
    };
    let config = Config::from_yaml(config, Path::new(".plimsoll.yaml")).unwrap();
    let inputs: Vec<Input> = files
        .iter()
        .map(|(name, text)| Input::Text {
            name: (*name).to_owned(),
            text: text.clone(),
        })
        .collect();
    Engine::new(config, options)
        .unwrap()
        .check(&inputs)
        .unwrap()
}

fn check(select: &[&str], name: &str, text: String) -> Report {
    check_with("", select, &[(name, text)])
}

fn of_rule<'r>(report: &'r Report, rule: &str) -> Vec<&'r Finding> {
    report
        .findings
        .iter()
        .filter(|finding| finding.rule == rule)
        .collect()
}

fn line_of(text: &str, needle: &str) -> u32 {
    let at = text.find(needle).unwrap();
    u32::try_from(text[..at].matches('\n').count()).unwrap() + 1
}

#[test]
fn a_key_repeated_in_one_mapping_is_reported_at_each_repeat() {
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\n  namespace: ns\ndata:\n{}",
        "  k: \"v\"\n".repeat(200)
    );
    let report = check(&["yaml-duplicate-key"], "cm.yaml", text);
    let found = of_rule(&report, "yaml-duplicate-key");
    assert_eq!(found.len(), 199);
    // Each repeat names the occurrence before it: the later value replaced
    // the earlier one in the tree.
    for (at, finding) in found.iter().enumerate() {
        assert_eq!(
            finding.message,
            format!(
                "duplicate key `k` (first at line {}); the later value wins",
                7 + at
            )
        );
        assert_eq!(finding.span.start.line as usize, 8 + at);
        assert_eq!(finding.span.start.column, 3);
    }
}

/// One namespace of the prod environment with `count` applications: a
/// Deployment, a Service, a NetworkPolicy restricting egress and a
/// PodDisruptionBudget each. Every 50th policy forgets DNS, every 50th
/// budget is missing.
fn applications(count: usize, with_workloads: bool) -> String {
    let mut text = String::from("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n");
    for at in 0..count {
        let app = format!("app-{at}");
        if with_workloads {
            write!(
                text,
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {app}\n  namespace: shop\n\
                 spec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: {app}\n  template:\n    \
                 metadata:\n      labels:\n        app: {app}\n        tier: web\n    spec:\n      \
                 containers:\n        - name: app\n          image: registry.example.com/{app}:1.0\n\
                 ---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {app}\n  namespace: shop\n\
                 spec:\n  selector:\n    tier: web\n    app: {app}\n  ports:\n    - port: 80\n"
            )
            .unwrap();
        }
        let dns = if at % 50 == 0 {
            ""
        } else {
            "    - to:\n        - namespaceSelector:\n            matchLabels:\n              \
             kubernetes.io/metadata.name: kube-system\n      ports:\n        - {protocol: UDP, port: 53}\n"
        };
        write!(
            text,
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {app}\n  \
             namespace: shop\nspec:\n  podSelector:\n    matchLabels:\n      tier: web\n      app: {app}\n  \
             policyTypes: [Ingress, Egress]\n  egress:\n    - to:\n        - podSelector:\n            \
             matchLabels: {{app: db}}\n      ports:\n        - {{protocol: TCP, port: 5432}}\n{dns}"
        )
        .unwrap();
        if at % 50 != 1 {
            write!(
                text,
                "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {app}\n  \
                 namespace: shop\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app: {app}\n"
            )
            .unwrap();
        }
    }
    text
}

const PROD: &str = "environments:\n  - name: prod\n    replicas: {min: 2}\n";

const NAMESPACE_RULES: &[&str] = &[
    "network-policy-dns",
    "disruption-budget",
    "dangling-reference",
    "quota-capacity",
    "selector-mismatch",
];

fn messages(report: &Report) -> BTreeMap<String, Vec<String>> {
    let mut by_rule: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for finding in &report.findings {
        by_rule
            .entry(finding.rule.to_string())
            .or_default()
            .push(finding.message.clone());
    }
    by_rule
}

#[test]
fn one_namespace_of_many_applications() {
    let report = check_with(
        PROD,
        NAMESPACE_RULES,
        &[("prod/apps.yaml", applications(120, true))],
    );
    let dns = |app: &str| {
        format!(
            "NetworkPolicy {app} restricts egress, but no policy of namespace shop allows the pods of {app} DNS (port 53)"
        )
    };
    let budget = |app: &str| {
        format!(
            "Deployment {app} runs up to 2 replicas in prod but no PodDisruptionBudget selects its pods"
        )
    };
    let expected = BTreeMap::from([
        (
            "disruption-budget".to_owned(),
            vec![budget("app-1"), budget("app-51"), budget("app-101")],
        ),
        (
            "network-policy-dns".to_owned(),
            vec![dns("app-0"), dns("app-50"), dns("app-100")],
        ),
    ]);
    assert_eq!(messages(&report), expected);
}

#[test]
fn a_policy_for_every_pod_lets_the_whole_namespace_resolve_names() {
    let allow_dns = "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  \
        name: allow-dns\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  \
        egress:\n    - ports:\n        - {protocol: UDP, port: 53}\n";
    let text = applications(120, true) + allow_dns;
    let report = check_with(PROD, &["network-policy-dns"], &[("prod/apps.yaml", text)]);
    assert!(report.findings.is_empty(), "{:?}", messages(&report));
}

#[test]
fn without_workloads_the_policies_selectors_are_compared() {
    let report = check_with(
        PROD,
        &["network-policy-dns"],
        &[("prod/apps.yaml", applications(120, false))],
    );
    let dns = |app: &str| {
        format!(
            "NetworkPolicy {app} restricts egress, but no policy of namespace shop allows its pods DNS (port 53)"
        )
    };
    assert_eq!(
        messages(&report),
        BTreeMap::from([(
            "network-policy-dns".to_owned(),
            vec![dns("app-0"), dns("app-50"), dns("app-100")]
        )])
    );
    // A policy allowing DNS whose selector is narrower than theirs (one
    // more label) covers none of them; one as wide as theirs covers one.
    let covering = "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  \
        name: dns-for-app-50\n  namespace: shop\nspec:\n  podSelector:\n    matchLabels: {app: app-50, tier: web}\n  \
        policyTypes: [Egress]\n  egress:\n    - ports:\n        - {protocol: UDP, port: 53}\n\
        ---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  \
        name: dns-for-app-0-canary\n  namespace: shop\nspec:\n  podSelector:\n    \
        matchLabels: {app: app-0, tier: web, track: canary}\n  \
        policyTypes: [Egress]\n  egress:\n    - ports:\n        - {protocol: UDP, port: 53}\n";
    let report = check_with(
        PROD,
        &["network-policy-dns"],
        &[("prod/apps.yaml", applications(120, false) + covering)],
    );
    assert_eq!(
        messages(&report),
        BTreeMap::from([(
            "network-policy-dns".to_owned(),
            vec![dns("app-0"), dns("app-100")]
        )])
    );
}

#[test]
fn services_sharing_a_label_are_each_resolved() {
    let mut text = String::new();
    for at in 0..120 {
        let selected = if at % 50 == 0 {
            format!("nobody-{at}")
        } else {
            format!("app-{at}")
        };
        write!(
            text,
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{at}\n  namespace: ns\n\
             spec:\n  selector:\n    matchLabels:\n      app: app-{at}\n  template:\n    metadata:\n      \
             labels:\n        app: app-{at}\n        team: shop\n    spec:\n      containers:\n        \
             - name: app\n          image: registry.example.com/app:1.0\n\
             ---\napiVersion: v1\nkind: Service\nmetadata:\n  name: app-{at}\n  namespace: ns\nspec:\n  \
             selector:\n    team: shop\n    app: {selected}\n  ports:\n    - port: 80\n"
        )
        .unwrap();
    }
    let report = check(&["dangling-reference"], "apps.yaml", text);
    let names: Vec<&str> = of_rule(&report, "dangling-reference")
        .iter()
        .map(|finding| finding.resource.as_ref().unwrap().name.as_str())
        .collect();
    assert_eq!(names, ["app-0", "app-50", "app-100"]);
}

#[test]
fn empty_documents_keep_the_places_of_the_others() {
    let mut text = "---\n".repeat(1_000);
    text.push_str("---\n# comment only\n");
    text.push_str(
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  flag: yes\n",
    );
    text.push_str(&"--- # nothing\n".repeat(1_000));
    let report = check(&["schema"], "empty.yaml", text.clone());
    let found: Vec<(u32, usize)> = report
        .findings
        .iter()
        .map(|finding| (finding.span.start.line, finding.document))
        .collect();
    assert_eq!(found, [(line_of(&text, "flag: yes"), 1_001)]);
}

#[test]
fn the_document_limit_stops_a_stream_of_empty_documents() {
    let options = EngineOptions {
        input_limits: InputLimits {
            max_documents: 1_000,
            ..InputLimits::default()
        },
        ..EngineOptions::default()
    };
    let engine = Engine::new(Config::default(), options).unwrap();
    let input = |count: usize| Input::Text {
        name: "empty.yaml".to_owned(),
        text: "---\n".repeat(count),
    };
    assert!(engine.check(&[input(1_000)]).is_ok());
    let refused = engine.check(&[input(1_001)]);
    assert!(
        matches!(
            refused,
            Err(CheckError::TooLarge {
                what: "documents",
                limit: 1_000,
                ..
            })
        ),
        "{refused:?}"
    );
}

#[test]
fn many_findings_in_one_mapping_each_keep_their_line() {
    let keys: String = (0..300)
        .map(|at| format!("  password{at}: \"hunter2-{at}\"\n"))
        .collect();
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: secrets\n  namespace: ns\ndata:\n{keys}"
    );
    let report = check(&["secret-literal"], "cm.yaml", text);
    let found = of_rule(&report, "secret-literal");
    assert_eq!(found.len(), 300);
    for (at, finding) in found.iter().enumerate() {
        assert_eq!(finding.span.start.line as usize, 7 + at);
        assert_eq!(
            finding.path.as_deref(),
            Some(format!("/data/password{at}").as_str())
        );
    }
}

#[test]
fn many_suppression_comments_each_suppress_their_finding() {
    let text: String = (0..200)
        .map(|at| {
            format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{at}\n  namespace: ns\ndata:\n  \
                 # plimsoll: ignore[secret-literal] reason: a test fixture\n  password: \"hunter2-{at}\"\n"
            )
        })
        .collect();
    let report = check(&["secret-literal"], "cms.yaml", text);
    assert!(report.findings.is_empty());
    assert_eq!(report.suppressed.len(), 200);
}

#[test]
fn many_secret_values_on_one_line_are_each_found_and_all_masked() {
    let values: Vec<String> = (0..300)
        .map(|at| format!("password{at}: \"hunter2-{at}\""))
        .collect();
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: long\n  namespace: ns\ndata: {{{}}}\n",
        values.join(", ")
    );
    let report = check(&["secret-literal"], "cm.yaml", text.clone());
    let found = of_rule(&report, "secret-literal");
    assert_eq!(found.len(), 300);
    for (at, finding) in found.iter().enumerate() {
        let value = format!("\"hunter2-{at}\"");
        let column = text.lines().nth(5).unwrap().find(&value).unwrap() + 1;
        assert_eq!(
            (finding.span.start.line, finding.span.start.column as usize),
            (6, column)
        );
    }
    let snippet = report.source_line("cm.yaml", 6).unwrap();
    assert!(!snippet.contains("hunter2"));
    assert_eq!(snippet.chars().count(), text.lines().nth(5).unwrap().len());
}

#[test]
fn every_copy_of_a_duplicated_object_names_the_first() {
    let text: String = (0..400)
        .map(|at| {
            format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{}\n  namespace: ns\ndata:\n  a: b\n",
                at / 2
            )
        })
        .collect();
    let report = check(&["duplicate-resource"], "cms.yaml", text);
    let found = of_rule(&report, "duplicate-resource");
    assert_eq!(found.len(), 200);
    for (at, finding) in found.iter().enumerate() {
        // Each object takes 8 lines; the first copy's name is on line 5.
        let first_line = at * 16 + 5;
        assert_eq!(
            finding.message,
            format!("ConfigMap ns/cm-{at} is defined twice")
        );
        let first = &finding.related[0];
        assert_eq!(
            (
                first.file.as_str(),
                first.span.start.line as usize,
                first.message.as_str()
            ),
            ("cms.yaml", first_line, "the first copy")
        );
    }
}

/// A promotion chain `e0 → e1 → …` of `count` environments.
fn chain(count: usize) -> String {
    let mut config = String::from("environments:\n");
    for at in 0..count {
        writeln!(config, "  - name: e{at}").unwrap();
        if at + 1 < count {
            writeln!(config, "    promotesTo: [e{}]", at + 1).unwrap();
        }
    }
    config
}

fn engine_with(config: &str, select: &[&str]) -> Engine {
    let options = EngineOptions {
        select: select.iter().map(|rule| (*rule).to_owned()).collect(),
        ..EngineOptions::default()
    };
    let config = Config::from_yaml(config, Path::new(".plimsoll.yaml")).unwrap();
    Engine::new(config, options).unwrap()
}

fn texts(files: Vec<(String, String)>) -> Vec<Input> {
    files
        .into_iter()
        .map(|(name, text)| Input::Text { name, text })
        .collect()
}

/// A Deployment `name` of `namespace` running `image`.
fn workload(name: &str, namespace: &str, image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {namespace}\n\
         spec:\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      \
         labels:\n        app: {name}\n    spec:\n      containers:\n        - name: app\n          \
         image: {image}\n"
    )
}

/// Every environment of a chain of `count` running api and web, their tag
/// moving on every tenth environment.
fn chain_of_services(count: usize) -> Vec<Input> {
    texts(
        (0..count)
            .map(|at| {
                let text = ["api", "web"]
                    .iter()
                    .map(|service| {
                        workload(
                            &format!("{service}-e{at}"),
                            &format!("shop-e{at}"),
                            &format!("registry.example.com/{service}:1.{}", at / 10),
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("---\n");
                (format!("envs/e{at}/apps.yaml"), text)
            })
            .collect(),
    )
}

#[test]
fn a_long_chain_of_environments_drifts_where_the_tag_moves() {
    let engine = engine_with(&chain(60), &[]);
    let matrix = engine.matrix(&chain_of_services(60)).unwrap();
    assert_eq!(matrix.environments.len(), 60);
    assert_eq!(matrix.row_labels(), ["api", "web"]);
    for row in &matrix.rows {
        let drifting: Vec<usize> = row
            .cells
            .iter()
            .enumerate()
            .filter(|(_, cell)| cell.as_ref().unwrap().drift)
            .map(|(at, _)| at)
            .collect();
        assert_eq!(drifting, [10, 20, 30, 40, 50]);
    }
    let mut picture = Vec::new();
    plimsoll::render::mermaid::render_mermaid(&matrix, engine.environments(), None, &mut picture)
        .unwrap();
    let picture = String::from_utf8(picture).unwrap();
    assert_eq!(picture.matches(" --> ").count(), 59);
    assert!(!picture.contains("  env59 --> "));
    assert!(picture.contains("  env58 --> env59\n"));
    assert!(picture.contains("  class env10,env20,env30,env40,env50 drift\n"));
}

#[test]
fn promoting_across_a_long_chain_skips_stages() {
    let engine = engine_with(&chain(60), &[]);
    let report = engine.promote("e0", "e59", &chain_of_services(60)).unwrap();
    assert_eq!(
        messages(&report),
        BTreeMap::from([
            (
                "promotion-image-parity".to_owned(),
                ["api", "web"]
                    .iter()
                    .map(|service| format!(
                        "e59 runs registry.example.com/{service}:1.5 for service `{service}`, which e0 does not run \
                         (e0 runs registry.example.com/{service}:1.0)"
                    ))
                    .collect()
            ),
            (
                "promotion-path".to_owned(),
                vec![
                    "promotion from e0 to e59 is not allowed: that skips a stage; e0 promotes to e1".to_owned()
                ]
            ),
        ])
    );
    let report = engine
        .promote("e59", "e58", &chain_of_services(60))
        .unwrap();
    assert_eq!(
        of_rule(&report, "promotion-path")[0].message,
        "promotion from e59 to e58 is not allowed: that goes backwards: e58 comes before e59; \
         e59 promotes to no environment"
    );
}

/// `count` services in dev, staging and prod; `tag` gives each its tag.
fn many_services(count: usize, tag: impl Fn(&str, usize) -> &'static str) -> Vec<Input> {
    texts(
        ["dev", "staging", "prod"]
            .iter()
            .map(|env| {
                let text = (0..count)
                    .map(|at| {
                        workload(
                            &format!("svc-{at}-{env}"),
                            &format!("shop-{env}"),
                            &format!("registry.example.com/svc-{at}:{}", tag(env, at)),
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("---\n");
                (format!("envs/{env}/apps.yaml"), text)
            })
            .collect(),
    )
}

#[test]
fn many_services_are_each_compared_with_the_environment_before() {
    let engine = engine_with("", &[]);
    let older_in_prod = |env: &str, at: usize| {
        if env == "prod" && at % 50 == 0 {
            "0.9"
        } else {
            "1.0"
        }
    };
    let inputs = many_services(120, older_in_prod);
    let matrix = engine.matrix(&inputs).unwrap();
    assert_eq!(matrix.rows.len(), 120);
    let drifting: Vec<&str> = matrix
        .rows
        .iter()
        .filter(|row| row.cells.iter().flatten().any(|cell| cell.drift))
        .map(|row| row.service.as_str())
        .collect();
    assert_eq!(drifting, ["svc-0", "svc-100", "svc-50"]);

    let report = engine.promote("staging", "prod", &inputs).unwrap();
    let found: Vec<&str> = of_rule(&report, "promotion-image-parity")
        .iter()
        .map(|finding| finding.message.as_str())
        .collect();
    assert_eq!(
        found,
        [0, 50, 100].map(|at| format!(
            "prod runs registry.example.com/svc-{at}:0.9 for service `svc-{at}`, which staging does not run \
             (staging runs registry.example.com/svc-{at}:1.0)"
        ))
    );

    // A change moving every service on in dev, and every tenth in prod
    // too: dev is where images start, prod did not wait for staging.
    let before = engine.matrix(&many_services(120, |_, _| "1.0")).unwrap();
    let moved = |env: &str, at: usize| {
        if env == "dev" || (env == "prod" && at % 10 == 0) {
            "1.1"
        } else {
            "1.0"
        }
    };
    let after = engine.matrix(&many_services(120, moved)).unwrap();
    let diff = engine.matrix_diff(&before, &after);
    let judged = |environment: &str| -> Vec<&Validation> {
        diff.changes
            .iter()
            .filter(|change| change.environment == environment)
            .map(|change| &change.validation)
            .collect()
    };
    assert_eq!(judged("dev"), vec![&Validation::FirstEnvironment; 120]);
    assert!(judged("staging").is_empty());
    let not_validated = Validation::NotValidated {
        environments: vec!["staging".to_owned()],
    };
    assert_eq!(judged("prod"), vec![&not_validated; 12]);
    // Changes come by service, then environment in graph order.
    assert_eq!(
        diff.changes
            .iter()
            .take(3)
            .map(|change| (change.service.as_str(), change.environment.as_str()))
            .collect::<Vec<_>>(),
        [("svc-0", "dev"), ("svc-0", "prod"), ("svc-1", "dev")]
    );
}

#[test]
fn a_long_promotion_chain_is_validated_and_its_cycle_named() {
    let long = chain(1_000);
    assert!(Config::from_yaml(&long, Path::new(".plimsoll.yaml")).is_ok());
    let cycle = long.replace(
        "  - name: e999\n",
        "  - name: e999\n    promotesTo: [E998]\n",
    );
    let error = Config::from_yaml(&cycle, Path::new(".plimsoll.yaml")).unwrap_err();
    assert_eq!(
        error.message,
        "the promotion graph has a cycle: e998 → e999 → e998"
    );
}

/// `count` ConfigMaps with a secret-looking literal each; `fixed` ones
/// have none, `added` ones a second.
fn config_maps(
    count: usize,
    fixed: impl Fn(usize) -> bool,
    added: impl Fn(usize) -> bool,
) -> String {
    (0..count)
        .map(|at| {
            let mut text = format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{at}\n  namespace: ns\ndata:\n"
            );
            if !fixed(at) {
                writeln!(text, "  password: \"hunter2-{at}\"").unwrap();
            }
            if added(at) {
                writeln!(text, "  token: \"s3cr3t-{at}\"").unwrap();
            }
            text
        })
        .collect()
}

#[test]
fn a_large_baseline_hides_what_it_records_and_names_what_went_stale() {
    let engine = engine_with("", &["secret-literal", "baseline-stale"]);
    let check = |text: String| {
        engine
            .check(&texts(vec![("cms.yaml".to_owned(), text)]))
            .unwrap()
    };
    let recorded = check(config_maps(200, |_| false, |_| false));
    let written = Baseline::from_report(&recorded).to_json();
    let baseline = Baseline::parse(&written, "baseline.json").unwrap();
    assert_eq!(baseline.entries.len(), 200);

    let mut report = check(config_maps(200, |at| at % 4 == 0, |at| at % 10 == 0));
    baseline.apply(&mut report, &engine);
    assert_eq!(report.suppressed.len(), 150);
    let new: Vec<&str> = of_rule(&report, "secret-literal")
        .iter()
        .map(|finding| finding.path.as_deref().unwrap())
        .collect();
    assert_eq!(new, vec!["/data/token"; 20]);
    let stale = of_rule(&report, "baseline-stale");
    assert_eq!(stale.len(), 50);
    for finding in stale {
        // The entry's line in the baseline file, and the entry it names.
        let entry: usize = finding.path.as_deref().unwrap()["/findings/".len()..]
            .parse()
            .unwrap();
        assert_eq!(finding.file, "baseline.json");
        assert_eq!(finding.span.start.line as usize, 4 + entry * 8);
        assert!(finding.message.contains(&baseline.entries[entry].message));
    }
}

fn with_policies(policy: &str, select: &[&str]) -> Engine {
    let config = Config::default();
    let policies =
        plimsoll::policy::from_yaml(&config, policy, Path::new("policies/rules.yaml")).unwrap();
    let mut rules = plimsoll::rules::builtin();
    rules.extend(policies.rules);
    let options = EngineOptions {
        select: select.iter().map(|rule| (*rule).to_owned()).collect(),
        ..EngineOptions::default()
    };
    Engine::with_rules(config, options, rules).unwrap()
}

/// `count` Deployments `app-N`; every 50th runs one replica.
fn deployments(count: usize) -> String {
    (0..count)
        .map(|at| {
            let replicas = if at % 50 == 0 { 1 } else { 2 };
            format!(
                "---\n{}",
                workload(&format!("app-{at}"), "shop", "registry.example.com/app:1.0")
            )
            .replace(
                "spec:\n  selector:",
                &format!("spec:\n  replicas: {replicas}\n  selector:"),
            )
        })
        .collect()
}

#[test]
fn one_policy_over_many_objects_and_many_policies_over_a_few() {
    let engine = with_policies(
        "apiVersion: plimsoll.dev/v1\nkind: Policy\nrules:\n  - id: two-replicas\n    \
         match: {kinds: [apps/Deployment]}\n    expression: object.spec.replicas >= 2\n    \
         messageExpression: object.metadata.name + ' runs one replica'\n    path: spec.replicas\n",
        &["two-replicas"],
    );
    let report = engine
        .check(&texts(vec![("apps.yaml".to_owned(), deployments(120))]))
        .unwrap();
    assert_eq!(
        messages(&report),
        BTreeMap::from([(
            "two-replicas".to_owned(),
            [0, 50, 100]
                .map(|at| format!("app-{at} runs one replica"))
                .to_vec()
        )])
    );

    let rules: String = (0..100)
        .map(|at| {
            format!(
                "  - id: not-app-{at}\n    match: {{kinds: [apps/Deployment]}}\n    \
                 expression: object.metadata.name != 'app-{}'\n    message: app-{} is not wanted\n",
                at % 20,
                at % 20
            )
        })
        .collect();
    let ids: Vec<String> = (0..100).map(|at| format!("not-app-{at}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let engine = with_policies(
        &format!("apiVersion: plimsoll.dev/v1\nkind: Policy\nrules:\n{rules}"),
        &ids,
    );
    let report = engine
        .check(&texts(vec![("apps.yaml".to_owned(), deployments(20))]))
        .unwrap();
    assert_eq!(report.findings.len(), 100);
    for finding in &report.findings {
        let at: usize = finding.rule["not-app-".len()..].parse().unwrap();
        assert_eq!(
            finding.resource.as_ref().unwrap().name,
            format!("app-{}", at % 20)
        );
    }
}

/// One namespace of `count` applications whose PodDisruptionBudget and
/// NetworkPolicy select with `expression` (`{app}` standing for the
/// application); every 50th policy forgets DNS, every 50th budget is
/// missing.
fn selected_by(count: usize, expression: &str) -> String {
    let mut text = String::from("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n");
    for at in 0..count {
        let app = format!("app-{at}");
        let selector = expression.replace("{app}", &app);
        write!(
            text,
            "---\n{}",
            workload(&app, "shop", "registry.example.com/app:1.0")
                .replace("spec:\n  selector:", "spec:\n  replicas: 2\n  selector:")
                .replace("        app: ", "        tier: web\n        app: ")
        )
        .unwrap();
        let dns = if at % 50 == 0 {
            ""
        } else {
            "    - ports:\n        - {protocol: UDP, port: 53}\n"
        };
        write!(
            text,
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {app}\n  \
             namespace: shop\nspec:\n  podSelector:\n    {selector}\n  policyTypes: [Egress]\n  egress:\n    \
             - to:\n        - podSelector:\n            matchLabels: {{app: db}}\n{dns}"
        )
        .unwrap();
        if at % 50 != 1 {
            write!(
                text,
                "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {app}\n  \
                 namespace: shop\nspec:\n  minAvailable: 1\n  selector:\n    {selector}\n"
            )
            .unwrap();
        }
    }
    text
}

#[test]
fn selectors_with_expressions_find_their_pods() {
    let budget = |app: &str| {
        format!(
            "Deployment {app} runs up to 2 replicas in prod but no PodDisruptionBudget selects its pods"
        )
    };
    let dns = |app: &str| {
        format!(
            "NetworkPolicy {app} restricts egress, but no policy of namespace shop allows the pods of {app} DNS (port 53)"
        )
    };
    let expected = BTreeMap::from([
        (
            "disruption-budget".to_owned(),
            vec![budget("app-1"), budget("app-51"), budget("app-101")],
        ),
        (
            "network-policy-dns".to_owned(),
            vec![dns("app-0"), dns("app-50"), dns("app-100")],
        ),
    ]);
    for expression in [
        "matchExpressions: [{key: app, operator: In, values: [{app}, {app}-canary]}]",
        "matchExpressions: [{key: app, operator: In, values: [{app}-canary, {app}, {app}]}]",
        "matchExpressions: [{key: app, operator: In, values: [{app}]}, {key: track, operator: DoesNotExist}]",
    ] {
        let report = check_with(
            PROD,
            NAMESPACE_RULES,
            &[("prod/apps.yaml", selected_by(120, expression))],
        );
        assert_eq!(messages(&report), expected, "{expression}");
    }
    // A budget selecting by exclusion covers every other application; one
    // whose values name nobody points at nothing.
    let mut text = selected_by(
        120,
        "matchExpressions: [{key: app, operator: In, values: [{app}, {app}-canary]}]",
    );
    text.push_str(
        "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: all-but-app-1\n  \
         namespace: shop\nspec:\n  maxUnavailable: 1\n  selector:\n    \
         matchExpressions: [{key: app, operator: NotIn, values: [app-1]}]\n\
         ---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: nobody\n  \
         namespace: shop\nspec:\n  maxUnavailable: 1\n  selector:\n    \
         matchExpressions: [{key: app, operator: In, values: [gone, also-gone]}]\n",
    );
    let report = check_with(PROD, NAMESPACE_RULES, &[("prod/apps.yaml", text)]);
    let by_rule = messages(&report);
    assert_eq!(by_rule["disruption-budget"], [budget("app-1")]);
    let dangling: Vec<&str> = of_rule(&report, "dangling-reference")
        .iter()
        .map(|finding| finding.resource.as_ref().unwrap().name.as_str())
        .collect();
    assert_eq!(dangling, ["nobody"]);
}

#[test]
fn a_limit_range_per_application_bounds_every_container() {
    // Each application ships its own LimitRange; app-7's allows less CPU
    // than the containers limit, so every container is outside it.
    let mut text = String::from("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n");
    for at in 0..60 {
        let max = if at == 7 { "50m" } else { "2" };
        let cpu = if at == 30 { "3" } else { "100m" };
        write!(
            text,
            "---\n{}          resources:\n            requests: {{cpu: 10m, memory: 16Mi}}\n            \
             limits: {{cpu: \"{cpu}\", memory: 64Mi}}\n\
             ---\napiVersion: v1\nkind: LimitRange\nmetadata:\n  name: app-{at}\n  namespace: shop\n\
             spec:\n  limits:\n    - type: Container\n      max: {{cpu: \"{max}\", memory: 1Gi}}\n",
            workload(&format!("app-{at}"), "shop", "registry.example.com/app:1.0")
        )
        .unwrap();
    }
    let report = check_with("", &["quota-capacity"], &[("apps.yaml", text)]);
    let found = of_rule(&report, "quota-capacity");
    // Every container is above app-7's max; app-30's is above every
    // other's too.
    assert_eq!(found.len(), 60 + 59);
    let of_app_30: Vec<&str> = found
        .iter()
        .filter(|finding| finding.resource.as_ref().unwrap().name == "app-30")
        .map(|finding| finding.message.as_str())
        .collect();
    assert_eq!(of_app_30.len(), 60);
    assert!(of_app_30
        .iter()
        .all(|message| message.starts_with("container app limits cpu 3, above the max ")));
}

/// A Flux Kustomization depending on `depends`.
fn kustomization(name: &str, depends: &[String]) -> String {
    let mut text = format!(
        "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  \
         namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    \
         kind: GitRepository\n    name: flux-system\n"
    );
    if !depends.is_empty() {
        text.push_str("  dependsOn:\n");
        for name in depends {
            writeln!(text, "    - name: {name}").unwrap();
        }
    }
    text
}

/// The Kustomizations of `count` applications in dev, staging and prod,
/// each depending on its environment's infra; every tenth also on the
/// application's Kustomization of the environment before when `chained`.
fn kustomizations(count: usize, env: &str, before: Option<&str>, chained: bool) -> String {
    let mut text = kustomization(&format!("infra-{env}"), &[]);
    for at in 0..count {
        let mut depends = vec![format!("infra-{env}")];
        if let Some(before) = before.filter(|_| chained && at % 10 == 0) {
            depends.push(format!("app-{at}-{before}"));
        }
        text.push_str(&kustomization(&format!("app-{at}-{env}"), &depends));
    }
    text
}

#[test]
fn kustomizations_of_many_applications_depend_on_the_environment_before() {
    let graph = [
        ("dev", None),
        ("staging", Some("dev")),
        ("prod", Some("staging")),
    ];
    // One cluster: every application of staging and prod must wait for
    // its Kustomization of the environment before.
    let one_cluster: String = graph
        .iter()
        .map(|(env, before)| kustomizations(60, env, *before, true))
        .collect();
    let report = check_with(
        "",
        &["flux-depends-on"],
        &[("clusters/main/apps.yaml", one_cluster)],
    );
    let found = of_rule(&report, "flux-depends-on");
    assert_eq!(found.len(), 2 * 54 + 2);
    assert!(found.iter().any(|finding| finding.message
        == "Kustomization `app-1-prod` (prod) does not depend on `app-1-staging` (staging), \
            whose environment promotes to prod"));
    assert!(found.iter().any(|finding| finding.message
        == "Kustomization `infra-staging` (staging) does not depend on `infra-dev` (dev), \
            whose environment promotes to staging"));
    assert!(!found
        .iter()
        .any(|finding| finding.message.contains("`app-10-prod`")));

    // A cluster per environment: `dependsOn` cannot reach another
    // cluster, so nothing is expected.
    let files: Vec<(String, String)> = graph
        .iter()
        .map(|(env, before)| {
            (
                format!("clusters/{env}/apps.yaml"),
                kustomizations(60, env, *before, false),
            )
        })
        .collect();
    let files: Vec<(&str, String)> = files
        .iter()
        .map(|(name, text)| (name.as_str(), text.clone()))
        .collect();
    let report = check_with("", &["flux-depends-on"], &files);
    assert!(report.findings.is_empty(), "{:?}", messages(&report));
}
