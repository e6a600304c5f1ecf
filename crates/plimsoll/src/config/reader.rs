//! A serde deserializer over the spanned YAML tree of `.plimsoll.yaml`.
//!
//! The config's types derive `Deserialize`; this reader walks the tree they
//! are read from, so that every mistake keeps the line and column of its
//! value and the dotted key that leads to it (`environments[1].promotesTo`).
//! Mistakes are noted as they are found and reading goes on past them
//! (`recover.rs`), so that one run reports every mistake of the file: each
//! unknown key with the nearest known one, and each wrong value.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess};
use serde::Deserialize;

use super::ConfigError;
use crate::settings::read_error::{one_of, unknown_key, Problem, ReadError};
use crate::settings::recover::RECOVERING;
use crate::source::{SourceLines, Span, TextRange};
use crate::yaml::{Entry, Node, Value};

/// One read of a config file: where each key is written, and the mistakes
/// found so far.
pub(super) struct Reading<'a> {
    file: &'a Path,
    lines: SourceLines<'a>,
    /// Each key read → its entry (`min: 3`; the key alone for a collection,
    /// whose span may run over lines and comments).
    entries: RefCell<BTreeMap<String, Span>>,
    /// Each key and list item read → its value.
    values: RefCell<BTreeMap<String, Span>>,
    mistakes: RefCell<Vec<ConfigError>>,
}

impl<'a> Reading<'a> {
    pub(super) fn new(file: &'a Path, text: &'a str) -> Reading<'a> {
        Reading {
            file,
            lines: SourceLines::new(text),
            entries: RefCell::default(),
            values: RefCell::default(),
            mistakes: RefCell::default(),
        }
    }

    /// Reads `node` as a `T`; whatever could not be read is noted and left
    /// at its default.
    pub(super) fn read<T: for<'de> Deserialize<'de> + Default>(&self, node: &Node) -> T {
        let reader = NodeReader {
            reading: self,
            node,
            key: String::new(),
        };
        T::deserialize(reader).unwrap_or_default()
    }

    /// Where a range of the file is, in lines and columns.
    pub(super) fn span(&self, range: TextRange) -> Span {
        self.lines.span(range)
    }

    /// Notes a mistake at `span`.
    pub(super) fn note(&self, span: Span, key: &str, message: impl Into<String>) {
        self.mistakes
            .borrow_mut()
            .push(self.mistake(span, key, message));
    }

    /// Notes a mistake found after reading.
    pub(super) fn note_error(&self, mistake: ConfigError) {
        self.mistakes.borrow_mut().push(mistake);
    }

    /// A mistake at `span`, not noted.
    pub(super) fn mistake(&self, span: Span, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: self.file.to_path_buf(),
            line: span.start.line,
            column: span.start.column,
            key: key.to_owned(),
            message: message.into(),
            more: Vec::new(),
        }
    }

    /// Where the value of `key` is written, if the file writes it.
    pub(super) fn value_span(&self, key: &str) -> Option<Span> {
        self.values.borrow().get(key).copied()
    }

    /// Where each key is written, once reading is done.
    pub(super) fn take_entries(&self) -> BTreeMap<String, Span> {
        self.entries.take()
    }

    /// The mistakes noted, in file order.
    pub(super) fn take_mistakes(&self) -> Vec<ConfigError> {
        let mut mistakes = self.mistakes.take();
        mistakes.sort_by_key(|mistake| (mistake.line, mistake.column));
        mistakes
    }

    fn remember(&self, key: &str, entry: &Entry) {
        let is_collection = entry.value.as_map().is_some() || entry.value.as_seq().is_some();
        let end = if is_collection {
            entry.key_span.end
        } else {
            entry.value.span.end.max(entry.key_span.end)
        };
        let place = TextRange {
            start: entry.key_span.start,
            end,
        };
        self.entries
            .borrow_mut()
            .insert(key.to_owned(), self.span(place));
        self.values
            .borrow_mut()
            .insert(key.to_owned(), self.span(entry.value.span));
    }
}

/// A value of the tree as it is described in messages.
fn describe(node: &Node) -> String {
    match &node.value {
        Value::String(text) => format!("string \"{text}\""),
        Value::Int(number) => format!("integer {number}"),
        Value::Float(number) => format!("number {number}"),
        Value::Bool(flag) => format!("boolean {flag}"),
        other => other.type_name().to_owned(),
    }
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// Reads one node of the tree; `key` is the dotted path that leads to it.
struct NodeReader<'r, 'n> {
    reading: &'r Reading<'r>,
    node: &'n Node,
    key: String,
}

impl<'r, 'n> NodeReader<'r, 'n> {
    /// Notes `error` at this node — or, for a key of this mapping, at the
    /// key — unless a node below noted it already.
    fn note(&self, error: ReadError) -> ReadError {
        if error.noted {
            return error;
        }
        let here = self.reading.span(self.node.span);
        let (span, key, message) = match &error.problem {
            Problem::Expected(what) => (
                here,
                self.key.clone(),
                format!("expected {what}, got {}", describe(self.node)),
            ),
            Problem::Missing(field) => (here, join(&self.key, field), error.to_string()),
            Problem::Unknown { key, .. } => {
                let at = self
                    .node
                    .entry(key)
                    .map_or(here, |entry| self.reading.span(entry.key_span));
                (at, join(&self.key, key), error.to_string())
            }
            Problem::Message(text) => (here, self.key.clone(), text.clone()),
        };
        self.reading.note(span, &key, message);
        ReadError {
            noted: true,
            ..error
        }
    }

    fn wrong_type<T>(&self, expected: &str) -> Result<T, ReadError> {
        Err(self.note(ReadError::expected(expected)))
    }

    fn entries(&self, fields: Option<&'static [&'static str]>) -> Option<Entries<'r, 'n>> {
        let entries = self.node.as_map()?;
        Some(Entries {
            reading: self.reading,
            key: self.key.clone(),
            entries: entries.iter(),
            fields,
            value: None,
        })
    }

    fn items(&self) -> Option<Items<'r, 'n>> {
        let items = self.node.as_seq()?;
        Some(Items {
            reading: self.reading,
            key: self.key.clone(),
            items: items.iter().enumerate(),
        })
    }
}

impl<'de> Deserializer<'de> for NodeReader<'_, '_> {
    type Error = ReadError;

    fn deserialize_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        let result = match &self.node.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(flag) => visitor.visit_bool(*flag),
            Value::Int(number) => visitor.visit_i64(*number),
            Value::Float(number) => visitor.visit_f64(*number),
            Value::String(text) => visitor.visit_str(text),
            Value::Seq(_) => match self.items() {
                Some(items) => visitor.visit_seq(items),
                None => return self.wrong_type("a list"),
            },
            Value::Map(_) => match self.entries(None) {
                Some(entries) => visitor.visit_map(entries),
                None => return self.wrong_type("a mapping"),
            },
        };
        result.map_err(|error| self.note(error))
    }

    fn deserialize_bool<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.node.as_bool() {
            Some(flag) => visitor.visit_bool(flag).map_err(|error| self.note(error)),
            None => self.wrong_type("true or false"),
        }
    }

    fn deserialize_i64<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.node.as_i64() {
            Some(number) => visitor.visit_i64(number).map_err(|error| self.note(error)),
            None => self.wrong_type("an integer"),
        }
    }

    fn deserialize_u32<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.node.as_i64() {
            Some(number) => match u64::try_from(number) {
                Ok(count) => visitor.visit_u64(count).map_err(|error| self.note(error)),
                Err(_) => Err(self.note(ReadError::message(format!(
                    "expected a count of 0 or more, got {number}"
                )))),
            },
            None => self.wrong_type("an integer"),
        }
    }

    fn deserialize_str<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.node.as_str() {
            Some(text) => visitor.visit_str(text).map_err(|error| self.note(error)),
            None => self.wrong_type("a string"),
        }
    }

    fn deserialize_string<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.node.value {
            Value::Null => visitor.visit_none(),
            _ => {
                let here = self.node;
                let key = self.key.clone();
                let reading = self.reading;
                visitor.visit_some(self).map_err(|error| {
                    NodeReader {
                        reading,
                        node: here,
                        key,
                    }
                    .note(error)
                })
            }
        }
    }

    fn deserialize_seq<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.items() {
            Some(items) => visitor.visit_seq(items).map_err(|error| self.note(error)),
            None => self.wrong_type("a list"),
        }
    }

    fn deserialize_map<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.entries(None) {
            Some(entries) => visitor.visit_map(entries).map_err(|error| self.note(error)),
            None => self.wrong_type("a mapping"),
        }
    }

    fn deserialize_struct<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        match self.entries(Some(fields)) {
            Some(entries) => visitor.visit_map(entries).map_err(|error| self.note(error)),
            None => self.wrong_type("a mapping"),
        }
    }

    fn deserialize_enum<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        match self.node.as_str() {
            Some(text) => {
                let variant: de::value::StrDeserializer<'_, ReadError> = text.into_deserializer();
                visitor
                    .visit_enum(variant)
                    .map_err(|error| self.note(error))
            }
            None => self.wrong_type(&one_of(variants)),
        }
    }

    fn deserialize_newtype_struct<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        if name == RECOVERING {
            visitor.visit_some(self)
        } else {
            visitor.visit_newtype_struct(self)
        }
    }

    fn deserialize_identifier<V: de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u64 u128 f32 f64 char bytes byte_buf unit
        unit_struct tuple tuple_struct
    }
}

/// The entries of a mapping. Reading a struct, keys it does not have are
/// noted (with the nearest known key) and skipped, so that the struct reads
/// its own keys and every unknown key is reported.
struct Entries<'r, 'n> {
    reading: &'r Reading<'r>,
    key: String,
    entries: std::slice::Iter<'n, Entry>,
    fields: Option<&'static [&'static str]>,
    value: Option<&'n Entry>,
}

impl<'de> MapAccess<'de> for Entries<'_, '_> {
    type Error = ReadError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ReadError> {
        for entry in self.entries.by_ref() {
            let key = join(&self.key, &entry.key);
            self.reading.remember(&key, entry);
            if let Some(fields) = self.fields {
                if !fields.contains(&entry.key.as_str()) {
                    let span = self.reading.span(entry.key_span);
                    self.reading
                        .note(span, &key, unknown_key(&entry.key, fields));
                    continue;
                }
            }
            self.value = Some(entry);
            let name: de::value::StrDeserializer<'_, ReadError> =
                entry.key.as_str().into_deserializer();
            return seed.deserialize(name).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, ReadError> {
        let Some(entry) = self.value.take() else {
            return Err(ReadError::message("a value was read before its key"));
        };
        seed.deserialize(NodeReader {
            reading: self.reading,
            node: &entry.value,
            key: join(&self.key, &entry.key),
        })
    }
}

/// The items of a list, each read at `key[index]`.
struct Items<'r, 'n> {
    reading: &'r Reading<'r>,
    key: String,
    items: std::iter::Enumerate<std::slice::Iter<'n, Node>>,
}

impl<'de> SeqAccess<'de> for Items<'_, '_> {
    type Error = ReadError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ReadError> {
        let Some((at, node)) = self.items.next() else {
            return Ok(None);
        };
        let key = format!("{}[{at}]", self.key);
        self.reading
            .values
            .borrow_mut()
            .insert(key.clone(), self.reading.span(node.span));
        seed.deserialize(NodeReader {
            reading: self.reading,
            node,
            key,
        })
        .map(Some)
    }
}
