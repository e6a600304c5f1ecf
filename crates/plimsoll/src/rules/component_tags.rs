//! `component-tags`: a release's `component-tags.json` is malformed, or a
//! Helm `values-<env>.yaml` disagrees with it.
//!
//! Shape (see the Argo CD release guide): an object whose keys are services,
//! each an object with `tag` (a non-empty string), `sha` (the Git commit, 7
//! to 40 lowercase hex digits) and `digest` (`sha256:` and 64 lowercase hex).
//! Agreement: a values image belongs to the entry whose key is the service key
//! it sits under (`api:` → `"api"`), else whose key is the last segment of its
//! repository. When its tag is the entry's tag, its digest must be the
//! entry's digest; a values image of an entry that carries a tag and no
//! digest is reported too (Argo deploys by digest). A values image whose tag
//! differs from the entry is an environment not yet bumped, and is fine.
//!
//! A `component-tags.json` with an environment (under `envs/prod/`, say)
//! applies to the values files of that environment; one without applies to
//! every values file of the run. Findings about values images point at the
//! digest (else the tag, else the image) in the values file.

use super::{ArtifactViolation, Category, Rule, RuleMeta, SetContext, Sink};
use crate::finding::Severity;
use crate::model::{values_images, Artifact, ArtifactKind, ImageRef};
use crate::yaml::{push_pointer, Node, Value};

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "component-tags".into(),
            category: Category::Promotion,
            default_severity: Severity::Error,
            summary: "component-tags.json entries lack tag/sha/digest or have malformed ones; a values-<env>.yaml image with the same tag has a different digest or no digest".into(),
            rationale: "CI publishes `component-tags.json` as the record of what it built; the bump PR copies \
tags and digests into `values-<env>.yaml`. A digest that differs for the same tag means the values file deploys \
something CI did not build (a hand edit, a rebuilt tag); a tag without a digest deploys whatever the tag points \
to today."
                .into(),
            fix: "Give every entry `tag`, `sha` and `digest`, e.g. `\"api\": {\"tag\": \"1.7.3\", \"sha\": \
\"abc1234\", \"digest\": \"sha256:<64 hex>\"}`, and copy the entry's digest next to the tag in the values file \
(`image: {repository: ghcr.io/acme/api, tag: \"1.7.3\", digest: \"sha256:…\"}`)."
                .into(),
            bad: "".into(),
            good: "".into(),
        },
        check,
    )
    .reading(&[])
}

/// One valid-enough entry of a `component-tags.json`.
struct Entry {
    service: String,
    tag: Option<String>,
    digest: Option<String>,
    file: String,
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    for artifact in context
        .artifacts_here()
        .filter(|artifact| artifact.kind == ArtifactKind::ComponentTags)
    {
        check_shape(artifact, sink);
    }
    let here = context.environment.map(|environment| environment.id);
    let entries: Vec<Entry> = context
        .artifacts
        .iter()
        .filter(|artifact| {
            artifact.kind == ArtifactKind::ComponentTags
                && (artifact.environment.is_none() || artifact.environment == here)
        })
        .flat_map(|artifact| entries_of(artifact, context.file_path(artifact.file)))
        .collect();
    if entries.is_empty() {
        return;
    }
    for artifact in context
        .artifacts_here()
        .filter(|artifact| artifact.kind == ArtifactKind::HelmValues)
    {
        for image in values_images(&artifact.node) {
            let entry = image
                .service_key
                .as_deref()
                .and_then(|key| entries.iter().find(|entry| entry.service == key))
                .or_else(|| {
                    let last = crate::model::artifact::last_segment(&image.repository);
                    entries.iter().find(|entry| entry.service == last)
                });
            let Some(entry) = entry else {
                continue;
            };
            let place = image
                .digest_pointer
                .clone()
                .or_else(|| image.tag_pointer.clone())
                .unwrap_or_else(|| image.pointer.clone());
            match (&image.tag, &image.digest) {
                (Some(tag), None) => sink.push_artifact(
                    ArtifactViolation::at_value(
                        artifact,
                        image.tag_pointer.clone().unwrap_or(place),
                        format!(
                            "image {}:{tag} (`{}` in {}) has a tag but no digest",
                            image.repository, entry.service, entry.file
                        ),
                    )
                    .with_help(match (&entry.tag, &entry.digest) {
                        (Some(entry_tag), Some(digest)) if entry_tag == tag => {
                            format!("add `digest: {digest}` from {}", entry.file)
                        }
                        _ => format!("add the digest of {tag} next to the tag"),
                    }),
                ),
                (Some(tag), Some(digest)) => {
                    let (Some(entry_tag), Some(entry_digest)) = (&entry.tag, &entry.digest) else {
                        continue;
                    };
                    if entry_tag == tag && entry_digest != digest {
                        sink.push_artifact(
                            ArtifactViolation::at_value(
                                artifact,
                                place,
                                format!(
                                    "image {}:{tag} has digest {digest}, but {} gives `{}` {tag} the digest {entry_digest}",
                                    image.repository, entry.file, entry.service
                                ),
                            )
                            .with_help(format!(
                                "use the digest CI published: {entry_digest} (or bump the tag if this is another build)"
                            )),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

fn entries_of(artifact: &Artifact, file: &str) -> Vec<Entry> {
    let Some(map) = artifact.node.as_map() else {
        return Vec::new();
    };
    map.iter()
        .map(|entry| Entry {
            service: entry.key.to_string(),
            tag: text(entry.value.get("tag")),
            digest: text(entry.value.get("digest")),
            file: file.to_owned(),
        })
        .collect()
}

fn text(node: Option<&Node>) -> Option<String> {
    node.and_then(Node::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

fn check_shape(artifact: &Artifact, sink: &mut Sink) {
    let Some(entries) = artifact.node.as_map() else {
        sink.push_artifact(
            ArtifactViolation::at_value(
                artifact,
                "",
                format!(
                    "component-tags.json must be an object of services (found {})",
                    artifact.node.value.type_name()
                ),
            )
            .with_help("write `{\"api\": {\"tag\": \"1.7.3\", \"sha\": \"abc1234\", \"digest\": \"sha256:…\"}}`"),
        );
        return;
    };
    for entry in entries {
        let mut pointer = String::new();
        push_pointer(&mut pointer, &entry.key);
        let service = &entry.key;
        if entry.value.as_map().is_none() {
            sink.push_artifact(ArtifactViolation::at_value(
                artifact,
                pointer,
                format!(
                    "entry `{service}` must be an object with tag, sha and digest (found {})",
                    entry.value.value.type_name()
                ),
            ));
            continue;
        }
        for key in ["tag", "sha", "digest"] {
            let mut field = pointer.clone();
            push_pointer(&mut field, key);
            let problem = match entry.value.get(key).map(|node| &node.value) {
                None => Some(format!("entry `{service}` has no `{key}`")),
                Some(Value::String(value)) => {
                    field_problem(key, value).map(|problem| format!("entry `{service}`: {problem}"))
                }
                Some(_) => Some(format!("entry `{service}`: `{key}` must be a string")),
            };
            if let Some(problem) = problem {
                sink.push_artifact(ArtifactViolation::at_value(artifact, field, problem));
            }
        }
    }
}

fn field_problem(key: &str, value: &str) -> Option<String> {
    match key {
        "tag" if value.is_empty() => Some("`tag` is empty".to_owned()),
        "tag"
            if value
                .chars()
                .any(|c| c.is_whitespace() || c == ':' || c == '@') =>
        {
            Some(format!("`tag` \"{value}\" is not a valid image tag"))
        }
        "sha"
            if !(7..=40).contains(&value.len())
                || !value
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
        {
            Some(format!(
                "`sha` \"{value}\" is not a Git commit (7 to 40 lowercase hex digits)"
            ))
        }
        "digest" => {
            let reference = ImageRef {
                raw: value,
                registry: None,
                name: "image",
                tag: None,
                digest: Some(value),
            };
            reference
                .digest_problem()
                .map(|problem| format!("`digest` \"{value}\" is malformed: {problem}"))
        }
        _ => None,
    }
}
