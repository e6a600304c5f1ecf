//! Scalars of `.plimsoll.yaml` that must be more than a string: a
//! Kubernetes version, a quantity, a naming pattern, a `key=value` label.
//! Each is read with [`recover`], so a wrong one is noted and reading goes
//! on; the config's types keep plain strings. Every check runs inside a
//! serde visitor: an error made there reaches the config reader while it
//! still knows the value's place, and is noted with it.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer};
use serde::Deserialize;

use super::recover::recover;

/// `kubernetesVersion`: `"1.31"`, `"1.31.0"` or `"v1.31"`, as a string.
pub(crate) fn kubernetes_version<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(recover::<D, Option<Version>>(deserializer)?.map(|version| version.0))
}

/// An optional name pattern that must place `{env}`.
pub(crate) fn namespace_pattern<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(recover::<D, Option<CheckedText<PlacesEnv>>>(deserializer)?.map(|pattern| pattern.0))
}

/// An optional `key=value` label.
pub(crate) fn label<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(recover::<D, Option<CheckedText<KeyValue>>>(deserializer)?.map(|label| label.0))
}

/// An optional quantity (`100m`, `64Mi`, or a bare number such as `cpu: 1`),
/// kept as written.
pub(crate) fn quantity<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(recover::<D, Option<Quantity>>(deserializer)?.map(|quantity| quantity.0))
}

/// An environment's name, which cannot be empty.
pub(crate) fn name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    deserializer.deserialize_str(Checked(|name| {
        if name.is_empty() {
            Err("every environment needs a name".to_owned())
        } else {
            Ok(())
        }
    }))
}

/// A string that passes a check. The check runs inside the visitor, where
/// the config reader still knows the value's place.
struct Checked(fn(&str) -> Result<(), String>);

impl de::Visitor<'_> for Checked {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<String, E> {
        (self.0)(text).map_err(E::custom)?;
        Ok(text.to_owned())
    }
}

/// Parses `1.31`, `1.31.0` or `v1.31` into (major, minor).
pub fn parse_kubernetes_version(text: &str) -> Option<(u32, u32)> {
    let text = text.strip_prefix('v').unwrap_or(text);
    let mut parts = text.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    if let Some(patch) = parts.next() {
        patch.parse::<u32>().ok()?;
    }
    parts.next().is_none().then_some((major, minor))
}

struct Version(String);

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Shape;
        impl de::Visitor<'_> for Shape {
            type Value = Version;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a version string such as \"1.31\"")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Version, E> {
                match parse_kubernetes_version(text) {
                    Some(_) => Ok(Version(text.to_owned())),
                    None => Err(E::custom(format!(
                        "expected a version such as \"1.31\" or \"1.31.0\", got \"{text}\""
                    ))),
                }
            }

            // A bare 1.30 is the number 1.3: say so rather than read it.
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Version, E> {
                Err(E::custom(
                    "write the version as a string, e.g. \"1.31\" (a bare 1.30 reads as the number 1.3)",
                ))
            }

            fn visit_i64<E: de::Error>(self, number: i64) -> Result<Version, E> {
                self.visit_f64(number as f64)
            }
        }
        deserializer.deserialize_any(Shape)
    }
}

/// A string a check accepts, read as one value (what [`recover`] needs).
struct CheckedText<C>(String, PhantomData<C>);

/// What a [`CheckedText`] must be.
trait TextCheck {
    fn check(text: &str) -> Result<(), String>;
}

impl<'de, C: TextCheck> Deserialize<'de> for CheckedText<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_str(Checked(C::check))
            .map(|text| CheckedText(text, PhantomData))
    }
}

/// A name pattern that places `{env}`.
struct PlacesEnv;

impl TextCheck for PlacesEnv {
    fn check(pattern: &str) -> Result<(), String> {
        if pattern.contains("{env}") {
            Ok(())
        } else {
            Err(format!("the pattern \"{pattern}\" must contain {{env}}"))
        }
    }
}

/// A `key=value` label.
struct KeyValue;

impl TextCheck for KeyValue {
    fn check(label: &str) -> Result<(), String> {
        if label.contains('=') {
            Ok(())
        } else {
            Err(format!("expected `key=value`, got \"{label}\""))
        }
    }
}

struct Quantity(String);

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Shape;
        impl de::Visitor<'_> for Shape {
            type Value = Quantity;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quantity such as 100m or 64Mi")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Quantity, E> {
                crate::model::Quantity::parse(text).map_err(E::custom)?;
                Ok(Quantity(text.to_owned()))
            }

            fn visit_i64<E: de::Error>(self, number: i64) -> Result<Quantity, E> {
                self.visit_str(&number.to_string())
            }

            fn visit_f64<E: de::Error>(self, number: f64) -> Result<Quantity, E> {
                self.visit_str(&number.to_string())
            }
        }
        deserializer.deserialize_any(Shape)
    }
}
