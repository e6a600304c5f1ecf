//! The machine formats round-trip: SARIF validates against the official
//! SARIF 2.1.0 schema (vendored in `schemas/sarif/`), JUnit parses as XML
//! with every hostile string intact, and GitHub workflow commands parse
//! back through the runner's escaping grammar.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use plimsoll::render::{github, json, junit, sarif};
use plimsoll::source::{Position, Span};
use plimsoll::{
    CheckedFile, Config, Engine, EngineOptions, Finding, Input, Report, ResourceRef, Severity,
};
use serde_json::Value;

const MANIFESTS: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: tools
spec:
  containers:
    - name: shell
      image: busybox:latest
    - name: tools
      # plimsoll: ignore[image-latest] a throwaway debug pod
      image: nicolaka/netshoot
---
apiVersion: v1
kind: Secret
metadata:
  name: db
data:
  password: aHVudGVyMg==
";

fn report() -> (Engine, Report) {
    // The rules the expectations below are about; the guardrail packs have
    // their own fixtures.
    let options = EngineOptions {
        select: [
            "yaml-syntax",
            "manifest-shape",
            "image-digest",
            "image-latest",
            "plaintext-secret",
        ]
        .map(String::from)
        .to_vec(),
        ..EngineOptions::default()
    };
    let engine = Engine::new(Config::default(), options).unwrap();
    let inputs = [
        Input::Text {
            name: "envs/prod/debug pod.yaml".into(),
            text: MANIFESTS.into(),
        },
        Input::Text {
            name: "broken.yaml".into(),
            text: "kind: ConfigMap\na: [1,\n".into(),
        },
        Input::Text {
            name: "clean.yaml".into(),
            text: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n".into(),
        },
    ];
    let report = engine.check(&inputs).unwrap();
    (engine, report)
}

/// Text that breaks naive XML, workflow-command and JSON writers.
const HOSTILE: &str =
    "a<b>&c \"quoted\" 'single' ]]> <!-- %25 %0A 100% :,; \r\n second line \t tab \u{1}\u{1b}[31m é 漢字 😀";

fn hostile_report() -> Report {
    let resource = ResourceRef {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: Some("ns,with:colons".into()),
        name: HOSTILE.into(),
    };
    let file = format!("dir,with:colon/{}.yaml", "x%y");
    let span = Span {
        start: Position {
            line: 3,
            column: 5,
            offset: 20,
        },
        end: Position {
            line: 3,
            column: 9,
            offset: 24,
        },
    };
    let mut finding = Finding::new(
        "image-latest",
        Severity::Warning,
        HOSTILE,
        file.clone(),
        span,
    );
    finding.help = Some(HOSTILE.into());
    finding.source = Some(HOSTILE.into());
    finding.resource = Some(resource.clone());
    finding.environment = Some("prod".into());
    finding.path = Some("/data/a~1b".into());
    let mut report = Report::default();
    report.findings.push(finding);
    report.files.push(CheckedFile {
        path: file,
        resources: vec![resource],
    });
    report.recount();
    report
}

fn sarif_validator() -> jsonschema::Validator {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/sarif/sarif-schema-2.1.0.json");
    let mut schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // The published schema's `language` patterns (of `run` and
    // `toolComponent`) have a stray `]`, which ECMA-262 regexes read as a
    // literal but Rust's regex engines reject; escape it so the schema
    // compiles (we never write `language`).
    for owner in ["run", "toolComponent"] {
        let pattern = &mut schema["definitions"][owner]["properties"]["language"]["pattern"];
        assert_eq!(pattern, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$");
        *pattern = Value::from("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$");
    }
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid_sarif(log: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");
}

fn render_sarif(report: &Report, engine: &Engine) -> Value {
    let mut out = Vec::new();
    sarif::render(
        report,
        engine.rules(),
        sarif::SarifOptions::default(),
        &mut out,
    )
    .unwrap();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn sarif_is_valid_and_complete() {
    let (engine, report) = report();
    assert!(report.summary.suppressed >= 1, "{:?}", report.summary);
    let log = render_sarif(&report, &engine);
    assert_valid_sarif(&log);

    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), engine.rules().len());
    let digest = rules.iter().find(|r| r["id"] == "image-digest").unwrap();
    assert_eq!(digest["defaultConfiguration"]["level"], "error");
    assert!(digest["helpUri"]
        .as_str()
        .unwrap()
        .ends_with("docs/rules.md#image-digest"));
    assert!(!digest["shortDescription"]["text"]
        .as_str()
        .unwrap()
        .is_empty());
    assert!(!digest["fullDescription"]["text"]
        .as_str()
        .unwrap()
        .is_empty());
    assert!(digest["help"]["markdown"]
        .as_str()
        .unwrap()
        .contains("## image-digest"));

    let results = run["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        report.findings.len() + report.suppressed.len()
    );
    let latest = results
        .iter()
        .find(|r| r["ruleId"] == "image-latest" && r["suppressions"].is_null())
        .unwrap();
    let index = latest["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], "image-latest");
    let location = &latest["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "envs/prod/debug%20pod.yaml"
    );
    assert_eq!(location["region"]["startLine"], 9);
    assert_eq!(location["region"]["startColumn"], 14);
    assert_eq!(location["region"]["endColumn"], 28);
    assert_eq!(
        latest["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "Pod tools/debug"
    );
    assert_eq!(
        latest["partialFingerprints"]["plimsoll/v1"]
            .as_str()
            .unwrap()
            .len(),
        16
    );
    let suppressed = results
        .iter()
        .find(|r| r["ruleId"] == "image-latest" && !r["suppressions"].is_null())
        .unwrap();
    assert_eq!(suppressed["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        suppressed["suppressions"][0]["justification"],
        "a throwaway debug pod"
    );
    assert_eq!(
        suppressed["locations"][0]["physicalLocation"]["region"]["startLine"],
        12
    );
    // A YAML error has a location but no resource.
    let syntax = results
        .iter()
        .find(|r| r["ruleId"] == "yaml-syntax")
        .unwrap();
    assert!(syntax["locations"][0]["logicalLocations"].is_null());
}

#[test]
fn sarif_keeps_hostile_text_and_stays_valid() {
    let (engine, _) = report();
    let log = render_sarif(&hostile_report(), &engine);
    assert_valid_sarif(&log);
    let result = &log["runs"][0]["results"][0];
    assert!(result["message"]["text"]
        .as_str()
        .unwrap()
        .starts_with(HOSTILE));
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "dir,with:colon/x%25y.yaml"
    );
}

#[test]
fn sarif_of_an_empty_report_is_valid() {
    let (engine, _) = report();
    let log = render_sarif(&Report::default(), &engine);
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"], Value::Array(Vec::new()));
}

/// GitHub code scanning takes 25,000 results per run: a generated input
/// with more findings gives a valid log of 25,000 results, errors first,
/// the last a note saying how many were left out.
#[test]
fn sarif_holds_at_most_what_code_scanning_accepts() {
    let containers: String = (0..12_600)
        .map(|at| format!("    - {{name: c{at}, image: busybox:latest}}\n"))
        .collect();
    let text = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: many, namespace: tools}}\nspec:\n  containers:\n{containers}"
    );
    let options = EngineOptions {
        select: ["image-digest", "image-latest"].map(String::from).to_vec(),
        ..EngineOptions::default()
    };
    let engine = Engine::new(Config::default(), options).unwrap();
    let input = Input::Text {
        name: "envs/prod/many.yaml".into(),
        text,
    };
    let mut report = engine.check(&[input]).unwrap();
    assert_eq!(report.summary.errors, 25_200);
    // A warning that sorts before every error in file order.
    let mut warning = hostile_report().findings.remove(0);
    warning.file = "a.yaml".into();
    warning.message = "the warning".into();
    report.findings.insert(0, warning);
    report.recount();

    let log = render_sarif(&report, &engine);
    assert_valid_sarif(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), sarif::GITHUB_MAX_RESULTS);
    assert!(results[..24_999]
        .iter()
        .all(|result| result["level"] == "error"));
    let note = &results[24_999];
    assert_eq!(note["ruleId"], sarif::LEFT_OUT_RULE);
    assert_eq!(note["level"], "note");
    assert!(note["message"]["text"]
        .as_str()
        .unwrap()
        .starts_with("202 more results were left out of this log, which holds at most 25000"));
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let index = note["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], sarif::LEFT_OUT_RULE);
}

/// Baselined findings are results only when asked for; findings suppressed
/// in the source always are.
#[test]
fn sarif_leaves_baselined_findings_out_unless_asked() {
    let (engine, mut report) = report();
    let in_source = report.suppressed.len();
    let baselined = report.findings.remove(0);
    report.suppressed.push(plimsoll::SuppressedFinding::new(
        baselined,
        plimsoll::SuppressedBy::Baseline,
        None,
    ));
    report.recount();
    let kinds = |options: sarif::SarifOptions| -> Vec<String> {
        let mut out = Vec::new();
        sarif::render(&report, engine.rules(), options, &mut out).unwrap();
        let log: Value = serde_json::from_slice(&out).unwrap();
        assert_valid_sarif(&log);
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|result| result["suppressions"][0]["kind"].as_str())
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(
        kinds(sarif::SarifOptions::default()),
        vec!["inSource"; in_source]
    );
    let mut with_baseline = vec!["inSource".to_owned(); in_source];
    with_baseline.push("external".to_owned());
    assert_eq!(
        kinds(sarif::SarifOptions::default().including_baselined(true)),
        with_baseline
    );
}

/// `--show-suppressed`: the JSON report lists what was hidden, and by what.
#[test]
fn json_lists_suppressed_findings_when_asked() {
    let (_, report) = report();
    let render = |options: json::JsonOptions| -> Value {
        let mut out = Vec::new();
        json::render_with(&report, options, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    };
    assert!(render(json::JsonOptions::default())
        .get("suppressed")
        .is_none());
    let shown = render(json::JsonOptions::default().showing_suppressed(true));
    let suppressed = shown["suppressed"].as_array().unwrap();
    assert_eq!(suppressed.len(), report.suppressed.len());
    assert_eq!(suppressed[0]["rule"], "image-latest");
    assert_eq!(suppressed[0]["suppressedBy"], "comment");
    assert_eq!(suppressed[0]["reason"], "a throwaway debug pod");
    assert_eq!(suppressed[0]["line"], 12);
}

/// An annotation's reason is `plimsoll.dev/ignore-reason`; a suppression
/// without one has no `reason`.
#[test]
fn suppressions_keep_the_reason_written_with_them() {
    let text = "\
apiVersion: v1
kind: Pod
metadata:
  name: debug
  annotations:
    plimsoll.dev/ignore: image-latest
    plimsoll.dev/ignore-reason: pinned by the debug tooling team
spec:
  containers:
    - {name: shell, image: busybox:latest}
---
apiVersion: v1
kind: Pod
metadata: {name: other}
spec:
  containers:
    # plimsoll: ignore[image-latest]
    - {name: shell, image: busybox:latest}
";
    let options = EngineOptions {
        select: vec!["image-latest".to_owned()],
        ..EngineOptions::default()
    };
    let engine = Engine::new(Config::default(), options).unwrap();
    let report = engine
        .check(&[Input::Text {
            name: "pods.yaml".into(),
            text: text.into(),
        }])
        .unwrap();
    let reasons: Vec<(plimsoll::SuppressedBy, Option<&str>)> = report
        .suppressed
        .iter()
        .map(|item| (item.by, item.reason.as_deref()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                plimsoll::SuppressedBy::Annotation,
                Some("pinned by the debug tooling team")
            ),
            (plimsoll::SuppressedBy::Comment, None),
        ]
    );
}

/// What XML 1.0 can carry of `text`: control characters become U+FFFD.
fn xml_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

fn render_junit(report: &Report) -> String {
    let mut out = Vec::new();
    junit::render(report, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn junit_has_a_suite_per_file_and_a_case_per_resource() {
    let (_, report) = report();
    let xml = render_junit(&report);
    let document = roxmltree::Document::parse(&xml).unwrap();
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    // Failures count failing testcases: the pod, the Secret and the
    // broken file, whatever number of findings each has.
    assert_eq!(root.attribute("failures"), Some("3"));
    assert_eq!(root.attribute("tests"), Some("4"));
    let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    let names: Vec<&str> = suites
        .iter()
        .map(|s| s.attribute("name").unwrap())
        .collect();
    assert_eq!(
        names,
        ["broken.yaml", "clean.yaml", "envs/prod/debug pod.yaml"]
    );

    let manifests = suites[2];
    assert_eq!(manifests.attribute("failures"), Some("2"));
    let cases: Vec<_> = manifests.children().filter(|n| n.is_element()).collect();
    let case_names: Vec<&str> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
    assert_eq!(case_names, ["Pod tools/debug", "Secret db"]);
    let pod_failures: Vec<_> = cases[0]
        .children()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    // One failure listing image-digest and image-latest for busybox:latest
    // and image-digest for netshoot; the second image-latest is suppressed
    // by the comment.
    assert_eq!(pod_failures.len(), 1);
    let failure = pod_failures[0];
    assert_eq!(failure.attribute("type"), Some("error"));
    assert_eq!(
        failure.attribute("message"),
        Some("3 findings: image-digest, image-latest")
    );
    let listed: Vec<&str> = failure.text().unwrap().split("\n\n").collect();
    assert_eq!(listed.len(), 3, "{listed:#?}");
    assert!(listed
        .iter()
        .any(|text| text.starts_with("envs/prod/debug pod.yaml:9:14: error [image-latest]")));

    // The clean file is a passing testcase; the broken one fails on its own name.
    let clean_cases: Vec<_> = suites[1].children().filter(|n| n.is_element()).collect();
    assert_eq!(clean_cases.len(), 1);
    assert_eq!(
        clean_cases[0].children().filter(|n| n.is_element()).count(),
        0
    );
    let broken_case = suites[0].children().find(|n| n.is_element()).unwrap();
    assert_eq!(broken_case.attribute("name"), Some("broken.yaml"));
    assert!(broken_case.children().any(|n| n.has_tag_name("failure")));
}

#[test]
fn junit_is_well_formed_for_hostile_text() {
    let xml = render_junit(&hostile_report());
    let document = roxmltree::Document::parse(&xml).unwrap();
    let suite = document.root_element().first_element_child().unwrap();
    assert_eq!(suite.attribute("name"), Some("dir,with:colon/x%y.yaml"));
    let case = suite.first_element_child().unwrap();
    assert_eq!(
        case.attribute("name").unwrap(),
        xml_safe(&format!("ConfigMap ns,with:colons/{HOSTILE}"))
    );
    let failure = case.first_element_child().unwrap();
    assert_eq!(
        failure.attribute("message").unwrap(),
        "1 finding: image-latest"
    );
    let text = failure.text().unwrap();
    assert!(
        text.contains(&xml_safe(&format!("help: {HOSTILE}"))),
        "{text}"
    );
}

/// Decodes escapes left to right, as the runner does.
fn unescape(text: &str, escapes: &[(&str, char)]) -> String {
    let mut out = String::new();
    let mut rest = text;
    'outer: while let Some(c) = rest.chars().next() {
        for (escape, replacement) in escapes {
            if let Some(after) = rest.strip_prefix(escape) {
                out.push(*replacement);
                rest = after;
                continue 'outer;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Parses one workflow command as the Actions runner does: `::name
/// key=value,...::data`, unescaping `%25`, `%0D`, `%0A` (and `%3A`, `%2C` in
/// property values).
fn parse_command(line: &str) -> (String, Vec<(String, String)>, String) {
    let rest = line.strip_prefix("::").unwrap();
    let (head, data) = rest.split_once("::").unwrap();
    let (name, properties) = head.split_once(' ').unwrap_or((head, ""));
    let unescape_data = |text: &str| unescape(text, &[("%25", '%'), ("%0D", '\r'), ("%0A", '\n')]);
    let unescape_property = |text: &str| {
        unescape(
            text,
            &[
                ("%25", '%'),
                ("%0D", '\r'),
                ("%0A", '\n'),
                ("%3A", ':'),
                ("%2C", ','),
            ],
        )
    };
    let properties = properties
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap();
            (key.to_owned(), unescape_property(value))
        })
        .collect();
    (name.to_owned(), properties, unescape_data(data))
}

#[test]
fn github_commands_parse_back() {
    let report = hostile_report();
    let mut out = Vec::new();
    github::render(&report, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "a command never spans lines, and the totals come last: {text:?}"
    );
    let (name, properties, data) = parse_command(lines[0]);
    assert_eq!(name, "warning");
    let get = |key: &str| {
        properties
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("file"), Some("dir,with:colon/x%y.yaml"));
    assert_eq!(get("line"), Some("3"));
    assert_eq!(get("col"), Some("5"));
    assert_eq!(get("endLine"), Some("3"));
    assert_eq!(get("endColumn"), Some("9"));
    assert_eq!(get("title"), Some("plimsoll [image-latest]"));
    assert_eq!(data, format!("{HOSTILE}\nhelp: {HOSTILE}"));
}

#[test]
fn github_levels_follow_severity() {
    let (_, report) = report();
    let mut out = Vec::new();
    github::render(&report, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let mut expected: Vec<&Finding> = report.findings.iter().collect();
    expected.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), expected.len() + 1, "{text}");
    for (line, finding) in lines.iter().zip(&expected) {
        let (name, _, data) = parse_command(line);
        let expected = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        assert_eq!(name, expected);
        assert!(data.starts_with(&finding.message));
    }
    let (name, properties, data) = parse_command(lines[expected.len()]);
    assert_eq!(name, "notice");
    assert_eq!(properties, [("title".to_owned(), "plimsoll".to_owned())]);
    assert!(
        data.starts_with("Found 5 errors, 0 warnings and 0 infos"),
        "{data}"
    );
}

/// A report of `count` findings of each severity, in file order with the
/// infos first, so that ordering by severity shows.
fn report_of_every_severity(count: usize) -> Report {
    let mut report = Report::default();
    let template = hostile_report().findings.remove(0);
    for (at, severity) in [Severity::Info, Severity::Warning, Severity::Error]
        .into_iter()
        .enumerate()
    {
        for line in 0..count {
            let mut finding = template.clone();
            finding.severity = severity;
            finding.message = format!("{severity} {line}");
            finding.file = format!("{at}.yaml");
            finding.span.start.line = u32::try_from(line + 1).unwrap();
            finding.span.end.line = finding.span.start.line;
            report.findings.push(finding);
        }
    }
    report.summary.files = 3;
    report.recount();
    report
}

/// GitHub shows 10 annotations of each level per step: the first 10
/// errors and 10 warnings, 9 infos and the totals are what gets written.
#[test]
fn github_annotations_stay_within_what_github_shows() {
    let report = report_of_every_severity(25);
    let mut out = Vec::new();
    github::render(&report, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let commands: Vec<(String, String)> = text
        .lines()
        .map(|line| {
            let (name, _, data) = parse_command(line);
            (name, data)
        })
        .collect();
    let names: Vec<&str> = commands.iter().map(|(name, _)| name.as_str()).collect();
    let mut expected = vec!["error"; 10];
    expected.extend(["warning"; 10]);
    expected.extend(["notice"; 10]);
    assert_eq!(names, expected);
    assert!(commands[0].1.starts_with("error 0"), "{:?}", commands[0]);
    assert!(
        commands[10].1.starts_with("warning 0"),
        "{:?}",
        commands[10]
    );
    let (_, totals) = &commands[29];
    assert!(
        totals.starts_with("Found 25 errors, 25 warnings and 25 infos in 3 files")
            && totals
                .contains(" 46 not annotated: GitHub shows 10 annotations of each level per step"),
        "{totals}"
    );
}

#[test]
fn the_step_summary_counts_findings_per_rule() {
    let (_, report) = report();
    let mut out = Vec::new();
    github::render_step_summary(&report, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let image_digest = "| [`image-digest`](https://github.com/plimsoll-dev/plimsoll/blob/main/docs/rules.md#image-digest) | 2 | 0 | 0 |";
    assert!(text.starts_with("### plimsoll\n\nFound 5 errors"), "{text}");
    assert!(
        text.contains("| Rule | Errors | Warnings | Infos |\n|---|---:|---:|---:|\n"),
        "{text}"
    );
    // Most errors first.
    let first_row = text.lines().find(|line| line.starts_with("| [")).unwrap();
    assert_eq!(first_row, image_digest, "{text}");
    assert_eq!(
        text.lines().filter(|line| line.starts_with("| [")).count(),
        4,
        "{text}"
    );
}

/// A finding on its own serializes as its entry of the JSON report, and
/// displays as its line of the concise format.
#[test]
fn a_finding_alone_is_its_json_entry_and_its_concise_line() {
    let (_, report) = report();
    let mut json_report = Vec::new();
    json::render(&report, &mut json_report).unwrap();
    let json_report: Value = serde_json::from_slice(&json_report).unwrap();
    let mut concise = Vec::new();
    plimsoll::render::concise::render(&report, true, &mut concise).unwrap();
    let concise = String::from_utf8(concise).unwrap();
    assert!(report.findings.len() >= 3);
    for (at, finding) in report.findings.iter().enumerate() {
        assert_eq!(
            serde_json::to_value(finding).unwrap(),
            json_report["findings"][at]
        );
        assert_eq!(Some(finding.to_string().as_str()), concise.lines().nth(at));
    }
}
