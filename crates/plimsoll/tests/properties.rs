//! Properties that hold for any input: no panic, positions inside the file
//! and consistent with their byte offsets, output independent of layout.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use plimsoll::source::LineIndex;
use plimsoll::yaml::{parse_stream, Limits};
use plimsoll::{CheckError, Config, Engine, EngineOptions, Finding, Input, Report};
use proptest::prelude::*;

fn engine() -> Engine {
    Engine::new(Config::default(), EngineOptions::default()).unwrap()
}

fn check_text(name: &str, text: &str) -> Report {
    engine()
        .check(&[Input::Text {
            name: name.into(),
            text: text.into(),
        }])
        .unwrap()
}

/// A finding's span lies in its file, and its line/column agree with its
/// byte offset.
fn assert_positions_consistent(finding: &Finding, text: &str) {
    let index = LineIndex::new(text);
    for position in [finding.span.start, finding.span.end] {
        assert!(position.offset as usize <= text.len(), "{finding:?}");
        let expected = index.position(text, position.offset as usize);
        assert_eq!(
            (position.line, position.column),
            (expected.line, expected.column),
            "{}: {finding:?}",
            finding.rule
        );
    }
    assert!(finding.span.start <= finding.span.end, "{finding:?}");
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(path);
        }
    }
}

#[test]
fn every_finding_on_the_fixtures_points_inside_its_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    let mut files = Vec::new();
    yaml_files(&root, &mut files);
    let mut checked = 0;
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        // Other tools' files (package.json, compose files) are not read.
        let report = match engine().check(&[Input::Text {
            name: file.to_string_lossy().into_owned(),
            text: text.clone(),
        }]) {
            Err(CheckError::NoInput) => continue,
            checked => checked.unwrap(),
        };
        for finding in &report.findings {
            assert_positions_consistent(finding, &text);
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} findings checked");
}

/// A small manifest whose fields vary: enough to trigger several rules.
#[derive(Debug, Clone)]
struct Manifest {
    kind: &'static str,
    name: String,
    namespace: Option<String>,
    images: Vec<String>,
    secret_data: Vec<(String, String)>,
}

fn manifest() -> impl Strategy<Value = Manifest> {
    let image = prop_oneof![
        Just("nginx".to_owned()),
        Just("nginx:latest".to_owned()),
        Just("ghcr.io/acme/api:1.2.3".to_owned()),
        Just(format!("ghcr.io/acme/api@sha256:{}", "a".repeat(64))),
        Just("ghcr.io/acme/api@sha256:ABC".to_owned()),
        "[a-z]{1,8}(:[0-9]\\.[0-9])?",
    ];
    (
        prop_oneof![
            Just("Pod"),
            Just("Deployment"),
            Just("Secret"),
            Just("ConfigMap")
        ],
        "[a-z][a-z0-9-]{0,10}",
        proptest::option::of("[a-z]{1,6}-(dev|prod|qa)"),
        proptest::collection::vec(image, 0..3),
        proptest::collection::vec(("[A-Z]{1,6}", "[a-z0-9]{1,8}"), 0..3),
    )
        .prop_map(|(kind, name, namespace, images, secret_data)| Manifest {
            kind,
            name,
            namespace,
            images,
            secret_data,
        })
}

/// Block style with a given indentation, keys in the usual order.
fn block(manifest: &Manifest, indent: usize) -> String {
    let pad = |depth: usize| " ".repeat(indent * depth);
    let api_version = if manifest.kind == "Deployment" {
        "apps/v1"
    } else {
        "v1"
    };
    let mut out = format!(
        "apiVersion: {api_version}\nkind: {}\nmetadata:\n{}name: {}\n",
        manifest.kind,
        pad(1),
        manifest.name
    );
    if let Some(namespace) = &manifest.namespace {
        out.push_str(&format!("{}namespace: {namespace}\n", pad(1)));
    }
    let containers = |depth: usize| {
        if manifest.images.is_empty() {
            return format!("{}containers: []\n", pad(depth));
        }
        let mut text = format!("{}containers:\n", pad(depth));
        for (at, image) in manifest.images.iter().enumerate() {
            text.push_str(&format!(
                "{}- name: c{at}\n{}  image: \"{image}\"\n",
                pad(depth + 1),
                pad(depth + 1)
            ));
        }
        text
    };
    match manifest.kind {
        "Pod" => out.push_str(&format!("spec:\n{}", containers(1))),
        "Deployment" => out.push_str(&format!(
            "spec:\n{}template:\n{}spec:\n{}",
            pad(1),
            pad(2),
            containers(3)
        )),
        "Secret" => {
            if !manifest.secret_data.is_empty() {
                out.push_str("stringData:\n");
                for (key, value) in &manifest.secret_data {
                    out.push_str(&format!("{}{key}_{}: {value}\n", pad(1), key.len()));
                }
            }
        }
        _ => out.push_str(&format!("data:\n{}k: v\n", pad(1))),
    }
    out
}

/// The same manifest in flow style on one line, keys in reverse order.
fn flow(manifest: &Manifest) -> String {
    let api_version = if manifest.kind == "Deployment" {
        "apps/v1"
    } else {
        "v1"
    };
    let mut metadata = vec![format!("name: {}", manifest.name)];
    if let Some(namespace) = &manifest.namespace {
        metadata.push(format!("namespace: {namespace}"));
    }
    metadata.reverse();
    let containers = format!(
        "containers: [{}]",
        manifest
            .images
            .iter()
            .enumerate()
            .map(|(at, image)| format!("{{image: \"{image}\", name: c{at}}}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let body = match manifest.kind {
        "Pod" => Some(format!("spec: {{{containers}}}")),
        "Deployment" => Some(format!("spec: {{template: {{spec: {{{containers}}}}}}}")),
        "Secret" if !manifest.secret_data.is_empty() => Some(format!(
            "stringData: {{{}}}",
            manifest
                .secret_data
                .iter()
                .map(|(key, value)| format!("{key}_{}: {value}", key.len()))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        "ConfigMap" => Some("data: {k: v}".to_owned()),
        _ => None,
    };
    let mut parts = Vec::new();
    if let Some(body) = body {
        parts.push(body);
    }
    parts.push(format!("metadata: {{{}}}", metadata.join(", ")));
    parts.push(format!("kind: {}", manifest.kind));
    parts.push(format!("apiVersion: {api_version}"));
    format!("{{{}}}\n", parts.join(", "))
}

fn finding_set(report: &Report) -> BTreeSet<(String, String, Option<String>, String)> {
    report
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.to_string(),
                f.resource
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                f.path.clone(),
                without_line_numbers(&f.message),
            )
        })
        .collect()
}

/// A message with the line numbers it cites left out: a new layout moves
/// what a message points at ("duplicate key `V` (first at line 6)", "the
/// first is at a.yaml:3").
fn without_line_numbers(message: &str) -> String {
    let mut kept = String::new();
    let mut rest = message;
    while let Some((at, marker)) = ["line ", ".yaml:"]
        .iter()
        .filter_map(|marker| Some((rest.find(marker)?, marker.len())))
        .min()
    {
        let (before, after) = rest.split_at(at + marker);
        kept.push_str(before);
        let number = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if number > 0 {
            kept.push('N');
        }
        rest = &after[number..];
    }
    kept.push_str(rest);
    kept
}

/// The layouts the property compares, each checked.
fn layouts(manifests: &[Manifest]) -> [(String, Report); 3] {
    let render = |style: &dyn Fn(&Manifest) -> String| {
        manifests
            .iter()
            .map(style)
            .collect::<Vec<_>>()
            .join("---\n")
    };
    [
        render(&|m| block(m, 2)),
        render(&|m| block(m, 4)),
        render(&flow),
    ]
    .map(|text| {
        let report = check_text("a.yaml", &text);
        (text, report)
    })
}

#[test]
fn a_message_citing_a_line_does_not_depend_on_the_layout() {
    // Found by the property below: the duplicate key's message names the
    // line of the first one, which each layout puts elsewhere.
    let secret = Manifest {
        kind: "Secret",
        name: "a".to_owned(),
        namespace: None,
        images: Vec::new(),
        secret_data: vec![("V".to_owned(), "0".to_owned()); 2],
    };
    // And a resource defined twice names the line of the first.
    let config_map = Manifest {
        kind: "ConfigMap",
        name: "a".to_owned(),
        namespace: None,
        images: Vec::new(),
        secret_data: Vec::new(),
    };
    let cases = [
        (vec![secret], "yaml-duplicate-key"),
        (vec![config_map.clone(), config_map], "duplicate-resource"),
    ];
    for (manifests, cited) in cases {
        let [(_, two), (_, four), (_, flowed)] = layouts(&manifests);
        let expected = finding_set(&two);
        assert!(
            expected.iter().any(|(rule, ..)| rule == cited),
            "{expected:?}"
        );
        assert_eq!(expected, finding_set(&four));
        assert_eq!(expected, finding_set(&flowed));
    }
    assert_eq!(
        without_line_numbers("first at line 12; see a.yaml:3, online"),
        "first at line N; see a.yaml:N, online"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Reformatting (indentation, flow vs block, key order) moves findings
    /// but does not change which findings there are.
    #[test]
    fn layout_does_not_change_the_findings(manifests in proptest::collection::vec(manifest(), 1..4)) {
        let checked = layouts(&manifests);
        let expected = finding_set(&checked[0].1);
        for (text, report) in &checked {
            prop_assert_eq!(&expected, &finding_set(report));
            for finding in &report.findings {
                assert_positions_consistent(finding, text);
            }
        }
    }

    /// Any text: the parser and the whole check finish without panicking,
    /// and every position is consistent.
    #[test]
    fn arbitrary_text_never_panics(text in "(\\PC|[\\n\\t:{}\\[\\]&*!|>'\"#%@`,?-]){0,400}") {
        let documents = parse_stream(&text, &Limits::default());
        for document in &documents {
            prop_assert!(document.start as usize <= text.len());
            if let Some(root) = &document.root {
                assert_ranges_inside(root, &text);
            }
        }
        for finding in &check_text("fuzz.yaml", &text).findings {
            assert_positions_consistent(finding, &text);
        }
    }

    /// Mutated manifests (bytes flipped, lines cut) never panic either.
    #[test]
    fn mutated_manifests_never_panic(
        manifest in manifest(),
        cuts in proptest::collection::vec((0usize..2000, 0usize..40), 0..6),
        inserts in proptest::collection::vec((0usize..2000, "[\\n :\\-\\[{&*!\\t]{1,3}"), 0..6),
    ) {
        let mut text = block(&manifest, 2);
        for (at, length) in cuts {
            let start = floor_char_boundary(&text, at % (text.len() + 1));
            let end = floor_char_boundary(&text, (start + length).min(text.len()));
            text.replace_range(start..end, "");
        }
        for (at, insert) in inserts {
            let at = floor_char_boundary(&text, at % (text.len() + 1));
            text.insert_str(at, &insert);
        }
        for finding in &check_text("mutated.yaml", &text).findings {
            assert_positions_consistent(finding, &text);
        }
    }
}

/// Every key and value of a tree is a slice of the text, on character
/// boundaries.
fn assert_ranges_inside(node: &plimsoll::yaml::Node, text: &str) {
    let check = |range: plimsoll::source::TextRange| {
        assert!(range.start <= range.end, "{range:?}");
        assert!(
            text.get(range.byte_range()).is_some(),
            "{range:?} of {text:?}"
        );
    };
    check(node.span);
    if let Some(items) = node.as_seq() {
        for item in items {
            assert_ranges_inside(item, text);
        }
    }
    if let Some(entries) = node.as_map() {
        for entry in entries {
            check(entry.key_span);
            assert_ranges_inside(&entry.value, text);
        }
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}
