//! `--format junit`: JUnit XML, as GitLab (`artifacts:reports:junit`),
//! Jenkins and most CI systems ingest it.
//!
//! One `<testsuite>` per file checked (named by the file), one `<testcase>`
//! per resource in it (named `Kind namespace/name`, classname the file),
//! plus one testcase named by the file itself for findings about no
//! resource (YAML errors, unreadable files) — or when the file holds no
//! resource at all, so that every file shows up as a passing test. A
//! testcase with findings has one `<failure>`: `type` is the most severe
//! finding's severity, `message` counts the findings and names their rules,
//! and the text lists each finding — where (`file:line:column`), severity,
//! rule, message, help, environment and template. So `failures` counts
//! failing testcases, never more than `tests`.
//!
//! Every finding fails its testcase, whatever its severity: the severity is
//! in the text, and `--select`/`--ignore`/`rules:` decide what is reported.
//! The XML is well-formed for any text: markup characters are escaped, and
//! characters XML 1.0 cannot carry (control characters, U+FFFE, U+FFFF)
//! become U+FFFD.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::finding::{Finding, ResourceRef};
use crate::report::Report;

/// Escapes text for XML content and attribute values (both quote kinds,
/// and line breaks and tabs as character references so attribute-value
/// normalisation keeps them).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[derive(Default)]
struct Suite<'a> {
    /// Testcases in order: `None` is the file itself.
    cases: Vec<Option<&'a ResourceRef>>,
    failures: BTreeMap<Option<&'a ResourceRef>, Vec<&'a Finding>>,
}

impl<'a> Suite<'a> {
    fn add_case(&mut self, resource: Option<&'a ResourceRef>) {
        if !self.cases.contains(&resource) {
            self.cases.push(resource);
        }
    }
}

/// Writes the report as JUnit XML.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut suites: BTreeMap<&str, Suite<'_>> = BTreeMap::new();
    for file in &report.files {
        let suite = suites.entry(file.path.as_str()).or_default();
        for resource in &file.resources {
            suite.add_case(Some(resource));
        }
    }
    for finding in &report.findings {
        let suite = suites.entry(finding.file.as_str()).or_default();
        let resource = finding.resource.as_ref();
        suite.add_case(resource);
        suite.failures.entry(resource).or_default().push(finding);
    }
    for suite in suites.values_mut() {
        if suite.cases.is_empty() {
            suite.add_case(None);
        }
    }

    let tests: usize = suites.values().map(|suite| suite.cases.len()).sum();
    let failures: usize = suites.values().map(|suite| suite.failures.len()).sum();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="plimsoll" tests="{tests}" failures="{failures}" errors="0">"#
    )?;
    for (file, suite) in &suites {
        let file_failures = suite.failures.len();
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{file_failures}" errors="0" skipped="0">"#,
            escape(file),
            suite.cases.len(),
        )?;
        for case in &suite.cases {
            let name = case.map_or_else(|| (*file).to_owned(), ToString::to_string);
            let found = suite.failures.get(case).map(Vec::as_slice).unwrap_or(&[]);
            if found.is_empty() {
                writeln!(
                    out,
                    r#"    <testcase name="{}" classname="{}"/>"#,
                    escape(&name),
                    escape(file)
                )?;
                continue;
            }
            writeln!(
                out,
                r#"    <testcase name="{}" classname="{}">"#,
                escape(&name),
                escape(file)
            )?;
            write_failure(found, out)?;
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// The one `<failure>` of a testcase with `findings` (at least one).
fn write_failure(findings: &[&Finding], out: &mut dyn Write) -> io::Result<()> {
    let severity = findings
        .iter()
        .map(|finding| finding.severity)
        .max()
        .unwrap_or(crate::finding::Severity::Error);
    let mut rules: Vec<&str> = Vec::new();
    for finding in findings {
        if !rules.contains(&finding.rule.as_ref()) {
            rules.push(&finding.rule);
        }
    }
    let count = if findings.len() == 1 {
        "1 finding".to_owned()
    } else {
        format!("{} findings", findings.len())
    };
    let message = format!("{count}: {}", rules.join(", "));
    let body: Vec<String> = findings.iter().map(|finding| describe(finding)).collect();
    writeln!(
        out,
        r#"      <failure type="{severity}" message="{}">{}</failure>"#,
        escape(&message),
        escape(&body.join("\n\n"))
    )
}

/// One finding in a failure's text.
fn describe(finding: &Finding) -> String {
    let mut text = format!(
        "{}:{}:{}: {} [{}] {}",
        finding.file,
        finding.span.start.line,
        finding.span.start.column,
        finding.severity,
        finding.rule,
        finding.message
    );
    if let Some(help) = &finding.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    if let Some(environment) = &finding.environment {
        text.push_str(&format!("\nenvironment: {environment}"));
    }
    if let Some(source) = &finding.source {
        text.push_str(&format!("\nrendered from: {source}"));
    }
    if let Some(path) = &finding.path {
        text.push_str(&format!("\npath: {path}"));
    }
    for related in &finding.related {
        text.push_str(&format!(
            "\nrelated: {}:{}:{}: {}",
            related.file, related.span.start.line, related.span.start.column, related.message
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_unrepresentable_characters() {
        assert_eq!(
            escape("a<b>&\"c'\n\u{1}\u{FFFF}é"),
            "a&lt;b&gt;&amp;&quot;c&apos;&#10;\u{FFFD}\u{FFFD}é"
        );
    }
}
