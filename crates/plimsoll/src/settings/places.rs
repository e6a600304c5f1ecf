//! Where each key of the config file is written: what a finding's
//! "configured here" label points at.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::source::Span;

/// Where each key of the config file is written, with the file's lines, so
/// that a finding can point at the setting it enforces ("replicas.min
/// configured here"). Keys are written as the config's error messages name
/// them: `environments[2].replicas.min`, `images.requireDigest`.
#[derive(Debug, Clone, Default)]
pub struct ConfigPlaces {
    spans: BTreeMap<String, Span>,
    text: Arc<str>,
}

impl ConfigPlaces {
    /// Where `key` (its key and value) is written, if the file writes it.
    pub fn span(&self, key: &str) -> Option<Span> {
        self.spans.get(key).copied()
    }

    /// The text of a line of the config file (1-based), without its break.
    pub fn line(&self, line: u32) -> Option<&str> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        self.text.lines().nth(index)
    }
}

impl ConfigPlaces {
    /// The places of a config file's keys, with its text.
    pub(crate) fn new(spans: BTreeMap<String, Span>, text: &str) -> ConfigPlaces {
        ConfigPlaces {
            spans,
            text: text.into(),
        }
    }
}
