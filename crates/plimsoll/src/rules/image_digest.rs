//! `image-digest`: an image is not pinned by digest, or its digest is
//! malformed.
//!
//! A tag can be moved to other bytes at any time; a digest cannot. A
//! promotion that copies a digest from staging to prod deploys exactly what
//! was tested. `images.requireDigest` turns the rule off (`false`) or limits
//! it to some environments (a list).
//!
//! An image that is filled in before it is applied is not judged (nor by
//! `image-latest`): a `${VAR}` in its name or tag, a placeholder for the
//! whole image (`WEB_IMAGE_URL`, `<your-image>`, `__IMAGE__`), a container
//! that OpenShift's image-change trigger sets, a bare name an ImageStream
//! of the input resolves by local lookup (to its tag's image, by digest),
//! or a name that every build pins by digest (a Kustomize `images:` entry
//! with a `digest`, a Skaffold artifact).

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, SeqAccess};
use serde::{Deserialize, Deserializer};

use super::image_latest::{resolved_by_image_stream, IMAGES_READ};
use super::image_pull_secret::PullSecret;
use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::finding::Severity;
use crate::fix::Fix;
use crate::model::{written_images, ImagePin, ImageRef};
use crate::settings::recover::recover;

/// Image policy (`image-digest`, `image-registry`, `image-pull-secret`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Images {
    /// Where images must be pinned by digest: true (the default), false, or
    /// the environments where digests are required.
    #[serde(default, deserialize_with = "recover")]
    pub require_digest: RequireDigest,
    /// Registry prefixes images must come from (empty: any).
    #[serde(default, deserialize_with = "recover")]
    pub allowed_registries: Vec<String>,
    /// Registries whose images need a pull secret.
    #[serde(default, deserialize_with = "recover")]
    pub pull_secrets: Vec<PullSecret>,
}

/// `images.requireDigest`: everywhere, nowhere, or in some environments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequireDigest {
    /// `true` (the default) or `false`.
    Everywhere(bool),
    /// Only in these environments.
    Environments(Vec<String>),
}

impl Default for RequireDigest {
    fn default() -> Self {
        RequireDigest::Everywhere(true)
    }
}

impl<'de> Deserialize<'de> for RequireDigest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Shape;
        impl<'de> de::Visitor<'de> for Shape {
            type Value = RequireDigest;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("true, false or a list of environments")
            }

            fn visit_bool<E: de::Error>(self, flag: bool) -> Result<RequireDigest, E> {
                Ok(RequireDigest::Everywhere(flag))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<RequireDigest, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = items.next_element::<String>()? {
                    names.push(name);
                }
                Ok(RequireDigest::Environments(names))
            }
        }
        deserializer.deserialize_any(Shape)
    }
}

impl JsonSchema for RequireDigest {
    fn schema_name() -> Cow<'static, str> {
        "RequireDigest".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "oneOf": [
                {"type": "boolean"},
                {"type": "array", "items": {"type": "string"}}
            ]
        })
    }
}

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: "image-digest".into(),
            category: Category::Images,
            default_severity: Severity::Error,
            summary: "an image is not pinned by digest (@sha256: and 64 lowercase hex), or the digest is malformed".into(),
            rationale: "Tags are mutable: the image behind `api:1.4.0` can change after it was tested, and two \
clusters pulling the same tag can run different code. A sha256 digest names exactly one image, so what was \
validated in staging is what runs in prod. An image filled in before it is applied is not judged: a `${VAR}` \
in its name or tag, a placeholder for the whole image (`WEB_IMAGE_URL`, `<your-image>`, `__IMAGE__`), a \
ko build reference (`ko://…`, which `ko resolve` replaces by digest), a container an OpenShift image-change \
trigger sets, a name an OpenShift ImageStream of the input resolves (local lookup), or a name that every build pins by digest (a Kustomize \
`images:` entry with a `digest`, a Skaffold artifact)."
                .into(),
            fix: "Append the digest of the image you tested: `repo:tag@sha256:<64 hex>` (`crane digest repo:tag` \
or `docker buildx imagetools inspect` prints it). Set `images.requireDigest` to a list of environments to \
require digests only there."
                .into(),
            bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.4.0\n".into(),
            good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.4.0@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n".into(),
        },
        check,
    )
    .offering_fix(
        "pins an image by digest when the repository itself states the digest of that tag (the same \
image with a digest elsewhere in the input, a Helm values file, `component-tags.json`), and only when it \
states exactly one; it never guesses and never asks a registry",
    )
    .off_when(|config| config.images.require_digest == RequireDigest::Everywhere(false))
    .configured_by(&["images.requireDigest"])
    // The digests it pins by are those the whole input states: it runs once
    // every file is read, on the images.
    .reading_input()
    .reading(IMAGES_READ)
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    if let RequireDigest::Environments(names) = &context.config.images.require_digest {
        let required_here = context.environment.is_some_and(|environment| {
            names.iter().any(|name| {
                name.eq_ignore_ascii_case(&environment.name)
                    || environment
                        .config
                        .aliases
                        .iter()
                        .any(|alias| alias.eq_ignore_ascii_case(name))
            })
        });
        if !required_here {
            return;
        }
    }
    let object = context.object;
    // The image each container runs, as far as the file tells (not one a
    // trigger or a ${VAR} fills in).
    for (container, image) in written_images(object) {
        let pointer = container.pointer("image");
        let Some(reference) = ImageRef::parse(image) else {
            sink.push(
                Violation::at_value(
                    object,
                    pointer,
                    format!("\"{image}\" is not a valid image reference"),
                )
                .with_help("write the image as registry/repository:tag@sha256:<digest>"),
            );
            continue;
        };
        match (reference.digest, reference.digest_problem()) {
            // The build writes the digest in (Kustomize `images:`,
            // Skaffold), or an ImageStream resolves the name to an image
            // by digest: what the file says is not what runs.
            (None, _)
                if object.image_pinned_by_build(reference.name) == Some(ImagePin::Digest)
                    || resolved_by_image_stream(&reference, object, context.all).is_some() => {}
            (None, _) => {
                let stated = reference
                    .tag
                    .and_then(|tag| context.digests.of(reference.name, tag));
                let mut violation = Violation::at_value(
                    object,
                    pointer.clone(),
                    format!("image {image} is not pinned by digest"),
                )
                .with_help(format!("pin it: {image}@sha256:<digest>"))
                .configured_at("images.requireDigest", "requireDigest configured here");
                if let Some(digest) = stated {
                    violation = violation.with_fix(Fix::set(
                        format!("pin {image} by the digest the repository states for it, {digest}"),
                        pointer,
                        format!("{image}@{digest}"),
                    ));
                }
                sink.push(violation);
            }
            (Some(_), Some(problem)) => sink.push(
                Violation::at_value(
                    object,
                    pointer,
                    format!("image {image} has a malformed digest: {problem}"),
                )
                .with_help(format!(
                    "use the 64-character lowercase sha256 digest: {}@sha256:<digest>",
                    reference.without_digest()
                )),
            ),
            (Some(_), None) => {}
        }
    }
}
