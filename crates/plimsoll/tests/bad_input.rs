//! Bad input gets a finding or a clear error, and the run goes on.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fs;
use std::path::{Path, PathBuf};

use plimsoll::{CheckError, Config, Engine, EngineOptions, Input, Report};

/// A manifest without `apiVersion`: one `manifest-shape` finding.
const BROKEN: &str = "kind: ConfigMap\nmetadata:\n  name: shop\n";

const GOOD: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\ndata:\n  key: value\n";

/// The loader's rules and the first document rules: these tests are about
/// what reading bad input does, not about the guardrail or schema packs.
fn engine() -> Engine {
    let options = EngineOptions {
        select: [
            "input-read",
            "yaml-syntax",
            "yaml-duplicate-key",
            "manifest-shape",
            "unrendered-template",
            "duplicate-resource",
            "image-digest",
            "image-latest",
            "plaintext-secret",
        ]
        .map(String::from)
        .to_vec(),
        ..EngineOptions::default()
    };
    Engine::new(Config::default(), options).unwrap()
}

fn check_dir(dir: &Path) -> Report {
    engine().check(&[Input::Path(dir.to_path_buf())]).unwrap()
}

fn rules_of(report: &Report) -> Vec<(String, String)> {
    report
        .findings
        .iter()
        .map(|f| {
            let file = Path::new(&f.file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (file, f.rule.to_string())
        })
        .collect()
}

/// A directory with one good manifest beside the bad file, so every case
/// also shows that the rest of the run is unaffected.
fn with_bad_file(name: &str, content: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("good.yaml"), GOOD).unwrap();
    let path = dir.path().join(name);
    fs::write(&path, content).unwrap();
    (dir, path)
}

#[test]
fn empty_and_comment_only_files_are_fine() {
    let (dir, _) = with_bad_file("empty.yaml", b"");
    fs::write(
        dir.path().join("comments.yaml"),
        "# only a comment\n---\n# another\n",
    )
    .unwrap();
    let report = check_dir(dir.path());
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!(report.summary.files, 3);
}

#[test]
fn invalid_utf8_and_binary_files_are_input_read_findings() {
    let (dir, _) = with_bad_file("latin1.yaml", b"name: caf\xe9\n");
    fs::write(
        dir.path().join("image.json"),
        [0x89, b'P', b'N', b'G', 0, 0, 0, 13],
    )
    .unwrap();
    let report = check_dir(dir.path());
    assert_eq!(
        rules_of(&report),
        [
            ("image.json".into(), "input-read".into()),
            ("latin1.yaml".into(), "input-read".into())
        ]
    );
    assert_eq!(report.summary.files, 3);
}

#[test]
fn a_syntax_error_in_the_third_of_five_documents_spares_the_others() {
    let docs: Vec<String> = (1..=5)
        .map(|i| {
            if i == 3 {
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: three\n".to_owned()
            } else {
                format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\nspec:\n  containers: [{{name: c, image: nginx}}]\n")
            }
        })
        .collect();
    let (dir, _) = with_bad_file("five.yaml", docs.join("---\n").as_bytes());
    let report = check_dir(dir.path());
    let syntax: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "yaml-syntax")
        .collect();
    assert_eq!(syntax.len(), 1);
    assert_eq!(syntax[0].document, 2);
    // The four other documents are checked: each has an unpinned image.
    let latest: Vec<usize> = report
        .findings
        .iter()
        .filter(|f| f.rule == "image-latest")
        .map(|f| f.document)
        .collect();
    assert_eq!(latest, [0, 1, 3, 4]);
}

#[test]
fn an_alias_bomb_finishes_quickly_with_a_finding() {
    let mut bomb = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..=9 {
        let refs = vec![format!("*a{}", level - 1); 9].join(", ");
        bomb.push_str(&format!("  a{level}: &a{level} [{refs}]\n"));
    }
    let (dir, _) = with_bad_file("bomb.yaml", bomb.as_bytes());
    let report = check_dir(dir.path());
    let finding = report
        .findings
        .iter()
        .find(|f| f.rule == "yaml-syntax")
        .unwrap();
    assert!(finding.message.contains("alias"), "{}", finding.message);
}

#[test]
fn two_hundred_levels_of_nesting_parse_and_deeper_is_a_finding() {
    let nested = |depth: usize| {
        let mut text =
            String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nextra:\n");
        for level in 0..depth {
            text.push_str(&format!("{}k{level}:\n", "  ".repeat(level + 1)));
        }
        text
    };
    let (dir, _) = with_bad_file("deep200.yaml", nested(200).as_bytes());
    fs::write(dir.path().join("deep400.yaml"), nested(400)).unwrap();
    let report = check_dir(dir.path());
    assert_eq!(
        rules_of(&report),
        [("deep400.yaml".into(), "yaml-syntax".into())]
    );
}

#[test]
fn a_fifty_megabyte_file_is_checked() {
    let document = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-NUM\ndata:\n  payload: \"0123456789012345678901234567890123456789012345678901234567890123456789\"\n";
    let mut text = String::with_capacity(51 * 1024 * 1024);
    let mut n = 0;
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(&document.replace("NUM", &n.to_string()));
        n += 1;
    }
    let (dir, _) = with_bad_file("big.yaml", text.as_bytes());
    let report = check_dir(dir.path());
    assert!(report.findings.is_empty());
    assert_eq!(report.summary.documents, n + 1);
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_dangling_links_are_input_read_findings() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("good.yaml"), GOOD).unwrap();
    std::os::unix::fs::symlink(dir.path().join("b.yaml"), dir.path().join("a.yaml")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("a.yaml"), dir.path().join("b.yaml")).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    let report = check_dir(dir.path());
    let rules: Vec<String> = report.findings.iter().map(|f| f.rule.to_string()).collect();
    assert!(rules.iter().all(|rule| rule == "input-read"), "{rules:?}");
    assert!(rules.len() >= 2, "{:?}", report.findings);
    // Given directly, a looping link is a finding too, not a usage error.
    let report = engine()
        .check(&[Input::Path(dir.path().join("a.yaml"))])
        .unwrap();
    assert_eq!(report.findings[0].rule, "input-read");
}

#[cfg(unix)]
#[test]
fn links_that_hold_no_manifest_are_walked_past() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("examples")).unwrap();
    fs::write(dir.path().join("examples/good.yaml"), GOOD).unwrap();
    // A library's import path that points above itself, and a dotfile
    // whose target is not checked in: nothing of the input is behind them.
    std::os::unix::fs::symlink("..", dir.path().join("examples/lib")).unwrap();
    std::os::unix::fs::symlink("./.source/skins", dir.path().join("skins")).unwrap();
    let report = check_dir(dir.path());
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    // A dangling link named like a manifest is one that cannot be read.
    std::os::unix::fs::symlink("missing.yaml", dir.path().join("app.yaml")).unwrap();
    let report = check_dir(dir.path());
    let rules: Vec<&str> = report.findings.iter().map(|f| f.rule.as_ref()).collect();
    assert_eq!(rules, ["input-read"]);
}

#[cfg(unix)]
#[test]
fn a_directory_linked_into_the_tree_is_read_once_at_its_own_path() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("install")).unwrap();
    fs::write(dir.path().join("install/config.yaml"), BROKEN).unwrap();
    // Documentation that links the install files in, twice, and a folder
    // outside the tree that only a link reaches.
    std::os::unix::fs::symlink(dir.path().join("install"), dir.path().join("docs-a")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("install"), dir.path().join("docs-b")).unwrap();
    fs::write(outside.path().join("shared.yaml"), BROKEN).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("shared")).unwrap();
    let report = check_dir(dir.path());
    let mut files: Vec<String> = report
        .findings
        .iter()
        .map(|finding| {
            let path = Path::new(&finding.file);
            let parent = path
                .parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy();
            format!("{parent}/{}", path.file_name().unwrap().to_string_lossy())
        })
        .collect();
    files.sort();
    assert_eq!(files, ["install/config.yaml", "shared/shared.yaml"]);
}

/// The (file name, rule) of each finding in a folder of `files` (relative
/// path, text), sorted.
fn findings_in_folder(files: &[(&str, &str)]) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    let mut found = rules_of(&check_dir(dir.path()));
    found.sort();
    found
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(file, rule)| ((*file).to_owned(), (*rule).to_owned()))
        .collect()
}

#[test]
fn a_file_of_brace_placeholders_is_an_unrendered_template() {
    let found = findings_in_folder(&[
        // A script replaces {TENANT_ID} before applying: YAML would read
        // the whole value as a mapping.
        (
            "tenant_template.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {TENANT_ID}\n",
        ),
        // Flow mappings and quoted braces are YAML of their own.
        (
            "fine.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n  labels: {app: shop}\ndata:\n  greeting: \"{NAME}\"\n",
        ),
        // `@NAME@` cannot start a YAML value: such a file parses once
        // filled in. (In a directory of its own: the note is one per
        // directory.)
        (
            "storage/tenant_statefulset.yaml",
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: @STS_NAME@\n",
        ),
    ]);
    assert_eq!(
        found,
        pairs(&[
            ("tenant_statefulset.yaml", "unrendered-template"),
            ("tenant_template.yaml", "unrendered-template"),
        ])
    );
}

#[test]
fn a_file_with_lines_left_to_a_text_template_tool_is_an_unrendered_template() {
    let found = findings_in_folder(&[
        // A platform's command-line tool writes whole annotations where
        // the `<NAME>` lines stand before anything parses the YAML.
        (
            "ingress/ingress.yaml",
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ui\n  annotations:\n    a.example.com/b: \"true\"\n    <ISSUER_ANNOTATION_1>\n    <ISSUER_ANNOTATION_2>\nspec:\n  ingressClassName: nginx\n",
        ),
        // A line of lower-case markup is not such a placeholder: broken
        // YAML stays a syntax error.
        (
            "broken/configmap.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    a: b\n    <not a name>\n",
        ),
    ]);
    assert_eq!(
        found,
        pairs(&[
            ("configmap.yaml", "yaml-syntax"),
            ("ingress.yaml", "unrendered-template"),
        ])
    );
}

/// Asserts that the report has one finding, in the file ending with `path`.
fn assert_only_finding_in(report: &Report, path: &str) {
    let files: Vec<&str> = report.findings.iter().map(|f| f.file.as_str()).collect();
    assert!(
        matches!(&files[..], [only] if only.ends_with(path)),
        "{files:?}"
    );
}

#[test]
fn go_vendored_modules_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("vendor/k8s.io/api/examples");
    fs::create_dir_all(&module).unwrap();
    fs::write(
        dir.path().join("vendor/modules.txt"),
        "# k8s.io/api v0.31.0\n",
    )
    .unwrap();
    fs::write(module.join("pod.yaml"), BROKEN).unwrap();
    // A folder named vendor without Go's marker is the repository's own.
    fs::create_dir_all(dir.path().join("deploy/vendor")).unwrap();
    fs::write(dir.path().join("deploy/vendor/config.yaml"), BROKEN).unwrap();
    assert_only_finding_in(&check_dir(dir.path()), "deploy/vendor/config.yaml");
}

/// `text` in UTF-16 with a byte-order mark, little- or big-endian.
fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let mut bytes = if little_endian {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for unit in text.encode_utf16() {
        bytes.extend(if little_endian {
            unit.to_le_bytes()
        } else {
            unit.to_be_bytes()
        });
    }
    bytes
}

#[test]
fn utf16_with_a_byte_order_mark_is_read_as_kubectl_reads_it() {
    for little_endian in [true, false] {
        let (dir, _) = with_bad_file("broken.yaml", &utf16(BROKEN, little_endian));
        assert_eq!(
            rules_of(&check_dir(dir.path())),
            [("broken.yaml".into(), "manifest-shape".into())],
            "little-endian: {little_endian}"
        );
    }
    // Without its mark, or cut in the middle of a unit, it is not text.
    let mut odd = utf16(GOOD, true);
    odd.pop();
    let (dir, _) = with_bad_file("odd.yaml", &odd);
    assert_eq!(
        rules_of(&check_dir(dir.path())),
        [("odd.yaml".into(), "input-read".into())]
    );
}

#[test]
fn testdata_directories_below_the_path_given_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = dir.path().join("test/testdata");
    fs::create_dir_all(&fixtures).unwrap();
    fs::write(fixtures.join("pod.yaml"), BROKEN).unwrap();
    fs::create_dir_all(dir.path().join("deploy")).unwrap();
    fs::write(dir.path().join("deploy/config.yaml"), BROKEN).unwrap();
    assert_only_finding_in(&check_dir(dir.path()), "deploy/config.yaml");
    // Given as the path to check, a testdata directory is read.
    let report = check_dir(&fixtures);
    assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_an_input_read_finding() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, path) = with_bad_file("secret.yaml", GOOD.as_bytes());
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&path).is_ok() {
        // Running as root: permissions are not enforced, nothing to test.
        return;
    }
    let report = check_dir(dir.path());
    assert_eq!(
        rules_of(&report),
        [("secret.yaml".into(), "input-read".into())]
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_given_directly_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|status| status.success()) {
        return;
    }
    let report = engine().check(&[Input::Path(fifo)]).unwrap();
    assert_eq!(report.findings[0].rule, "input-read");
    assert!(report.findings[0].message.contains("not a regular file"));
}

#[test]
fn a_directory_without_yaml_is_no_input() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("README.md"), "# docs\n").unwrap();
    let error = engine()
        .check(&[Input::Path(dir.path().to_path_buf())])
        .unwrap_err();
    assert!(matches!(error, CheckError::NoInput));
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let error = engine()
        .check(&[Input::Path(PathBuf::from("does/not/exist.yaml"))])
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "does/not/exist.yaml: no such file or directory"
    );
}

#[test]
fn non_mapping_documents_in_a_repository_are_not_manifests() {
    let (dir, _) = with_bad_file("scalar.yaml", b"just a string\n---\n- a\n- list\n");
    let report = check_dir(dir.path());
    assert!(rules_of(&report).is_empty());
}

#[test]
fn non_mapping_documents_of_a_rendered_stream_are_manifest_shape_findings() {
    let report = engine()
        .check(&[Input::Bytes {
            name: "-".into(),
            bytes: b"just a string\n---\n- a\n- list\n".to_vec(),
        }])
        .unwrap();
    assert_eq!(
        rules_of(&report),
        [
            ("-".into(), "manifest-shape".into()),
            ("-".into(), "manifest-shape".into())
        ]
    );
}

#[test]
fn json_files_are_manifests_with_positions() {
    let json = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"p\"},\n  \"spec\": {\"containers\": [{\"name\": \"c\", \"image\": \"nginx:latest\"}]}\n}\n";
    let (dir, _) = with_bad_file("pod.json", json.as_bytes());
    let report = check_dir(dir.path());
    let latest = report
        .findings
        .iter()
        .find(|f| f.rule == "image-latest")
        .unwrap();
    assert_eq!((latest.span.start.line, latest.span.start.column), (5, 50));
}

#[test]
fn unrendered_templates_get_one_note_per_chart_or_directory() {
    let dir = tempfile::tempdir().unwrap();
    let put = |path: &str, text: &str| {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    put(
        "chart/templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n{{- if .Values.x }}\n  labels: {}\n{{- end }}\n",
    );
    // Outside templates/, a file that does not parse because of template
    // syntax is a template too.
    put("patch.yaml", "spec:\n  replicas: {{ .Values.replicas }\n");
    // Other engines' templates: FreeMarker directives, Jinja blocks.
    put(
        "ftl/app.ftl.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  annotations:\n<#if config.mail>\n    mail: on\n</#if>\n",
    );
    put(
        "ftl/jinja.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n{% for key in keys %}\n  {{ key }}: x\n{% endfor %}\n",
    );
    // ytt's directives are YAML comments: the file parses, and is a
    // template all the same.
    put(
        "ytt/app.yaml",
        "#@ load(\"@ytt:data\", \"data\")\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: #@ data.values.name\n",
    );
    let report = check_dir(dir.path());
    assert_eq!(
        rules_of(&report),
        [
            ("deployment.yaml".into(), "unrendered-template".into()),
            ("app.ftl.yaml".into(), "unrendered-template".into()),
            ("patch.yaml".into(), "unrendered-template".into()),
            ("app.yaml".into(), "unrendered-template".into())
        ]
    );
    let notes: Vec<&str> = report
        .findings
        .iter()
        .map(|finding| finding.message.as_str())
        .collect();
    assert!(notes.contains(&"skipped: this is an unrendered Helm template"));
    assert!(notes.contains(&"skipped: this is an unrendered ytt template"));
    assert!(notes
        .iter()
        .any(|note| note.contains("its template syntax is not YAML")));
    // A file that does not parse and holds no template syntax is broken.
    put("broken.yaml", "kind: ConfigMap\n  data: [\n");
    assert!(
        rules_of(&check_dir(dir.path())).contains(&("broken.yaml".into(), "yaml-syntax".into()))
    );
}

#[test]
fn hidden_directories_gitignore_and_plimsollignore_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join(".git")).unwrap();
    fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
    fs::create_dir_all(dir.path().join("build")).unwrap();
    fs::create_dir_all(dir.path().join("vendor")).unwrap();
    fs::write(dir.path().join(".gitignore"), "build/\n").unwrap();
    fs::write(dir.path().join(".plimsollignore"), "vendor/\n").unwrap();
    fs::write(dir.path().join(".github/workflows/ci.yaml"), "on: push\n").unwrap();
    fs::write(dir.path().join("build/out.yaml"), "not: a manifest\n").unwrap();
    fs::write(dir.path().join("vendor/x.yaml"), "not: a manifest\n").unwrap();
    fs::write(dir.path().join("good.yaml"), GOOD).unwrap();
    let report = check_dir(dir.path());
    assert_eq!(report.summary.files, 1);
    assert!(report.findings.is_empty());
}

#[test]
fn exclude_globs_and_the_config_file_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("charts/app/ci")).unwrap();
    fs::write(
        dir.path().join("charts/app/ci/test-values.yaml"),
        "replicas: 2\n",
    )
    .unwrap();
    fs::write(dir.path().join("good.yaml"), GOOD).unwrap();
    let config_path = dir.path().join(".plimsoll.yaml");
    fs::write(&config_path, "exclude: [\"charts/**/ci/**\"]\n").unwrap();
    let config = Config::load(&config_path).unwrap();
    let engine = Engine::new(config, EngineOptions::default()).unwrap();
    // Every rule runs here: only what is read matters.
    let report = engine
        .check(&[Input::Path(dir.path().to_path_buf())])
        .unwrap();
    assert_eq!(report.summary.files, 1);
}
