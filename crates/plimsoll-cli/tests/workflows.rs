//! The `plimsoll` command in CI workflows: machine formats, baselines, the
//! Kustomize and Helm helpers, several reports from one check, the man
//! page and the pre-commit package.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{copy_tree, git};

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn plimsoll() -> Command {
    Command::cargo_bin("plimsoll").unwrap()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "not JSON ({error}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

const POD: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: debug}
spec:
  containers:
    - {name: shell, image: busybox:latest}
";

#[test]
fn machine_formats_fail_like_the_human_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), POD).unwrap();
    for format in ["sarif", "junit", "github", "json", "human"] {
        let output = plimsoll()
            .current_dir(dir.path())
            .args([
                "check",
                "pod.yaml",
                "--select",
                "image-digest,image-latest",
                "--format",
                format,
            ])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{format}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(stdout.contains("image-latest"), "{format}: {stdout}");
    }
    let output = plimsoll()
        .current_dir(dir.path())
        .args([
            "check",
            "pod.yaml",
            "--select",
            "image-digest,image-latest",
            "--format",
            "github",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with("::error file=pod.yaml,line=6,col="),
        "{stdout}"
    );
    // No progress bar or summary in machine formats.
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn check_json(dir: &Path, extra: &[&str]) -> (Option<i32>, Value) {
    let output = plimsoll()
        .current_dir(dir)
        .args(["check", "manifests", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    (output.status.code(), json(&output))
}

/// Adopting a baseline on a real repository, then editing one file so that
/// every line below moves, reports exactly the new finding.
#[test]
fn a_baseline_reports_only_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(
        &repo().join("testdata/realworld/microservices-demo"),
        &dir.path().join("manifests"),
    );
    let (code, before) = check_json(dir.path(), &[]);
    assert_eq!(code, Some(1));
    let adopted = before["findings"].as_array().unwrap().len();
    assert!(adopted > 20, "{adopted}");

    let (code, written) = check_json(dir.path(), &["--write-baseline", "baseline.json"]);
    assert_eq!(code, Some(0), "{written:#}");
    assert_eq!(written["findings"], Value::Array(Vec::new()));
    assert_eq!(written["summary"]["suppressed"], adopted);

    let (code, clean) = check_json(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, Some(0), "{clean:#}");
    assert_eq!(clean["summary"]["suppressed"], adopted);

    // Lines move (a comment block on top) and one new problem appears.
    let edited = dir
        .path()
        .join("manifests/kubernetes-manifests/frontend.yaml");
    let text = std::fs::read_to_string(&edited).unwrap();
    let text = format!(
        "# Frontend of the shop.\n#\n# Owned by the web team.\n{}",
        text.replacen("spec:\n", "spec:\n  # Scaled by the HPA.\n", 1)
    );
    std::fs::write(
        &edited,
        format!("{text}---\napiVersion: v1\nkind: Secret\nmetadata: {{name: frontend-session}}\nstringData: {{key: s3cr3t}}\n"),
    )
    .unwrap();
    let (code, after) = check_json(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, Some(1));
    let findings = after["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["rule"], "plaintext-secret");
    assert_eq!(
        findings[0]["file"],
        "manifests/kubernetes-manifests/frontend.yaml"
    );
    assert_eq!(after["summary"]["suppressed"], adopted);

    // Fixing a baselined finding makes its entry stale (info, exit 0).
    std::fs::write(&edited, "").unwrap();
    let (code, fixed) = check_json(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, Some(0));
    let findings = fixed["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for finding in findings {
        assert_eq!(finding["rule"], "baseline-stale");
        assert_eq!(finding["file"], "baseline.json");
        assert_eq!(finding["severity"], "info");
        assert!(finding["message"]
            .as_str()
            .unwrap()
            .contains("frontend.yaml"));
    }
    // A run on another part of the tree reports nothing stale. (Notes
    // reported once per run, such as `schema-missing`, are counted over the
    // input checked, so the subset's notes are its own.)
    let output = plimsoll()
        .current_dir(dir.path())
        .args(["check", "manifests/release", "--format", "json"])
        .args(["--baseline", "baseline.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    for finding in report["findings"].as_array().unwrap() {
        assert_eq!(finding["rule"], "schema-missing", "{finding:#}");
    }
}

#[test]
fn a_bad_baseline_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), POD).unwrap();
    std::fs::write(
        dir.path().join("baseline.json"),
        "{\"version\": 1,\n \"oops\": []}",
    )
    .unwrap();
    let output = plimsoll()
        .current_dir(dir.path())
        .args(["check", "pod.yaml", "--baseline", "baseline.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("baseline.json:2:"), "{stderr}");
    let output = plimsoll()
        .current_dir(dir.path())
        .args(["check", "pod.yaml", "--baseline", "missing.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// `--kustomize` with the real `kustomize` or `kubectl` (required on CI
/// machines): the overlay's path names the environment, and findings point
/// at the file and line the object came from, the overlay as their source.
#[test]
fn kustomize_overlays_are_rendered_and_attributed() {
    let overlays = repo().join("testdata/kustomize/shop/overlays");
    let output = plimsoll()
        .current_dir(&overlays)
        .args([
            "check",
            "--format",
            "json",
            "--select",
            "image-digest",
            "--kustomize",
            "staging",
            "--kustomize",
            "prod/",
        ])
        .output()
        .unwrap();
    let report = json(&output);
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    assert_eq!(report["summary"]["files"], 2);
    let findings = report["findings"].as_array().unwrap();
    // The prod overlay pins the image by digest; staging does not.
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let finding = &findings[0];
    assert_eq!(finding["rule"], "image-digest");
    assert_eq!(finding["file"], "../base/deployment.yaml");
    // The base spells the image (with the tag the overlay replaces).
    assert_eq!(finding["line"], 15);
    assert_eq!(finding["source"], "staging");
    assert_eq!(finding["environment"], "staging");
    assert_eq!(finding["resource"]["name"], "api-staging");
    assert_eq!(finding["resource"]["namespace"], "shop-staging");
    assert!(finding["message"].as_str().unwrap().contains("1.5.0-rc.1"));

    // SARIF attaches the result to that real file and line.
    let output = plimsoll()
        .current_dir(&overlays)
        .args([
            "check",
            "--format",
            "sarif",
            "--select",
            "image-digest",
            "--kustomize",
            "staging",
        ])
        .output()
        .unwrap();
    let sarif = json(&output);
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    let uri = location["artifactLocation"]["uri"].as_str().unwrap();
    assert!(uri.ends_with("base/deployment.yaml"), "{uri}");
    assert_eq!(location["region"]["startLine"], 15);
}

#[test]
fn a_failed_kustomize_render_is_a_usage_error_with_its_stderr() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources: [missing.yaml]\n",
    )
    .unwrap();
    let output = plimsoll()
        .args(["check", "--kustomize"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("--kustomize: `"), "{stderr}");
    assert!(stderr.contains("missing.yaml"), "{stderr}");
}

#[test]
fn missing_renderers_are_usage_errors() {
    let empty = tempfile::tempdir().unwrap();
    let output = plimsoll()
        .env("PATH", empty.path())
        .args(["check", "--helm", "charts/shop"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("`helm` is not installed"), "{stderr}");

    let output = plimsoll()
        .env("PATH", empty.path())
        .arg("check")
        .arg("--kustomize")
        .arg(repo().join("testdata/kustomize/shop/overlays/prod"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("neither `kustomize` nor `kubectl` is installed"),
        "{stderr}"
    );
}

/// A stand-in `helm` that records its arguments and prints a rendered
/// chart, or fails like helm does.
#[cfg(unix)]
fn fake_helm(dir: &Path, fail: bool) -> std::ffi::OsString {
    use std::os::unix::fs::PermissionsExt;
    let script = if fail {
        "#!/bin/sh\necho 'Error: values.yaml: mapping values are not allowed' >&2\nexit 1\n"
            .to_owned()
    } else {
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\ncat <<'EOF'\n---\n# Source: shop/templates/pod.yaml\n{POD}EOF\n",
            dir.join("args.txt").display()
        )
    };
    let path = dir.join("helm");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    // The stand-in first, then the usual PATH for `cat` and `printf`.
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![dir.to_path_buf()];
    dirs.extend(std::env::split_paths(&inherited));
    std::env::join_paths(dirs).unwrap()
}

#[cfg(unix)]
#[test]
fn helm_charts_are_rendered_with_values_and_sets() {
    let bin = tempfile::tempdir().unwrap();
    let path = fake_helm(bin.path(), false);
    let output = plimsoll()
        .env("PATH", path)
        .args(["check", "--format", "json", "--helm", "charts/shop/"])
        .args(["-f", "values.yaml", "--values", "values-prod.yaml"])
        .args(["--set", "image.tag=1.2.3", "--set", "a=b,c=d"])
        .output()
        .unwrap();
    let report = json(&output);
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    let args = std::fs::read_to_string(bin.path().join("args.txt")).unwrap();
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        [
            "template",
            "charts/shop/",
            "--values",
            "values.yaml",
            "--values",
            "values-prod.yaml",
            "--set",
            "image.tag=1.2.3",
            "--set",
            "a=b,c=d"
        ]
    );
    let finding = &report["findings"][0];
    assert_eq!(finding["file"], "charts/shop");
    assert_eq!(finding["source"], "shop/templates/pod.yaml");
}

/// The template of the chart in [`helm_findings_point_at_the_templates`]:
/// the image is written in it, the replica count comes from a value.
const POD_TEMPLATE: &str = "\
{{- if .Values.debug }}
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-debug
spec:
  containers:
    - name: shell
      image: \"busybox:{{ .Values.tag }}\"
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
{{- end }}
";

#[cfg(unix)]
#[test]
fn helm_findings_point_at_the_templates() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("charts/shop/templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join("pod.yaml"), POD_TEMPLATE).unwrap();
    let helm = dir.path().join("helm");
    std::fs::write(
        &helm,
        format!("#!/bin/sh\ncat <<'EOF'\n---\n# Source: shop/templates/pod.yaml\n{POD}EOF\n"),
    )
    .unwrap();
    std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755)).unwrap();
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![dir.path().to_path_buf()];
    dirs.extend(std::env::split_paths(&inherited));
    let output = plimsoll()
        .current_dir(dir.path())
        .env("PATH", std::env::join_paths(dirs).unwrap())
        .args(["check", "--format", "json", "--helm", "charts/shop"])
        .args(["--select", "image-latest,pod-security"])
        .output()
        .unwrap();
    let report = json(&output);
    let findings = report["findings"].as_array().unwrap();
    let latest = findings
        .iter()
        .find(|finding| finding["rule"] == "image-latest")
        .unwrap_or_else(|| panic!("{report:#}"));
    // The template writes the image: the finding is on that line.
    assert_eq!(latest["file"], "charts/shop/templates/pod.yaml");
    assert_eq!(latest["line"], 9, "{latest:#}");
    assert_eq!(latest["source"], "charts/shop");
    // The pod writes no securityContext of its own (the one below is the
    // container's): the object's first line in the template.
    let pod_level = findings
        .iter()
        .find(|finding| finding["path"] == "/spec/securityContext/seccompProfile")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(pod_level["line"], 2, "{pod_level:#}");
    for finding in findings {
        assert_eq!(
            finding["file"], "charts/shop/templates/pod.yaml",
            "{finding:#}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_failed_helm_render_is_a_usage_error_with_its_stderr() {
    let bin = tempfile::tempdir().unwrap();
    let path = fake_helm(bin.path(), true);
    let output = plimsoll()
        .env("PATH", path)
        .args(["check", "--helm", "charts/shop"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("`helm template charts/shop` failed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("mapping values are not allowed"),
        "{stderr}"
    );
}

#[test]
fn values_need_a_chart() {
    let output = plimsoll()
        .args(["check", "-f", "values.yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// `docs/plimsoll.1` is what `plimsoll manpage` prints; regenerate it with
/// `cargo run -q -p plimsoll-cli -- manpage > docs/plimsoll.1`.
#[test]
fn the_committed_man_page_is_current() {
    let output = plimsoll().arg("manpage").output().unwrap();
    assert!(output.status.success());
    let page = String::from_utf8_lossy(&output.stdout);
    assert!(
        page.contains(".SH \"EXIT STATUS\"\n.TP\n\\fB0\\fR"),
        "the man page documents the exit codes"
    );
    let committed = std::fs::read(repo().join("docs/plimsoll.1")).unwrap();
    assert!(
        committed == output.stdout,
        "docs/plimsoll.1 is stale: run `cargo run -q -p plimsoll-cli -- manpage > docs/plimsoll.1`"
    );
}

/// The baseline file sits in the repository, yet is never read as a
/// manifest.
#[test]
fn the_baseline_file_is_not_checked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), POD).unwrap();
    for flag in ["--write-baseline", "--baseline"] {
        let output = plimsoll()
            .current_dir(dir.path())
            .args(["check", "--format", "json", flag, "plimsoll-baseline.json"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{flag}");
        let report = json(&output);
        assert_eq!(report["summary"]["files"], 1, "{flag}: {report:#}");
        assert_eq!(report["findings"], Value::Array(Vec::new()));
    }
}

/// pre-commit installs the root pyproject.toml, whose one dependency is the
/// `plimsoll` wheel of this very version.
#[test]
fn the_pre_commit_package_pins_this_version_of_the_wheel() {
    let hook = std::fs::read_to_string(repo().join("pyproject.toml")).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        hook.contains(&format!("\nversion = \"{version}\"\n"))
            && hook.contains(&format!("dependencies = [\"plimsoll=={version}\"]")),
        "pin plimsoll=={version} in the root pyproject.toml:\n{hook}"
    );
    let wheel = std::fs::read_to_string(repo().join("crates/plimsoll-cli/pyproject.toml")).unwrap();
    assert!(wheel.contains("name = \"plimsoll\"") && wheel.contains("bindings = \"bin\""));
}

/// One check, several reports: SARIF to a file, annotations to stdout and
/// the job summary appended to `$GITHUB_STEP_SUMMARY`, as the Action runs it.
#[test]
fn one_check_writes_every_report_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), POD).unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let check = |sarif: &str| {
        plimsoll()
            .current_dir(dir.path())
            .env("GITHUB_STEP_SUMMARY", &summary)
            .args(["check", "pod.yaml", "--select", "image-digest,image-latest"])
            .args([
                "--format",
                sarif,
                "--format",
                "github",
                "--format",
                "junit:junit.xml",
            ])
            .output()
            .unwrap()
    };
    // A report file that cannot be created (`out/` does not exist) is an
    // error, not a report lost.
    let output = check("sarif:out/../plimsoll.sarif");
    assert_eq!(output.status.code(), Some(2), "{output:?}");

    let output = check("sarif:plimsoll.sarif");
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let commands: Vec<&str> = stdout
        .lines()
        .map(|line| line.split(' ').next().unwrap())
        .collect();
    assert_eq!(commands, ["::error", "::error", "::notice"], "{stdout}");
    let sarif: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("plimsoll.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(junit.contains(r#"tests="1" failures="1""#), "{junit}");
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        summary.starts_with("earlier step\n### plimsoll\n\nFound 2 errors"),
        "{summary}"
    );
    assert!(summary.contains("| [`image-digest`]("), "{summary}");
}

/// The `plimsoll check` commands of the documented CI set-ups
/// (docs/ci/*.yml) run as written and leave the reports they promise.
#[test]
fn the_documented_ci_commands_work_as_written() {
    let mut ran = 0;
    for example in ["docs/ci/gitlab-ci.yml", "docs/ci/github-actions.yml"] {
        let text = std::fs::read_to_string(repo().join(example)).unwrap();
        let commands = text
            .lines()
            .map(|line| {
                line.trim_start()
                    .trim_start_matches("- ")
                    .trim_start_matches("run: ")
            })
            .filter(|line| line.starts_with("plimsoll check") && !line.contains("--kustomize"));
        for command in commands {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("pod.yaml"), POD).unwrap();
            let words: Vec<&str> = command.split_whitespace().skip(1).collect();
            let output = plimsoll()
                .current_dir(dir.path())
                .args(&words)
                .output()
                .unwrap();
            assert_eq!(
                output.status.code(),
                Some(1),
                "{example}: {command}: {output:?}"
            );
            for word in &words {
                let Some((format, file)) = word.split_once(':') else {
                    continue;
                };
                let written = std::fs::read_to_string(dir.path().join(file))
                    .unwrap_or_else(|error| panic!("{example}: {command}: no {file}: {error}"));
                match format {
                    "junit" => assert!(written.contains(r#"failures="1""#), "{written}"),
                    "sarif" => {
                        let log: Value = serde_json::from_str(&written).unwrap();
                        assert_eq!(log["version"], "2.1.0");
                    }
                    other => panic!("{example}: no check for {other} reports"),
                }
            }
            ran += 1;
        }
    }
    assert_eq!(
        ran, 2,
        "the examples hold two plimsoll check commands to run"
    );
}

#[test]
fn two_reports_for_stdout_are_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), POD).unwrap();
    for formats in [&["github", "json"][..], &["nonsense"], &["sarif:"]] {
        let mut command = plimsoll();
        command.current_dir(dir.path()).args(["check", "pod.yaml"]);
        for format in formats {
            command.args(["--format", format]);
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{formats:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains("same place")
                || stderr.contains(
                    "unknown format `nonsense` (one of human, concise, json, sarif, junit, github)"
                )
                || stderr.contains("`sarif:` names no file"),
            "{formats:?}: {stderr}"
        );
        assert!(output.stdout.is_empty(), "{formats:?}");
    }
}

/// `--explain-env` says which step placed each object, and when none did.
#[test]
fn explain_env_says_what_placed_each_object() {
    let output = plimsoll()
        .current_dir(repo().join("testdata/repositories/environments"))
        .args(["check", "--explain-env", "."])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains(
            "variants/non-prod/api.yaml: ConfigMap shop-staging/api-staging is in staging \
(by namespace shop-staging, by its name)"
        ),
        "{stdout}"
    );
    assert!(
        stdout
            .contains("overlays/dev/namespace.yaml: Namespace bgd is in dev (by directory `dev/`)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("apps/bgd/settings.yaml: ConfigMap bgd/bgd-prod is in no environment"),
        "{stdout}"
    );
}

/// The exit code and the human report of plimsoll run in `dir`.
fn human_in(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let output = plimsoll().current_dir(dir).args(args).output().unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

/// A first run without a config leaves the conventions off and says so;
/// a config turns them on.
#[test]
fn a_first_run_without_config_is_quiet_about_conventions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("envs/prod")).unwrap();
    std::fs::write(
        dir.path().join("envs/prod/settings.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata: {A: b}\n",
    )
    .unwrap();
    let (code, stdout) = human_in(dir.path(), &["check", "."]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.ends_with(
            "No .plimsoll.yaml: conventions off (naming-convention, environment-label, \
required-workloads); `plimsoll init` to set them.\n"
        ),
        "{stdout}"
    );

    std::fs::write(
        dir.path().join(".plimsoll.yaml"),
        "images: {requireDigest: true}\n",
    )
    .unwrap();
    let (code, stdout) = human_in(dir.path(), &["check", "."]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("error[naming-convention]"), "{stdout}");
    assert!(stdout.contains("Config: "), "{stdout}");
}

/// Files given alone inside a repository are judged with the rest of it:
/// the Namespace's guards in the next file count. `--no-context` checks the
/// file alone.
#[test]
fn changed_files_are_judged_with_their_repository() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("testdata/context/shop"), dir.path());
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let (code, report) = {
        let output = plimsoll()
            .current_dir(dir.path())
            .args(["check", "--format", "json", "namespace.yaml"])
            .output()
            .unwrap();
        (output.status.code(), json(&output))
    };
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["summary"]["files"], 1);

    let output = plimsoll()
        .current_dir(dir.path())
        .args([
            "check",
            "--format",
            "json",
            "--no-context",
            "namespace.yaml",
        ])
        .output()
        .unwrap();
    let report = json(&output);
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "namespace-limitrange",
            "namespace-network-policy",
            "namespace-quota"
        ]
    );
}

/// A repository with two commits: the first has a Pod with a `:latest`
/// image; the second moves it down two lines and adds a container with an
/// unpinned image.
fn two_commits() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("envs/prod/api.yaml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    git(dir.path(), &["init", "-q"]);
    std::fs::write(&file, POD).unwrap();
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "first"]);
    let second = format!(
        "# Two lines of comment move\n# every line down.\n{POD}    - {{name: proxy, image: ghcr.io/acme/proxy:1.0}}\n"
    );
    std::fs::write(&file, second).unwrap();
    git(dir.path(), &["commit", "-q", "-a", "-m", "second"]);
    dir
}

#[test]
fn new_since_reports_only_what_the_revision_did_not_have() {
    let repo = two_commits();
    let output = plimsoll()
        .current_dir(repo.path())
        .args([
            "check",
            "--format",
            "json",
            "--select",
            "image-latest,image-digest",
        ])
        .args(["--new-since", "HEAD~1", "envs"])
        .output()
        .unwrap();
    let report = json(&output);
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    let findings = report["findings"].as_array().unwrap();
    // The proxy's image is new; busybox:latest was there before, two lines
    // higher, and is not counted again.
    let reported: Vec<(&str, &str)> = findings
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap(),
                finding["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reported,
        [(
            "image-digest",
            "image ghcr.io/acme/proxy:1.0 is not pinned by digest"
        )],
        "{report:#}"
    );
    assert_eq!(findings[0]["file"], "envs/prod/api.yaml");
    assert_eq!(findings[0]["line"], 9);
    assert_eq!(report["summary"]["preexisting"], 2, "{report:#}");

    // Against the second commit itself nothing is new, and the run passes.
    let output = plimsoll()
        .current_dir(repo.path().join("envs"))
        .args(["check", "--select", "image-latest,image-digest"])
        .args(["--new-since", "HEAD", "prod/api.yaml"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(
            "No problems found in 1 file (1 document); 3 more not new since the base revision."
        ),
        "{stdout}"
    );
}

#[test]
fn new_since_a_missing_revision_says_what_to_fetch() {
    let repo = two_commits();
    let output = plimsoll()
        .current_dir(repo.path())
        .args(["check", "--new-since", "origin/main", "envs"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr
            .contains("--new-since origin/main: no such commit in this repository; fetch it first"),
        "{stderr}"
    );

    // A shallow clone that lacks the revision is told to fetch it.
    let clones = tempfile::tempdir().unwrap();
    let source = format!("file://{}", repo.path().display());
    git(
        clones.path(),
        &["clone", "-q", "--depth=1", &source, "shallow"],
    );
    let shallow = clones.path().join("shallow");
    let first = std::process::Command::new("git")
        .current_dir(repo.path())
        .args(["rev-parse", "HEAD~1"])
        .output()
        .unwrap();
    let first = String::from_utf8(first.stdout).unwrap().trim().to_owned();
    let output = plimsoll()
        .current_dir(&shallow)
        .args(["check", "--new-since", &first, "envs"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!("this is a shallow clone: fetch the revision first, e.g. `git fetch --no-tags --depth=1 origin {first}`")),
        "{stderr}"
    );

    // Once fetched, the same run works in the shallow clone.
    git(
        &shallow,
        &["fetch", "-q", "--no-tags", "--depth=1", "origin", &first],
    );
    let output = plimsoll()
        .current_dir(&shallow)
        .args([
            "check",
            "--format",
            "json",
            "--select",
            "image-latest,image-digest",
        ])
        .args(["--new-since", &first, "envs"])
        .output()
        .unwrap();
    let report = json(&output);
    assert_eq!(
        report["findings"].as_array().unwrap().len(),
        1,
        "{report:#}"
    );
    assert_eq!(report["summary"]["preexisting"], 2, "{report:#}");
}

#[test]
fn new_since_counts_every_finding_of_a_file_new_since_the_revision() {
    let repo = two_commits();
    std::fs::write(repo.path().join("envs/prod/debug.yaml"), POD).unwrap();
    let output = plimsoll()
        .current_dir(repo.path())
        .args(["check", "--format", "json", "--select", "image-latest"])
        .args(["--new-since", "HEAD", "envs/prod/debug.yaml"])
        .output()
        .unwrap();
    let report = json(&output);
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report:#}");
    assert_eq!(findings[0]["file"], "envs/prod/debug.yaml");
}
