//! What a file is, told by its name before it is read, or by what a
//! kustomization says of it as discovery follows the Kustomize graph.
//!
//! Discovery decides it, so the kind lives here; the loader only reads it
//! to choose how a file's documents are parsed and kept.

/// What a file is: by its name, or by what a kustomization says of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// YAML or JSON that may hold manifests (the default): a document with
    /// none of `apiVersion`, `kind` and `metadata` is not trying to be one,
    /// and is skipped without a finding.
    Manifests,
    /// Where manifests are expected — a file a kustomization names as a
    /// resource, a rendered stream (stdin): every document must be one.
    Resources {
        /// A kustomization that builds the file adds selector labels
        /// (`commonLabels`): its workloads may leave `spec.selector` to
        /// Kustomize.
        selectors_by_kustomize: bool,
    },
    /// A Kustomize patch (`patches`, `patchesStrategicMerge`,
    /// `patchesJson6902`): part of an object, never a whole one.
    Patch,
    /// Helm values (`values.yaml`, `values-prod.yaml`, `prod-values.yaml`,
    /// `values/prod.yaml`).
    HelmValues,
    /// `Chart.yaml`.
    HelmChart,
    /// Kustomize's `kustomization.yaml`.
    Kustomization,
    /// A release's `component-tags.json`.
    ComponentTags,
}

impl FileKind {
    /// Recognises a file by its name.
    pub fn of(path: &str) -> FileKind {
        let mut segments = path.rsplit('/');
        let name = segments.next().unwrap_or(path);
        let in_values_directory = segments.next() == Some("values");
        let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
        if name == "component-tags.json" {
            FileKind::ComponentTags
        } else if name == "Chart.yaml" || name == "Chart.yml" {
            FileKind::HelmChart
        } else if matches!(stem, "kustomization" | "Kustomization") {
            FileKind::Kustomization
        } else if in_values_directory
            || stem
                .split(['-', '_', '.'])
                .any(|token| token.eq_ignore_ascii_case("values"))
        {
            FileKind::HelmValues
        } else if stem.split(['-', '_', '.']).any(|token| {
            token.eq_ignore_ascii_case("patch") || token.eq_ignore_ascii_case("patches")
        }) {
            // `replicas-patch.yaml`, `hpa_patch.yaml`: named as Kustomize's
            // documentation names patches. A kustomization that names the
            // file as a resource makes it one again.
            FileKind::Patch
        } else {
            FileKind::Manifests
        }
    }

    /// Whether the file's documents become objects.
    pub(crate) fn holds_manifests(self) -> bool {
        matches!(self, FileKind::Manifests | FileKind::Resources { .. })
    }
}
