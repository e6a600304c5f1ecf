//! The sections of `.plimsoll.yaml` besides `environments`: the options of
//! the rules that encode a convention, and the per-rule settings.
//!
//! Each type is read by serde (see `reader.rs`) and described by schemars;
//! the doc comments are the descriptions of the generated JSON schema.

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, MapAccess, SeqAccess};
use serde::{Deserialize, Deserializer};

use super::recover::recover;
use super::values;
use crate::finding::Severity;
use crate::source::Span;

/// Resource and namespace name patterns (`naming-convention`), with
/// `{service}`, `{env}` and `{project}` placeholders.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Naming {
    /// Resource name pattern, e.g. "{service}-{env}" or "{env}-{service}";
    /// "{service}-{env}" when unset. It may leave out {env}: the same names
    /// in every environment, one cluster per environment.
    #[serde(default, deserialize_with = "recover")]
    pub resource: Option<String>,
    /// Namespace name pattern, e.g. "{project}-{env}"; not checked when
    /// unset.
    #[serde(default, deserialize_with = "values::namespace_pattern")]
    #[schemars(regex(pattern = r"\{env\}"))]
    pub namespace: Option<String>,
}

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

/// A registry and the pull secret its images need.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PullSecret {
    /// Registry host or prefix.
    pub registry: String,
    /// Name of the image pull secret.
    pub secret: String,
}

/// Secrets provided outside the repository (`secret-reference`,
/// `external-secret`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    /// Secret names provided outside the repository.
    #[serde(default, deserialize_with = "recover")]
    pub external: Vec<String>,
    /// Known (Cluster)SecretStores.
    #[serde(default, deserialize_with = "recover")]
    pub stores: Vec<String>,
}

/// NetworkPolicy expectations (`namespace-network-policy`,
/// `network-policy-dns`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NetworkPolicyConfig {
    /// `key=value` label of namespaces allowed to send ingress traffic.
    #[serde(default, deserialize_with = "values::label")]
    #[schemars(regex(pattern = "="))]
    pub ingress_namespace_label: Option<String>,
    /// Whether the default policy must allow DNS egress (default true).
    #[serde(default, deserialize_with = "recover")]
    pub require_dns_egress: Option<bool>,
}

/// A level of the Kubernetes Pod Security Standards that `pod-security`
/// holds pods to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PodSecurityLevel {
    /// Blocks the known privilege escalations (host namespaces, privileged,
    /// hostPath, dangerous capabilities, …).
    Baseline,
    /// Baseline plus current hardening practice (non-root, no privilege
    /// escalation, seccomp, `drop: [ALL]`, restricted volume types).
    #[default]
    Restricted,
}

/// Database migration jobs (`sync-wave`, `migration-hook`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Migrations {
    /// Migrations that must run in strictly increasing sync waves.
    #[serde(default, deserialize_with = "recover")]
    pub wave_order: Vec<String>,
    /// Largest `backoffLimit` a migration Job may have.
    #[serde(default, deserialize_with = "recover")]
    pub max_backoff_limit: Option<i64>,
}

/// CODEOWNERS protection (`codeowners`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Codeowners {
    /// Paths that must have an owner.
    #[serde(default, deserialize_with = "recover")]
    pub protect: Vec<String>,
}

/// A rule's entry under `rules:`: a severity (`error`, `warning`, `info`),
/// `off` (or `false`), or `{severity, environments}`.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSetting {
    /// Whether the rule runs.
    pub enabled: bool,
    /// Severity override.
    pub severity: Option<Severity>,
    /// Environments the rule is limited to (empty: all).
    pub environments: Vec<String>,
    /// Where the rule's entry is written in the config file.
    pub span: Span,
}

impl Default for RuleSetting {
    fn default() -> Self {
        RuleSetting {
            enabled: true,
            severity: None,
            environments: Vec::new(),
            span: Span::default(),
        }
    }
}

impl RuleSetting {
    /// Applies a severity as written: `off` (or YAML 1.1's `off`, read as
    /// false) turns the rule off.
    fn set_severity(&mut self, written: SeverityText) {
        match written {
            SeverityText::Off => self.enabled = false,
            SeverityText::Level(severity) => self.severity = Some(severity),
        }
    }
}

impl<'de> Deserialize<'de> for RuleSetting {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Shape;
        impl<'de> de::Visitor<'de> for Shape {
            type Value = RuleSetting;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a severity (error, warning, info), off, or {severity, environments}")
            }

            fn visit_bool<E: de::Error>(self, enabled: bool) -> Result<RuleSetting, E> {
                Ok(RuleSetting {
                    enabled,
                    ..RuleSetting::default()
                })
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<RuleSetting, E> {
                let mut setting = RuleSetting::default();
                setting.set_severity(SeverityText::parse(text)?);
                Ok(setting)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RuleSetting, A::Error> {
                let detail = RuleDetail::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let mut setting = RuleSetting {
                    environments: detail.environments,
                    ..RuleSetting::default()
                };
                if let Some(severity) = detail.severity {
                    setting.set_severity(severity);
                }
                Ok(setting)
            }
        }
        deserializer.deserialize_any(Shape)
    }
}

impl JsonSchema for RuleSetting {
    fn schema_name() -> Cow<'static, str> {
        "RuleSetting".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let detail = generator.subschema_for::<RuleDetail>();
        json_schema!({
            "description": "A severity (error, warning, info), off (or false), or {severity, environments}.",
            "oneOf": [
                {"type": "boolean"},
                {"enum": ["error", "warning", "info", "off"]},
                detail
            ]
        })
    }
}

/// The long form of a rule's entry.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RuleDetail {
    /// Severity override, or off.
    #[serde(default, deserialize_with = "recover")]
    severity: Option<SeverityText>,
    /// Environments the rule is limited to (empty: all).
    #[serde(default, deserialize_with = "recover")]
    environments: Vec<String>,
}

/// A severity as written in `rules:`; `off` and `false` turn a rule off.
enum SeverityText {
    Off,
    Level(Severity),
}

impl SeverityText {
    fn parse<E: de::Error>(text: &str) -> Result<SeverityText, E> {
        if text == "off" {
            return Ok(SeverityText::Off);
        }
        Severity::parse(text)
            .map(SeverityText::Level)
            .ok_or_else(|| {
                E::custom(format!(
                    "expected error, warning, info or off, got \"{text}\""
                ))
            })
    }
}

impl<'de> Deserialize<'de> for SeverityText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Shape;
        impl de::Visitor<'_> for Shape {
            type Value = SeverityText;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("error, warning, info or off")
            }

            fn visit_bool<E: de::Error>(self, enabled: bool) -> Result<SeverityText, E> {
                if enabled {
                    Err(E::custom("expected error, warning, info or off, got true"))
                } else {
                    Ok(SeverityText::Off)
                }
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<SeverityText, E> {
                SeverityText::parse(text)
            }
        }
        deserializer.deserialize_any(Shape)
    }
}

impl JsonSchema for SeverityText {
    fn schema_name() -> Cow<'static, str> {
        "SeverityText".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "oneOf": [
                {"enum": ["error", "warning", "info", "off"]},
                {"const": false}
            ]
        })
    }
}
