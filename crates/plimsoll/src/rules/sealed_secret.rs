//! `sealed-secret`: a SealedSecret that cannot be unsealed as committed.
//!
//! Reported: `spec.encryptedData` missing or empty; a value that is not
//! base64 (standard alphabet, padded, whitespace ignored); a value too short
//! to be sealed; and, under strict scope (the default), a
//! `spec.template.metadata` name or namespace that differs from the
//! SealedSecret's own (under namespace-wide scope only the namespace must
//! agree; cluster-wide scope is free). Scope comes from the annotations
//! `sealedsecrets.bitnami.com/cluster-wide` and `…/namespace-wide`.
//!
//! A value cut short with an ellipsis (`AgBy3i4OJSWK...`, documentation's
//! way of showing sealed text) is an example, and not judged.
//!
//! "Too short": kubeseal's hybrid encryption writes a 2-byte length, the
//! RSA-OAEP-encrypted session key (256 bytes for the smallest, 2048-bit,
//! key) and the AES-GCM ciphertext with its 16-byte tag, so a sealed value
//! decodes to at least 274 bytes; anything shorter was not produced by
//! kubeseal (usually a plain base64 value pasted in by hand).

use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::finding::Severity;
use crate::yaml::{pointer_of, Node};

/// 2-byte length + 2048-bit RSA ciphertext + AES-GCM tag.
const MIN_SEALED_BYTES: usize = 2 + 256 + 16;

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: "sealed-secret".into(),
            category: Category::Secrets,
            default_severity: Severity::Error,
            summary: "a SealedSecret has empty encryptedData, values that are not sealed, or a template name/namespace that its scope forbids".into(),
            rationale: "The sealed-secrets controller refuses to unseal such an object, so the Secret never \
appears and the workload waits on it; a value that is merely base64 is a plaintext secret in disguise. Under \
strict scope the name and namespace are part of the encryption: a SealedSecret renamed or moved after sealing \
cannot be decrypted."
                .into(),
            fix: "Re-seal the secret for its final name and namespace with `kubeseal --format yaml`, and commit \
the output unchanged. Rotate any value that was committed unsealed."
                .into(),
            bad: "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db-credentials\n  namespace: shop-prod\nspec:\n  encryptedData:\n    password: aHVudGVyMg==\n".into(),
            good: format!(
                "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db-credentials\n  namespace: shop-prod\nspec:\n  encryptedData:\n    password: {}\n  template:\n    metadata:\n      name: db-credentials\n      namespace: shop-prod\n",
                EXAMPLE_SEALED
            )
            .into(),
        },
        check,
    )
}

/// A value of the length kubeseal produces with a 2048-bit key.
const EXAMPLE_SEALED: &str = "AQALnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB1L9RIvNEVUxTveLruM0rfj0WAK1jHDhaXXzOI8d4VFmtvBtMkA/+SNV1tdpcY4BAEl9l2w/j4kSUt26phkV9mGCE/tCLl4r019GWp0RqhrWACeY2thHbFiEbZamq3/KcXlLZxQjFAjRzRNjAetkcvWBor8df9ikvBioJyjgcieced7mprp4wsNvbb1EKJk753ngVAde2uSronrBZxat0PbZ1humPrSfaC5lovAOaHvNMk5ubjlI6i++J1HhgjF7PbKNYdY9tJ+bPRScpN5d6dI/Yg5HbZ5ztp9x78fAF7oeb7q13mUz1czQewXtYu/frNNJxHJk8HZdrEosxiNwYKaK0w0L1Qz6+WRoQ==";

/// `AgBy3i4OJSWK...`: sealed text cut short with an ellipsis, as
/// documentation shows an example's values (kubeseal never writes a `.`).
fn is_elided(text: &str) -> bool {
    let shown = text
        .trim()
        .strip_suffix("...")
        .or_else(|| text.trim().strip_suffix('…'));
    shown.is_some_and(|shown| !shown.is_empty() && is_base64_alphabet(shown))
}

/// Whether every character of `text` is one of standard base64's: letters,
/// digits, `+`, `/` and the `=` of padding.
pub(crate) fn is_base64_alphabet(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
}

/// The decoded length of standard, padded base64, or `None` when the text
/// is not base64. Whitespace (line breaks of folded values) is ignored.
pub(crate) fn base64_len(text: &str) -> Option<usize> {
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if compact.is_empty() || compact.len() % 4 != 0 {
        return None;
    }
    let padding = compact.iter().rev().take_while(|b| **b == b'=').count();
    if padding > 2 {
        return None;
    }
    let body = compact.get(..compact.len() - padding)?;
    if !body
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
    {
        return None;
    }
    Some(compact.len() / 4 * 3 - padding)
}

#[derive(PartialEq)]
enum Scope {
    Strict,
    NamespaceWide,
    ClusterWide,
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let object = context.object;
    if !object.identity.is("bitnami.com", "SealedSecret") {
        return;
    }
    let name = &object.identity.name;
    let values = object
        .node
        .get_path(&["spec", "encryptedData"])
        .and_then(Node::as_map)
        .unwrap_or_default();
    if values.is_empty() {
        sink.push(
            Violation::at_value(
                object,
                "/spec/encryptedData",
                format!("SealedSecret {name} has no encryptedData"),
            )
            .with_help("seal the values with `kubeseal --format yaml` and commit its output"),
        );
    }
    for entry in values {
        let pointer = pointer_of(["spec", "encryptedData", entry.key.as_str()]);
        let text = entry.value.as_str().unwrap_or("");
        if is_elided(text) {
            continue;
        }
        let problem = match base64_len(text) {
            None => "is not base64",
            Some(length) if length < MIN_SEALED_BYTES => "is too short to be sealed",
            Some(_) => continue,
        };
        sink.push(
            Violation::at_value(
                object,
                pointer,
                format!(
                    "the value of `{}` in SealedSecret {name} {problem}",
                    entry.key
                ),
            )
            .with_help("seal it with kubeseal; if it held a real secret in plain text, rotate it"),
        );
    }
    let annotation_true = |key: &str| object.annotation(key).is_some_and(|value| value == "true");
    let scope = if annotation_true("sealedsecrets.bitnami.com/cluster-wide") {
        Scope::ClusterWide
    } else if annotation_true("sealedsecrets.bitnami.com/namespace-wide") {
        Scope::NamespaceWide
    } else {
        Scope::Strict
    };
    if scope == Scope::ClusterWide {
        return;
    }
    let template = object.node.get_path(&["spec", "template", "metadata"]);
    let mut fields = vec![("namespace", object.identity.namespace.as_deref())];
    if scope == Scope::Strict {
        fields.push(("name", Some(name.as_str())));
    }
    for (field, own) in fields {
        let Some(theirs) = template.and_then(|t| t.get(field)).and_then(Node::as_str) else {
            continue;
        };
        let Some(own) = own else {
            continue;
        };
        if theirs != own {
            sink.push(
                Violation::at_value(
                    object,
                    format!("/spec/template/metadata/{field}"),
                    format!(
                        "the template {field} {theirs} differs from the SealedSecret's {field} {own}, which its scope forbids"
                    ),
                )
                .with_help("re-seal for the final name and namespace, or seal with --scope namespace-wide or cluster-wide"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elided_values_are_examples() {
        assert!(is_elided("AgA+dujiBo..."));
        assert!(is_elided("AgBy3i4OJSWK…"));
        assert!(!is_elided("..."));
        assert!(!is_elided("hunter2 ..."));
        assert!(!is_elided("AgA+dujiBo"));
    }

    #[test]
    fn base64_lengths() {
        assert_eq!(base64_len("aHVudGVyMg=="), Some(7));
        assert_eq!(base64_len("aHVu\\n"), None);
        assert_eq!(base64_len("aHVu dGVy"), Some(6));
        assert_eq!(base64_len("not base64!"), None);
        assert_eq!(base64_len("abc"), None);
        assert_eq!(base64_len("a==="), None);
        assert_eq!(base64_len(""), None);
        assert!(base64_len(EXAMPLE_SEALED).unwrap() >= MIN_SEALED_BYTES);
    }
}
