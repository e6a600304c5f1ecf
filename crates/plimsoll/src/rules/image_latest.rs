//! `image-latest`: an image uses `:latest` or no tag, and no digest.
//!
//! Without a tag Kubernetes pulls `:latest`; with `imagePullPolicy` left at
//! its default it also pulls on every pod start, so replicas of one
//! Deployment can run different code.

use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::finding::Severity;
use crate::model::{written_images, ImageRef};

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: "image-latest".into(),
            category: Category::Images,
            default_severity: Severity::Error,
            summary: "an image uses :latest or no tag, and no digest".into(),
            rationale: "`:latest` (or no tag, which means `:latest`) names whatever was pushed last: a rollback \
redeploys the new code, and replicas started minutes apart can run different images. Nobody can tell from the \
manifest what runs. An image filled in before it is applied (`${IMAGE}`, `WEB_IMAGE_URL`, `<your-image>`, `ko://…`) or \
retagged by every build (Kustomize `images:`, Skaffold, a build script's `kustomize edit set image`, a Tilt \
build) is not judged."
                .into(),
            fix: "Use a version tag, and pin its digest: `repo:1.4.0@sha256:<digest>`.".into(),
            bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\nspec:\n  containers:\n    - name: shell\n      image: busybox:latest\n".into(),
            good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\nspec:\n  containers:\n    - name: shell\n      image: busybox:1.37.0\n".into(),
        },
        check,
    )
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
