//! Hostile input (issue 8), beyond `bad_input.rs`: YAML 1.1 scalars where
//! Kubernetes wants strings, merge keys, tags, BOM, CRLF, tabs, NUL bytes,
//! huge lines, many documents, many files, deep `List`s, and files that
//! change or vanish while a run reads them.
//!
//! Every case is checked together with `testdata/hostile/control.yaml`,
//! whose one finding must survive whatever its neighbour does. The committed
//! cases are snapshotted one finding per line: `file:line:column rule path:
//! message`. The big cases are generated into a temporary directory.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use plimsoll::{Config, Engine, EngineOptions, Finding, Input, Progress, Report};

fn hostile_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/hostile")
}

/// The rules about reading input, the schema (YAML 1.1 scalars are schema
/// errors) and `image-latest` (the control file's finding).
fn options() -> EngineOptions {
    EngineOptions {
        select: [
            "input-read",
            "yaml-syntax",
            "yaml-duplicate-key",
            "manifest-shape",
            "unrendered-template",
            "schema",
            "image-latest",
        ]
        .map(String::from)
        .to_vec(),
        ..EngineOptions::default()
    }
}

fn engine() -> Engine {
    Engine::new(Config::default(), options()).unwrap()
}

fn name_of(finding: &Finding) -> String {
    Path::new(&finding.file)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// One line per finding: `file:line:column rule path: message`.
fn lines(findings: &[&Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        writeln!(
            out,
            "{}:{}:{} {} {}: {}",
            name_of(finding),
            finding.span.start.line,
            finding.span.start.column,
            finding.rule,
            finding.path.as_deref().unwrap_or("-"),
            finding.message
        )
        .unwrap();
    }
    out
}

/// The control file kept its one finding.
fn assert_control_checked(report: &Report) {
    let control: Vec<_> = report
        .findings
        .iter()
        .filter(|f| name_of(f) == "control.yaml")
        .collect();
    assert_eq!(lines(&control), CONTROL_FINDING);
}

/// Checks a committed case beside the control file; returns the case's
/// findings as lines.
fn check_case(name: &str) -> (Report, String) {
    let report = engine()
        .check(&[
            Input::Path(hostile_dir().join(name)),
            Input::Path(hostile_dir().join("control.yaml")),
        ])
        .unwrap();
    assert_control_checked(&report);
    assert_eq!(report.summary.files, 2);
    let own: Vec<_> = report
        .findings
        .iter()
        .filter(|f| name_of(f) == name)
        .collect();
    let text = lines(&own);
    (report, text)
}

macro_rules! case {
    ($test:ident, $file:literal) => {
        #[test]
        fn $test() {
            let (_, findings) = check_case($file);
            insta::assert_snapshot!(stringify!($test), findings);
        }
    };
}

// Unquoted on/yes/no/y/off are booleans (as kubectl reads them): schema
// errors in labels, annotations and env values; fine for `stdin: yes`.
case!(
    yaml11_booleans_where_strings_are_expected,
    "yaml11-booleans.yaml"
);
// 0755 is the octal 493: an error in ConfigMap data and env values, fine as
// a volume's defaultMode; a date stays a string.
case!(yaml11_octals_and_numbers, "yaml11-octal.yaml");
// Merged values are checked where they were written; explicit keys win.
case!(merge_keys_expand, "merge-keys.yaml");
case!(a_merge_key_that_is_not_a_map, "merge-key-not-a-map.yaml");
// Where kubectl and the YAML merge rule disagree: duplicate-key findings.
case!(merge_keys_readers_disagree_on, "merge-key-conflicts.yaml");
// Core tags change the type, custom ones leave a string.
case!(custom_and_core_tags, "custom-tags.yaml");
case!(a_byte_order_mark, "bom.yaml");
case!(crlf_line_ends, "crlf.yaml");
case!(tabs, "tabs.yaml");
// Past the 8 KiB binary sniff, each NUL is a yaml-syntax finding at the
// byte; within it the file is binary.
case!(nul_bytes_past_the_binary_sniff, "nul-bytes.yaml");
case!(nul_bytes_make_a_binary_file, "nul-binary.yaml");

#[test]
fn every_committed_case_is_tested() {
    let mut names: Vec<String> = fs::read_dir(hostile_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let source = include_str!("hostile.rs");
    for name in names {
        assert!(
            name == "control.yaml" || source.contains(&format!("\"{name}\"")),
            "testdata/hostile/{name} has no test"
        );
    }
}

const CONTROL_FINDING: &str = "control.yaml:9:26 image-latest /spec/containers/0/image: image nginx:latest uses the :latest tag\n";

#[test]
fn the_whole_suite_in_one_run_gives_the_same_findings() {
    let names = [
        "bom.yaml",
        "control.yaml",
        "crlf.yaml",
        "custom-tags.yaml",
        "merge-key-conflicts.yaml",
        "merge-key-not-a-map.yaml",
        "merge-keys.yaml",
        "nul-binary.yaml",
        "nul-bytes.yaml",
        "tabs.yaml",
        "yaml11-booleans.yaml",
        "yaml11-octal.yaml",
    ];
    let report = engine().check(&[Input::Path(hostile_dir())]).unwrap();
    assert_eq!(report.summary.files, names.len());
    let mut together = String::new();
    let mut separately = String::new();
    for name in names {
        let own: Vec<_> = report
            .findings
            .iter()
            .filter(|f| name_of(f) == name)
            .collect();
        assert!(!own.is_empty(), "{name} has no finding");
        together.push_str(&lines(&own));
        if name == "control.yaml" {
            separately.push_str(CONTROL_FINDING);
        } else {
            separately.push_str(&check_case(name).1);
        }
    }
    assert_eq!(together, separately);
}

/// A directory holding the control file.
fn dir_with_control() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        hostile_dir().join("control.yaml"),
        dir.path().join("control.yaml"),
    )
    .unwrap();
    dir
}

/// The 1-based line of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> u32 {
    let at = text.lines().position(|line| line.contains(needle)).unwrap();
    u32::try_from(at + 1).unwrap()
}

#[test]
fn a_one_megabyte_line_keeps_exact_columns() {
    let dir = dir_with_control();
    // ASCII: columns and bytes agree.
    let big = "y".repeat(1024 * 1024);
    let ascii = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: long\ndata: {{big: \"{big}\", flag: on}}\n"
    );
    fs::write(dir.path().join("ascii.yaml"), &ascii).unwrap();
    // Two-byte characters: columns count characters (SPEC section 5).
    let wide = "é".repeat(512 * 1024);
    let multibyte = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\ndata: {{big: \"{wide}\", flag: on}}\n"
    );
    fs::write(dir.path().join("wide.yaml"), &multibyte).unwrap();
    let report = engine()
        .check(&[Input::Path(dir.path().to_path_buf())])
        .unwrap();
    assert_control_checked(&report);
    let flag: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "schema")
        .map(|f| {
            (
                name_of(f),
                f.span.start.line,
                f.span.start.column,
                f.span.start.offset,
                f.message.clone(),
            )
        })
        .collect();
    let prefix = "data: {big: \"".len() + 512 * 1024 + "\", flag: ".len();
    let message = "data.flag: expected string, got boolean true".to_owned();
    assert_eq!(
        flag,
        [
            (
                "ascii.yaml".to_owned(),
                5,
                u32::try_from(prefix + 512 * 1024 + 1).unwrap(),
                u32::try_from(ascii.find("flag: on").unwrap() + "flag: ".len()).unwrap(),
                message.clone()
            ),
            (
                "wide.yaml".to_owned(),
                5,
                u32::try_from(prefix + 1).unwrap(),
                u32::try_from(multibyte.find("flag: on").unwrap() + "flag: ".len()).unwrap(),
                message
            ),
        ]
    );
}

#[test]
fn ten_thousand_documents_in_one_file() {
    let dir = dir_with_control();
    let mut text = String::new();
    for at in 0..10_000 {
        let value = if at == 7777 { "yes" } else { "\"yes\"" };
        write!(
            text,
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{at}\ndata:\n  flag: {value}\n"
        )
        .unwrap();
    }
    fs::write(dir.path().join("many.yaml"), &text).unwrap();
    let report = engine()
        .check(&[Input::Path(dir.path().to_path_buf())])
        .unwrap();
    assert_control_checked(&report);
    assert_eq!(report.summary.documents, 10_001);
    let found: Vec<_> = report
        .findings
        .iter()
        .filter(|f| name_of(f) == "many.yaml")
        .map(|f| {
            (
                f.rule.to_string(),
                f.document,
                f.span.start.line,
                f.span.start.column,
            )
        })
        .collect();
    assert_eq!(
        found,
        [("schema".to_owned(), 7777, line_of(&text, "flag: yes"), 9)]
    );
    assert_eq!(line_of(&text, "flag: yes"), 7777 * 7 + 7);
}

/// `count` one-document files in folders of 1,000, one of them with a
/// schema error, beside the control file.
fn many_files(count: usize) {
    let dir = dir_with_control();
    let odd_one = count / 2;
    for at in 0..count {
        let folder = dir.path().join(format!("d{:03}", at / 1000));
        if at % 1000 == 0 {
            fs::create_dir(&folder).unwrap();
        }
        let value = if at == odd_one { "on" } else { "\"on\"" };
        fs::write(
            folder.join(format!("cm-{at}.yaml")),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{at}\ndata:\n  flag: {value}\n"),
        )
        .unwrap();
    }
    let report = engine()
        .check(&[Input::Path(dir.path().to_path_buf())])
        .unwrap();
    assert_control_checked(&report);
    assert_eq!(report.summary.files, count + 1);
    assert_eq!(report.summary.documents, count + 1);
    let others: Vec<_> = report
        .findings
        .iter()
        .filter(|f| name_of(f) != "control.yaml")
        .collect();
    assert_eq!(
        lines(&others),
        format!("cm-{odd_one}.yaml:6:9 schema /data/flag: data.flag: expected string, got boolean true\n")
    );
}

#[test]
fn ten_thousand_small_files() {
    many_files(10_000);
}

/// 100k files: about 20 s in a debug build on an idle two-core machine
/// (minutes when it is shared), with ~400-900 MB peak RSS, so not run by default
/// (`cargo test -p plimsoll --test hostile -- --ignored`); see
/// benches/hostile-files.sh for the timing of the release binary.
#[test]
#[ignore = "slow in debug builds; run with --ignored"]
fn a_hundred_thousand_small_files() {
    many_files(100_000);
}

/// A `List` whose only item is a `List`, `depth` times, around a ConfigMap
/// with an unquoted `on`.
fn nested_lists(depth: usize) -> String {
    let mut text = String::new();
    for level in 0..depth {
        let indent = "  ".repeat(level);
        let dash = if level == 0 { "" } else { "- " };
        let pad = if level == 0 { "" } else { "  " };
        write!(
            text,
            "{indent}{dash}apiVersion: v1\n{indent}{pad}kind: List\n{indent}{pad}items:\n"
        )
        .unwrap();
    }
    let indent = "  ".repeat(depth);
    write!(
        text,
        "{indent}- apiVersion: v1\n{indent}  kind: ConfigMap\n{indent}  metadata: {{name: leaf}}\n{indent}  data: {{flag: on}}\n"
    )
    .unwrap();
    text
}

#[test]
fn deeply_nested_lists_are_unwrapped_or_bounded() {
    let dir = dir_with_control();
    let shallow = nested_lists(40);
    fs::write(dir.path().join("lists40.yaml"), &shallow).unwrap();
    // 150 Lists are 300 levels of nesting: past the parser's limit of 256.
    let deep = nested_lists(150);
    fs::write(dir.path().join("lists150.yaml"), &deep).unwrap();
    let report = engine()
        .check(&[Input::Path(dir.path().to_path_buf())])
        .unwrap();
    assert_control_checked(&report);
    let found: Vec<_> = report
        .findings
        .iter()
        .filter(|f| name_of(f) != "control.yaml")
        .map(|f| {
            (
                name_of(f),
                f.rule.to_string(),
                f.span.start.line,
                f.path.clone(),
                f.message.clone(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "lists150.yaml".to_owned(),
                "yaml-syntax".to_owned(),
                // The 129th List (its mapping is the 257th level).
                3 * 128 + 1,
                None,
                "nesting deeper than 256 levels; the rest of this document is not read".to_owned()
            ),
            (
                "lists40.yaml".to_owned(),
                "schema".to_owned(),
                line_of(&shallow, "flag: on"),
                Some(format!("{}/data/flag", "/items/0".repeat(40))),
                "data.flag: expected string, got boolean true".to_owned()
            ),
        ]
    );
}

/// Checks `files` (name, content) with one worker thread, calling
/// `meddle(dir)` as soon as the first file has loaded: with one thread files
/// load in path order, so every later file is discovered but not yet read.
/// Fails, rather than hanging the suite, if the check does not finish.
fn check_while_meddling(
    files: &[(&str, &str)],
    meddle: impl Fn(&Path) + Send + Sync + 'static,
) -> (tempfile::TempDir, Report) {
    let dir = dir_with_control();
    for (name, content) in files {
        fs::write(dir.path().join(name), content).unwrap();
    }
    let root = dir.path().to_path_buf();
    let input = Input::Path(root.clone());
    let calls: Arc<Mutex<usize>> = Arc::default();
    let options = EngineOptions {
        jobs: Some(1),
        progress: Some(Progress(Arc::new(move |done, _| {
            let mut calls = calls.lock().unwrap();
            *calls += 1;
            if done == 1 && *calls == 1 {
                meddle(&root);
            }
        }))),
        ..options()
    };
    let engine = Engine::new(Config::default(), options).unwrap();
    let report = finishes(move || engine.check(&[input]).unwrap());
    (dir, report)
}

/// Runs `check` on another thread; a check that does not finish fails the
/// test instead of hanging the suite.
fn finishes(check: impl FnOnce() -> Report + Send + 'static) -> Report {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(check());
    });
    receive
        .recv_timeout(std::time::Duration::from_secs(300))
        .expect("the check did not finish (blocked on a FIFO?)")
}

const VICTIM: &str = "victim.yaml";
const VICTIM_TEXT: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: victim\ndata:\n  flag: yes\n";

fn victim_findings(report: &Report) -> Vec<(String, u32, u32, String)> {
    report
        .findings
        .iter()
        .filter(|f| name_of(f) == VICTIM)
        .map(|f| {
            (
                f.rule.to_string(),
                f.span.start.line,
                f.span.start.column,
                f.message.clone(),
            )
        })
        .collect()
}

#[test]
fn the_victim_is_read_after_the_control_file() {
    // Without meddling the victim has its own finding: the tests below see
    // what meddling changed.
    let (_dir, report) = check_while_meddling(&[(VICTIM, VICTIM_TEXT)], |_| {});
    assert_control_checked(&report);
    assert_eq!(
        victim_findings(&report),
        [(
            "schema".to_owned(),
            6,
            9,
            "data.flag: expected string, got boolean true".to_owned()
        )]
    );
}

#[test]
fn a_file_that_disappears_before_it_is_read_is_an_input_read_finding() {
    let (_dir, report) = check_while_meddling(&[(VICTIM, VICTIM_TEXT)], |root| {
        fs::remove_file(root.join(VICTIM)).unwrap();
    });
    assert_control_checked(&report);
    assert_eq!(report.summary.files, 2);
    let found = victim_findings(&report);
    assert_eq!(found.len(), 1, "{found:?}");
    let (rule, line, column, message) = &found[0];
    assert_eq!((rule.as_str(), *line, *column), ("input-read", 1, 1));
    assert!(message.starts_with("cannot read the file: "), "{message}");
}

#[test]
fn a_file_replaced_before_it_is_read_is_checked_as_read() {
    // The new content has its finding elsewhere: positions, findings and the
    // text kept for snippets all come from the one read.
    let replacement = "# replaced\n\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: victim\ndata:\n  other: \"x\"\n  flag: off\n";
    let (_dir, report) = check_while_meddling(&[(VICTIM, VICTIM_TEXT)], move |root| {
        fs::write(root.join(VICTIM), replacement).unwrap();
    });
    assert_control_checked(&report);
    assert_eq!(
        victim_findings(&report),
        [(
            "schema".to_owned(),
            9,
            9,
            "data.flag: expected string, got boolean false".to_owned()
        )]
    );
    let victim = report
        .findings
        .iter()
        .find(|f| name_of(f) == VICTIM)
        .unwrap();
    assert_eq!(report.source_line(&victim.file, 9), Some("  flag: off"));
}

#[test]
fn a_file_truncated_before_it_is_read_is_checked_as_read() {
    // Cut in the middle of a key: what is left is a syntax error, reported
    // inside the shortened text; cut to nothing: an empty file, no finding.
    let (_dir, report) = check_while_meddling(
        &[(VICTIM, VICTIM_TEXT), ("victim2.yaml", VICTIM_TEXT)],
        |root| {
            fs::write(root.join(VICTIM), &VICTIM_TEXT[..45]).unwrap();
            fs::write(root.join("victim2.yaml"), "").unwrap();
        },
    );
    assert_control_checked(&report);
    assert_eq!(
        &VICTIM_TEXT[..45],
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  na"
    );
    let found = victim_findings(&report);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "manifest-shape");
    assert!(report.findings.iter().all(|f| name_of(f) != "victim2.yaml"));
    assert_eq!(report.summary.files, 3);
}

#[test]
fn a_file_replaced_by_a_directory_before_it_is_read_is_an_input_read_finding() {
    let (_dir, report) = check_while_meddling(&[(VICTIM, VICTIM_TEXT)], |root| {
        fs::remove_file(root.join(VICTIM)).unwrap();
        fs::create_dir(root.join(VICTIM)).unwrap();
    });
    assert_control_checked(&report);
    assert_eq!(
        victim_findings(&report),
        [(
            "input-read".to_owned(),
            1,
            1,
            "not a regular file".to_owned()
        )]
    );
}

#[cfg(unix)]
fn mkfifo(path: &Path) -> bool {
    std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|status| status.success())
}

#[cfg(unix)]
#[test]
fn a_fifo_met_while_walking_is_an_input_read_finding_and_does_not_block() {
    let dir = dir_with_control();
    if !mkfifo(&dir.path().join("pipe.yaml")) {
        return;
    }
    fs::write(dir.path().join(VICTIM), VICTIM_TEXT).unwrap();
    let input = Input::Path(dir.path().to_path_buf());
    let report = finishes(move || engine().check(&[input]).unwrap());
    assert_control_checked(&report);
    let found: Vec<_> = report
        .findings
        .iter()
        .filter(|f| name_of(f) != "control.yaml")
        .map(|f| (name_of(f), f.rule.to_string(), f.message.clone()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "pipe.yaml".to_owned(),
                "input-read".to_owned(),
                "not a regular file".to_owned()
            ),
            (
                VICTIM.to_owned(),
                "schema".to_owned(),
                "data.flag: expected string, got boolean true".to_owned()
            ),
        ]
    );
}

#[cfg(unix)]
#[test]
fn a_file_replaced_by_a_fifo_before_it_is_read_does_not_block() {
    let (_dir, report) = check_while_meddling(&[(VICTIM, VICTIM_TEXT)], |root| {
        fs::remove_file(root.join(VICTIM)).unwrap();
        assert!(mkfifo(&root.join(VICTIM)));
    });
    assert_control_checked(&report);
    assert_eq!(
        victim_findings(&report),
        [(
            "input-read".to_owned(),
            1,
            1,
            "not a regular file".to_owned()
        )]
    );
}
