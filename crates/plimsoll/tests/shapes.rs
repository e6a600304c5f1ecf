//! Shapes of input that once made a run grow with the square of its size
//! (issue 19), at a size small enough for a test: their findings, not their
//! timing (`benches/shapes.sh` measures that at n and 2n).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

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
