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
//! `argocd.argoproj.io/secret-type` label, and a cluster's `config` that
//! sets no `bearerToken`, `password` or `keyData` but placeholders): a
//! public repository's Secret commits no secret. Nor do public keys and
//! certificates (`known_hosts`, `*.pub`, `*.crt`), nor private-key armour
//! around no key (`# key goes here`). Nor do the settings an operator reads
//! from a Secret under keys that name no secret: booleans, numbers,
//! durations, and GUIDs under a key naming an ID (`AZURE_TENANT_ID`). A
//! default such as `changeme` is a value, and counts.

use std::borrow::Cow;

use super::secret_literal::{is_empty_key_armour, is_fill_in, mentions_a_secret, names_an_id};
use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::finding::Severity;
use crate::model::kept_elsewhere::{holds_no_secret, is_sops_document};
use crate::model::parse_go_duration;

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

/// Whether a value (base64 in `data`) is a setting that a Secret carries
/// only because its reader reads Secrets (an operator's settings): under a
/// key that names no secret, a boolean, a number, a duration, or a GUID
/// under a key that names an ID (an Azure client or tenant ID identifies,
/// it does not authenticate). Under a secret-named key (`PASSWORD`,
/// `TOKEN`) every value counts, `123456` too.
fn is_plain_setting(key: &str, value: &str, base64: bool) -> bool {
    if mentions_a_secret(key) {
        return false;
    }
    let value = if base64 {
        match decode_base64(value).and_then(|bytes| String::from_utf8(bytes).ok()) {
            Some(text) => Cow::Owned(text),
            None => return false,
        }
    } else {
        Cow::Borrowed(value)
    };
    let value = value.trim();
    matches!(value.to_ascii_lowercase().as_str(), "true" | "false")
        || (!value.is_empty() && value.bytes().all(|byte| byte.is_ascii_digit()))
        || parse_go_duration(value).is_ok()
        || (names_an_id(key) && is_guid(value))
}

/// `531ff96d-0ae9-462a-8d2d-bec7c0b42082`.
fn is_guid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.iter().map(|group| group.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|group| group.bytes().all(|byte| byte.is_ascii_hexdigit()))
}

/// Standard base64 (with or without padding) decoded; `None` when the text
/// is not base64.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    for byte in text.trim().trim_end_matches('=').bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push(u8::try_from((bits >> count) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// Keys that hold public material: SSH host keys and public keys, and
/// certificates (`ca.crt`, `tls.crt`: a TLS Secret's `tls.key` counts).
fn is_public(key: &str) -> bool {
    matches!(key, "known_hosts" | "ssh_known_hosts")
        || key.ends_with(".pub")
        || key.ends_with(".crt")
}

/// The fields of an Argo CD cluster Secret's `config` that authenticate.
const CLUSTER_CREDENTIALS: &[&str] = &["bearerToken", "password", "keyData"];

/// Whether an Argo CD cluster Secret's `config` (JSON) sets no credential,
/// or only placeholders (`{"tlsClientConfig": {"insecure": false}}`, a
/// `"bearerToken": "###"` to fill in). Configuration that does not parse
/// counts, as it may hold one.
fn cluster_config_holds_no_credential(config: &str) -> bool {
    fn credentials<'v>(value: &'v serde_json::Value, out: &mut Vec<&'v serde_json::Value>) {
        match value {
            serde_json::Value::Object(fields) => {
                for (key, field) in fields {
                    if CLUSTER_CREDENTIALS.contains(&key.as_str()) {
                        out.push(field);
                    } else {
                        credentials(field, out);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| credentials(item, out)),
            _ => {}
        }
    }
    let Ok(parsed) = serde_json::from_str::<serde_json::Value>(config) else {
        return false;
    };
    let mut found = Vec::new();
    credentials(&parsed, &mut found);
    found.iter().all(|value| match value {
        serde_json::Value::String(text) => text.is_empty() || is_fill_in(text),
        serde_json::Value::Null => true,
        _ => false,
    })
}

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
left empty, public keys and certificates (`known_hosts`, `*.pub`, `*.crt`), and the settings (`name`, `url`, \
`type`, `server`, a cluster `config` without credentials, …) of the Secrets Argo CD reads its repositories and \
clusters from, nor an operator's settings under keys that name no secret (booleans, numbers, durations, a GUID \
under a key naming an ID such as `AZURE_TENANT_ID`). A default such as `changeme` is a value, and counts."
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
                let key = entry.key.as_str();
                let setting = argo_cd_settings
                    && (ARGO_CD_SETTINGS.contains(&key)
                        || (key == "config"
                            && entry
                                .value
                                .as_str()
                                .is_some_and(cluster_config_holds_no_credential)));
                let empty = entry.value.is_null();
                let no_secret = entry.value.as_str().is_some_and(|value| {
                    holds_no_secret(value)
                        || is_fill_in(value)
                        || is_empty_key_armour(value)
                        || is_plain_setting(key, value, field == "data")
                });
                !(setting || empty || no_secret || is_public(key))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(decode_base64("dHJ1ZQ=="), Some(b"true".to_vec()));
        assert_eq!(decode_base64("dHJ1ZQ"), Some(b"true".to_vec()));
        assert_eq!(decode_base64("MTJo"), Some(b"12h".to_vec()));
        assert_eq!(decode_base64("not base64!"), None);
    }

    #[test]
    fn go_durations_are_settings() {
        for value in ["12h", "30s", "1h30m", "250ms"] {
            assert!(is_plain_setting("SYNC_PERIOD", value, false), "{value}");
        }
        for value in ["", "h", "12 h", "hunter2"] {
            assert!(!is_plain_setting("SYNC_PERIOD", value, false), "{value}");
        }
    }

    #[test]
    fn only_keys_naming_no_secret_hold_settings() {
        assert!(is_plain_setting("MAX_RETRIES", "3", false));
        assert!(!is_plain_setting("DB_PASSWORD", "123456", false));
        assert!(!is_plain_setting("MY_SECRET_NUM", "NQ==", true));
        let guid = "531ff96d-0ae9-462a-8d2d-bec7c0b42082";
        assert!(is_plain_setting("clientId", guid, false));
        assert!(!is_plain_setting("API_KEY", guid, false));
        assert!(!is_plain_setting("ENDPOINT", guid, false));
    }
}
