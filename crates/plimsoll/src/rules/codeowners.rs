//! `codeowners`: a file under `codeowners.protect` has no owner in
//! CODEOWNERS.
//!
//! GitHub semantics: the file is `.github/CODEOWNERS`, else `CODEOWNERS` at
//! the repository root, else `docs/CODEOWNERS` (the first found is the only
//! one read). The root is looked for upwards from the config file's
//! directory (from the current directory without one): the first directory
//! holding a CODEOWNERS in one of those places, stopping at the directory
//! that holds `.git`. The loader finds and reads the file (the rule
//! declares [`Rule::reading_codeowners`]); the rule only reads what it was
//! given. Patterns follow gitignore: `*` does not cross `/`,
//! `**` does; a leading `/` or a `/` inside anchors the pattern at the root,
//! otherwise it matches at any depth; a pattern matches a directory and
//! everything under it, except that `dir/*` matches only direct children
//! (as GitHub documents). The last matching line wins; a line without
//! owners makes the path unowned.
//!
//! Every input file that matches a `codeowners.protect` glob (paths relative
//! to the root; a relative input name outside the root, such as a
//! `--stdin-filename`, is read as relative to the root) is checked; the
//! finding points at the file's first document.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::settings::recover::recover;

use std::collections::HashMap;
use std::path::Path;

use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};

use super::{ArtifactViolation, Category, Rule, RuleMeta, SetContext, Sink, Violation};
use crate::finding::Severity;
use crate::model::{FileId, Object};

/// CODEOWNERS protection (`codeowners`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Codeowners {
    /// Paths that must have an owner.
    #[serde(default, deserialize_with = "recover")]
    pub protect: Vec<String>,
}

pub(crate) fn rule() -> Rule {
    Rule::set(
        RuleMeta {
            id: "codeowners".into(),
            category: Category::Promotion,
            default_severity: Severity::Error,
            summary: "a path in codeowners.protect has no owner in CODEOWNERS (last matching rule wins, as GitHub does)".into(),
            rationale: "Branch protection's \"require review from code owners\" only protects paths that have \
an owner. A staging or prod overlay that no CODEOWNERS line covers (or that a later, owner-less line \
un-owns) can be changed with any approval."
                .into(),
            fix: "Add a line such as `/envs/prod/ @acme/platform` to `.github/CODEOWNERS`, after any broader \
line that would otherwise win."
                .into(),
            bad: "".into(),
            good: "".into(),
        },
        check,
    )
    .reading(&[])
    .reading_codeowners()
    .configured_by(&["codeowners.protect"])
}

/// One CODEOWNERS line.
struct Line {
    pattern: String,
    owners: Vec<String>,
    matcher: GlobSet,
}

/// A parsed CODEOWNERS file.
pub(crate) struct OwnerRules {
    /// Where it was found, relative to the root (`.github/CODEOWNERS`).
    pub file: String,
    lines: Vec<Line>,
}

impl OwnerRules {
    /// Parses CODEOWNERS text; lines whose pattern is invalid are skipped
    /// (GitHub ignores them too).
    pub(crate) fn parse(file: &str, text: &str) -> OwnerRules {
        let mut lines = Vec::new();
        for raw in text.lines() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let without_comment = line.split(" #").next().unwrap_or(line);
            let mut words = without_comment.split_whitespace();
            let Some(pattern) = words.next() else {
                continue;
            };
            let pattern = pattern.replace("\\#", "#");
            let Some(matcher) = compile(&pattern) else {
                continue;
            };
            lines.push(Line {
                owners: words.map(str::to_owned).collect(),
                pattern,
                matcher,
            });
        }
        OwnerRules {
            file: file.to_owned(),
            lines,
        }
    }

    /// The last line matching `path` (relative to the root), with its owners.
    pub(crate) fn owners_of(&self, path: &str) -> Option<(&str, &[String])> {
        self.lines
            .iter()
            .rev()
            .find(|line| line.matcher.is_match(path))
            .map(|line| (line.pattern.as_str(), line.owners.as_slice()))
    }
}

fn glob(pattern: &str) -> Option<Glob> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .ok()
}

/// A gitignore-style pattern as a set of globs over root-relative paths.
fn compile(pattern: &str) -> Option<GlobSet> {
    let trimmed_end = pattern.strip_suffix('/');
    let directory_only = trimmed_end.is_some();
    let body = trimmed_end.unwrap_or(pattern);
    let anchored = body.starts_with('/') || body.contains('/');
    let body = body.strip_prefix('/').unwrap_or(body);
    if body.is_empty() {
        return None;
    }
    let base = if anchored || body.starts_with("**") {
        body.to_owned()
    } else {
        format!("**/{body}")
    };
    let mut builder = GlobSetBuilder::new();
    if !directory_only {
        builder.add(glob(&base)?);
    }
    // A match on a directory covers everything under it; GitHub documents
    // `docs/*` as matching direct children only.
    if !body.ends_with("/*") && !body.ends_with("/**") {
        builder.add(glob(&format!("{base}/**"))?);
    }
    builder.build().ok()
}

/// `path` relative to `root`, with `/` separators.
fn relative_to_root(path: &str, root: &Path, cwd: &Path) -> String {
    let as_given = Path::new(path);
    let absolute = if as_given.is_absolute() {
        as_given.to_path_buf()
    } else {
        cwd.join(as_given)
    };
    let relative = absolute
        .strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| as_given.to_path_buf());
    let text = relative.to_string_lossy().replace('\\', "/");
    text.split('/')
        .filter(|segment| !segment.is_empty() && *segment != ".")
        .collect::<Vec<_>>()
        .join("/")
}

fn check(context: &SetContext<'_>, sink: &mut Sink) {
    let protect = &context.config.codeowners.protect;
    if protect.is_empty() {
        return;
    }
    let protected: Vec<(&str, GlobMatcher)> = protect
        .iter()
        .filter_map(|pattern| Some((pattern.as_str(), glob(pattern)?.compile_matcher())))
        .collect();
    // The documents this context reports on: per file, its first object when
    // that object is in this context, else its first artifact here.
    let mut first_objects: HashMap<FileId, &Object> = HashMap::new();
    for object in context.all.all() {
        first_objects.entry(object.file).or_insert(*object);
    }
    let mut files: Vec<FileId> = context
        .index
        .all()
        .iter()
        .filter(|object| {
            first_objects
                .get(&object.file)
                .is_some_and(|first| first.id == object.id)
        })
        .map(|object| object.file)
        .collect();
    let mut artifact_files: Vec<FileId> = context
        .artifacts_here()
        .map(|artifact| artifact.file)
        .filter(|file| !first_objects.contains_key(file))
        .collect();
    artifact_files.dedup();
    files.extend(artifact_files);
    if files.is_empty() {
        return;
    }
    let found = context.codeowners;
    let codeowners = found
        .found
        .as_ref()
        .map(|(location, text)| OwnerRules::parse(location, text));
    for file in files {
        let path = relative_to_root(context.file_path(file), &found.root, &found.cwd);
        let Some((protect_pattern, _)) = protected
            .iter()
            .find(|(_, matcher)| matcher.is_match(&path))
        else {
            continue;
        };
        let problem = match &codeowners {
            None => Some((
                format!("{path} is protected (codeowners.protect: {protect_pattern}) but the repository has no CODEOWNERS file"),
                "add .github/CODEOWNERS with a line owning it, e.g. `/envs/prod/ @acme/platform`".to_owned(),
            )),
            Some(codeowners) => match codeowners.owners_of(&path) {
                None => Some((
                    format!("{path} is protected (codeowners.protect: {protect_pattern}) but no line of {} matches it", codeowners.file),
                    format!("add a line owning it to {}", codeowners.file),
                )),
                Some((pattern, [])) => Some((
                    format!("{path} is protected (codeowners.protect: {protect_pattern}) but the last matching line of {} (`{pattern}`) has no owner", codeowners.file),
                    format!("give `{pattern}` an owner, or add an owning line after it in {}", codeowners.file),
                )),
                Some(_) => None,
            },
        };
        let Some((message, help)) = problem else {
            continue;
        };
        if let Some(object) = first_objects.get(&file) {
            sink.push(Violation::at_key(object, "/apiVersion", message).with_help(help));
        } else if let Some(artifact) = context
            .artifacts
            .iter()
            .find(|artifact| artifact.file == file)
        {
            sink.push_artifact(ArtifactViolation::at_value(artifact, "", message).with_help(help));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::{Config, Engine, EngineOptions, Input};

    fn owners(text: &str, path: &str) -> Option<Vec<String>> {
        OwnerRules::parse("CODEOWNERS", text)
            .owners_of(path)
            .map(|(_, owners)| owners.to_vec())
    }

    #[test]
    fn gitignore_patterns_as_github_reads_them() {
        let file = "\
# Default owners
*       @acme/everyone
*.yaml  @acme/yaml
/envs/prod/ @acme/platform
envs/staging @acme/release
docs/*  @acme/docs
apps/**/values.yaml @acme/helm
/build/logs/
";
        let one = |path| owners(file, path).map(|o| o.join(" "));
        assert_eq!(one("README.md").as_deref(), Some("@acme/everyone"));
        assert_eq!(one("deep/x.yaml").as_deref(), Some("@acme/yaml"));
        assert_eq!(one("envs/prod/api.yaml").as_deref(), Some("@acme/platform"));
        assert_eq!(
            one("envs/prod/a/b/c.json").as_deref(),
            Some("@acme/platform")
        );
        assert_eq!(one("x/envs/prod/api.yaml").as_deref(), Some("@acme/yaml"));
        assert_eq!(
            one("envs/staging/api.yaml").as_deref(),
            Some("@acme/release")
        );
        assert_eq!(one("docs/a.md").as_deref(), Some("@acme/docs"));
        assert_eq!(one("docs/a/b.md").as_deref(), Some("@acme/everyone"));
        assert_eq!(one("apps/x/y/values.yaml").as_deref(), Some("@acme/helm"));
        assert_eq!(one("apps/values.yaml").as_deref(), Some("@acme/helm"));
        assert_eq!(one("build/logs/x.txt").as_deref(), Some(""));
    }

    #[test]
    fn unanchored_names_match_at_any_depth() {
        let file = "api.yaml @a\nlogs/ @b\n";
        assert_eq!(
            owners(file, "envs/prod/api.yaml"),
            Some(vec!["@a".to_owned()])
        );
        assert_eq!(owners(file, "x/logs/y"), Some(vec!["@b".to_owned()]));
        assert_eq!(owners(file, "logs"), None);
    }

    #[test]
    fn in_memory_inputs_are_checked_against_the_codeowners_of_each_check() {
        let repository = tempfile::tempdir().unwrap();
        let top = repository.path();
        fs::create_dir(top.join(".git")).unwrap();
        let config_path = top.join(".plimsoll.yaml");
        fs::write(&config_path, "codeowners:\n  protect: [\"envs/prod/**\"]\n").unwrap();
        let config = Config::load(&config_path).unwrap();
        let options = EngineOptions {
            select: vec!["codeowners".to_owned()],
            ..EngineOptions::default()
        };
        let engine = Engine::new(config, options).unwrap();
        let inputs = [Input::Text {
            name: "envs/prod/api.yaml".to_owned(),
            text: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\n".to_owned(),
        }];
        let messages = || -> Vec<String> {
            let report = engine.check(&inputs).unwrap();
            report.findings.iter().map(|f| f.message.clone()).collect()
        };
        assert_eq!(
            messages(),
            ["envs/prod/api.yaml is protected (codeowners.protect: envs/prod/**) but the repository has no CODEOWNERS file"]
        );
        fs::create_dir(top.join(".github")).unwrap();
        fs::write(top.join(".github/CODEOWNERS"), "/envs/ @acme/platform\n").unwrap();
        assert!(messages().is_empty());
        fs::write(
            top.join(".github/CODEOWNERS"),
            "/envs/dev/ @acme/platform\n",
        )
        .unwrap();
        assert_eq!(
            messages(),
            ["envs/prod/api.yaml is protected (codeowners.protect: envs/prod/**) but no line of .github/CODEOWNERS matches it"]
        );
    }
}
