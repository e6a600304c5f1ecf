//! What a kustomization commits in plain text: the `literals` and env files
//! of its `secretGenerator`s, which Kustomize turns into Secrets whose
//! values sit in Git (SPEC section 7, `secret-literal`).

use crate::source::TextRange;
use crate::yaml::Node;

/// A secret a kustomization holds in plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GeneratedSecret {
    /// The entry naming it (`PASSWORD=…`, `creds.env`).
    pub span: TextRange,
    /// Whether the span is the secret itself (a literal) rather than the
    /// name of a file that holds it.
    pub is_value: bool,
    /// What is committed, without the value.
    pub message: String,
    /// The env file it reads, as the kustomization writes its path.
    pub env_file: Option<String>,
}

/// The env files the `secretGenerator`s of a kustomization read, as
/// written.
pub(crate) fn secret_env_files(kustomization: &Node) -> impl Iterator<Item = &str> {
    kustomization
        .get("secretGenerator")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .flat_map(env_files_of)
        .filter_map(Node::as_str)
}

/// A generator's env files: `envs` and the older `env`.
fn env_files_of(generator: &Node) -> impl Iterator<Item = &Node> {
    generator
        .get("envs")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .chain(generator.get("env"))
}

/// The plaintext secrets of a kustomization's `secretGenerator`s.
pub(crate) fn generated_secrets(kustomization: &Node) -> Vec<GeneratedSecret> {
    let mut found = Vec::new();
    let generators = kustomization
        .get("secretGenerator")
        .and_then(Node::as_seq)
        .unwrap_or_default();
    for generator in generators {
        let name = generator
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or("(unnamed)");
        let literals = generator
            .get("literals")
            .and_then(Node::as_seq)
            .unwrap_or_default();
        for literal in literals {
            let Some(text) = literal.as_str() else {
                continue;
            };
            let key = text.split_once('=').map_or(text, |(key, _)| key);
            found.push(GeneratedSecret {
                span: literal.span,
                is_value: true,
                env_file: None,
                message: format!(
                    "secretGenerator {name} holds the value of `{key}` in plain text in Git"
                ),
            });
        }
        for env_file in env_files_of(generator) {
            let Some(path) = env_file.as_str() else {
                continue;
            };
            found.push(GeneratedSecret {
                env_file: Some(path.to_owned()),
                span: env_file.span,
                is_value: false,
                message: format!(
                    "secretGenerator {name} reads its values from {path}, committed in plain text"
                ),
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{parse_stream, Limits};

    #[test]
    fn literals_and_env_files_of_secret_generators_are_found() {
        let text = "\
configMapGenerator:
  - name: settings
    literals: [LOG_LEVEL=debug]
secretGenerator:
  - name: db
    literals:
      - PASSWORD=hunter2
    envs: [db.env]
  - name: tls
    files: [tls.crt]
";
        let documents = parse_stream(text, &Limits::default());
        let root = documents[0].root.as_ref().unwrap();
        let found = generated_secrets(root);
        let messages: Vec<&str> = found.iter().map(|s| s.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "secretGenerator db holds the value of `PASSWORD` in plain text in Git",
                "secretGenerator db reads its values from db.env, committed in plain text",
            ]
        );
        assert!(found.iter().all(|s| !s.message.contains("hunter2")));
        let literal = &found[0];
        assert_eq!(
            text.get(literal.span.start as usize..literal.span.end as usize),
            Some("PASSWORD=hunter2")
        );
    }
}
