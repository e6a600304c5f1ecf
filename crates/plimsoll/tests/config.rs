//! `.plimsoll.yaml`: every key parses, mistakes name file, line and key, and
//! the shipped JSON schema describes exactly the keys the parser accepts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use plimsoll::config::{RequireDigest, SyncMode, KNOWN_KEYS, STARTER_CONFIG};
use plimsoll::{Config, Engine, EngineError, EngineOptions, Severity};

fn parse(text: &str) -> Result<Config, plimsoll::ConfigError> {
    Config::from_yaml(text, Path::new(".plimsoll.yaml"))
}

fn error_of(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

const FULL: &str = r#"
kubernetesVersion: "1.31"
environments:
  - name: dev
    aliases: [development]
    paths: ["envs/dev/**", "**/values-dev.yaml"]
    namespaces: ["meetinity-dev"]
    promotesTo: [staging]
    branch: dev
    replicas: {min: 1}
    resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 1, memory: 1Gi}}
    sync: {mode: auto, interval: 1m, timeout: 3m}
  - name: staging
    promotesTo: [prod]
    replicas: {min: 2}
    sync: {mode: manual, interval: 2m, timeout: 3m}
  - name: prod
    aliases: [production, live]
    replicas: {min: 3}
    sync: {mode: manual}
environmentLabel: meetinity.io/environment
naming:
  resource: "{service}-{env}"
  namespace: "{project}-{env}"
images:
  requireDigest: [staging, prod]
  allowedRegistries: ["ghcr.io/meetinity/"]
  pullSecrets: [{registry: ghcr.io, secret: ghcr-pull-secret}]
secrets:
  external: [ghcr-pull-secret]
  stores: [vault-backend]
networkPolicy:
  ingressNamespaceLabel: networking.meetinity.io/ingress-allowed=true
  requireDnsEgress: true
requiredWorkloads: [api-gateway, user-service]
migrations:
  waveOrder: [identity_db, auth_db, legal_db]
  maxBackoffLimit: 3
codeowners:
  protect: ["envs/staging/**", "envs/prod/**"]
rules:
  image-latest: warning
  plaintext-secret: off
  duplicate-resource: false
  image-digest: {severity: error, environments: [staging, prod]}
exclude: ["charts/**/templates/**"]
policies: ["policies/*.yaml"]
"#;

#[test]
fn every_key_of_the_spec_example_parses() {
    let config = parse(FULL).unwrap();
    assert_eq!(config.kubernetes_version.as_deref(), Some("1.31"));
    assert_eq!(config.environments.len(), 3);
    let dev = &config.environments[0];
    assert_eq!(dev.promotes_to, ["staging"]);
    assert_eq!(dev.resources.requests.cpu.as_deref(), Some("100m"));
    assert_eq!(dev.resources.limits.cpu.as_deref(), Some("1"));
    assert_eq!(dev.sync.mode, Some(SyncMode::Auto));
    assert_eq!(dev.replicas.min, Some(1));
    assert_eq!(config.environments[2].aliases, ["production", "live"]);
    assert_eq!(
        config.images.require_digest,
        RequireDigest::Environments(vec!["staging".into(), "prod".into()])
    );
    assert_eq!(config.images.pull_secrets[0].secret, "ghcr-pull-secret");
    assert_eq!(config.migrations.max_backoff_limit, Some(3));
    assert_eq!(config.network_policy.require_dns_egress, Some(true));
    assert!(!config.rules["plaintext-secret"].enabled);
    assert!(!config.rules["duplicate-resource"].enabled);
    assert_eq!(
        config.rules["image-latest"].severity,
        Some(Severity::Warning)
    );
    assert_eq!(
        config.rules["image-digest"].environments,
        ["staging", "prod"]
    );
    assert_eq!(config.codeowners.protect.len(), 2);
    assert_eq!(config.policies, ["policies/*.yaml"]);
    Engine::new(config, EngineOptions::default()).unwrap();
}

#[test]
fn the_starter_config_loads_cleanly() {
    let config = parse(STARTER_CONFIG).unwrap();
    assert_eq!(config.environments.len(), 3);
    Engine::new(config, EngineOptions::default()).unwrap();
}

#[test]
fn an_empty_config_is_the_default() {
    let config = parse("# nothing yet\n").unwrap();
    assert!(config.environments.is_empty());
}

#[test]
fn mistakes_name_the_line_and_the_key() {
    insta::assert_snapshot!(
        error_of("environments:\n  - name: dev\n    promoteTo: [prod]\n"),
        @".plimsoll.yaml:3:5: environments[0].promoteTo: unknown key `promoteTo` (did you mean `promotesTo`?); expected one of: name, aliases, paths, namespaces, promotesTo, branch, replicas, resources, sync"
    );
    insta::assert_snapshot!(
        error_of("images:\n  requireDigest: maybe\n"),
        @r#".plimsoll.yaml:2:18: images.requireDigest: expected true, false or a list of environments, got string "maybe""#
    );
    insta::assert_snapshot!(
        error_of("environments:\n  - name: dev\n    replicas: {min: many}\n"),
        @r#".plimsoll.yaml:3:21: environments[0].replicas.min: expected an integer, got string "many""#
    );
    insta::assert_snapshot!(
        error_of("kubernetesVersion: 1.30\n"),
        @".plimsoll.yaml:1:20: kubernetesVersion: write the version as a string, e.g. \"1.31\" (a bare 1.30 reads as the number 1.3)"
    );
    insta::assert_snapshot!(
        error_of("rules:\n  image-latest: loud\n"),
        @r#".plimsoll.yaml:2:17: rules.image-latest: expected error, warning, info or off, got "loud""#
    );
    insta::assert_snapshot!(
        error_of("environments:\n  - name: dev\n    promotesTo: [qa]\n"),
        @r#".plimsoll.yaml:2:11: promotesTo: `dev` promotes to unknown environment "qa""#
    );
    insta::assert_snapshot!(
        error_of("exclude: [a]\nexclude: [b]\n"),
        @".plimsoll.yaml:2:1: duplicate key: duplicate key `exclude` (first at line 1); the later value wins"
    );
    insta::assert_snapshot!(
        error_of("naming:\n  resource: \"{service}\"\n"),
        @r#".plimsoll.yaml:2:13: naming.resource: the pattern "{service}" must contain {env}"#
    );
    insta::assert_snapshot!(
        error_of("environments: [{aliases: [x]}]\n"),
        @".plimsoll.yaml:1:16: environments[0].name: every environment needs a name"
    );
    insta::assert_snapshot!(
        error_of("rules: [a]\n"),
        @".plimsoll.yaml:1:8: rules: expected a mapping of rule ids, got array"
    );
    assert!(error_of("images: {pullSecrets: [{registry: ghcr.io}]}\n").contains("needs both"));
    assert!(error_of("a: [\n").contains("invalid YAML"));
}

#[test]
fn unknown_rule_ids_are_config_errors_with_their_line() {
    let config = parse("rules:\n  image-digets: off\n").unwrap();
    let error = Engine::new(config, EngineOptions::default()).err().unwrap();
    insta::assert_snapshot!(
        error.to_string(),
        @".plimsoll.yaml:2:3: rules.image-digets: unknown rule `image-digets` (did you mean `image-digest`?)"
    );
    let options = EngineOptions {
        select: vec!["no-such-rule".into()],
        ..EngineOptions::default()
    };
    assert!(matches!(
        Engine::new(Config::default(), options),
        Err(EngineError::UnknownRule { .. })
    ));
    let options = EngineOptions {
        environment: Some("qa".into()),
        ..EngineOptions::default()
    };
    assert_eq!(
        Engine::new(Config::default(), options)
            .err()
            .unwrap()
            .to_string(),
        "unknown environment `qa`; known environments: dev, staging, prod"
    );
}

/// The properties a JSON schema object allows, following `$ref`s into
/// `$defs`.
fn properties<'a>(schema: &'a serde_json::Value, node: &'a serde_json::Value) -> Vec<String> {
    let node = match node.get("$ref").and_then(|r| r.as_str()) {
        Some(reference) => {
            let name = reference.trim_start_matches("#/$defs/");
            &schema["$defs"][name]
        }
        None => node,
    };
    node["properties"]
        .as_object()
        .map(|props| props.keys().cloned().collect())
        .unwrap_or_default()
}

fn schema_section<'a>(schema: &'a serde_json::Value, section: &str) -> &'a serde_json::Value {
    let mut node = schema;
    if section.is_empty() {
        return node;
    }
    for part in section.split('.') {
        let (name, is_item) = match part.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (part, false),
        };
        node = if name == "*" {
            &node["additionalProperties"]["oneOf"][2]
        } else {
            &node["properties"][name]
        };
        if let Some(reference) = node.get("$ref").and_then(|r| r.as_str()) {
            node = &schema["$defs"][reference.trim_start_matches("#/$defs/")];
        }
        if is_item {
            node = &node["items"];
        }
    }
    node
}

#[test]
fn the_json_schema_has_exactly_the_parsed_keys() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/plimsoll-config.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for (section, keys) in KNOWN_KEYS {
        let node = schema_section(&schema, section);
        let mut in_schema = properties(&schema, node);
        in_schema.sort();
        let mut parsed: Vec<String> = keys.iter().map(|key| (*key).to_owned()).collect();
        parsed.sort();
        assert_eq!(in_schema, parsed, "section `{section}`");
    }
}

/// One run shows every mistake of the file: each unknown key, and the
/// first wrong value of each section, in file order.
#[test]
fn every_mistake_of_a_file_is_reported_at_once() {
    let error = parse(
        "environments:\n  - name: prod\n    replicas: {minimum: 3}\nimages:\n  requireDigests: true\nnaming:\n  resource: 7\nexclud: [\"x/**\"]\n",
    )
    .unwrap_err();
    let lines: Vec<String> = error.to_string().lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert!(
        lines[0].starts_with(
            ".plimsoll.yaml:3:16: environments[0].replicas.minimum: unknown key `minimum`; expected one of: min"
        ),
        "{lines:#?}"
    );
    assert!(
        lines[1].starts_with(".plimsoll.yaml:5:3: images.requireDigests: unknown key `requireDigests` (did you mean `requireDigest`?)"),
        "{lines:#?}"
    );
    assert!(
        lines[2].starts_with(".plimsoll.yaml:7:13: naming.resource: expected a string"),
        "{lines:#?}"
    );
    assert!(
        lines[3].starts_with(
            ".plimsoll.yaml:8:1: exclud: unknown key `exclud` (did you mean `exclude`?)"
        ),
        "{lines:#?}"
    );
    assert_eq!(error.more.len(), 3);
}
