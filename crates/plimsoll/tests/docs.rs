//! The documentation in `docs/` stays in step with the code.
//!
//! `docs/rules.md` is generated from rule metadata; when a rule changes,
//! regenerate it with `PLIMSOLL_UPDATE_DOCS=1 cargo test -p plimsoll --test docs`
//! (or `plimsoll rules --format markdown > docs/rules.md`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn the_rules_reference_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    // The rules of an engine without a config: the built-in rules and
    // `admission-policy`, what `plimsoll rules --format markdown` prints.
    let engine = plimsoll::Engine::new(
        plimsoll::Config::default(),
        plimsoll::EngineOptions::default(),
    )
    .unwrap();
    let generated = plimsoll::rules::reference_markdown(engine.rules());
    if std::env::var_os("PLIMSOLL_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/rules.md is stale: run `PLIMSOLL_UPDATE_DOCS=1 cargo test -p plimsoll --test docs`"
    );
}

/// `docs/configuration.md` has one `### \`key.path\`` heading per key of
/// the config (as its generated JSON schema lists them), and no other.
#[test]
fn the_configuration_reference_documents_every_key() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/configuration.md");
    let text = std::fs::read_to_string(path).unwrap();
    let documented: BTreeSet<String> = text
        .lines()
        .filter_map(|line| line.strip_prefix("### `"))
        .map(|rest| rest.trim_end_matches('`').to_owned())
        .collect();
    let schema = plimsoll::Config::json_schema();
    let mut known = BTreeSet::new();
    key_paths(&schema, &schema, "", &mut known);
    let missing: Vec<_> = known.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&known).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "docs/configuration.md: undocumented keys {missing:?}; documented keys the parser does not know {unknown:?}"
    );
}

/// Every key path of a JSON schema: `images.requireDigest`,
/// `environments[].name`, `rules.*.severity`.
fn key_paths(
    root: &serde_json::Value,
    node: &serde_json::Value,
    path: &str,
    keys: &mut BTreeSet<String>,
) {
    if let Some(reference) = node.get("$ref").and_then(|r| r.as_str()) {
        let name = reference.trim_start_matches("#/$defs/");
        return key_paths(root, &root["$defs"][name], path, keys);
    }
    if let Some(properties) = node.get("properties").and_then(|p| p.as_object()) {
        for (key, value) in properties {
            let child = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            keys.insert(child.clone());
            key_paths(root, value, &child, keys);
        }
    }
    if let Some(items) = node.get("items") {
        key_paths(root, items, &format!("{path}[]"), keys);
    }
    if let Some(values) = node.get("additionalProperties").filter(|v| v.is_object()) {
        key_paths(root, values, &format!("{path}.*"), keys);
    }
    for alternatives in ["oneOf", "anyOf"] {
        for alternative in node
            .get(alternatives)
            .and_then(|a| a.as_array())
            .into_iter()
            .flatten()
        {
            key_paths(root, alternative, path, keys);
        }
    }
}

/// Keys of `.plimsoll.yaml` that shape the whole run rather than one rule.
const RUN_WIDE_KEYS: &[&str] = &[
    "kubernetesVersion",
    "environments[].name",
    "environments[].aliases",
    "environments[].paths",
    "environments[].namespaces",
    "environments[].promotesTo",
    "environmentLabel",
    "rules",
    "exclude",
    "policies",
];

/// Every key of the config is read by a rule that declares it (and so is
/// named by `plimsoll explain`) or shapes the whole run; every key a rule
/// declares exists.
#[test]
fn every_config_key_belongs_to_a_rule_or_the_run() {
    let schema = plimsoll::Config::json_schema();
    let mut keys = BTreeSet::new();
    key_paths(&schema, &schema, "", &mut keys);
    let engine = plimsoll::Engine::new(
        plimsoll::Config::default(),
        plimsoll::EngineOptions::default(),
    )
    .unwrap();
    let declared: BTreeSet<&str> = engine
        .rules()
        .iter()
        .flat_map(|rule| rule.settings().iter().copied())
        .collect();
    let unknown: Vec<&&str> = declared
        .iter()
        .filter(|key| !keys.contains(**key))
        .collect();
    assert!(
        unknown.is_empty(),
        "rules declare keys the config does not have: {unknown:?}"
    );
    let covered: Vec<&str> = declared
        .iter()
        .copied()
        .chain(RUN_WIDE_KEYS.iter().copied())
        .collect();
    let under = |key: &str, parent: &str| {
        key == parent
            || key.starts_with(&format!("{parent}."))
            || key.starts_with(&format!("{parent}[]"))
    };
    let orphans: Vec<&String> = keys
        .iter()
        .filter(|key| {
            !covered
                .iter()
                .any(|owner| under(key, owner) || under(owner, key))
        })
        .collect();
    assert!(
        orphans.is_empty(),
        "config keys no rule declares (Rule::configured_by) and the run does not read: {orphans:?}"
    );
}
