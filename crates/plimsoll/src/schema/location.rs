//! `--schema-location`: folders, files and kubeconform-style path templates.
//!
//! A location is one of
//! - a **template**, any path holding `{{ … }}`: the variables are those of
//!   kubeconform (`ResourceKind`, `ResourceAPIVersion`, `Group`,
//!   `KindSuffix`, `NormalizedKubernetesVersion`, `StrictSuffix`), with the
//!   same values, so existing schema folders work unchanged;
//! - a **folder**: tried with kubeconform's default layout
//!   (`{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`),
//!   then flat (`{{ .ResourceKind }}{{ .KindSuffix }}.json`), then the
//!   CRDs-catalog layout (`{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`);
//! - a **file** (`*.json`): the schema of every resource that has no other
//!   schema, unless the file declares its kind (`x-kubernetes-group-version-kind`
//!   or a `kind` enum) and the resource is of another kind.
//!
//! URLs are refused: plimsoll never uses the network.

use std::path::PathBuf;

/// A parsed `--schema-location`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    /// Paths built from the resource's identity.
    Templates(Vec<Template>),
    /// One schema file for resources that have no other schema.
    File(PathBuf),
}

/// A path template: literal text and variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template(Vec<Part>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variable {
    ResourceKind,
    ResourceApiVersion,
    Group,
    KindSuffix,
    NormalizedKubernetesVersion,
    StrictSuffix,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Variable(Variable),
}

/// What a template is filled with.
pub(crate) struct Fill<'a> {
    /// The resource's `apiVersion`.
    pub api_version: &'a str,
    /// The resource's `kind`.
    pub kind: &'a str,
    /// The Kubernetes version.
    pub kubernetes_version: (u32, u32),
}

impl Location {
    /// Parses a location as given on the command line.
    pub(crate) fn parse(text: &str) -> Result<Location, String> {
        if text.contains("://") {
            return Err(format!(
                "schema location `{text}` is a URL; plimsoll never uses the network: download the schemas and give their folder"
            ));
        }
        if text.contains("{{") {
            return Ok(Location::Templates(vec![Template::parse(text)?]));
        }
        if text.ends_with(".json") {
            return Ok(Location::File(PathBuf::from(text)));
        }
        let folder = text.trim_end_matches('/');
        let layouts = [
            "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json",
            "{{ .ResourceKind }}{{ .KindSuffix }}.json",
            "{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json",
        ];
        let templates = layouts
            .iter()
            .map(|layout| Template::parse(&format!("{folder}/{layout}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Location::Templates(templates))
    }
}

impl Template {
    fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            let (literal, after) = rest.split_at(open);
            if !literal.is_empty() {
                parts.push(Part::Text(literal.to_owned()));
            }
            let after = after.get(2..).unwrap_or_default();
            let close = after
                .find("}}")
                .ok_or_else(|| format!("schema location `{text}`: `{{{{` without `}}}}`"))?;
            let name = after.get(..close).unwrap_or_default().trim();
            let variable = match name.trim_start_matches('.') {
                "ResourceKind" => Variable::ResourceKind,
                "ResourceAPIVersion" => Variable::ResourceApiVersion,
                "Group" => Variable::Group,
                "KindSuffix" => Variable::KindSuffix,
                "NormalizedKubernetesVersion" => Variable::NormalizedKubernetesVersion,
                "StrictSuffix" => Variable::StrictSuffix,
                _ => return Err(format!(
                    "schema location `{text}`: unknown variable `{name}` (known: .ResourceKind, .ResourceAPIVersion, .Group, .KindSuffix, .NormalizedKubernetesVersion, .StrictSuffix)"
                )),
            };
            parts.push(Part::Variable(variable));
            rest = after.get(close + 2..).unwrap_or_default();
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        Ok(Template(parts))
    }

    /// The path for a resource, with kubeconform's values for each variable.
    pub(crate) fn fill(&self, fill: &Fill<'_>) -> PathBuf {
        let (group, version) = match fill.api_version.split_once('/') {
            Some((group, version)) => (group, version),
            None => (fill.api_version, fill.api_version),
        };
        let first_label = group.split('.').next().unwrap_or_default().to_lowercase();
        let kind_suffix = if fill.api_version.contains('/') {
            format!("-{first_label}-{}", version.to_lowercase())
        } else {
            format!("-{first_label}")
        };
        let mut path = String::new();
        for part in &self.0 {
            match part {
                Part::Text(text) => path.push_str(text),
                Part::Variable(Variable::ResourceKind) => path.push_str(&fill.kind.to_lowercase()),
                Part::Variable(Variable::ResourceApiVersion) => path.push_str(version),
                Part::Variable(Variable::Group) => path.push_str(group),
                Part::Variable(Variable::KindSuffix) => path.push_str(&kind_suffix),
                Part::Variable(Variable::NormalizedKubernetesVersion) => path.push_str(&format!(
                    "v{}.{}.0",
                    fill.kubernetes_version.0, fill.kubernetes_version.1
                )),
                Part::Variable(Variable::StrictSuffix) => path.push_str("-strict"),
            }
        }
        PathBuf::from(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(location: &str, api_version: &str, kind: &str) -> Vec<String> {
        let Location::Templates(templates) = Location::parse(location).unwrap() else {
            panic!("not a template");
        };
        let fill = Fill {
            api_version,
            kind,
            kubernetes_version: (1, 31),
        };
        templates
            .iter()
            .map(|t| t.fill(&fill).to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn templates_fill_as_kubeconform_does() {
        assert_eq!(
            paths(
                "s/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json",
                "apps/v1",
                "Deployment"
            ),
            ["s/v1.31.0-standalone-strict/deployment-apps-v1.json"]
        );
        assert_eq!(
            paths("s/{{.ResourceKind}}{{.KindSuffix}}.json", "v1", "Service"),
            ["s/service-v1.json"]
        );
        assert_eq!(
            paths(
                "c/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json",
                "networking.k8s.io/v1",
                "Ingress"
            ),
            ["c/networking.k8s.io/ingress_v1.json"]
        );
        assert_eq!(
            paths(
                "r/{{ .ResourceKind }}{{ .KindSuffix }}.json",
                "sagemaker.aws.amazon.com/v1",
                "TrainingJob"
            ),
            ["r/trainingjob-sagemaker-v1.json"]
        );
    }

    #[test]
    fn folders_try_three_layouts_and_files_and_urls_are_told_apart() {
        assert_eq!(paths("dir/", "v1", "Pod").len(), 3);
        assert_eq!(
            Location::parse("x/schema.json").unwrap(),
            Location::File(PathBuf::from("x/schema.json"))
        );
        assert!(
            Location::parse("https://example.com/{{ .ResourceKind }}.json")
                .unwrap_err()
                .contains("network")
        );
        assert!(Location::parse("x/{{ .Nope }}.json")
            .unwrap_err()
            .contains("unknown variable"));
        assert!(Location::parse("x/{{ .Group")
            .unwrap_err()
            .contains("without"));
    }
}
