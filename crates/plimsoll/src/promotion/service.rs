//! Services across environments: which service a workload or a values-file
//! image belongs to, and which images each environment runs for it.
//!
//! A workload's service is its name with the environment affix removed per
//! `naming.resource` (`{service}-{env}` by default: `api-gateway-staging` and
//! `api-gateway-prod` are both `api-gateway`; with `{env}-{service}`,
//! `staging-quikapp-api` and `live-quikapp-api` are both `quikapp-api`).
//! When the name does not fit the pattern, the `app.kubernetes.io/name`
//! label names the service, else the name itself. A Helm values image
//! belongs to the service key it sits under, else to the last segment of its
//! repository.

use crate::engine::{Model, Place};
use crate::environment::{Environment, Environments};
use crate::model::{
    containers, is_workload, values_images, Artifact, ArtifactKind, ImageRef, Object,
};

/// One image an environment runs.
#[derive(Debug, Clone)]
pub(crate) struct Running<'m> {
    pub service: String,
    /// `registry/path`.
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
    /// The image as written (values maps are joined as `repo:tag@digest`).
    pub image: String,
    /// Where it is written.
    pub place: Where<'m>,
}

/// Where an image is written.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Where<'m> {
    Object(&'m Object),
    Artifact(&'m Artifact),
}

impl<'m> Running<'m> {
    /// The place of the image for a finding.
    pub(super) fn place<'p>(&'p self, pointer: &'p str) -> Place<'p> {
        match self.place {
            Where::Object(object) => Place::Object(object, pointer),
            Where::Artifact(artifact) => Place::Artifact(artifact, pointer),
        }
    }
}

/// A running image with the JSON pointer of its value.
#[derive(Debug, Clone)]
pub(crate) struct Located<'m> {
    pub running: Running<'m>,
    pub pointer: String,
}

/// Every image of an environment, from its workloads and its Helm values
/// files, in input order.
pub(crate) fn running_in<'m>(
    model: &'m Model,
    environment: &Environment,
    pattern: &str,
) -> Vec<Located<'m>> {
    let mut found = Vec::new();
    for object in model
        .objects
        .iter()
        .filter(|object| object.environment == Some(environment.id))
    {
        add_workload_images(&mut found, object, environment, pattern);
    }
    for artifact in model
        .artifacts
        .iter()
        .filter(|artifact| artifact.environment == Some(environment.id))
    {
        add_values_images(&mut found, artifact);
    }
    found
}

/// [`running_in`] for every environment (by id), in one pass over the
/// model: asking for each environment in turn would read every object once
/// per environment.
pub(crate) fn running_in_each<'m>(
    model: &'m Model,
    environments: &Environments,
    pattern: &str,
) -> Vec<Vec<Located<'m>>> {
    let mut found: Vec<Vec<Located<'m>>> = environments.iter().map(|_| Vec::new()).collect();
    for object in &model.objects {
        let Some(id) = object.environment else {
            continue;
        };
        if let (Some(environment), Some(images)) = (environments.get(id), found.get_mut(id.0)) {
            add_workload_images(images, object, environment, pattern);
        }
    }
    for artifact in &model.artifacts {
        if let Some(images) = artifact.environment.and_then(|id| found.get_mut(id.0)) {
            add_values_images(images, artifact);
        }
    }
    found
}

/// The images of a workload's containers, if `object` is one.
fn add_workload_images<'m>(
    found: &mut Vec<Located<'m>>,
    object: &'m Object,
    environment: &Environment,
    pattern: &str,
) {
    if !is_workload(object) {
        return;
    }
    let service = service_of(object, environment, pattern);
    for container in containers(object) {
        let Some(text) = container.node.get("image").and_then(|node| node.as_str()) else {
            continue;
        };
        let Some(image) = ImageRef::parse(text) else {
            continue;
        };
        found.push(Located {
            running: Running {
                service: service.clone(),
                repository: image.name.to_owned(),
                tag: image.tag.map(str::to_owned),
                digest: image.digest.map(str::to_owned),
                image: text.to_owned(),
                place: Where::Object(object),
            },
            pointer: container.pointer("image"),
        });
    }
}

/// The images of a Helm values file, if `artifact` is one.
fn add_values_images<'m>(found: &mut Vec<Located<'m>>, artifact: &'m Artifact) {
    if artifact.kind != ArtifactKind::HelmValues {
        return;
    }
    for image in values_images(&artifact.node) {
        let mut text = image.repository.clone();
        if let Some(tag) = &image.tag {
            text.push(':');
            text.push_str(tag);
        }
        if let Some(digest) = &image.digest {
            text.push('@');
            text.push_str(digest);
        }
        found.push(Located {
            running: Running {
                service: image.service().to_owned(),
                repository: image.repository.clone(),
                tag: image.tag.clone(),
                digest: image.digest.clone(),
                image: text,
                place: Where::Artifact(artifact),
            },
            pointer: image
                .digest_pointer
                .clone()
                .or_else(|| image.tag_pointer.clone())
                .unwrap_or_else(|| image.pointer.clone()),
        });
    }
}

/// The service a workload belongs to.
pub(crate) fn service_of(object: &Object, environment: &Environment, pattern: &str) -> String {
    strip_affix(&object.identity.name, environment, pattern)
        .or_else(|| object.label("app.kubernetes.io/name").map(str::to_owned))
        .unwrap_or_else(|| object.identity.name.clone())
}

/// `{service}` of `name` matched against `pattern`, where `{env}` is the
/// environment's name or an alias and `{project}` any non-empty text.
pub(crate) fn strip_affix(name: &str, environment: &Environment, pattern: &str) -> Option<String> {
    let parts = parse_pattern(pattern);
    // Each free placeholder multiplies the matching work by the name's
    // length: patterns with more than three are not matched.
    let free = parts
        .iter()
        .filter(|part| matches!(part, Part::Service | Part::Project))
        .count();
    if !parts.contains(&Part::Service) || free > 3 {
        return None;
    }
    let names: Vec<&str> = std::iter::once(environment.name.as_str())
        .chain(environment.config.aliases.iter().map(String::as_str))
        .collect();
    let mut service = None;
    matches(&parts, name, &names, &mut service).then_some(service)?
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Service,
    Env,
    Project,
}

fn parse_pattern(pattern: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        let next = ["{service}", "{env}", "{project}"]
            .iter()
            .filter_map(|placeholder| rest.find(placeholder).map(|at| (at, *placeholder)))
            .min_by_key(|(at, _)| *at);
        match next {
            Some((at, placeholder)) => {
                if let Some(literal) = rest.get(..at).filter(|literal| !literal.is_empty()) {
                    parts.push(Part::Literal(literal.to_owned()));
                }
                parts.push(match placeholder {
                    "{service}" => Part::Service,
                    "{env}" => Part::Env,
                    _ => Part::Project,
                });
                rest = rest.get(at + placeholder.len()..).unwrap_or("");
            }
            None => {
                parts.push(Part::Literal(rest.to_owned()));
                rest = "";
            }
        }
    }
    parts
}

fn matches(parts: &[Part], text: &str, names: &[&str], service: &mut Option<String>) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return text.is_empty();
    };
    match first {
        Part::Literal(literal) => text
            .strip_prefix(literal.as_str())
            .is_some_and(|tail| matches(rest, tail, names, service)),
        Part::Env => names.iter().any(|name| {
            text.get(..name.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(name))
                && text
                    .get(name.len()..)
                    .is_some_and(|tail| matches(rest, tail, names, service))
        }),
        Part::Service | Part::Project => {
            // Shortest first for {project}, longest first for {service}
            // (`{service}-{env}` on `a-b-prod` gives `a-b`).
            let mut ends: Vec<usize> = text
                .char_indices()
                .map(|(at, c)| at + c.len_utf8())
                .collect();
            if *first == Part::Service {
                ends.reverse();
            }
            ends.into_iter().any(|end| {
                let (Some(head), Some(tail)) = (text.get(..end), text.get(end..)) else {
                    return false;
                };
                let mut inner = service.clone();
                if *first == Part::Service {
                    inner = Some(head.to_owned());
                }
                if matches(rest, tail, names, &mut inner) {
                    *service = inner;
                    true
                } else {
                    false
                }
            })
        }
    }
}

/// A tag without an `<env>-` prefix naming a known environment
/// (`staging-1.4.0` → `1.4.0`).
pub(crate) fn strip_environment_prefix<'t>(tag: &'t str, environments: &Environments) -> &'t str {
    match tag.split_once('-') {
        Some((head, tail)) if !tail.is_empty() && environments.lookup(head).is_some() => tail,
        _ => tag,
    }
}

/// Whether two images are the same build: same repository and, when both
/// have digests, the same digest; otherwise the same tag once an
/// environment prefix is stripped.
pub(crate) fn same_image(a: &Running<'_>, b: &Running<'_>, environments: &Environments) -> bool {
    a.repository == b.repository
        && same_build(
            (a.digest.as_deref(), a.tag.as_deref()),
            (b.digest.as_deref(), b.tag.as_deref()),
            environments,
        )
        .unwrap_or(false)
}

/// Whether two images of one repository, each as (digest, tag), are the
/// same build: by digest when both name one, else by tag once an
/// environment prefix is stripped; `None` when neither decides.
pub(crate) fn same_build(
    a: (Option<&str>, Option<&str>),
    b: (Option<&str>, Option<&str>),
    environments: &Environments,
) -> Option<bool> {
    match (a, b) {
        ((Some(left), _), (Some(right), _)) => Some(left == right),
        ((_, Some(left)), (_, Some(right))) => Some(
            strip_environment_prefix(left, environments)
                == strip_environment_prefix(right, environments),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn environment(name: &str) -> Environment {
        let environments = Environments::from_config(&Config::default()).unwrap();
        environments
            .get(environments.lookup(name).unwrap())
            .unwrap()
            .clone()
    }

    #[test]
    fn strips_suffix_and_prefix_affixes() {
        let prod = environment("prod");
        let staging = environment("staging");
        assert_eq!(
            strip_affix("api-gateway-prod", &prod, "{service}-{env}").as_deref(),
            Some("api-gateway")
        );
        assert_eq!(
            strip_affix("api-gateway-staging", &staging, "{service}-{env}").as_deref(),
            Some("api-gateway")
        );
        assert_eq!(
            strip_affix("live-quikapp-api", &prod, "{env}-{service}").as_deref(),
            Some("quikapp-api")
        );
        assert_eq!(
            strip_affix("staging-quikapp-api", &staging, "{env}-{service}").as_deref(),
            Some("quikapp-api")
        );
        assert_eq!(
            strip_affix("meetinity-api-prod", &prod, "{project}-{service}-{env}").as_deref(),
            Some("api")
        );
        assert_eq!(strip_affix("api-gateway", &prod, "{service}-{env}"), None);
        assert_eq!(strip_affix("api-staging", &prod, "{service}-{env}"), None);
    }

    #[test]
    fn environment_prefixes_are_stripped_from_tags() {
        let environments = Environments::from_config(&Config::default()).unwrap();
        assert_eq!(
            strip_environment_prefix("staging-1.4.0", &environments),
            "1.4.0"
        );
        assert_eq!(
            strip_environment_prefix("live-1.4.0", &environments),
            "1.4.0"
        );
        assert_eq!(
            strip_environment_prefix("1.4.0-rc1", &environments),
            "1.4.0-rc1"
        );
        assert_eq!(strip_environment_prefix("prod-", &environments), "prod-");
    }
}
