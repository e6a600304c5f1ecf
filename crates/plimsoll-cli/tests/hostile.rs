//! Exit codes on hostile input (issue 8; docs/failure-semantics.md): bad
//! files are findings (exit 1 at the default `--fail-on error`), never a
//! crash, a hang or a silent pass; a missing path or no input is exit 2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `plimsoll` run from the repository root (which has no config file); a
/// run that blocks (on a FIFO, say) is killed and fails the test.
fn plimsoll() -> Command {
    let mut command = Command::cargo_bin("plimsoll").unwrap();
    command
        .current_dir(repo_root())
        .env_remove("NO_COLOR")
        .timeout(Duration::from_secs(300));
    command
}

const HOSTILE: &str = "testdata/hostile";
const CONTROL: &str = "testdata/hostile/control.yaml";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(command: &mut Command) -> Run {
    let output = command.output().unwrap();
    Run {
        code: output
            .status
            .code()
            .expect("plimsoll was killed (did it hang?)"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn json(out: &Run) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap()
}

/// `(file name, rule)` of every finding.
fn findings(report: &serde_json::Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            let file = finding["file"].as_str().unwrap();
            let name = file.rsplit('/').next().unwrap().to_owned();
            (name, finding["rule"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn the_hostile_suite_is_findings_and_exit_1() {
    let out = run(plimsoll().args(["check", "--format", "json", HOSTILE]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let report = json(&out);
    let files: Vec<String> = std::fs::read_dir(repo_root().join(HOSTILE))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(report["summary"]["files"], files.len());
    // Every file, the control file included, was read and reported on.
    let reported = findings(&report);
    for file in &files {
        assert!(
            reported.iter().any(|(name, _)| name == file),
            "{file} has no finding"
        );
    }
    assert!(reported.contains(&("control.yaml".to_owned(), "image-latest".to_owned())));
    // --fail-on never: the same report, exit 0.
    let never = run(plimsoll().args(["check", "--format", "json", "--fail-on", "never", HOSTILE]));
    assert_eq!(never.code, 0);
    assert_eq!(never.stdout, out.stdout);
}

#[test]
fn yaml_syntax_and_input_read_findings_are_errors_for_fail_on() {
    for (file, rule) in [
        ("testdata/hostile/tabs.yaml", "yaml-syntax"),
        ("testdata/hostile/nul-binary.yaml", "input-read"),
    ] {
        let out = run(plimsoll().args(["check", "--format", "json", "--select", rule, file]));
        assert_eq!(out.code, 1, "{file}: {}", out.stdout);
        assert_eq!(json(&out)["summary"]["errors"], 1, "{file}");
        let never = run(plimsoll().args(["check", "--select", rule, "--fail-on", "never", file]));
        assert_eq!(never.code, 0, "{file}");
        assert!(never.stdout.contains(&format!("error[{rule}]")), "{file}");
    }
}

#[test]
fn a_missing_path_is_exit_2_even_beside_a_good_one() {
    let out = run(plimsoll().args(["check", CONTROL, "testdata/hostile/no-such.yaml"]));
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty());
    assert_eq!(
        out.stderr,
        "error: testdata/hostile/no-such.yaml: no such file or directory\n"
    );
}

#[test]
fn empty_stdin_is_no_input() {
    for text in ["", "\n  \n"] {
        let out = run(plimsoll().args(["check", "-"]).write_stdin(text));
        assert_eq!(out.code, 2, "{text:?}");
        assert!(out.stdout.is_empty());
        assert!(
            out.stderr.contains("no input: stdin is empty"),
            "{}",
            out.stderr
        );
    }
    // A stream with only a comment is input: Helm renders disabled
    // templates that way.
    let out = run(plimsoll().args(["check", "-"]).write_stdin("# Source: x\n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
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
fn a_fifo_is_an_input_read_finding_and_never_blocks() {
    let dir = tempfile::tempdir().unwrap();
    if !mkfifo(&dir.path().join("pipe.yaml")) {
        return;
    }
    std::fs::copy(repo_root().join(CONTROL), dir.path().join("control.yaml")).unwrap();
    // Met while walking a directory, and given directly.
    for target in [dir.path().to_path_buf(), dir.path().join("pipe.yaml")] {
        let out = run(plimsoll()
            .args([
                "check",
                "--format",
                "json",
                "--select",
                "input-read,image-latest",
            ])
            .arg(&target));
        assert_eq!(out.code, 1, "{}", out.stderr);
        let report = json(&out);
        let pipe = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|finding| finding["file"].as_str().unwrap().ends_with("pipe.yaml"))
            .unwrap();
        assert_eq!(pipe["rule"], "input-read");
        assert_eq!(pipe["message"], "not a regular file");
    }
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_given_directly_is_a_finding_not_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("gone.yaml");
    std::os::unix::fs::symlink(dir.path().join("nowhere.yaml"), &link).unwrap();
    let out = run(plimsoll()
        .args(["check", "--format", "json"])
        .args(["--select", "input-read,image-latest"])
        .arg(&link)
        .arg(CONTROL));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let mut found = findings(&json(&out));
    found.sort();
    assert_eq!(
        found,
        [
            ("control.yaml".to_owned(), "image-latest".to_owned()),
            ("gone.yaml".to_owned(), "input-read".to_owned()),
        ]
    );
}

#[test]
fn a_finding_on_a_one_megabyte_line_prints_a_short_snippet() {
    let dir = tempfile::tempdir().unwrap();
    let big = "y".repeat(1024 * 1024);
    std::fs::write(
        dir.path().join("long.yaml"),
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: long\ndata: {{big: \"{big}\", flag: on}}\n"),
    )
    .unwrap();
    let out = run(plimsoll()
        .args(["check", "--select", "schema"])
        .arg(dir.path().join("long.yaml")));
    assert_eq!(out.code, 1);
    let column = "data: {big: \"".len() + big.len() + "\", flag: ".len() + 1;
    assert!(
        out.stdout.contains(&format!("long.yaml:5:{column}\n")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("flag: on}"));
    assert!(
        out.stdout.lines().all(|line| line.chars().count() < 200),
        "{}",
        out.stdout.len()
    );
}
