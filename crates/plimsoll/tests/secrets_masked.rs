//! No output contains a secret value (SPEC section 5): a manifest full of
//! credentials is checked with every rule and rendered in every format, and
//! none of its secret values may appear in the bytes written.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use plimsoll::baseline::Baseline;
use plimsoll::render::{github, human, json, junit, sarif};
use plimsoll::{Config, Engine, EngineOptions, Input};

/// The secret values of [`MANIFESTS`]: none may be printed.
const SECRETS: &[&str] = &[
    "hunter2-env-value",
    "rabbit-default-pass",
    "aws-secret-Zx81mQ",
    "cm-password-value",
    "s3cr3t-in-url",
    "MIIEsecretPemBody",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYXNrIn0.c2lnbmF0dXJlLW1hc2s",
    "flag-password-value",
    "flag-token-value",
    "c2VjcmV0LWRhdGEtdmFsdWU=",
    "string-data-value",
    "flow-string-data",
    "AKIAIOSFODNN7MASKME1",
    "48151623",
    "generator-literal-value",
];

const MANIFESTS: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 1
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:latest
          args: [--password, flag-password-value, "--token=flag-token-value"]
          env:
            - name: DB_PASSWORD
              value: hunter2-env-value
            - name: RABBITMQ_DEFAULT_PASS
              value: "rabbit-default-pass"
            - name: AWS_SECRET_ACCESS_KEY
              value: 'aws-secret-Zx81mQ'
            - name: AUTH_HEADER
              value: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYXNrIn0.c2lnbmF0dXJlLW1hc2s
            - name: AWS_ACCESS_KEY_ID
              value: AKIAIOSFODNN7MASKME1
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: api-config
  namespace: shop
data:
  ADMIN_PASSWORD: cm-password-value
  DATABASE_URL: postgresql://app:s3cr3t-in-url@db:5432/app
  tls.key: "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretPemBody\n-----END RSA PRIVATE KEY-----\n"
---
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
data:
  password: c2VjcmV0LWRhdGEtdmFsdWU=
  password: c2VjcmV0LWRhdGEtdmFsdWU=
stringData:
  token: string-data-value
---
apiVersion: v1
kind: Secret
metadata: {name: flow, namespace: shop}
stringData: {token: flow-string-data}
---
# A value of the wrong type: the schema finding must not quote it.
apiVersion: v1
kind: Secret
metadata: {name: pin, namespace: shop}
stringData: {pin: 48151623}
"#;

/// A kustomization whose secretGenerator holds a literal.
const KUSTOMIZATION: &str = "\
resources: [api.yaml]
secretGenerator:
  - name: db
    literals:
      - DB_PASSWORD=generator-literal-value
";

fn outputs() -> Vec<(&'static str, String)> {
    let engine = Engine::new(Config::default(), EngineOptions::default()).unwrap();
    let inputs = [
        Input::Text {
            name: "envs/prod/api.yaml".into(),
            text: MANIFESTS.into(),
        },
        Input::Text {
            name: "envs/prod/kustomization.yaml".into(),
            text: KUSTOMIZATION.into(),
        },
    ];
    let report = engine.check(&inputs).unwrap();
    let mut outputs = Vec::new();
    let mut render = |name: &'static str, write: &dyn Fn(&mut Vec<u8>)| {
        let mut out = Vec::new();
        write(&mut out);
        outputs.push((name, String::from_utf8(out).unwrap()));
    };
    render("human", &|out| {
        human::render(&report, human::HumanOptions::default(), out).unwrap();
    });
    render("json", &|out| json::render(&report, out).unwrap());
    render("sarif", &|out| {
        sarif::render(&report, engine.rules(), sarif::SarifOptions::default(), out).unwrap();
    });
    render("junit", &|out| junit::render(&report, out).unwrap());
    render("github", &|out| github::render(&report, out).unwrap());
    render("baseline", &|out| {
        out.extend(Baseline::from_report(&report).to_json().into_bytes());
    });
    outputs
}

#[test]
fn no_format_prints_a_secret_value() {
    let outputs = outputs();
    // The findings about the secrets are there, without their values.
    let json = &outputs
        .iter()
        .find(|(format, _)| *format == "json")
        .unwrap()
        .1;
    for message in [
        "stringData.pin: expected string, got integer",
        "secretGenerator db holds the value of `DB_PASSWORD` in plain text",
    ] {
        assert!(json.contains(message), "{message} not reported:\n{json}");
    }
    for (format, text) in &outputs {
        for secret in SECRETS {
            assert!(
                !text.contains(secret),
                "{format} output shows the secret {secret}:\n{text}"
            );
        }
    }
}

#[test]
fn the_human_report_shows_masked_lines_with_their_underline() {
    let outputs = outputs();
    let human = &outputs
        .iter()
        .find(|(format, _)| *format == "human")
        .unwrap()
        .1;
    // The lines of the findings are shown, their values masked one
    // character for one, so the underline still sits under the value.
    let masked = "value: hunter2-env-value".replace("hunter2-env-value", &"•".repeat(17));
    assert!(human.contains(&masked), "{human}");
    let line = human
        .lines()
        .position(|line| line.ends_with(&masked))
        .unwrap();
    let underline = human.lines().nth(line + 1).unwrap();
    let value_column = human.lines().nth(line).unwrap().chars().count() - 17;
    assert_eq!(
        underline.chars().position(|c| c == '^'),
        Some(value_column),
        "{human}"
    );
    assert!(
        human.contains(&format!("\"{}\"", "•".repeat("rabbit-default-pass".len()))),
        "{human}"
    );
    assert!(
        human.contains(&format!("stringData: {{token: {}}}", "•".repeat(16))),
        "{human}"
    );
}
