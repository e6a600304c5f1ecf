//! Findings with every place that matters: related places (the first copy
//! of a duplicate, the objects a quota counted, the `.plimsoll.yaml` line
//! behind an environment's minimum) in the human, JSON, SARIF and JUnit
//! reports; the concise format and `--statistics`; `explain`'s hint.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const RELATED: &str = "testdata/diagnostics/related-places";

/// `plimsoll check` of the related-places repository from the repository
/// root: exit code and stdout.
fn check(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::cargo_bin("plimsoll")
        .unwrap()
        .current_dir(repo())
        .args(["check", RELATED, "--color", "never"])
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

#[test]
fn human_diagnostics_draw_related_places_across_files() {
    let (code, human) = check(&[]);
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("related_places_human", human);
    // The ignore hint once per rule, not per finding.
    assert_eq!(
        human.matches("ignore[replicas-minimum]").count(),
        1,
        "{human}"
    );
}

fn finding<'a>(report: &'a Value, rule: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding: {report:#}"))
}

fn places(related: &Value) -> Vec<String> {
    related
        .as_array()
        .unwrap()
        .iter()
        .map(|place| {
            format!(
                "{}:{}:{}: {}",
                place["file"].as_str().unwrap(),
                place["line"],
                place["column"],
                place["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn json_and_sarif_carry_the_same_places() {
    let (_, json) = check(&["--format", "json"]);
    let report: Value = serde_json::from_str(&json).unwrap();
    let prod = format!("{RELATED}/envs/prod");
    assert_eq!(
        places(&finding(&report, "duplicate-resource")["related"]),
        [format!("{prod}/api.yaml:4:9: the first copy")]
    );
    assert_eq!(
        places(&finding(&report, "replicas-minimum")["related"]),
        [format!(
            "{RELATED}/.plimsoll.yaml:7:7: replicas.min configured here"
        )]
    );
    let quota = places(&finding(&report, "quota-capacity")["related"]);
    assert!(
        quota.contains(&format!(
            "{prod}/api.yaml:4:9: counted: Deployment api-prod: 3 × 500m"
        )),
        "{quota:#?}"
    );

    let (_, sarif) = check(&["--format", "sarif"]);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    for rule in ["duplicate-resource", "replicas-minimum", "quota-capacity"] {
        let json_places = places(&finding(&report, rule)["related"]);
        let result = results
            .iter()
            .find(|result| result["ruleId"] == rule)
            .unwrap();
        let sarif_places: Vec<String> = result["relatedLocations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|location| {
                let physical = &location["physicalLocation"];
                format!(
                    "{}:{}:{}: {}",
                    physical["artifactLocation"]["uri"].as_str().unwrap(),
                    physical["region"]["startLine"],
                    physical["region"]["startColumn"],
                    location["message"]["text"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(sarif_places, json_places, "{rule}");
    }

    let (_, junit) = check(&["--format", "junit"]);
    assert!(
        junit.contains(&format!(
            "related: {RELATED}/.plimsoll.yaml:7:7: replicas.min configured here"
        )),
        "{junit}"
    );
}

#[test]
fn concise_is_one_line_per_finding() {
    let (code, concise) = check(&["--format", "concise", "--quiet"]);
    assert_eq!(code, Some(1));
    let lines: Vec<&str> = concise.lines().collect();
    assert!(
        lines.contains(&format!(
            "{RELATED}/envs/prod/worker.yaml:7:13: error[replicas-minimum] Deployment worker-prod runs 1 replica; environment prod needs at least 3"
        )
        .as_str()),
        "{concise}"
    );
    let (_, json) = check(&["--format", "json"]);
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(lines.len(), report["findings"].as_array().unwrap().len());
}

#[test]
fn statistics_count_findings_per_rule() {
    let (code, text) = check(&["--statistics"]);
    assert_eq!(code, Some(1), "the exit code is the check's");
    insta::assert_snapshot!("related_places_statistics", text);
    let (_, json) = check(&["--statistics", "--format", "json"]);
    let counts: Value = serde_json::from_str(&json).unwrap();
    let total: u64 = counts
        .as_array()
        .unwrap()
        .iter()
        .map(|count| count["count"].as_u64().unwrap())
        .sum();
    let (_, report) = check(&["--format", "json"]);
    let report: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(total as usize, report["findings"].as_array().unwrap().len());
    let output = Command::cargo_bin("plimsoll")
        .unwrap()
        .current_dir(repo())
        .args(["check", RELATED, "--statistics", "--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn explain_suggests_the_nearest_rule() {
    let output = Command::cargo_bin("plimsoll")
        .unwrap()
        .args(["explain", "image-digets"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("unknown rule `image-digets` (did you mean `image-digest`?)"),
        "{stderr}"
    );
}

/// Colour follows the usual conventions when not asked for explicitly:
/// none when piped, CLICOLOR_FORCE forces it, NO_COLOR wins over that.
#[test]
fn colour_follows_no_color_and_clicolor_force() {
    let run = |format: &str, env: &[(&str, &str)]| {
        let mut command = Command::cargo_bin("plimsoll").unwrap();
        command
            .current_dir(repo())
            .args(["check", RELATED, "--format", format])
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("CLICOLOR");
        for (key, value) in env {
            command.env(key, value);
        }
        String::from_utf8(command.output().unwrap().stdout).unwrap()
    };
    assert!(
        !run("human", &[]).contains('\u{1b}'),
        "no colour when piped"
    );
    assert!(run("human", &[("CLICOLOR_FORCE", "1")]).contains('\u{1b}'));
    assert!(!run("human", &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains('\u{1b}'));
    // The concise format has no colour at all.
    assert!(!run("concise", &[("CLICOLOR_FORCE", "1")]).contains('\u{1b}'));
}
