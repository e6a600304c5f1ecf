//! Container image references, parsed by the distribution reference grammar
//! (`[registry/]path[:tag][@algorithm:hex]`).
//!
//! Unlike general-purpose parsers, nothing is filled in: an image without a
//! tag has `tag == None`, so "untagged" and `:latest` stay distinguishable.

/// The parts of an image reference, borrowed from the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// The reference as written.
    pub raw: &'a str,
    /// The registry host (with port), when the first component names one.
    pub registry: Option<&'a str>,
    /// `registry/path` without tag and digest.
    pub name: &'a str,
    /// The tag, when one is written.
    pub tag: Option<&'a str>,
    /// The digest (`sha256:…`), when one is written.
    pub digest: Option<&'a str>,
}

/// An image that the build of a file sets before its objects are applied:
/// an `images:` entry of every kustomization that builds the file, or an
/// artifact that Skaffold builds and writes in with its digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SetImage {
    /// The image name the manifest writes, without tag or digest.
    pub name: String,
    /// What the build pins.
    pub pin: ImagePin,
}

/// The containers of `object` whose image OpenShift's image-change trigger
/// sets (the `image.openshift.io/triggers` annotation, an entry that is not
/// paused): the trigger writes the image stream's digest reference into
/// the container, so what the manifest writes there (often `' '`) is not
/// what runs.
fn containers_set_by_image_trigger(object: &super::Object) -> Vec<String> {
    let Some(triggers) = object.annotation("image.openshift.io/triggers") else {
        return Vec::new();
    };
    let Ok(serde_json::Value::Array(entries)) = serde_json::from_str(&triggers) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter(|entry| {
            let paused = entry.get("paused");
            !(paused.and_then(serde_json::Value::as_bool) == Some(true)
                || paused.and_then(serde_json::Value::as_str) == Some("true"))
        })
        .filter_map(|entry| entry.get("fieldPath")?.as_str())
        .filter_map(|path| {
            let (_, rest) = path.split_once("@.name==")?;
            let name = rest.trim_start_matches(['"', '\'', '\\']);
            let end = name.find(['"', '\'', '\\', ')'])?;
            name.get(..end).map(str::to_owned)
        })
        .collect()
}

/// The containers of `object` with the image each writes, where that
/// image is the one that runs as far as the file tells: not a container
/// OpenShift's image-change trigger sets, nor an image whose tag or digest
/// a `${VAR}` fills in before it is applied (Flux post-build
/// substitution, envsubst), nor a placeholder for the image. What a build
/// pins is the caller's to weigh ([`super::Object::image_pinned_by_build`]).
pub(crate) fn written_images(object: &super::Object) -> Vec<(super::Container<'_>, &str)> {
    let triggered = containers_set_by_image_trigger(object);
    super::containers(object)
        .into_iter()
        .filter(|container| {
            !container
                .node
                .get("name")
                .and_then(crate::yaml::Node::as_str)
                .is_some_and(|name| triggered.iter().any(|set| set == name))
        })
        .filter_map(|container| {
            let image = container.node.get("image")?.as_str()?;
            (!super::kept_elsewhere::is_image_filled_in(image)).then_some((container, image))
        })
        .collect()
}

/// What a build pins of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ImagePin {
    /// A tag (other than `latest`).
    Tag,
    /// A digest.
    Digest,
}

/// What is wrong with a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestProblem {
    /// No `algorithm:` prefix.
    Missing,
    /// An algorithm other than sha256.
    UnknownAlgorithm(String),
    /// The hex part has the wrong length.
    WrongLength(usize),
    /// The hex part has characters other than `0-9a-f`.
    NotLowercaseHex,
}

impl std::fmt::Display for DigestProblem {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DigestProblem::Missing => formatter.write_str("the digest has no algorithm"),
            DigestProblem::UnknownAlgorithm(algorithm) => {
                write!(
                    formatter,
                    "the digest algorithm `{algorithm}` is not sha256"
                )
            }
            DigestProblem::WrongLength(length) => write!(
                formatter,
                "the sha256 digest has {length} hex digits, not 64"
            ),
            DigestProblem::NotLowercaseHex => {
                formatter.write_str("the sha256 digest is not lowercase hex")
            }
        }
    }
}

impl<'a> ImageRef<'a> {
    /// Splits a reference into its parts; `None` when it is empty or has
    /// whitespace.
    pub fn parse(raw: &'a str) -> Option<ImageRef<'a>> {
        if raw.is_empty() || raw.chars().any(char::is_whitespace) {
            return None;
        }
        let (name_and_tag, digest) = match raw.split_once('@') {
            Some((before, after)) => (before, Some(after)),
            None => (raw, None),
        };
        let last_slash = name_and_tag.rfind('/');
        let (name, tag) = match name_and_tag.rfind(':') {
            Some(colon) if last_slash.is_none_or(|slash| colon > slash) => (
                name_and_tag.get(..colon)?,
                Some(name_and_tag.get(colon + 1..)?),
            ),
            _ => (name_and_tag, None),
        };
        if name.is_empty() {
            return None;
        }
        let registry = name.split_once('/').and_then(|(first, _)| {
            (first.contains('.') || first.contains(':') || first == "localhost").then_some(first)
        });
        Some(ImageRef {
            raw,
            registry,
            name,
            tag,
            digest,
        })
    }

    /// Whether the reference is pinned by a well-formed sha256 digest.
    pub fn digest_problem(&self) -> Option<DigestProblem> {
        let digest = self.digest?;
        let Some((algorithm, hex)) = digest.split_once(':') else {
            return Some(DigestProblem::Missing);
        };
        if algorithm != "sha256" {
            return Some(DigestProblem::UnknownAlgorithm(algorithm.to_owned()));
        }
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Some(DigestProblem::NotLowercaseHex);
        }
        if hex.len() != 64 {
            return Some(DigestProblem::WrongLength(hex.len()));
        }
        if hex.bytes().any(|b| b.is_ascii_uppercase()) {
            return Some(DigestProblem::NotLowercaseHex);
        }
        None
    }

    /// The reference without its digest (`repo:tag`).
    pub fn without_digest(&self) -> &'a str {
        self.raw
            .split_once('@')
            .map_or(self.raw, |(before, _)| before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_kept_apart() {
        let image = ImageRef::parse("ghcr.io:443/acme/api:1.4.0@sha256:abc").unwrap();
        assert_eq!(image.registry, Some("ghcr.io:443"));
        assert_eq!(image.name, "ghcr.io:443/acme/api");
        assert_eq!(image.tag, Some("1.4.0"));
        assert_eq!(image.digest, Some("sha256:abc"));
        let bare = ImageRef::parse("nginx").unwrap();
        assert_eq!((bare.registry, bare.tag, bare.digest), (None, None, None));
        let port_only = ImageRef::parse("localhost:5000/app").unwrap();
        assert_eq!(port_only.tag, None);
        assert_eq!(port_only.registry, Some("localhost:5000"));
        assert!(ImageRef::parse("").is_none());
        assert!(ImageRef::parse("a b").is_none());
    }

    #[test]
    fn digests_are_checked() {
        let good = format!("app@sha256:{}", "a".repeat(64));
        assert_eq!(ImageRef::parse(&good).unwrap().digest_problem(), None);
        let short = format!("app@sha256:{}", "a".repeat(63));
        assert_eq!(
            ImageRef::parse(&short).unwrap().digest_problem(),
            Some(DigestProblem::WrongLength(63))
        );
        let upper = format!("app@sha256:{}", "A".repeat(64));
        assert_eq!(
            ImageRef::parse(&upper).unwrap().digest_problem(),
            Some(DigestProblem::NotLowercaseHex)
        );
        let md5 = "app@md5:abc";
        assert_eq!(
            ImageRef::parse(md5).unwrap().digest_problem(),
            Some(DigestProblem::UnknownAlgorithm("md5".into()))
        );
    }
}
