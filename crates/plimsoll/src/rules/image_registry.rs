//! `image-registry`: an image comes from outside `images.allowedRegistries`.
//!
//! Off unless `images.allowedRegistries` is configured. Each entry is a
//! prefix of the image reference: `ghcr.io/acme/` allows everything under
//! that path; an entry without a trailing `/` (`ghcr.io`, `ghcr.io/acme`)
//! matches only at a component boundary, so `ghcr.io/acme` does not allow
//! `ghcr.io/acme-evil/x`. Images are compared both as written and as the
//! container runtime expands them (`nginx` → `docker.io/library/nginx`), so
//! `docker.io/` in the list allows Docker Hub short names. All containers
//! are checked (`containers`, `initContainers`, `ephemeralContainers`).

use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::finding::Severity;
use crate::model::{containers, ImageRef};

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: "image-registry".into(),
            category: Category::Images,
            default_severity: Severity::Error,
            summary: "an image comes from a registry outside images.allowedRegistries (off unless configured)".into(),
            rationale: "Images from registries you do not control escape your scanning, signing and retention \
policies, and a public image can be replaced or deleted by its owner. Allowing only your own registries (or \
mirrors) keeps what runs in the cluster under your supply-chain controls."
                .into(),
            fix: "Mirror the image into an allowed registry and reference the mirror, or add the registry to \
`images.allowedRegistries` in `.plimsoll.yaml` (the examples assume `allowedRegistries: [\"ghcr.io/acme/\"]`). \
Entries are prefixes; `docker.io/` covers Docker Hub short names such as `nginx`."
                .into(),
            bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  containers:\n    - name: api\n      image: docker.io/someone/api:1.4.0\n".into(),
            good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  containers:\n    - name: api\n      image: ghcr.io/acme/api:1.4.0\n".into(),
        },
        check,
    )
    .configured_by(&["images.allowedRegistries"])
}

/// The reference as the runtime resolves it: Docker Hub short names get
/// `docker.io/` and, for single-component paths, `library/`.
pub(crate) fn expanded(reference: &ImageRef<'_>) -> String {
    if reference.registry.is_some() {
        return reference.raw.to_owned();
    }
    if reference.name.contains('/') {
        format!("docker.io/{}", reference.raw)
    } else {
        format!("docker.io/library/{}", reference.raw)
    }
}

/// Whether `image` starts with `prefix` at a component boundary.
pub(crate) fn has_prefix(image: &str, prefix: &str) -> bool {
    let Some(rest) = image.strip_prefix(prefix) else {
        return false;
    };
    prefix.ends_with('/') || rest.is_empty() || rest.starts_with(['/', ':', '@'])
}

/// Whether the image is allowed by one of the prefixes, as written or
/// expanded.
pub(crate) fn matches_any(reference: &ImageRef<'_>, prefixes: &[String]) -> bool {
    let expanded = expanded(reference);
    prefixes.iter().any(|prefix| {
        let prefix = prefix.trim();
        !prefix.is_empty() && (has_prefix(reference.raw, prefix) || has_prefix(&expanded, prefix))
    })
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let allowed = &context.config.images.allowed_registries;
    if allowed.is_empty() {
        return;
    }
    let object = context.object;
    for container in containers(object) {
        let Some(image) = container.node.get("image").and_then(|node| node.as_str()) else {
            continue;
        };
        // An unparsable reference is image-digest's and image-latest's to
        // report; here it cannot be from an allowed registry either.
        let allowed_here =
            ImageRef::parse(image).is_some_and(|reference| matches_any(&reference, allowed));
        if !allowed_here {
            sink.push(
                Violation::at_value(
                    object,
                    container.pointer("image"),
                    format!(
                        "image {image} of {} is not from an allowed registry ({})",
                        container.describe(),
                        allowed.join(", ")
                    ),
                )
                .with_help(
                    "mirror the image into an allowed registry, or add its registry to images.allowedRegistries",
                )
                .configured_at(
                    "images.allowedRegistries",
                    "allowedRegistries configured here",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(image: &str, prefixes: &[&str]) -> bool {
        let prefixes: Vec<String> = prefixes.iter().map(|p| (*p).to_owned()).collect();
        matches_any(&ImageRef::parse(image).unwrap(), &prefixes)
    }

    #[test]
    fn prefixes_match_at_component_boundaries() {
        assert!(allowed("ghcr.io/acme/api:1", &["ghcr.io/acme/"]));
        assert!(allowed("ghcr.io/acme/api:1", &["ghcr.io/acme"]));
        assert!(allowed("ghcr.io/acme/api:1", &["ghcr.io"]));
        assert!(!allowed("ghcr.io/acme-evil/api:1", &["ghcr.io/acme"]));
        assert!(!allowed("ghcr.io.evil.com/api:1", &["ghcr.io"]));
        assert!(!allowed("quay.io/acme/api:1", &["ghcr.io/acme/"]));
    }

    #[test]
    fn docker_hub_short_names_are_expanded() {
        assert!(allowed("nginx:1.27", &["docker.io/library/"]));
        assert!(allowed("bitnami/redis:7", &["docker.io/bitnami/"]));
        assert!(!allowed("nginx:1.27", &["docker.io/bitnami/"]));
    }
}
