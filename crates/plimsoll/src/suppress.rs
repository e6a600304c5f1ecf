//! Suppressions written in the checked files (SPEC section 9).
//!
//! - `# plimsoll: ignore[rule-a,rule-b] reason` on the offending line, or on
//!   a comment line directly above it;
//! - `# plimsoll: ignore-file[rule-a]` anywhere in a file;
//! - the object annotation `plimsoll.dev/ignore: "rule-a,rule-b"`.

use std::collections::HashMap;

use crate::model::Object;

/// The annotation that suppresses rules on one object.
pub const IGNORE_ANNOTATION: &str = "plimsoll.dev/ignore";

const DIRECTIVE: &str = "plimsoll:";

/// The comment directives of one file.
#[derive(Debug, Default)]
pub(crate) struct Directives {
    file_rules: Vec<String>,
    /// 1-based line → (rules, whether the line holds nothing but the comment).
    lines: HashMap<u32, (Vec<String>, bool)>,
}

impl Directives {
    /// Reads the directives of a file; cheap when there are none.
    pub(crate) fn parse(text: &str) -> Directives {
        let mut directives = Directives::default();
        if !text.contains(DIRECTIVE) {
            return directives;
        }
        for (index, line) in text.lines().enumerate() {
            let Some(hash) = find_comment(line) else {
                continue;
            };
            let comment = line.get(hash + 1..).unwrap_or_default().trim_start();
            let Some(rest) = comment.strip_prefix(DIRECTIVE) else {
                continue;
            };
            let rest = rest.trim_start();
            let comment_only = line.get(..hash).unwrap_or_default().trim().is_empty();
            if let Some(rules) = rest.strip_prefix("ignore-file[").and_then(rule_list) {
                directives.file_rules.extend(rules);
            } else if let Some(rules) = rest.strip_prefix("ignore[").and_then(rule_list) {
                let line_number = u32::try_from(index + 1).unwrap_or(u32::MAX);
                directives.lines.insert(line_number, (rules, comment_only));
            }
        }
        directives
    }

    /// Whether a finding of `rule` on `line` is suppressed.
    pub(crate) fn suppresses(&self, rule: &str, line: u32) -> bool {
        if self.file_rules.iter().any(|r| r == rule) {
            return true;
        }
        if let Some((rules, _)) = self.lines.get(&line) {
            if rules.iter().any(|r| r == rule) {
                return true;
            }
        }
        match line.checked_sub(1).and_then(|above| self.lines.get(&above)) {
            Some((rules, true)) => rules.iter().any(|r| r == rule),
            _ => false,
        }
    }
}

/// The position of a `#` that starts a comment (at line start or after
/// whitespace, so `a#b` and URLs with fragments are not comments).
fn find_comment(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    bytes.iter().enumerate().find_map(|(at, byte)| {
        let starts_comment =
            *byte == b'#' && (at == 0 || matches!(bytes.get(at - 1), Some(b' ' | b'\t')));
        starts_comment.then_some(at)
    })
}

/// `rule-a, rule-b] reason` → `[rule-a, rule-b]`.
fn rule_list(rest: &str) -> Option<Vec<String>> {
    let (list, _reason) = rest.split_once(']')?;
    Some(
        list.split(',')
            .map(str::trim)
            .filter(|rule| !rule.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

/// Whether the object's `plimsoll.dev/ignore` annotation names `rule`.
pub(crate) fn annotation_suppresses(object: &Object, rule: &str) -> bool {
    object
        .annotation(IGNORE_ANNOTATION)
        .is_some_and(|rules| rules.split(',').any(|r| r.trim() == rule))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_cover_their_line_and_the_next() {
        let text = "a: 1\n# plimsoll: ignore[rule-a] reviewed\nb: 2\nc: 3 # plimsoll: ignore[rule-b, rule-c]\nd: 4\n";
        let directives = Directives::parse(text);
        assert!(directives.suppresses("rule-a", 3));
        assert!(directives.suppresses("rule-a", 2));
        assert!(!directives.suppresses("rule-a", 4));
        assert!(directives.suppresses("rule-c", 4));
        // A trailing comment covers its own line only.
        assert!(!directives.suppresses("rule-b", 5));
    }

    #[test]
    fn file_directives_cover_every_line() {
        let directives = Directives::parse("x: 1\n# plimsoll: ignore-file[rule-a]\n");
        assert!(directives.suppresses("rule-a", 1));
        assert!(!directives.suppresses("rule-b", 1));
    }

    #[test]
    fn hashes_inside_values_are_not_comments() {
        let directives = Directives::parse("url: http://x/#plimsoll:ignore[rule-a]\n");
        assert!(!directives.suppresses("rule-a", 1));
    }
}
