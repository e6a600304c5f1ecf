//! `--format junit`: JUnit XML, as GitLab (`artifacts:reports:junit`),
//! Jenkins and most CI systems ingest it.
//!
//! One `<testsuite>` per file checked (named by the file), one `<testcase>`
//! per resource in it (named `Kind namespace/name`, classname the file),
//! plus one testcase named by the file itself for findings about no
//! resource (YAML errors, unreadable files) — or when the file holds no
//! resource at all, so that every file shows up as a passing test. Each
//! finding is a `<failure>` of its resource's testcase: `type` is the rule
//! id, `message` the severity, rule and message, and the text says where
//! (`file:line:column`), the help, environment and template.
//!
//! Every finding is a failure, whatever its severity: the severity is in
//! the message, and `--select`/`--ignore`/`rules:` decide what is reported.
//! The XML is well-formed for any text: markup characters are escaped, and
//! characters XML 1.0 cannot carry (control characters, U+FFFE, U+FFFF)
//! become U+FFFD.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::engine::Report;
use crate::finding::{Finding, ResourceRef};

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
    let failures = report.findings.len();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="plimsoll" tests="{tests}" failures="{failures}" errors="0">"#
    )?;
    for (file, suite) in &suites {
        let file_failures: usize = suite.failures.values().map(Vec::len).sum();
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
            for finding in found {
                write_failure(finding, out)?;
            }
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

fn write_failure(finding: &Finding, out: &mut dyn Write) -> io::Result<()> {
    let message = format!(
        "{} [{}] {}",
        finding.severity, finding.rule, finding.message
    );
    let mut body = format!(
        "{}:{}:{}: {message}",
        finding.file, finding.span.start.line, finding.span.start.column
    );
    if let Some(help) = &finding.help {
        body.push_str(&format!("\nhelp: {help}"));
    }
    if let Some(environment) = &finding.environment {
        body.push_str(&format!("\nenvironment: {environment}"));
    }
    if let Some(source) = &finding.source {
        body.push_str(&format!("\nrendered from: {source}"));
    }
    if let Some(path) = &finding.path {
        body.push_str(&format!("\npath: {path}"));
    }
    writeln!(
        out,
        r#"      <failure type="{}" message="{}">{}</failure>"#,
        escape(&finding.rule),
        escape(&message),
        escape(&body)
    )
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
