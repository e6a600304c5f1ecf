//! Values that a tool fills in or decrypts before the object reaches the
//! cluster, so that what is committed is not what is applied: Flux's
//! post-build substitution and `envsubst` (`${VAR}`), a script's
//! `__NAME__` and `@NAME@` placeholders, SOPS encryption
//! (`ENC[…]` values beside a `sops:` block), and references a secret
//! manager resolves (`op://` for 1Password, `ref+vault://` and the other
//! `ref+` backends of vals, `<path:…#key>` for the Argo CD Vault plugin).

use crate::yaml::Node;

/// Whether `text` holds a `${VAR}` variable (`${VAR:-default}`,
/// `${VAR:=default}` too): substituted in the text before it is parsed, so
/// the committed string says nothing of the applied value's type or form.
pub(crate) fn is_substituted(text: &str) -> bool {
    text.match_indices("${").any(|(at, _)| {
        text.get(at + 2..)
            .and_then(|rest| rest.chars().next())
            .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
    })
}

/// Whether `text` holds a Kustomize variable, `$(NAME)`, which a
/// kustomization's `vars` (or the Kubeflow parameters that feed them)
/// replace in the text when it is built. (In a container's `command`,
/// `args` and `env` values the kubelet expands `$(NAME)` too; elsewhere
/// nothing else does.)
pub(crate) fn has_kustomize_var(text: &str) -> bool {
    text.match_indices("$(").any(|(at, _)| {
        text.get(at + 2..)
            .and_then(|rest| rest.split_once(')'))
            .is_some_and(|(name, _)| {
                name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            })
    })
}

/// Whether `text` holds a variable that a tool replaces in the text before
/// the object is applied: `${VAR}` ([`is_substituted`]) or a Kustomize
/// `$(var)` ([`has_kustomize_var`]).
pub(crate) fn holds_variable(text: &str) -> bool {
    is_substituted(text) || has_kustomize_var(text)
}

/// Whether an image is filled in before it is applied, so that its tag
/// and digest are not the ones written: a `${VAR}` in its last path
/// component (`${IMAGE}`, `app:${TAG}`; a substituted registry, as in
/// `${REGISTRY}/app:latest`, leaves the tag as written), or the whole image
/// a placeholder that a person or a script replaces (`WEB_IMAGE_URL`,
/// `<your-image>`, `__IMAGE__`). An image reference is lower-case, so no
/// registry would serve an upper-case name as written. Or a ko build
/// reference (`ko://github.com/acme/shop/cmd/api`, a Go import path):
/// `ko resolve` builds it and writes the image by digest in its place.
pub(crate) fn is_image_filled_in(image: &str) -> bool {
    image.starts_with("ko://")
        || is_substituted(image.rsplit('/').next().unwrap_or(image))
        || has_kustomize_var(image)
        || is_script_placeholder(image)
        || is_bracketed_instruction(image)
        || (image.contains('_') && is_upper_case_name(image))
}

/// Whether `text` is an instruction to the reader in angle brackets, to be
/// replaced before the file is applied: `<your-image>`, `<ADD LUN ID Here>`
/// (a single bracketed phrase; `<a>…</a>` is markup, not a placeholder).
pub(crate) fn is_bracketed_instruction(text: &str) -> bool {
    text.strip_prefix('<')
        .and_then(|rest| rest.strip_suffix('>'))
        .is_some_and(|inside| !inside.trim().is_empty() && !inside.contains(['<', '>', '\n']))
}

/// Whether `text` holds a `<NAME>` placeholder, an upper-case name in
/// angle brackets that a template tool replaces before the file is
/// applied (`<CLUSTER_NAME>-vault-token`, `argocd.<DOMAIN_NAME>`).
pub(crate) fn has_angle_placeholder(text: &str) -> bool {
    text.match_indices('<').any(|(open, _)| {
        text.get(open + 1..)
            .and_then(|rest| rest.split_once('>'))
            .is_some_and(|(name, _)| is_upper_case_name(name))
    })
}

/// `WEB_IMAGE_URL`, `PORT`: an upper-case letter, then upper-case letters,
/// digits and underscores, the way templates name what is filled in.
pub(crate) fn is_upper_case_name(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_uppercase())
        && text
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Whether `text` starts with an upper-case name that a script replaces
/// (`sed s~REPO_PREFIX~…~`) before the file is applied: `REPO_PREFIX/app`,
/// `ACCOUNT_ID.dkr.ecr.eu-west-1.amazonaws.com/api`. The name has an
/// underscore and is followed by `/`, `.` or `:`, so a lone enum value
/// written in the wrong case (`IF_NOT_PRESENT`) is not one.
pub(crate) fn starts_with_placeholder_name(text: &str) -> bool {
    text.split_once(['/', '.', ':'])
        .is_some_and(|(head, _)| head.contains('_') && is_upper_case_name(head))
}

/// Whether `text` is a placeholder that a script replaces before the file
/// is applied: `__PORT__` or `@PORT@`, an upper-case name between double
/// underscores or at signs (sed-filled templates). Like `${VAR}`, the
/// committed value says nothing of the applied value's type.
pub(crate) fn is_script_placeholder(text: &str) -> bool {
    let name = text
        .strip_prefix("__")
        .and_then(|rest| rest.strip_suffix("__"))
        .or_else(|| {
            text.strip_prefix('@')
                .and_then(|rest| rest.strip_suffix('@'))
        });
    name.is_some_and(is_upper_case_name)
}

/// Whether `text` is a value SOPS encrypted (`ENC[AES256_GCM,data:…]`).
pub(crate) fn is_encrypted(text: &str) -> bool {
    text.trim_start().starts_with("ENC[")
}

/// Whether `text` is a reference a secret manager resolves, not a value.
pub(crate) fn is_secret_reference(text: &str) -> bool {
    let text = text.trim();
    text.starts_with("op://")
        || text
            .strip_prefix("ref+")
            .is_some_and(|rest| rest.contains("://"))
        || (text.starts_with("<path:") && text.ends_with('>'))
}

/// Whether a value holds no secret of its own: encrypted, a reference, or
/// substituted before it is applied.
pub(crate) fn holds_no_secret(text: &str) -> bool {
    is_encrypted(text) || is_secret_reference(text) || is_substituted(text)
}

/// Whether a document is SOPS-encrypted: SOPS writes its metadata (`mac`,
/// `version`, the keys) under a top-level `sops` key, which decryption
/// removes.
pub(crate) fn is_sops_document(node: &Node) -> bool {
    node.get("sops")
        .is_some_and(|sops| sops.get("mac").is_some() || sops.get("version").is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts that `predicate` holds for each of `yes` and for none of `no`.
    fn sorts(predicate: fn(&str) -> bool, yes: &[&str], no: &[&str]) {
        for text in yes {
            assert!(predicate(text), "{text}");
        }
        for text in no {
            assert!(!predicate(text), "{text}");
        }
    }

    #[test]
    fn kustomize_variables_are_names_in_parentheses() {
        sorts(
            has_kustomize_var,
            &[
                "$(trino_image)",
                "$(CPU_LIMIT)",
                "registry/$(app.name):1",
                "$(a-b)",
            ],
            &["$()", "$(1x)", "$(a b)", "(a)", "$ (a)", "${A}"],
        );
    }

    #[test]
    fn angle_placeholders_are_upper_case_names() {
        sorts(
            has_angle_placeholder,
            &[
                "<CLUSTER_NAME>-vault",
                "argocd.<DOMAIN_NAME>",
                "<PORT>",
                "a-<X1>",
            ],
            &[
                "<b>bold</b>",
                "<your-image>",
                "a < B > c",
                "<>",
                "<CLUSTER_NAME",
                "x <a_B>",
            ],
        );
    }

    #[test]
    fn substituted_values_are_recognised() {
        sorts(
            is_substituted,
            &[
                "${APP}-volsync",
                "app.${SECRET_DOMAIN}",
                "${PORT:-9002}",
                "${_x}",
            ],
            &["$5", "cost: ${", "${1}", "plain", "$(VAR)"],
        );
    }

    #[test]
    fn names_a_script_replaces_at_the_start_are_recognised() {
        sorts(
            starts_with_placeholder_name,
            &[
                "REPO_PREFIX/gitops-system",
                "ACCOUNT_ID.dkr.ecr.eu-west-1.amazonaws.com/api",
            ],
            &[
                "IF_NOT_PRESENT",
                "REPO/app",
                "https://github.com/acme/app",
                "Repo_Prefix/app",
            ],
        );
    }

    #[test]
    fn bracketed_instructions_are_recognised() {
        sorts(
            is_bracketed_instruction,
            &["<your-image>", "<ADD LUN ID Here>", "<image_url>"],
            &["<>", "< >", "<b>bold</b>", "<a\nb>", "a<b>", "<b"],
        );
    }

    #[test]
    fn images_filled_in_before_apply_are_recognised() {
        sorts(
            is_image_filled_in,
            &[
                "${IMAGE}",
                "ghcr.io/acme/app:${TAG}",
                "WEB_SERVER_IMAGE_URL",
                "<your-image>",
                "__IMAGE__",
                "ko://github.com/acme/shop/cmd/api",
            ],
            &[
                "${REGISTRY}/app:latest",
                "nginx",
                "IMAGE",
                "registry.example.com/Team_A/app:1.0",
                "busybox:1.36",
            ],
        );
    }

    #[test]
    fn encrypted_values_and_references_hold_no_secret() {
        sorts(
            holds_no_secret,
            &[
                "ENC[AES256_GCM,data:b3Bh,iv:aXY=,tag:dGFn,type:str]",
                "op://kubernetes/cloudflare/TUNNEL_ID",
                "ref+vault://secret/data/db#password",
                "<path:secret/data/db#password>",
            ],
            &[
                "hunter2",
                "postgresql://app:pw@db/app",
                "ref+notaurl",
                "<changeme",
            ],
        );
    }
}
