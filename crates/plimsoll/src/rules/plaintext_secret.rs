//! `plaintext-secret`: a `v1 Secret` with `data` or `stringData` is
//! committed.
//!
//! `data` is base64, which is an encoding, not encryption: anyone who can
//! read the repository can read the secret. Commit a SealedSecret or an
//! ExternalSecret instead. Values that hold no secret of their own are not
//! counted: a SOPS-encrypted document (its `sops:` block), `ENC[…]` values,
//! references a secret manager resolves (`op://…`, `ref+vault://…`,
//! `<path:…#key>`), `${VAR}` substitutions, and the placeholders and
//! template expressions that example and catalogue Secrets leave to be
//! filled in (`$(token)`, `{{ api_token }}`, `<your-token>`,
//! `YOUR_TOKEN_HERE`, `replaceme`, `[TOKEN]`), which `secret-literal` does
//! not count either; nor do keys left empty to be filled in, nor the
//! settings of a Secret that Argo CD reads its repositories and clusters
//! from (`name`, `url`, `type`, `server`, … under the
//! `argocd.argoproj.io/secret-type` label): a public repository's Secret
//! commits no secret. A default such as `changeme` is a value, and counts.

use super::secret_literal::is_fill_in;
use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::finding::Severity;
use crate::model::kept_elsewhere::{holds_no_secret, is_sops_document};

/// The label that makes a Secret one of Argo CD's declarative settings (a
/// repository, repository credentials or a cluster): Argo CD reads those
/// from Secrets only.
const ARGO_CD_SECRET_TYPE: &str = "argocd.argoproj.io/secret-type";

/// The keys of such a Secret that configure, not authenticate: a public
/// repository's Secret holds nothing else. (`password`, `sshPrivateKey`,
/// `githubAppPrivateKey`, a cluster's `config` and the like count.)
const ARGO_CD_SETTINGS: &[&str] = &[
    "name",
    "url",
    "type",
    "project",
    "username",
    "enableOCI",
    "enableLfs",
    "insecure",
    "proxy",
    "noProxy",
    "forceHttpBasicAuth",
    "githubAppID",
    "githubAppInstallationID",
    "githubAppEnterpriseBaseUrl",
    "server",
    "namespaces",
    "clusterResources",
    "shard",
];

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: "plaintext-secret".into(),
            category: Category::Secrets,
            default_severity: Severity::Error,
            summary: "a v1 Secret with data or stringData is committed; use SealedSecret or ExternalSecret".into(),
            rationale: "A Secret's `data` is only base64-encoded. Once committed, the value is in every clone and \
in the history forever, and must be rotated. Values that hold no secret are not counted: a SOPS-encrypted \
document, references a secret manager resolves (`op://…`, `ref+vault://…`, `<path:…#key>`), `${VAR}` \
substitutions, placeholders (`<your-token>`, `YOUR_TOKEN_HERE`, `replaceme`, `[TOKEN]`, `{{ token }}`), keys \
left empty, and the settings (`name`, `url`, `type`, `server`, …) of the Secrets Argo CD reads its repositories \
and clusters from. A default such as `changeme` is a value, and counts."
                .into(),
            fix: "Rotate the credential, delete the Secret from the repository, and commit a SealedSecret \
(`kubeseal --format yaml`) or an ExternalSecret that reads it from your secret store."
                .into(),
            bad: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-credentials\ntype: Opaque\nstringData:\n  DATABASE_URL: postgresql://app:hunter2@db:5432/app\n".into(),
            good: "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db-credentials\nspec:\n  encryptedData:\n    DATABASE_URL: AgBy8hCi8erSSYQMzc0RvJ6Q2w3LwA1pbqzBKbe1l1B0IZuHf7Yb5aCWTlv0K5dTxV3oP2hL4pQ==\n".into(),
        },
        check,
    )
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let object = context.object;
    if !object.identity.is("", "Secret")
        || object.identity.version != "v1"
        || is_sops_document(&object.node)
    {
        return;
    }
    for field in ["data", "stringData"] {
        let Some(values) = object.node.get(field).and_then(|node| node.as_map()) else {
            continue;
        };
        let argo_cd_settings = object.label(ARGO_CD_SECRET_TYPE).is_some();
        let count = values
            .iter()
            .filter(|entry| {
                let setting = argo_cd_settings && ARGO_CD_SETTINGS.contains(&entry.key.as_str());
                let empty = entry.value.is_null();
                let no_secret = entry
                    .value
                    .as_str()
                    .is_some_and(|value| holds_no_secret(value) || is_fill_in(value));
                !(setting || empty || no_secret)
            })
            .count();
        if count == 0 {
            continue;
        }
        let plural = if count == 1 { "value" } else { "values" };
        sink.push(
            Violation::at_key(
                object,
                format!("/{field}"),
                format!(
                    "Secret {} commits {count} {plural} in `{field}` in plain text",
                    object.identity.name
                ),
            )
            .with_help(
                "commit a SealedSecret or an ExternalSecret instead, and rotate the exposed values",
            ),
        );
    }
}
