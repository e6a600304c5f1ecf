//! The `plimsoll` command: every command, every exit code, both formats.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `plimsoll` run from the repository root (which has no config file).
fn plimsoll() -> Command {
    let mut command = Command::cargo_bin("plimsoll").unwrap();
    command.current_dir(repo_root()).env_remove("NO_COLOR");
    command
}

const QUICKSTART: &str = "testdata/examples/quickstart";
const QUICKSTART_CONFIG: &str = "testdata/examples/quickstart/.plimsoll.yaml";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(command: &mut Command) -> Run {
    let output = command.output().unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[test]
fn check_human_shows_snippets_and_a_summary() {
    let out = run(plimsoll().args(["check", "--config", QUICKSTART_CONFIG, QUICKSTART]));
    assert_eq!(out.code, 1);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    insta::assert_snapshot!("check_human", out.stdout);
}

#[test]
fn check_json_matches_the_spec_shape() {
    let out = run(plimsoll().args([
        "check",
        "--format",
        "json",
        "--config",
        QUICKSTART_CONFIG,
        QUICKSTART,
    ]));
    assert_eq!(out.code, 1);
    insta::assert_snapshot!(
        "check_json",
        out.stdout.replace(env!("CARGO_PKG_VERSION"), "[version]")
    );
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["version"], 1);
    assert_eq!(report["tool"]["name"], "plimsoll");
    let finding = &report["findings"][0];
    let keys: Vec<&str> = finding
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "rule",
            "severity",
            "message",
            "help",
            "file",
            "line",
            "column",
            "endLine",
            "endColumn",
            "document",
            "source",
            "resource",
            "environment",
            "path",
            "related"
        ]
    );
    let summary: Vec<&str> = report["summary"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        summary,
        [
            "files",
            "documents",
            "errors",
            "warnings",
            "infos",
            "suppressed"
        ]
    );
}

#[test]
fn json_is_identical_across_jobs() {
    let with_jobs = |jobs: &str| {
        run(plimsoll().args([
            "check",
            "--format",
            "json",
            "--jobs",
            jobs,
            "--config",
            QUICKSTART_CONFIG,
            QUICKSTART,
            "testdata/rules",
        ]))
        .stdout
    };
    let one = with_jobs("1");
    assert!(one.len() > 1000);
    assert_eq!(one, with_jobs("2"));
}

#[test]
fn streaming_json_is_identical_across_jobs_and_input_order() {
    // No cross-object rule: the check keeps nothing, batch by batch.
    let streaming = |jobs: &str, inputs: [&str; 2]| {
        let mut args = vec![
            "check",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--select",
            "schema,schema-missing,image-digest,naming-convention,pod-security",
            "--jobs",
            jobs,
        ];
        args.extend(inputs);
        run(plimsoll().args(args)).stdout
    };
    let one = streaming("1", ["testdata/rules", "testdata/examples"]);
    assert!(one.len() > 10_000, "{one}");
    assert_eq!(one, streaming("2", ["testdata/rules", "testdata/examples"]));
    assert_eq!(one, streaming("2", ["testdata/examples", "testdata/rules"]));
}

#[test]
fn fail_on_sets_the_threshold() {
    let warning_only = run(plimsoll().args([
        "check",
        "--config",
        QUICKSTART_CONFIG,
        QUICKSTART,
        "--select",
        "image-digest",
        "--fail-on",
        "never",
    ]));
    assert_eq!(warning_only.code, 0);
    let clean = run(plimsoll().args([
        "check",
        "testdata/rules/image-latest/pass.yaml",
        "--select",
        "image-latest",
    ]));
    assert_eq!(clean.code, 0, "{}", clean.stdout);
    assert!(clean
        .stdout
        .starts_with("No problems found in 1 file (1 document)."));
    let info = run(plimsoll().args([
        "check",
        "testdata/rules/unrendered-template/fail",
        "--select",
        "unrendered-template",
    ]));
    assert_eq!(info.code, 0);
    let info_fails = run(plimsoll().args([
        "check",
        "testdata/rules/unrendered-template/fail",
        "--select",
        "unrendered-template",
        "--fail-on",
        "info",
    ]));
    assert_eq!(info_fails.code, 1);
}

#[test]
fn stdin_is_read_and_named() {
    let text =
        std::fs::read_to_string(repo_root().join("testdata/rules/image-latest/fail.yaml")).unwrap();
    let out = run(plimsoll()
        .args([
            "check",
            "--format",
            "json",
            "-",
            "--stdin-filename",
            "envs/prod/pod.yaml",
        ])
        .write_stdin(text.clone()));
    assert_eq!(out.code, 1);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["findings"][0]["file"], "envs/prod/pod.yaml");
    assert_eq!(report["findings"][0]["environment"], "prod");
    let unnamed = run(plimsoll()
        .args(["check", "--format", "json", "-"])
        .write_stdin(text));
    let report: serde_json::Value = serde_json::from_str(&unnamed.stdout).unwrap();
    assert_eq!(report["findings"][0]["file"], "-");
    let binary = run(plimsoll()
        .args(["check", "-"])
        .write_stdin(vec![0xff, 0xfe, 0x00]));
    assert_eq!(binary.code, 1);
    assert!(binary.stdout.contains("input-read"));
}

#[test]
fn output_goes_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let out = run(plimsoll()
        .args([
            "check",
            "--format",
            "json",
            "--config",
            QUICKSTART_CONFIG,
            QUICKSTART,
        ])
        .arg("--output")
        .arg(&report));
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    assert!(written["summary"]["errors"].as_u64().unwrap() >= 4);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let plain = run(plimsoll().args(["check", "--config", QUICKSTART_CONFIG, QUICKSTART]));
    assert!(!plain.stdout.contains('\u{1b}'));
    let coloured = run(plimsoll().args([
        "check",
        "--color",
        "always",
        "--config",
        QUICKSTART_CONFIG,
        QUICKSTART,
    ]));
    // Bold red, and Unicode frames on a coloured terminal.
    assert!(
        coloured
            .stdout
            .contains("\u{1b}[1m\u{1b}[91merror[image-digest]"),
        "{}",
        coloured.stdout
    );
    assert!(coloured.stdout.contains('│'));
    assert!(!plain.stdout.contains('│'));
}

#[test]
fn quiet_leaves_out_the_summary() {
    let out = run(plimsoll().args([
        "check",
        "--quiet",
        "--config",
        QUICKSTART_CONFIG,
        QUICKSTART,
    ]));
    assert_eq!(out.code, 1);
    assert!(!out.stdout.contains("Found"));
    assert!(out.stdout.contains("error[plaintext-secret]"));
}

#[test]
fn usage_errors_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["check", "--config", "no/such/.plimsoll.yaml", "."],
            "cannot read the config file",
        ),
        (&["check", "--format", "xml", "."], "invalid value 'xml'"),
        (
            &["check", "does/not/exist"],
            "does/not/exist: no such file or directory",
        ),
        (
            &["check", "--select", "image-digets", "."],
            "unknown rule `image-digets` in --select (did you mean `image-digest`?)",
        ),
        (&["check", "--env", "qa", "."], "unknown environment `qa`"),
        (&["check", "crates/plimsoll-cli/src"], "no input"),
        (&["explain", "no-such-rule"], "unknown rule `no-such-rule`"),
        (&["check", "--jobs", "0", "."], "invalid value '0'"),
        (
            &["check", "--max-documents", "3", "testdata/examples/quickstart"],
            "the input holds more than 3 documents, the limit of one run; check it in parts, or raise the limit with --max-documents",
        ),
        (
            &["check", "--max-input-mb", "0", "testdata/examples/quickstart"],
            "the input holds more than 0 MiB, the limit of one run",
        ),
    ];
    for (args, expected) in cases {
        let out = run(plimsoll().args(*args));
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn an_invalid_config_exits_2_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".plimsoll.yaml"),
        "images:\n  requireDigests: true\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
    )
    .unwrap();
    let mut command = Command::cargo_bin("plimsoll").unwrap();
    let out = run(command.current_dir(dir.path()).args(["check", "pod.yaml"]));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains(".plimsoll.yaml:2:3: images.requireDigests: unknown key `requireDigests` (did you mean `requireDigest`?)"), "{}", out.stderr);
}

#[test]
fn the_config_is_discovered_upwards() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".plimsoll.yaml"),
        "rules:\n  image-latest: off\n  image-digest: off\n",
    )
    .unwrap();
    let nested = dir.path().join("envs/dev");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(nested.join("pod.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: nginx}]\n").unwrap();
    let mut command = Command::cargo_bin("plimsoll").unwrap();
    let out = run(command.current_dir(&nested).args(["check"]));
    assert_eq!(out.code, 0, "{}", out.stdout);
}

#[test]
fn rules_lists_every_rule_in_three_formats() {
    let human = run(plimsoll().args(["rules"]));
    assert_eq!(human.code, 0);
    insta::assert_snapshot!("rules_human", human.stdout);
    let json = run(plimsoll().args(["rules", "--format", "json"]));
    let list: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(list[0]["id"], "input-read");
    assert_eq!(list[0]["category"], "parsing");
    assert_eq!(list[0]["severity"], "error");
    let markdown = run(plimsoll().args(["rules", "--format", "markdown"]));
    let committed = std::fs::read_to_string(repo_root().join("docs/rules.md")).unwrap();
    assert_eq!(markdown.stdout, committed);
}

#[test]
fn explain_renders_the_rule_metadata() {
    let out = run(plimsoll().args(["explain", "image-digest"]));
    assert_eq!(out.code, 0);
    insta::assert_snapshot!("explain_image_digest", out.stdout);
}

#[test]
fn init_writes_a_config_that_loads() {
    let dir = tempfile::tempdir().unwrap();
    let init = |force: bool| {
        let mut command = Command::cargo_bin("plimsoll").unwrap();
        command.current_dir(dir.path()).arg("init");
        if force {
            command.arg("--force");
        }
        run(&mut command)
    };
    let first = init(false);
    assert_eq!(first.code, 0);
    assert_eq!(first.stderr, "wrote .plimsoll.yaml\n");
    let again = init(false);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists"));
    assert_eq!(init(true).code, 0);
    std::fs::write(
        dir.path().join("ok.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    )
    .unwrap();
    let mut command = Command::cargo_bin("plimsoll").unwrap();
    let check = run(command.current_dir(dir.path()).arg("check"));
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
}

#[test]
fn completions_are_generated_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(plimsoll().args(["completions", shell]));
        assert_eq!(out.code, 0, "{shell}");
        assert!(out.stdout.contains("plimsoll"), "{shell}");
    }
    let bad = run(plimsoll().args(["completions", "tcsh"]));
    assert_eq!(bad.code, 2);
}

/// CODEOWNERS is found from the config's directory however `--config` is
/// written: relative to the current directory, or a bare file name.
#[test]
fn codeowners_is_found_for_relative_config_paths() {
    let broken = "testdata/examples/argo-config-repo-digests/broken";
    let codeowners_findings = |out: &Run| {
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "codeowners")
            .count()
    };
    let from_root = run(plimsoll().args([
        "check",
        "--format",
        "json",
        "--select",
        "codeowners",
        "--config",
        &format!("{broken}/.plimsoll.yaml"),
        broken,
    ]));
    assert_eq!(codeowners_findings(&from_root), 1, "{}", from_root.stderr);
    let mut inside = Command::cargo_bin("plimsoll").unwrap();
    let inside = run(inside.current_dir(repo_root().join(broken)).args([
        "check",
        "--format",
        "json",
        "--select",
        "codeowners",
        "--config",
        ".plimsoll.yaml",
        ".",
    ]));
    assert_eq!(codeowners_findings(&inside), 1, "{}", inside.stderr);
}
