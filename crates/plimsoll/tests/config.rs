//! `.plimsoll.yaml`: every key parses, mistakes name file, line and key, and
//! the shipped JSON schema describes exactly the keys the parser accepts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use plimsoll::config::{RequireDigest, SyncMode, STARTER_CONFIG};
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
        error_of("naming:\n  namespace: \"{project}\"\n"),
        @r#".plimsoll.yaml:2:14: naming.namespace: the pattern "{project}" must contain {env}"#
    );
    insta::assert_snapshot!(
        error_of("environments: [{aliases: [x]}]\n"),
        @".plimsoll.yaml:1:16: environments[0].name: missing required key `name`"
    );
    insta::assert_snapshot!(
        error_of("rules: [a]\n"),
        @".plimsoll.yaml:1:8: rules: expected a mapping, got array"
    );
    insta::assert_snapshot!(
        error_of("images: {pullSecrets: [{registry: ghcr.io}]}\n"),
        @".plimsoll.yaml:1:24: images.pullSecrets[0].secret: missing required key `secret`"
    );
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

/// The JSON schema shipped in `schemas/` is the one generated from the
/// config's types: regenerate it with
/// `PLIMSOLL_UPDATE_DOCS=1 cargo test -p plimsoll --test config`.
#[test]
fn the_json_schema_is_generated_from_the_types() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/plimsoll-config.schema.json");
    let generated = serde_json::to_string_pretty(&Config::json_schema()).unwrap() + "\n";
    if std::env::var_os("PLIMSOLL_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schemas/plimsoll-config.schema.json is stale: run `PLIMSOLL_UPDATE_DOCS=1 cargo test -p plimsoll --test config`"
    );
}

/// One run shows every mistake of the file, in file order: each unknown
/// key, and each wrong value — several in one section, one per rule.
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

#[test]
fn wrong_values_of_one_section_and_of_several_rules_are_all_reported() {
    let error = parse(
        "environments:\n  - name: prod\n    replicas: {min: -1}\n    resources: {requests: {cpu: lots}}\n    sync: {mode: sometimes}\nrules:\n  probes: loud\n  image-latest: {severity: loud, environment: [prod]}\n  image-digest: off\n",
    )
    .unwrap_err();
    insta::assert_snapshot!(error.to_string(), @r#"
    .plimsoll.yaml:3:21: environments[0].replicas.min: expected a count of 0 or more, got -1
    .plimsoll.yaml:4:33: environments[0].resources.requests.cpu: "lots" is not a quantity (a number with an optional suffix such as m, Mi, Gi, k, M, G or e3)
    .plimsoll.yaml:5:18: environments[0].sync.mode: expected `auto` or `manual`, got "sometimes"
    .plimsoll.yaml:7:11: rules.probes: expected error, warning, info or off, got "loud"
    .plimsoll.yaml:8:28: rules.image-latest.severity: expected error, warning, info or off, got "loud"
    .plimsoll.yaml:8:34: rules.image-latest.environment: unknown key `environment` (did you mean `environments`?); expected one of: severity, environments
    "#);
}

/// Only the config reader reads on past a mistake: through any other
/// deserializer the config's types fail as serde types do.
#[test]
fn other_deserializers_get_the_error() {
    let error = serde_json::from_str::<Config>(r#"{"images": {"requireDigest": "maybe"}}"#)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("true, false or a list of environments"),
        "{error}"
    );
    let config: Config =
        serde_json::from_str(r#"{"images": {"requireDigest": ["prod"]}}"#).unwrap();
    assert_eq!(
        config.images.require_digest,
        RequireDigest::Environments(vec!["prod".into()])
    );
}

/// The spec's example and the starter config are valid against the
/// generated schema; a typo is not.
#[test]
fn the_schema_accepts_the_examples_and_rejects_typos() {
    let schema = Config::json_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for text in [FULL, STARTER_CONFIG] {
        let document = plimsoll::yaml::parse_stream(text, &plimsoll::yaml::Limits::default());
        let root = document[0].root.as_ref().unwrap().to_json();
        let errors: Vec<String> = validator
            .iter_errors(&root)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
    let typo = serde_json::json!({"images": {"requireDigests": true}});
    assert!(!validator.is_valid(&typo));
}
