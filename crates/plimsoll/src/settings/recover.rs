//! Reading on past a mistake: a field whose value is wrong keeps its
//! default, so that the rest of the file is read and every mistake is
//! reported at once.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess};
use serde::Deserialize;

/// The name under which [`recover`] asks a deserializer whether it notes
/// its mistakes.
pub(crate) const RECOVERING: &str = "plimsoll::config::recovering";

/// Reads a field so that a mistake in it does not stop the reading of the
/// rest of the file: the config reader has noted the mistake, and the field
/// keeps its default. Any other deserializer sees a plain newtype and gets
/// the field's error back as usual (so `serde_json::from_str::<Config>`
/// fails as it should).
pub(crate) fn recover<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    deserializer.deserialize_newtype_struct(RECOVERING, Recovering(PhantomData))
}

struct Recovering<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de> + Default> de::Visitor<'de> for Recovering<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a config value")
    }

    /// Any deserializer: the value, or its error.
    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        T::deserialize(deserializer)
    }

    /// The config reader, which has noted the mistake: the default.
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        Ok(T::deserialize(deserializer).unwrap_or_default())
    }
}

/// Reads a mapping whose values are each read with [`recover`], so that a
/// mistake in one entry (one rule's setting) leaves the others read.
pub(crate) fn recover_entries<'de, D, T>(deserializer: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(recover::<D, RecoveredEntries<T>>(deserializer)?.0)
}

struct RecoveredEntries<T>(BTreeMap<String, T>);

impl<T> Default for RecoveredEntries<T> {
    fn default() -> Self {
        RecoveredEntries(BTreeMap::new())
    }
}

impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for RecoveredEntries<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}

struct EntriesVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de> + Default> de::Visitor<'de> for EntriesVisitor<T> {
    type Value = RecoveredEntries<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(RecoveredSeed(PhantomData))?;
            entries.insert(key, value);
        }
        Ok(RecoveredEntries(entries))
    }
}

struct RecoveredSeed<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de> + Default> DeserializeSeed<'de> for RecoveredSeed<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        recover(deserializer)
    }
}
