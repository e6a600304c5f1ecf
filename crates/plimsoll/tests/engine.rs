//! The engine: configuration, suppressions, environments, determinism.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use plimsoll::render::json;
use plimsoll::rules::{Category, Rule, RuleMeta, Violation};
use plimsoll::{CheckError, Config, Engine, EngineOptions, Input, InputLimits, Report, Severity};

const UNPINNED_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop-prod
spec:
  containers:
    - name: shell
      image: busybox:1.37.0
";

fn config(text: &str) -> Config {
    Config::from_yaml(text, Path::new(".plimsoll.yaml")).unwrap()
}

/// The rules these tests look at; the guardrail packs have their own
/// fixtures, and leaving them out keeps each expectation to the point.
const CORE_RULES: &[&str] = &[
    "manifest-shape",
    "duplicate-resource",
    "image-digest",
    "image-latest",
    "plaintext-secret",
];

fn run(config: Config, mut options: EngineOptions, files: &[(&str, &str)]) -> Report {
    if options.select.is_empty() {
        options.select = CORE_RULES
            .iter()
            .map(|id| (*id).to_owned())
            .filter(|id| !options.ignore.contains(id))
            .collect();
    }
    let engine = Engine::new(config, options).unwrap();
    let inputs: Vec<Input> = files
        .iter()
        .map(|(name, text)| Input::Text {
            name: (*name).into(),
            text: (*text).into(),
        })
        .collect();
    engine.check(&inputs).unwrap()
}

fn rules(report: &Report) -> Vec<String> {
    report.findings.iter().map(|f| f.rule.to_string()).collect()
}

#[test]
fn findings_carry_file_position_resource_environment_and_source() {
    let text = format!("---\n# Source: shop/templates/pod.yaml\n{UNPINNED_POD}");
    let report = run(
        Config::default(),
        EngineOptions::default(),
        &[("envs/production/pod.yaml", &text)],
    );
    let finding = &report.findings[0];
    assert_eq!(finding.rule, "image-digest");
    assert_eq!(finding.file, "envs/production/pod.yaml");
    assert_eq!(
        (finding.span.start.line, finding.span.start.column),
        (11, 14)
    );
    assert_eq!((finding.span.end.line, finding.span.end.column), (11, 28));
    assert_eq!(finding.source.as_deref(), Some("shop/templates/pod.yaml"));
    assert_eq!(finding.environment.as_deref(), Some("prod"));
    assert_eq!(finding.path.as_deref(), Some("/spec/containers/0/image"));
    let resource = finding.resource.as_ref().unwrap();
    assert_eq!(resource.to_string(), "Pod shop-prod/debug");
    assert_eq!(report.summary.documents, 1);
}

#[test]
fn environments_resolve_in_the_spec_order() {
    let namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n  labels:\n    acme.io/environment: staging\n";
    let pod_in = |ns: &str| UNPINNED_POD.replace("shop-prod", ns);
    let cfg = config(
        "environments:\n  - name: dev\n    namespaces: [team-a]\n    promotesTo: [staging]\n  - name: staging\n    promotesTo: [prod]\n  - name: prod\n    aliases: [live]\n    paths: [\"clusters/main/**\"]\n",
    );
    let report = run(
        cfg.clone(),
        EngineOptions::default(),
        &[
            ("clusters/main/pod.yaml", &pod_in("x")),
            ("apps/a.yaml", &pod_in("team-a")),
            ("apps/b.yaml", &pod_in("payments")),
            ("apps/c.yaml", &pod_in("shop-live")),
            ("apps/d.yaml", &pod_in("reproduce")),
            ("infra/namespace.yaml", namespace),
        ],
    );
    let environments: Vec<(String, Option<String>)> = report
        .findings
        .iter()
        .map(|f| (f.file.clone(), f.environment.clone()))
        .collect();
    assert_eq!(
        environments,
        [
            ("apps/a.yaml".into(), Some("dev".into())),
            ("apps/b.yaml".into(), Some("staging".into())),
            ("apps/c.yaml".into(), Some("prod".into())),
            ("apps/d.yaml".into(), None),
            ("clusters/main/pod.yaml".into(), Some("prod".into())),
        ]
    );
    // --env wins over everything.
    let options = EngineOptions {
        environment: Some("live".into()),
        ..EngineOptions::default()
    };
    let report = run(cfg, options, &[("apps/a.yaml", &pod_in("team-a"))]);
    assert_eq!(report.findings[0].environment.as_deref(), Some("prod"));
}

#[test]
fn config_turns_rules_off_overrides_severity_and_limits_environments() {
    let files = [
        ("envs/dev/pod.yaml", UNPINNED_POD),
        ("envs/prod/pod.yaml", UNPINNED_POD),
    ];
    let report = run(
        config("rules:\n  image-digest: warning\n"),
        EngineOptions::default(),
        &files,
    );
    assert!(report
        .findings
        .iter()
        .all(|f| f.severity == Severity::Warning));
    assert_eq!(report.summary.warnings, 2);

    let report = run(
        config("rules:\n  image-digest: off\n"),
        EngineOptions::default(),
        &files,
    );
    assert!(report.findings.is_empty());

    let report = run(
        config("images: {requireDigest: false}\n"),
        EngineOptions::default(),
        &files,
    );
    assert!(report.findings.is_empty());

    for limited in [
        "rules:\n  image-digest: {severity: error, environments: [production]}\n",
        "images: {requireDigest: [prod]}\n",
    ] {
        let report = run(config(limited), EngineOptions::default(), &files);
        let where_: Vec<_> = report.findings.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(where_, ["envs/prod/pod.yaml"], "{limited}");
    }
}

#[test]
fn select_and_ignore_choose_rules() {
    let secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: dg==}\n";
    let files = [("pod.yaml", UNPINNED_POD), ("secret.yaml", secret)];
    let options = EngineOptions {
        select: vec!["plaintext-secret".into()],
        ..EngineOptions::default()
    };
    assert_eq!(
        rules(&run(Config::default(), options, &files)),
        ["plaintext-secret"]
    );
    let options = EngineOptions {
        ignore: vec!["plaintext-secret".into()],
        ..EngineOptions::default()
    };
    assert_eq!(
        rules(&run(Config::default(), options, &files)),
        ["image-digest"]
    );
}

#[test]
fn suppressions_hide_and_count_findings() {
    let annotated = UNPINNED_POD.replace(
        "  namespace: shop-prod\n",
        "  namespace: shop-prod\n  annotations:\n    plimsoll.dev/ignore: \"image-latest, image-digest\"\n    plimsoll.dev/ignore-reason: debugging only\n",
    );
    let line_above = UNPINNED_POD.replace(
        "      image: busybox",
        "      # plimsoll: ignore[image-digest] reviewed in PLAT-12\n      image: busybox",
    );
    let same_line = UNPINNED_POD.replace(
        "busybox:1.37.0",
        "busybox:1.37.0 # plimsoll: ignore[image-digest]",
    );
    let whole_file = format!("# plimsoll: ignore-file[image-digest]\n{UNPINNED_POD}");
    let other_rule = UNPINNED_POD.replace(
        "busybox:1.37.0",
        "busybox:1.37.0 # plimsoll: ignore[image-latest]",
    );
    let report = run(
        Config::default(),
        EngineOptions::default(),
        &[
            ("a.yaml", &annotated.replace("debug", "a")),
            ("b.yaml", &line_above.replace("debug", "b")),
            ("c.yaml", &same_line.replace("debug", "c")),
            ("d.yaml", &whole_file.replace("debug", "d")),
            ("e.yaml", &other_rule.replace("debug", "e")),
        ],
    );
    let files: Vec<_> = report.findings.iter().map(|f| f.file.as_str()).collect();
    assert_eq!(files, ["e.yaml"]);
    assert_eq!(report.summary.suppressed, 4);
}

#[test]
fn list_items_are_objects_with_prefixed_paths() {
    let list = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {name: a}\n    spec:\n      containers: [{name: c, image: nginx}]\n";
    let report = run(
        Config::default(),
        EngineOptions::default(),
        &[("list.yaml", list)],
    );
    let paths: Vec<_> = report
        .findings
        .iter()
        .map(|f| f.path.as_deref().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "/items/0/spec/containers/0/image",
            "/items/0/spec/containers/0/image"
        ]
    );
    assert_eq!(report.findings[0].resource.as_ref().unwrap().name, "a");

    let nested = r#"{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"k": "dg=="}}]}]}"#;
    let report = run(
        Config::default(),
        EngineOptions::default(),
        &[("nested.json", nested)],
    );
    assert_eq!(rules(&report), ["plaintext-secret"]);
    assert_eq!(
        report.findings[0].path.as_deref(),
        Some("/items/0/items/0/data")
    );
}

fn json_of(report: &Report) -> String {
    let mut out = Vec::new();
    json::render(report, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn output_is_identical_across_jobs_and_input_order() {
    let mut files: Vec<(String, String)> = Vec::new();
    for i in 0..40 {
        let env = ["dev", "staging", "prod"][i % 3];
        let text = format!(
            "{}---\napiVersion: v1\nkind: Secret\nmetadata: {{name: s{}, namespace: ns-{env}}}\ndata: {{k: dg==}}\n",
            UNPINNED_POD.replace("debug", &format!("pod-{i}")),
            i % 7
        );
        files.push((format!("envs/{env}/file-{i:02}.yaml"), text));
    }
    let as_inputs = |files: &[(String, String)]| -> Vec<Input> {
        files
            .iter()
            .map(|(name, text)| Input::Text {
                name: name.clone(),
                text: text.clone(),
            })
            .collect()
    };
    let engine = |jobs| {
        Engine::new(
            Config::default(),
            EngineOptions {
                jobs: Some(jobs),
                ..EngineOptions::default()
            },
        )
        .unwrap()
    };
    let one = json_of(&engine(1).check(&as_inputs(&files)).unwrap());
    let two = json_of(&engine(2).check(&as_inputs(&files)).unwrap());
    files.reverse();
    let reversed = json_of(&engine(4).check(&as_inputs(&files)).unwrap());
    assert_eq!(one, two);
    assert_eq!(one, reversed);
    assert!(one.contains("duplicate-resource"));
}

#[test]
fn a_run_without_source_lines_reports_the_same_findings_and_keeps_no_line() {
    let files = [("a.yaml", UNPINNED_POD), ("b.yaml", UNPINNED_POD)];
    let with_lines = run(Config::default(), EngineOptions::default(), &files);
    let without = run(
        Config::default(),
        EngineOptions {
            skip_source_lines: true,
            ..EngineOptions::default()
        },
        &files,
    );
    assert_eq!(json_of(&with_lines), json_of(&without));
    // A rule on each document and one on the whole input (the duplicate).
    assert!(rules(&with_lines).contains(&"image-digest".to_owned()));
    assert!(rules(&with_lines).contains(&"duplicate-resource".to_owned()));
    for finding in &with_lines.findings {
        let line = finding.span.start.line;
        assert!(
            with_lines.source_line(&finding.file, line).is_some(),
            "{finding}"
        );
        assert_eq!(without.source_line(&finding.file, line), None, "{finding}");
    }
}

#[test]
fn a_rule_that_panics_becomes_a_finding() {
    let broken = Rule::document(
        RuleMeta {
            id: "always-panics".into(),
            category: Category::Custom,
            default_severity: Severity::Warning,
            summary: "test rule".into(),
            rationale: "".into(),
            fix: "".into(),
            bad: "".into(),
            good: "".into(),
        },
        |context, sink| {
            if context.object.identity.kind == "Pod" {
                panic!("boom");
            }
            sink.push(Violation::at_value(context.object, "", "unreachable"));
        },
    );
    let mut rules = plimsoll::rules::builtin();
    rules.push(broken);
    let options = EngineOptions {
        select: vec!["always-panics".into()],
        ..EngineOptions::default()
    };
    let engine = Engine::with_rules(Config::default(), options, rules).unwrap();
    let report = engine
        .check(&[Input::Text {
            name: "pod.yaml".into(),
            text: UNPINNED_POD.into(),
        }])
        .unwrap();
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].severity, Severity::Error);
    assert!(report.findings[0]
        .message
        .contains("internal error in rule always-panics"));
    assert!(report.findings[0].message.contains("boom"));
}

#[test]
fn set_rules_see_an_index_by_kind_namespace_name_and_label() {
    use std::sync::{Arc, Mutex};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let probe = Rule::set(
        RuleMeta {
            id: "index-probe".into(),
            category: Category::Custom,
            default_severity: Severity::Info,
            summary: "test rule".into(),
            rationale: "".into(),
            fix: "".into(),
            bad: "".into(),
            good: "".into(),
        },
        move |context, _sink| {
            let index = context.index;
            let environment = context.environment.map(|e| e.name.clone());
            record.lock().unwrap().push((
                environment,
                index.all().len(),
                index.of_kind("Pod").count(),
                index.in_namespace("shop-prod").count(),
                index.named("Pod", Some("shop-prod"), "debug").count(),
                index.with_label("app", "web").len(),
            ));
        },
    );
    let mut rules = plimsoll::rules::builtin();
    rules.push(probe);
    let options = EngineOptions {
        select: vec!["index-probe".into()],
        ..EngineOptions::default()
    };
    let engine = Engine::with_rules(Config::default(), options, rules).unwrap();
    let labelled = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop-prod\n  labels: {app: web}\n";
    let elsewhere = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loose}\n";
    let inputs = [
        Input::Text {
            name: "a.yaml".into(),
            text: UNPINNED_POD.into(),
        },
        Input::Text {
            name: "b.yaml".into(),
            text: labelled.into(),
        },
        Input::Text {
            name: "c.yaml".into(),
            text: elsewhere.into(),
        },
    ];
    engine.check(&inputs).unwrap();
    let mut seen = seen.lock().unwrap().clone();
    seen.sort();
    assert_eq!(
        seen,
        [
            (None, 1, 0, 0, 0, 0),
            (Some("prod".to_owned()), 2, 1, 2, 1, 1)
        ]
    );
}

#[test]
fn inputs_past_the_run_limits_stop_with_an_error() {
    let files: Vec<Input> = (0..4)
        .map(|at| Input::Text {
            name: format!("f{at}.yaml"),
            text: "a: 1\n---\nb: 2\n".into(),
        })
        .collect();
    let check = |limits: InputLimits| {
        let options = EngineOptions {
            input_limits: limits,
            ..EngineOptions::default()
        };
        Engine::new(config(""), options).unwrap().check(&files)
    };
    // Eight documents and 56 bytes: exactly at the limits passes.
    let at_the_limit = check(InputLimits {
        max_documents: 8,
        max_input_bytes: 56,
    });
    assert_eq!(at_the_limit.unwrap().summary.documents, 8);
    let documents = check(InputLimits {
        max_documents: 7,
        ..InputLimits::default()
    });
    assert!(
        matches!(
            documents,
            Err(CheckError::TooLarge {
                what: "documents",
                limit: 7,
                ..
            })
        ),
        "{documents:?}"
    );
    let bytes = check(InputLimits {
        max_input_bytes: 55,
        ..InputLimits::default()
    });
    assert!(
        matches!(bytes, Err(CheckError::TooLarge { what: "MiB", .. })),
        "{bytes:?}"
    );
}
