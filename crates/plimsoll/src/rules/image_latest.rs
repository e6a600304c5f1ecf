//! `image-latest`: an image uses `:latest` or no tag, and no digest.
//!
//! Without a tag Kubernetes pulls `:latest`; with `imagePullPolicy` left at
//! its default it also pulls on every pod start, so replicas of one
//! Deployment can run different code.
//!
//! On OpenShift, a bare `name:tag` that names an ImageStream of the input
//! with local lookup (`spec.lookupPolicy.local: true`) is not pulled as
//! written: the cluster resolves it to the image the stream's tag holds,
//! by digest ([`resolved_by_image_stream`]). It is judged only when the
//! stream's tag, as the input writes it, follows an image's `:latest`.

use super::context::ObjectIndex;
use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::finding::Severity;
use crate::model::{written_images, ImageRef, Object};
use crate::yaml::Node;

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: "image-latest".into(),
            category: Category::Images,
            default_severity: Severity::Error,
            summary: "an image uses :latest or no tag, and no digest".into(),
            rationale: "`:latest` (or no tag, which means `:latest`) names whatever was pushed last: a rollback \
redeploys the new code, and replicas started minutes apart can run different images. Nobody can tell from the \
manifest what runs. An image filled in before it is applied (`${IMAGE}`, `WEB_IMAGE_URL`, `<your-image>`, `ko://…`), \
retagged by every build (Kustomize `images:`, Skaffold, a build script's `kustomize edit set image`, a Tilt \
build), or resolved by an OpenShift ImageStream of the input with local lookup is not judged."
                .into(),
            fix: "Use a version tag, and pin its digest: `repo:1.4.0@sha256:<digest>`.".into(),
            bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\nspec:\n  containers:\n    - name: shell\n      image: busybox:latest\n".into(),
            good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\nspec:\n  containers:\n    - name: shell\n      image: busybox:1.37.0\n".into(),
        },
        check,
    )
    // An ImageStream of the input may resolve the image: it runs once every
    // file is read.
    .reading_input()
    .reading(IMAGES_READ)
}

/// What the image rules read of the input: each container's image (with
/// OpenShift's image-change triggers, which set it), and the ImageStreams
/// that may resolve it.
pub(crate) const IMAGES_READ: &[&str] = &[
    "{container}/image",
    "{container}/name",
    "/metadata/annotations/image.openshift.io~1triggers",
    "ImageStream:/spec/lookupPolicy/local",
    "ImageStream:/spec/tags",
];

/// Whether an ImageStream of the input resolves `reference`, written in a
/// container of `object`: a bare name (no registry, no path, no digest)
/// that names a stream with local lookup in the object's namespace (or
/// where either leaves the namespace to its build). OpenShift replaces the
/// reference with the image the stream's tag holds, by digest.
pub(crate) fn resolved_by_image_stream<'i>(
    reference: &ImageRef<'_>,
    object: &Object,
    input: &ObjectIndex<'i>,
) -> Option<&'i Object> {
    if reference.digest.is_some() || reference.name.contains('/') {
        return None;
    }
    let namespace = object.identity.namespace.as_deref();
    input.of_kind("ImageStream").find(|stream| {
        stream.identity.group == "image.openshift.io"
            && stream.identity.name == reference.name
            && (namespace.is_none()
                || stream.identity.namespace.is_none()
                || stream.identity.namespace.as_deref() == namespace)
            && stream
                .node
                .get_path(&["spec", "lookupPolicy", "local"])
                .and_then(Node::as_bool)
                == Some(true)
    })
}

/// Whether the stream's tag `tag`, as the input writes it, follows an
/// image's `:latest` (`from: {kind: DockerImage, name: repo:latest}`);
/// a tag the input does not write (an overlay's patch sets it) does not.
fn follows_latest(stream: &Object, tag: &str) -> bool {
    stream
        .node
        .get_path(&["spec", "tags"])
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter(|entry| entry.get("name").and_then(Node::as_str) == Some(tag))
        .filter_map(|entry| entry.get("from"))
        .filter(|from| from.get("kind").and_then(Node::as_str) == Some("DockerImage"))
        .filter_map(|from| ImageRef::parse(from.get("name")?.as_str()?))
        .any(|source| source.digest.is_none() && matches!(source.tag, None | Some("latest")))
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let object = context.object;
    // The image each container runs, as far as the file tells (not one a
    // trigger or a ${VAR} fills in).
    for (container, image) in written_images(object) {
        let Some(reference) = ImageRef::parse(image) else {
            continue;
        };
        // A build that sets the tag or the digest (Kustomize `images:` in
        // every overlay, Skaffold) replaces what the file says.
        if reference.digest.is_some() || object.image_pinned_by_build(reference.name).is_some() {
            continue;
        }
        if resolved_by_image_stream(&reference, object, context.all)
            .is_some_and(|stream| !follows_latest(stream, reference.tag.unwrap_or("latest")))
        {
            continue;
        }
        let message = match reference.tag {
            None => format!("image {image} has no tag, so Kubernetes pulls :latest"),
            Some("latest") => format!("image {image} uses the :latest tag"),
            Some(_) => continue,
        };
        sink.push(
            Violation::at_value(object, container.pointer("image"), message).with_help(format!(
                "use a version tag and pin its digest: {}:<version>@sha256:<digest>",
                reference.name
            )),
        );
    }
}
