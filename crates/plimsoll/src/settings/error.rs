//! A configuration mistake, with the file, line and key it is at.

use std::path::PathBuf;

/// A configuration mistake, with where it is — and the file's other
/// mistakes found in the same read, so that one run shows them all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.lines())]
pub struct ConfigError {
    /// The config or policy file.
    pub file: PathBuf,
    /// 1-based line (1 when the file could not be read at all).
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// The dotted key path (`environments[1].promotesTo`), or empty.
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// The file's other mistakes, in file order (empty for most errors).
    pub more: Vec<ConfigError>,
}

impl ConfigError {
    /// `file:line:column: key: message`, one line per mistake.
    fn lines(&self) -> String {
        std::iter::once(self)
            .chain(&self.more)
            .map(|error| {
                let key = if error.key.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", error.key)
                };
                format!(
                    "{}:{}:{}: {key}{}",
                    error.file.display(),
                    error.line,
                    error.column,
                    error.message
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}
