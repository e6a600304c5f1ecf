//! The bodies of the fuzz targets, shared by the cargo-fuzz crate in
//! `fuzz/` (its library is this file) and by `tests/fuzz_replay.rs`, which
//! replays the committed seeds and every regression input through the same
//! functions on stable Rust.
//!
//! Each function takes the raw bytes libFuzzer hands over. Bytes that are not
//! UTF-8 are read lossily where the API takes text, so mutations that break
//! an encoding still reach the parser. A function panics only when plimsoll
//! breaks one of its promises: it panicked itself, or an answer contradicts
//! the input (a finding on a line the file does not have, a value that does
//! not read back as itself).

use std::borrow::Cow;
use std::path::Path;
use std::sync::OnceLock;

use plimsoll::model::{format_go_duration, parse_go_duration};
use plimsoll::model::{ImageRef, Quantity, Unit};
use plimsoll::yaml::{parse_stream, Limits};
use plimsoll::{Config, Engine, EngineOptions, Input};

/// A fuzz target: it panics when plimsoll fails on the input.
pub type Target = fn(&[u8]);

/// The targets by name, as `fuzz/fuzz_targets/<name>.rs` and the folders of
/// `fuzz/seeds/` and `fuzz/regressions/` name them.
pub const TARGETS: &[(&str, Target)] = &[
    ("loader", loader),
    ("config", config),
    ("check", check),
    ("policy", policy),
    ("values", values),
];

fn text(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// Lines a finding may point at: one past the last line is the end of a
/// file that ends with a newline.
fn line_count(text: &str) -> u32 {
    u32::try_from(text.lines().count())
        .unwrap_or(u32::MAX)
        .saturating_add(1)
}

/// The loader: a YAML (or JSON) stream to documents with spans; every key
/// and value range is a slice of the text, on character boundaries.
pub fn loader(data: &[u8]) {
    let text = text(data);
    let documents = parse_stream(&text, &Limits::default());
    for (index, document) in documents.iter().enumerate() {
        assert_eq!(document.index, index, "documents are numbered in order");
        assert!(
            document
                .problems
                .iter()
                .all(|problem| !problem.message.is_empty()),
            "a problem without a message"
        );
        assert!(
            document
                .problems
                .iter()
                .all(|problem| text.get(problem.span.byte_range()).is_some()),
            "a problem outside the text"
        );
        if let Some(root) = &document.root {
            assert_ranges_inside(root, &text);
            drop(root.to_json());
        }
    }
}

fn assert_ranges_inside(node: &plimsoll::yaml::Node, text: &str) {
    let inside = |range: plimsoll::source::TextRange| {
        range.start <= range.end && text.get(range.byte_range()).is_some()
    };
    assert!(inside(node.span), "{:?} outside the text", node.span);
    for item in node.as_seq().unwrap_or_default() {
        assert_ranges_inside(item, text);
    }
    for entry in node.as_map().unwrap_or_default() {
        assert!(
            inside(entry.key_span),
            "{:?} outside the text",
            entry.key_span
        );
        assert_ranges_inside(&entry.value, text);
    }
}

/// Config parsing, and the engine built from a config that parsed (the
/// environment graph, rule settings, path filters).
pub fn config(data: &[u8]) {
    let text = text(data);
    let Ok(config) = Config::from_yaml(&text, Path::new("fuzz/.plimsoll.yaml")) else {
        return;
    };
    let options = EngineOptions {
        no_schema: true,
        jobs: Some(1),
        ..EngineOptions::default()
    };
    // The built-in rules only: `Engine::new` would also read the policy
    // files the fuzzed `policies:` globs name, walking whatever directory
    // they reach (`../../../..` is the filesystem root). Policy text has a
    // target of its own.
    drop(Engine::with_rules(
        config,
        options,
        plimsoll::rules::builtin(),
    ));
}

/// An engine as the command line makes it with no config: every built-in
/// rule, and the one that evaluates the input's admission policies; plus
/// `extra`.
fn engine_with(select: Vec<String>, whole_input: bool) -> Engine {
    let config = Config::default();
    let options = EngineOptions {
        jobs: Some(1),
        select,
        whole_input,
        ..EngineOptions::default()
    };
    Engine::new(config, options).unwrap_or_else(|error| panic!("{error}"))
}

/// The full check of one in-memory file with every built-in rule, schemas
/// included (an engine as [`engine_with`] makes it), placed in the `prod` environment by its path. Two more checks
/// of the same file must agree with it:
/// - with only the rules that look at one object at a time, a run that
///   keeps nothing for the end: its findings must be the full run's
///   findings of those rules;
/// - a run that holds the whole input (as `check --fix` does), where the
///   full run keeps only what its cross-object rules read of each object:
///   its findings must be the full run's.
pub fn check(data: &[u8]) {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    static STREAMING: OnceLock<(Engine, Vec<String>)> = OnceLock::new();
    let engine = ENGINE.get_or_init(|| engine_with(Vec::new(), false));
    let name = "envs/prod/fuzz.yaml";
    let lines = line_count(&text(data));
    let input = || Input::Bytes {
        name: name.to_owned(),
        bytes: data.to_vec(),
    };
    let report = match engine.check(&[input()]) {
        Ok(report) => report,
        Err(error) => panic!("one in-memory file must always be checked: {error}"),
    };
    let (streaming, selected) = STREAMING.get_or_init(|| {
        // `unused-suppression` judges the ignores of the rules that ran,
        // which differ between the two checks: it is left out of both.
        let selected: Vec<String> = engine
            .rules()
            .iter()
            .filter(|rule| !rule.reads_input() && engine.is_enabled(rule.id()))
            .map(|rule| rule.id().to_owned())
            .filter(|id| id != "unused-suppression")
            .collect();
        (engine_with(selected.clone(), false), selected)
    });
    let streamed = match streaming.check(&[input()]) {
        Ok(report) => report,
        Err(error) => panic!("one in-memory file must always be checked: {error}"),
    };
    let expected: Vec<_> = report
        .findings
        .iter()
        .filter(|finding| selected.iter().any(|id| *id == finding.rule))
        .collect();
    let found: Vec<_> = streamed.findings.iter().collect();
    assert_eq!(
        format!("{expected:#?}"),
        format!("{found:#?}"),
        "a check without cross-object rules found something else than the full check"
    );
    static IN_MEMORY: OnceLock<Engine> = OnceLock::new();
    let in_memory = IN_MEMORY.get_or_init(|| engine_with(Vec::new(), true));
    let held = match in_memory.check(&[input()]) {
        Ok(report) => report,
        Err(error) => panic!("one in-memory file must always be checked: {error}"),
    };
    assert_eq!(
        format!("{:#?}", report.findings),
        format!("{:#?}", held.findings),
        "a check that keeps what cross-object rules read found something else than one that holds the input"
    );
    for finding in &report.findings {
        assert_eq!(finding.file, name);
        let start = finding.span.start;
        let end = finding.span.end;
        assert!(
            (1..=lines).contains(&start.line) && start.column >= 1,
            "{} at {}:{} outside the file ({lines} lines): {}",
            finding.rule,
            start.line,
            start.column,
            finding.message
        );
        assert!(
            (start.line, start.column) <= (end.line, end.column),
            "{} ends before it starts: {start:?} {end:?}",
            finding.rule
        );
    }
}

/// A manifest the policy target evaluates compiled expressions on.
const POLICY_INPUT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
  labels: {app: api, team: payments}
  annotations: {owner: payments@acme.io}
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: main
          image: registry.acme.io/api:1.4.0@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
          ports: [{containerPort: 8080, name: http}]
          resources:
            requests: {cpu: 250m, memory: 256Mi}
            limits: {cpu: '1', memory: 1Gi}
        - name: sidecar
          image: envoyproxy/envoy:v1.31.0
          args: [--log-level, info]
";

/// CEL policy compilation: the input as a whole policy file, then as the
/// expression of a policy rule that, when it compiles, is evaluated on a
/// Deployment under the cost limit.
pub fn policy(data: &[u8]) {
    let text = text(data);
    let config = Config::default();
    drop(plimsoll::policy::from_yaml(
        &config,
        &text,
        Path::new("policies/fuzz.yaml"),
    ));

    let mut file = String::from(
        "apiVersion: plimsoll.dev/v1\nkind: Policy\nrules:\n  - id: fuzz-expression\n    \
         match: {kinds: [Deployment]}\n    message: fuzz\n    expression: |-\n",
    );
    for line in text.lines() {
        file.push_str("      ");
        file.push_str(line);
        file.push('\n');
    }
    let Ok(policies) = plimsoll::policy::from_yaml(&config, &file, Path::new("policies/fuzz.yaml"))
    else {
        return;
    };
    let options = EngineOptions {
        select: vec!["fuzz-expression".to_owned()],
        jobs: Some(1),
        no_schema: true,
        ..EngineOptions::default()
    };
    let mut rules = plimsoll::rules::builtin();
    rules.extend(policies.rules);
    let engine = match Engine::with_rules(config, options, rules) {
        Ok(engine) => engine,
        Err(error) => panic!("a policy that compiled must make an engine: {error}"),
    };
    let input = Input::Text {
        name: "deployment.yaml".to_owned(),
        text: POLICY_INPUT.to_owned(),
    };
    if let Err(error) = engine.check(&[input]) {
        panic!("evaluating a compiled policy must not fail the run: {error}");
    }
}

/// Quantities, Go durations and image references: whatever parses reads
/// back as itself.
pub fn values(data: &[u8]) {
    let text = text(data);
    if let Ok(quantity) = Quantity::parse(&text) {
        for unit in [Unit::Cpu, Unit::Bytes, Unit::Count] {
            let shown = quantity.display(unit);
            assert_eq!(
                Quantity::parse(&shown).ok(),
                Some(quantity),
                "`{text}` is shown as `{shown}`"
            );
        }
    }
    if let Ok(nanos) = parse_go_duration(&text) {
        let shown = format_go_duration(nanos);
        assert_eq!(
            parse_go_duration(&shown),
            Ok(nanos),
            "`{text}` is shown as `{shown}`"
        );
    }
    if let Some(image) = ImageRef::parse(&text) {
        let mut rebuilt = image.name.to_owned();
        if let Some(tag) = image.tag {
            rebuilt.push(':');
            rebuilt.push_str(tag);
        }
        if let Some(digest) = image.digest {
            rebuilt.push('@');
            rebuilt.push_str(digest);
        }
        assert_eq!(rebuilt, image.raw, "the parts of `{text}` do not add up");
        assert!(image.raw.starts_with(image.without_digest()));
        if let Some(registry) = image.registry {
            assert!(image.name.starts_with(registry));
        }
        drop(image.digest_problem().map(|problem| problem.to_string()));
    }
}
