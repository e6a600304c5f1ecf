//! Embedding plimsoll in another tool: an engine built from an in-memory
//! config, one extra rule written in Rust, in-memory documents, and the
//! findings printed as the JSON report.
//!
//! Run it with `cargo run -p plimsoll --example embed`.

use plimsoll::model::is_workload;
use plimsoll::render::json;
use plimsoll::rules::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use plimsoll::{Config, Engine, EngineOptions, Input, Severity};

/// The organisation's own rule: every workload names its owning team.
fn team_label() -> Rule {
    Rule::document(
        RuleMeta {
            id: "team-label".into(),
            category: Category::Custom,
            default_severity: Severity::Warning,
            summary: "a workload has no `team` label".into(),
            rationale: "On-call needs to know whom to page for a workload.".into(),
            fix: "Add `metadata.labels.team`.".into(),
            bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n".into(),
            good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  labels: {team: web}\n"
                .into(),
        },
        check_team_label,
    )
}

fn check_team_label(context: &DocumentContext<'_>, sink: &mut Sink) {
    let object = context.object;
    if is_workload(object) && object.label("team").is_none() {
        // Point at `metadata` (the labels are missing, so there is no value
        // to point at) and say how to fix it.
        sink.push(
            Violation::at_key(object, "/metadata", "workload has no `team` label")
                .with_help("add `metadata.labels.team: <team>`"),
        );
    }
}

const CONFIG: &str = "\
environments:
  - name: dev
    promotesTo: [prod]
  - name: prod
rules:
  image-latest: warning
";

const MANIFESTS: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-prod
  namespace: shop-prod
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:latest
";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The path only names the config in error messages.
    let config = Config::from_yaml(CONFIG, ".plimsoll.yaml".as_ref())?;
    // Checks as `plimsoll check` does (built-in rules, the config's
    // policies), plus a rule of our own.
    let engine = Engine::with_extra_rules(config, EngineOptions::default(), vec![team_label()])?;

    let inputs = [Input::Text {
        name: "envs/prod/api.yaml".into(),
        text: MANIFESTS.into(),
    }];
    let report = engine.check(&inputs)?;

    let mut out = Vec::new();
    json::render(&report, &mut out)?;
    print!("{}", String::from_utf8(out)?);
    Ok(())
}
