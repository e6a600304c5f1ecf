//! `rules:`: each rule's severity, `off`, or the environments it is
//! limited to. (The sections of one rule's options are typed beside that
//! rule, in `crate::rules`.)
//!
//! Read by serde (see `reader.rs`) and described by schemars; the doc
//! comments are the descriptions of the generated JSON schema.

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, MapAccess};
use serde::{Deserialize, Deserializer};

use crate::finding::Severity;
use crate::settings::recover::recover;
use crate::source::Span;

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
