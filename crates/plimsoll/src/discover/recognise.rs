//! Files that are plainly not Kubernetes, recognised before they are read.
//!
//! A repository holds more YAML and JSON than manifests: package manifests,
//! compose files, documentation sites, helmfiles, test snapshots, and the
//! files of a Helm chart other than its templates. They are skipped without a finding.
//! Anything else is read, and its documents that do not try to be
//! manifests are skipped as they load (see [`FileKind`]).

use std::collections::HashSet;

use super::{Candidate, FileKind};

/// Whether a file's name says it is some other tool's file.
pub(crate) fn is_plainly_not_kubernetes(display: &str) -> bool {
    let name = display.rsplit('/').next().unwrap_or(display);
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let in_helmfile_directory = display.split('/').any(|segment| segment == "helmfile.d");
    // Test snapshots (helm-unittest's `__snapshot__`, jest's
    // `__snapshots__`): what a test compares against, never applied.
    let in_test_snapshots = display
        .split('/')
        .any(|segment| matches!(segment, "__snapshot__" | "__snapshots__"));
    matches!(
        name,
        "package.json"
            | "package-lock.json"
            | "composer.json"
            | "jsconfig.json"
            | "renovate.json"
            | "renovate.json5"
            | "mkdocs.yml"
            | "mkdocs.yaml"
            | "devfile.yaml"
            | ".devfile.yaml"
    ) || stem.starts_with("tsconfig")
        || stem.starts_with("docker-compose")
        || stem == "compose"
        || stem.starts_with("compose.")
        || stem.starts_with("helmfile")
        || in_helmfile_directory
        || in_test_snapshots
}

/// The directories of the input's Helm charts (those holding a
/// `Chart.yaml`).
pub(crate) struct ChartRoots(HashSet<String>);

impl ChartRoots {
    pub(crate) fn of(candidates: &[Candidate]) -> ChartRoots {
        ChartRoots(
            candidates
                .iter()
                .filter(|candidate| candidate.kind == FileKind::HelmChart)
                .map(|candidate| {
                    candidate
                        .display
                        .rsplit_once('/')
                        .map_or_else(String::new, |(directory, _)| directory.to_owned())
                })
                .collect(),
        )
    }

    /// Whether a chart holds this manifest-like file outside `templates/`
    /// and `crds/` (its CI values, test data, dashboards): Helm renders
    /// only those two folders, so the rest is not a manifest. Chart.yaml
    /// and values files keep their own meaning.
    pub(crate) fn hides(&self, candidate: &Candidate) -> bool {
        if self.0.is_empty() || candidate.kind != FileKind::Manifests {
            return false;
        }
        let mut path = candidate.display.as_str();
        loop {
            let (parent, segment) = path.rsplit_once('/').unwrap_or(("", path));
            if self.0.contains(parent) {
                // The nearest chart decides (a subchart under `charts/`).
                return !matches!(segment, "templates" | "crds");
            }
            if parent.is_empty() {
                return false;
            }
            path = parent;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::Origin;

    fn candidate(display: &str) -> Candidate {
        Candidate::new(display.to_owned(), Origin::Text("".into()))
    }

    #[test]
    fn other_tools_files_are_recognised_by_name() {
        for name in [
            "web/package.json",
            "tsconfig.base.json",
            "docker-compose.override.yml",
            "compose.yaml",
            "docs/mkdocs.yml",
            "helmfile.yaml",
            "clusters/helmfile.d/apps.yaml",
            "renovate.json",
            "devfile.yaml",
            "charts/app/tests/__snapshot__/deployment_test.yaml.snap.yaml",
            "web/src/__snapshots__/config.json",
        ] {
            assert!(is_plainly_not_kubernetes(name), "{name}");
        }
        for name in [
            "envs/prod/deployment.yaml",
            "compose-app.yaml",
            "app/packages.json",
            "snapshots/deployment.yaml",
        ] {
            assert!(!is_plainly_not_kubernetes(name), "{name}");
        }
    }

    #[test]
    fn a_chart_shows_only_its_templates_and_crds() {
        let candidates = vec![
            candidate("charts/shop/Chart.yaml"),
            candidate("charts/shop/charts/db/Chart.yaml"),
            candidate("Chart.yaml"),
        ];
        let charts = ChartRoots::of(&candidates);
        let hidden = |path: &str| charts.hides(&candidate(path));
        assert!(!hidden("charts/shop/templates/deployment.yaml"));
        assert!(!hidden("charts/shop/templates/sub/service.yaml"));
        assert!(!hidden("charts/shop/crds/crd.yaml"));
        assert!(!hidden("charts/shop/ci/test-values.yaml"));
        assert!(hidden("charts/shop/dashboards/api.json"));
        assert!(hidden("charts/shop/charts/db/files/init.yaml"));
        assert!(!hidden("charts/shop/charts/db/templates/db.yaml"));
        assert!(hidden("ci/lint.yaml"));
        assert!(!hidden("templates/a.yaml"));
    }
}
