//! Safe fixes (`check --fix`): edits to the text of a file that change only
//! the values a finding is about, keeping comments, quoting and layout.
//!
//! A rule offers a fix as values to set at JSON pointers of its object
//! ([`Fix::set`]), not as text: the text edits are worked out when the fix
//! is applied, from the file as it is then, so several fixes to one file
//! apply one after the other, each to the text the previous one left.
//!
//! Setting a value that is written replaces the scalar (inside its quotes,
//! when quoted). Setting a value that is missing inserts it, and the
//! mappings missing on the way, as block YAML below the deepest mapping
//! that exists, indented like that mapping's keys. A fix that would have to
//! edit a flow collection (`{…}`, `[…]`), a multi-line value, or a list
//! item that does not exist is not applied.

use crate::yaml::{parse_stream, Limits, Node, Value};

/// A safe fix a rule offers for one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What it does, for people: "set allowPrivilegeEscalation: false".
    pub description: String,
    /// The values to set: a JSON pointer into the document and the value
    /// as YAML text (a scalar: `false`, `Never`, `"prod"`).
    pub set: Vec<(String, String)>,
}

impl Fix {
    /// A fix that sets the value at `pointer` (from the object's root) to
    /// the YAML scalar `yaml`.
    pub fn set(
        description: impl Into<String>,
        pointer: impl Into<String>,
        yaml: impl Into<String>,
    ) -> Fix {
        Fix {
            description: description.into(),
            set: vec![(pointer.into(), yaml.into())],
        }
    }

    /// The same fix with its pointers moved under `prefix` (an item of a
    /// `List`: `/items/3`).
    pub(crate) fn under(mut self, prefix: &str) -> Fix {
        if !prefix.is_empty() {
            for (pointer, _) in &mut self.set {
                *pointer = format!("{prefix}{pointer}");
            }
        }
        self
    }
}

/// Why a fix was not applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FixError {
    /// The document is not in the file any more, or does not parse.
    #[error("the document changed since it was checked")]
    DocumentGone,
    /// The value sits in a form the fixer does not edit.
    #[error("{0}")]
    Unsupported(String),
}

/// `text` as a plain scalar when YAML reads it back as that string, else
/// double-quoted: for keys, and for label and annotation values, which are
/// strings.
pub fn yaml_string(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && !text.starts_with(['-', '.'])
        && text.parse::<f64>().is_err()
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
        );
    if plain {
        text.to_owned()
    } else {
        format!("{text:?}")
    }
}

/// Applies `fix` to document `document` (0-based) of `text`; returns the
/// new text.
pub fn apply(text: &str, document: usize, fix: &Fix) -> Result<String, FixError> {
    let mut text = text.to_owned();
    for (pointer, yaml) in &fix.set {
        text = set_value(&text, document, pointer, yaml)?;
    }
    Ok(text)
}

fn set_value(text: &str, document: usize, pointer: &str, yaml: &str) -> Result<String, FixError> {
    let documents = parse_stream(text, &Limits::default());
    let root = documents
        .get(document)
        .and_then(|document| document.root.as_ref())
        .ok_or(FixError::DocumentGone)?;
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|token| token.replace("~1", "/").replace("~0", "~"))
        .collect();
    // The deepest node of the pointer that is written.
    let mut node = root;
    let mut depth = 0;
    for token in &tokens {
        let next = match &node.value {
            Value::Map(_) => node.get(token),
            Value::Seq(items) => token.parse::<usize>().ok().and_then(|at| items.get(at)),
            _ => None,
        };
        match next {
            Some(next) => {
                node = next;
                depth += 1;
            }
            None => break,
        }
    }
    let missing = tokens.get(depth..).unwrap_or_default();
    if missing.is_empty() {
        return replace_scalar(text, node, yaml);
    }
    insert_below(text, node, missing, yaml)
}

/// Replaces a written scalar with `yaml`, inside its quotes when quoted; an
/// empty flow collection (`[]`, `{}`) is replaced whole.
fn replace_scalar(text: &str, node: &Node, yaml: &str) -> Result<String, FixError> {
    let range = node.span.byte_range();
    let is_empty_flow = match &node.value {
        Value::Map(entries) => entries.is_empty(),
        Value::Seq(items) => items.is_empty(),
        _ => false,
    } && text
        .get(range.clone())
        .is_some_and(|written| written.starts_with("[]") || written.starts_with("{}"));
    if is_empty_flow {
        return Ok(splice(text, range.start, range.start + 2, yaml));
    }
    if matches!(node.value, Value::Map(_) | Value::Seq(_)) {
        return Err(FixError::Unsupported(
            "the value to replace is a collection".to_owned(),
        ));
    }
    let spanned = text.get(range.clone()).ok_or(FixError::DocumentGone)?;
    let written = scalar_text(spanned);
    if written.contains('\n') || written.is_empty() {
        return Err(FixError::Unsupported(
            "the value to replace spans several lines".to_owned(),
        ));
    }
    let quoted = ['"', '\''].iter().find(|quote| {
        written.len() >= 2 && written.starts_with(**quote) && written.ends_with(**quote)
    });
    let replacement = match (
        quoted,
        yaml.strip_prefix('"').and_then(|y| y.strip_suffix('"')),
    ) {
        // Keep the file's quotes around a string value.
        (Some(quote), Some(inner)) => format!("{quote}{inner}{quote}"),
        (Some(quote), None) => format!("{quote}{yaml}{quote}"),
        (None, _) => yaml.to_owned(),
    };
    let range = range.start..range.start + written.len();
    Ok(splice(text, range.start, range.end, &replacement))
}

/// The scalar itself at the start of `spanned`: a quoted scalar up to its
/// closing quote, a plain one up to a comment; the parser's span may run on
/// past it.
fn scalar_text(spanned: &str) -> &str {
    let mut characters = spanned.char_indices();
    match characters.next() {
        Some((_, '\'')) => {
            let mut previous_quote = false;
            for (at, character) in characters {
                if character == '\'' {
                    if previous_quote {
                        previous_quote = false;
                        continue;
                    }
                    previous_quote = true;
                } else if previous_quote {
                    return spanned.get(..at).unwrap_or(spanned);
                }
            }
            spanned.trim_end()
        }
        Some((_, '"')) => {
            let mut escaped = false;
            for (at, character) in characters {
                match character {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => return spanned.get(..=at).unwrap_or(spanned),
                    _ => escaped = false,
                }
            }
            spanned.trim_end()
        }
        _ => spanned
            .split(" #")
            .next()
            .unwrap_or(spanned)
            .lines()
            .next()
            .unwrap_or_default()
            .trim_end(),
    }
}

/// Inserts `missing` keys (the last one set to `yaml`) below the block
/// mapping `node`, after its last entry, indented like its keys.
fn insert_below(
    text: &str,
    node: &Node,
    missing: &[String],
    yaml: &str,
) -> Result<String, FixError> {
    let Value::Map(entries) = &node.value else {
        return Err(FixError::Unsupported(
            "the place to insert into is not a mapping".to_owned(),
        ));
    };
    if missing.iter().any(|key| key.parse::<usize>().is_ok()) {
        return Err(FixError::Unsupported(
            "a list item to insert into is missing".to_owned(),
        ));
    }
    let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
        return Err(FixError::Unsupported(
            "the mapping to insert into is empty".to_owned(),
        ));
    };
    if text
        .get(node.span.byte_range())
        .is_some_and(|written| written.starts_with('{'))
    {
        return Err(FixError::Unsupported(
            "the mapping to insert into is written in flow style ({…})".to_owned(),
        ));
    }
    let key_start = first.key_span.start as usize;
    let line_start = text
        .get(..key_start)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |at| at + 1);
    let indent = key_start - line_start;
    // A block collection's span may run past its last line: what counts
    // is its last written character.
    let span_end = last.value.span.end.max(last.key_span.end) as usize;
    let end = text
        .get(..span_end)
        .map_or(span_end, |before| before.trim_end().len());
    let line_end = text
        .get(end..)
        .and_then(|after| after.find('\n'))
        .map_or(text.len(), |at| end + at);
    // A trailing `\r` stays at the end of its line.
    let insert_at = if text
        .get(..line_end)
        .is_some_and(|line| line.ends_with('\r'))
    {
        line_end - 1
    } else {
        line_end
    };
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut inserted = String::new();
    for (level, key) in missing.iter().enumerate() {
        inserted.push_str(newline);
        inserted.push_str(&" ".repeat(indent + 2 * level));
        inserted.push_str(&yaml_string(key));
        inserted.push(':');
        if level + 1 == missing.len() {
            inserted.push(' ');
            inserted.push_str(yaml);
        }
    }
    Ok(splice(text, insert_at, insert_at, &inserted))
}

fn splice(text: &str, start: usize, end: usize, replacement: &str) -> String {
    let mut out = String::with_capacity(text.len() + replacement.len());
    out.push_str(text.get(..start).unwrap_or_default());
    out.push_str(replacement);
    out.push_str(text.get(end..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_missing_value_is_inserted_with_the_mappings_on_its_way() {
        let text = "\
apiVersion: v1
kind: Pod
metadata:
  name: api   # the api
spec:
  containers:
    - name: api
      image: ghcr.io/acme/api:1.4.0
";
        let fix = Fix::set(
            "set allowPrivilegeEscalation: false",
            "/spec/containers/0/securityContext/allowPrivilegeEscalation",
            "false",
        );
        let fixed = apply(text, 0, &fix).unwrap();
        assert_eq!(
            fixed,
            "\
apiVersion: v1
kind: Pod
metadata:
  name: api   # the api
spec:
  containers:
    - name: api
      image: ghcr.io/acme/api:1.4.0
      securityContext:
        allowPrivilegeEscalation: false
"
        );
        // Applied again, it sets what is there: nothing changes.
        assert_eq!(apply(&fixed, 0, &fix).unwrap(), fixed);
    }

    #[test]
    fn a_key_after_a_nested_block_goes_below_the_block() {
        let text = "spec:\n  template:\n    spec:\n      restartPolicy: Never\n";
        let fix = Fix::set("", "/spec/ttlSecondsAfterFinished", "600");
        assert_eq!(
            apply(text, 0, &fix).unwrap(),
            "spec:\n  template:\n    spec:\n      restartPolicy: Never\n  ttlSecondsAfterFinished: 600\n"
        );
    }

    #[test]
    fn a_written_value_is_replaced_inside_its_quotes() {
        let text = "a: 1\n---\nspec:\n  restartPolicy: 'OnFailure' # no\n  x: 2\n";
        let fix = Fix::set("", "/spec/restartPolicy", "Never");
        assert_eq!(
            apply(text, 1, &fix).unwrap(),
            "a: 1\n---\nspec:\n  restartPolicy: 'Never' # no\n  x: 2\n"
        );
    }

    #[test]
    fn keys_that_need_quotes_and_nested_blocks() {
        let text =
            "metadata:\n  name: x\n  labels:\n    app: x\n    tier:\n      - web\nspec: {}\n";
        let fix = Fix::set("", "/metadata/labels/environment", yaml_string("prod"));
        assert_eq!(
            apply(text, 0, &fix).unwrap(),
            "metadata:\n  name: x\n  labels:\n    app: x\n    tier:\n      - web\n    environment: prod\nspec: {}\n"
        );
        assert_eq!(yaml_string("yes"), "\"yes\"");
        assert_eq!(yaml_string("1.2"), "\"1.2\"");
        assert_eq!(
            yaml_string("argocd.argoproj.io/hook"),
            "argocd.argoproj.io/hook"
        );
    }

    #[test]
    fn an_empty_flow_list_is_replaced_whole() {
        let text = "spec:\n  egress: []   # none yet\n  podSelector: {}\n";
        let fix = Fix::set("", "/spec/egress", "[{ports: [{port: 53}]}]");
        assert_eq!(
            apply(text, 0, &fix).unwrap(),
            "spec:\n  egress: [{ports: [{port: 53}]}]   # none yet\n  podSelector: {}\n"
        );
    }

    #[test]
    fn flow_mappings_are_not_edited() {
        let text = "spec: {containers: []}\n";
        let fix = Fix::set("", "/spec/restartPolicy", "Never");
        assert!(matches!(
            apply(text, 0, &fix),
            Err(FixError::Unsupported(_))
        ));
    }
}
