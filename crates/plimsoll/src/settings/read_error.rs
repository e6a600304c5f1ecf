//! The mistakes the config reader finds, and how they are worded.

use std::fmt;

use serde::de;

/// What went wrong while reading a value. It becomes a `ConfigError`
/// (noted in the reading) where the reader knows the value's place.
#[derive(Debug)]
pub(crate) struct ReadError {
    pub(crate) problem: Problem,
    /// Whether the mistake is already among the reading's notes.
    pub(crate) noted: bool,
}

#[derive(Debug)]
pub(crate) enum Problem {
    /// The value has the wrong type; the reader says what it got.
    Expected(String),
    /// A key that a mapping needs is not written.
    Missing(&'static str),
    /// A key the mapping does not have.
    Unknown {
        key: String,
        expected: &'static [&'static str],
    },
    /// Anything else, said in full.
    Message(String),
}

impl ReadError {
    pub(crate) fn expected(what: impl Into<String>) -> ReadError {
        ReadError {
            problem: Problem::Expected(what.into()),
            noted: false,
        }
    }

    pub(crate) fn message(text: impl Into<String>) -> ReadError {
        ReadError {
            problem: Problem::Message(text.into()),
            noted: false,
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            Problem::Expected(what) => write!(f, "expected {what}"),
            Problem::Missing(key) => write!(f, "missing required key `{key}`"),
            Problem::Unknown { key, expected } => f.write_str(&unknown_key(key, expected)),
            Problem::Message(text) => f.write_str(text),
        }
    }
}

impl std::error::Error for ReadError {}

impl de::Error for ReadError {
    fn custom<T: fmt::Display>(message: T) -> ReadError {
        ReadError::message(message.to_string())
    }

    fn invalid_type(_: de::Unexpected<'_>, expected: &dyn de::Expected) -> ReadError {
        ReadError::expected(expected.to_string())
    }

    fn invalid_value(_: de::Unexpected<'_>, expected: &dyn de::Expected) -> ReadError {
        ReadError::expected(expected.to_string())
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> ReadError {
        ReadError::message(format!("expected {}, got \"{variant}\"", one_of(expected)))
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> ReadError {
        ReadError {
            problem: Problem::Unknown {
                key: field.to_owned(),
                expected,
            },
            noted: false,
        }
    }

    fn missing_field(field: &'static str) -> ReadError {
        ReadError {
            problem: Problem::Missing(field),
            noted: false,
        }
    }
}

/// `` `a`, `b` or `c` ``.
pub(crate) fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match quoted.split_last() {
        None => "nothing".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

pub(crate) fn unknown_key(key: &str, expected: &[&str]) -> String {
    let mut message = format!("unknown key `{key}`");
    if let Some(suggestion) = closest(key, expected) {
        message.push_str(&format!(" (did you mean `{suggestion}`?)"));
    }
    message.push_str(&format!("; expected one of: {}", expected.join(", ")));
    message
}

/// The allowed key nearest to a misspelt one, if any is close.
fn closest<'k>(key: &str, allowed: &[&'k str]) -> Option<&'k str> {
    allowed
        .iter()
        .map(|candidate| {
            (
                edit_distance(&key.to_lowercase(), &candidate.to_lowercase()),
                *candidate,
            )
        })
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 4))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance, for "did you mean" hints.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b_chars: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b_chars.len()).collect();
    for (i, a_char) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, b_char) in b_chars.iter().enumerate() {
            let substitute = previous.get(j).copied().unwrap_or(0) + usize::from(a_char != *b_char);
            let delete = previous.get(j + 1).copied().unwrap_or(0) + 1;
            let insert = current.get(j).copied().unwrap_or(0) + 1;
            current.push(substitute.min(delete).min(insert));
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(0)
}
