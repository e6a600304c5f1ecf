//! The schemas built into the binary: Kubernetes 1.23–1.37 and the CRDs our
//! users run, gzip-compressed (see `schemas/kubernetes/SOURCES.md` and
//! `schemas/crds/SOURCES.md` for where they come from and how to rebuild
//! them). Nothing is decompressed until a document needs it.

use std::io::Read;

use flate2::read::GzDecoder;

/// The bundled Kubernetes minor versions (all `1.x`), oldest first. A
/// `static`, not a `const`: each use of a `const` copies its data into the
/// binary.
static KUBERNETES: &[(u32, &[u8])] = &[
    (
        23,
        include_bytes!("../../../../schemas/kubernetes/v1.23.json.gz"),
    ),
    (
        24,
        include_bytes!("../../../../schemas/kubernetes/v1.24.json.gz"),
    ),
    (
        25,
        include_bytes!("../../../../schemas/kubernetes/v1.25.json.gz"),
    ),
    (
        26,
        include_bytes!("../../../../schemas/kubernetes/v1.26.json.gz"),
    ),
    (
        27,
        include_bytes!("../../../../schemas/kubernetes/v1.27.json.gz"),
    ),
    (
        28,
        include_bytes!("../../../../schemas/kubernetes/v1.28.json.gz"),
    ),
    (
        29,
        include_bytes!("../../../../schemas/kubernetes/v1.29.json.gz"),
    ),
    (
        30,
        include_bytes!("../../../../schemas/kubernetes/v1.30.json.gz"),
    ),
    (
        31,
        include_bytes!("../../../../schemas/kubernetes/v1.31.json.gz"),
    ),
    (
        32,
        include_bytes!("../../../../schemas/kubernetes/v1.32.json.gz"),
    ),
    (
        33,
        include_bytes!("../../../../schemas/kubernetes/v1.33.json.gz"),
    ),
    (
        34,
        include_bytes!("../../../../schemas/kubernetes/v1.34.json.gz"),
    ),
    (
        35,
        include_bytes!("../../../../schemas/kubernetes/v1.35.json.gz"),
    ),
    (
        36,
        include_bytes!("../../../../schemas/kubernetes/v1.36.json.gz"),
    ),
    (
        37,
        include_bytes!("../../../../schemas/kubernetes/v1.37.json.gz"),
    ),
];

/// The bundled CRD schemas: `{"<group>/<version>/<kind lowercase>": schema}`.
static CRDS: &[u8] = include_bytes!("../../../../schemas/crds/crds.json.gz");

/// The bundled Kubernetes versions as `(1, minor)`, oldest first.
pub fn kubernetes_versions() -> impl Iterator<Item = (u32, u32)> {
    KUBERNETES.iter().map(|(minor, _)| (1, *minor))
}

/// The newest bundled Kubernetes version.
pub fn newest_kubernetes_version() -> (u32, u32) {
    kubernetes_versions().last().unwrap_or((1, 37))
}

/// The compressed bundle of a Kubernetes version, if bundled.
pub(crate) fn kubernetes_bundle(version: (u32, u32)) -> Option<&'static [u8]> {
    if version.0 != 1 {
        return None;
    }
    KUBERNETES
        .iter()
        .find(|(minor, _)| *minor == version.1)
        .map(|(_, bytes)| *bytes)
}

/// The compressed CRD bundle.
pub(crate) fn crd_bundle() -> &'static [u8] {
    CRDS
}

/// Decompresses a bundle.
pub(crate) fn inflate_text(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut text = Vec::with_capacity(bytes.len() * 16);
    GzDecoder::new(bytes)
        .read_to_end(&mut text)
        .map_err(|error| format!("corrupt schema bundle: {error}"))?;
    Ok(text)
}

/// Decompresses and parses a bundle.
#[cfg(test)]
pub(crate) fn inflate(bytes: &[u8]) -> Result<serde_json::Value, String> {
    serde_json::from_slice(&inflate_text(bytes)?)
        .map_err(|error| format!("corrupt schema bundle: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundle_inflates_and_maps_kinds_to_definitions() {
        for (minor, bytes) in KUBERNETES {
            let bundle = inflate(bytes).unwrap();
            assert_eq!(bundle["kubernetesVersion"], format!("1.{minor}"));
            let kinds = bundle["kinds"].as_object().unwrap();
            assert!(kinds.len() > 220, "1.{minor}: {} kinds", kinds.len());
            for (gvk, definition) in kinds {
                let name = definition.as_str().unwrap();
                assert!(bundle["$defs"].get(name).is_some(), "1.{minor}: {gvk}");
            }
            assert!(kinds.contains_key("apps/v1/Deployment"));
        }
        let crds = inflate(CRDS).unwrap();
        for kind in [
            "bitnami.com/v1alpha1/sealedsecret",
            "argoproj.io/v1alpha1/application",
            "external-secrets.io/v1/externalsecret",
            "kustomize.toolkit.fluxcd.io/v1/kustomization",
        ] {
            assert!(crds.get(kind).is_some(), "{kind}");
        }
    }
}
