//! Rules: metadata, the two kinds of checks, and the registry.
//!
//! A rule is one file under `rules/`: its [`RuleMeta`] (id, category,
//! default severity, summary, rationale, how to fix, a failing and a passing
//! example) next to its check. Adding a rule touches that file, one line of
//! [`builtin`], and its fixtures under `testdata/rules/<rule-id>/`.
//!
//! There are three kinds of rules:
//! - **load** rules are reported by the loader itself (unreadable files,
//!   YAML errors, malformed manifests) or by a command (`promote` reports
//!   the promotion rules); their file holds the metadata and the helpers the
//!   loader or the command calls;
//! - **document** rules see one object at a time and run in parallel;
//! - **set** rules see every object of one environment through an
//!   [`ObjectIndex`] (by namespace, kind, name and labels).

pub(crate) mod baseline_stale;
pub(crate) mod codeowners;
mod component_tags;
mod container_resources;
mod context;
mod dangling_reference;
mod delivery;
mod deployment;
mod deprecated_api;
mod disruption_budget;
mod duplicate_resource;
mod environment_label;
mod environment_mismatch;
mod external_secret;
mod flux_depends_on;
mod flux_interval;
mod flux_source;
pub(crate) mod image_digest;
mod image_latest;
pub(crate) mod image_pull_secret;
mod image_registry;
pub(crate) mod input_read;
pub(crate) mod manifest_shape;
mod migration_hook;
mod namespace_limitrange;
pub(crate) mod namespace_network_policy;
mod namespace_quota;
pub(crate) mod naming_convention;
mod network_policy_dns;
mod plaintext_secret;
pub(crate) mod pod_security;
mod probes;
mod prometheus_rule;
pub(crate) mod promotion_image_parity;
pub(crate) mod promotion_path;
mod quota_capacity;
mod replicas_minimum;
mod required_workloads;
mod rule_config;
mod schema;
mod schema_missing;
mod sealed_secret;
pub(crate) mod secret_literal;
pub(crate) mod secret_reference;
mod selector_mismatch;
mod sync_policy;
pub(crate) mod sync_wave;
pub(crate) mod unrendered_template;
pub(crate) mod unused_suppression;
pub(crate) mod yaml_duplicate_key;
pub(crate) mod yaml_syntax;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;

pub use context::{
    Anchor, ArtifactViolation, DocumentContext, ObjectIndex, RelatedPlace, SetContext, Sink,
    Target, Violation,
};
pub use rule_config::RuleConfig;

use crate::finding::Severity;
use crate::model::Object;
use crate::schema::RunSchemas;

/// The groups rules are listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Reading files, YAML, manifest shape, schemas.
    Parsing,
    /// Container images.
    Images,
    /// Names and environments.
    Naming,
    /// Per-namespace guardrails.
    Namespaces,
    /// Workload settings.
    Workloads,
    /// Secrets.
    Secrets,
    /// Argo CD, Helm hooks and Flux.
    Delivery,
    /// Promotions and release artifacts.
    Promotion,
    /// Monitoring rules.
    Monitoring,
    /// Rules written by users.
    Custom,
}

impl Category {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Parsing => "parsing",
            Category::Images => "images",
            Category::Naming => "naming",
            Category::Namespaces => "namespaces",
            Category::Workloads => "workloads",
            Category::Secrets => "secrets",
            Category::Delivery => "delivery",
            Category::Promotion => "promotion",
            Category::Monitoring => "monitoring",
            Category::Custom => "custom",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// What a rule is and why it exists; `plimsoll rules`, `plimsoll explain`
/// and the rules reference are generated from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable kebab-case id.
    pub id: Cow<'static, str>,
    /// The group it is listed in.
    pub category: Category,
    /// Severity unless configured otherwise.
    pub default_severity: Severity,
    /// One line: what it reports.
    pub summary: Cow<'static, str>,
    /// Why it matters.
    pub rationale: Cow<'static, str>,
    /// How to fix a finding.
    pub fix: Cow<'static, str>,
    /// A YAML stream the rule reports.
    pub bad: Cow<'static, str>,
    /// The same stream, fixed.
    pub good: Cow<'static, str>,
}

/// The check of a document rule.
pub type DocumentCheck = Arc<dyn Fn(&DocumentContext<'_>, &mut Sink) + Send + Sync>;
/// The check of a set rule.
pub type SetCheck = Arc<dyn Fn(&SetContext<'_>, &mut Sink) + Send + Sync>;

/// The check a rule runs on each Kustomize patch (see
/// [`Rule::checking_patches`]).
pub(crate) type PatchCheck = fn(&Object, &RunSchemas) -> Vec<Violation>;

/// How a rule runs.
#[derive(Clone)]
pub enum Check {
    /// Reported by the loader.
    Load,
    /// Runs on each object.
    Document(DocumentCheck),
    /// Runs on all objects of one environment.
    Set(SetCheck),
}

impl fmt::Debug for Check {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Check::Load => "Load",
            Check::Document(_) => "Document",
            Check::Set(_) => "Set",
        })
    }
}

/// A rule: its metadata and its check.
#[derive(Debug, Clone)]
pub struct Rule {
    /// What it is.
    pub meta: RuleMeta,
    /// How it runs.
    pub check: Check,
    /// Whether a document rule looks other objects up (see
    /// [`Rule::reading_input`]).
    reads_input: bool,
    /// Whether the rule encodes one organisation's conventions (see
    /// [`Rule::convention`]).
    convention: bool,
    /// What the safe fix it offers for some findings does (`check --fix`):
    /// "sets `allowPrivilegeEscalation: false` on a container that does
    /// not set it".
    pub autofix: Option<&'static str>,
    /// What the engine gives it, or asks of it, beyond its check.
    needs: Needs,
}

/// What a rule needs from the engine beyond its check, declared on the rule
/// so that the engine asks the rule set rather than knowing rules by id.
#[derive(Debug, Clone, Copy, Default)]
struct Needs {
    /// Validates objects against schemas (see [`Rule::validating_schemas`]).
    schemas: bool,
    /// Also checks Kustomize patches (see [`Rule::checking_patches`]).
    patches: Option<PatchCheck>,
    /// A setting besides `rules: {id: off}` that turns the rule off (see
    /// [`Rule::off_when`]).
    off_when: Option<fn(&RuleConfig<'_>) -> bool>,
    /// Reads the repository's CODEOWNERS (see [`Rule::reading_codeowners`]).
    codeowners: bool,
    /// The `.plimsoll.yaml` keys it reads (see [`Rule::configured_by`]).
    settings: &'static [&'static str],
    /// The paths of an object it reads, when it runs at the end of a run
    /// (see [`Rule::reading`]); `None` for the whole object.
    reads: Option<&'static [&'static str]>,
    /// A kind whose presence in the input makes it read whole objects (see
    /// [`Rule::reading_whole_objects_if_input_names`]).
    whole_if_named: Option<&'static str>,
}

impl Rule {
    /// A rule that checks one object at a time.
    pub fn document(
        meta: RuleMeta,
        check: impl Fn(&DocumentContext<'_>, &mut Sink) + Send + Sync + 'static,
    ) -> Rule {
        Rule {
            meta,
            check: Check::Document(Arc::new(check)),
            reads_input: false,
            convention: false,
            autofix: None,
            needs: Needs::default(),
        }
    }

    /// Marks a rule that encodes one organisation's conventions (a naming
    /// pattern, a label, a list of services) rather than what the cluster
    /// needs: it stays off in a repository without a config file, unless
    /// selected by name, since nobody chose the convention it would enforce.
    #[must_use]
    pub fn convention(mut self) -> Rule {
        self.convention = true;
        self
    }

    /// Declares the safe fix the rule offers for some of its findings
    /// ([`Violation::with_fix`]): `what` completes "`plimsoll check --fix`
    /// …" in `plimsoll explain` and `plimsoll rules`.
    #[must_use]
    pub fn offering_fix(mut self, what: &'static str) -> Rule {
        self.autofix = Some(what);
        self
    }

    /// Whether the rule is [`Rule::convention`].
    pub fn is_convention(&self) -> bool {
        self.convention
    }

    /// Marks a rule that validates objects against schemas: the engine
    /// builds the schema catalog (and reads the files that may hold the
    /// input's CRDs first) only when such a rule runs, and `--no-schema`
    /// turns it off.
    #[must_use]
    pub(crate) fn validating_schemas(mut self) -> Rule {
        self.needs.schemas = true;
        self
    }

    /// Whether the rule is [`Rule::validating_schemas`].
    pub(crate) fn validates_schemas(&self) -> bool {
        self.needs.schemas
    }

    /// Declares a check of each Kustomize patch the input holds (a patch is
    /// part of an object, never a whole one, so document rules do not see
    /// it), run where the rule applies to the patch's environment.
    #[must_use]
    pub(crate) fn checking_patches(mut self, check: PatchCheck) -> Rule {
        self.needs.patches = Some(check);
        self
    }

    /// The rule's [`Rule::checking_patches`] check, if it declares one.
    pub(crate) fn patch_check(&self) -> Option<PatchCheck> {
        self.needs.patches
    }

    /// Declares a setting of the configuration that turns the rule off, as
    /// `rules: {id: off}` does: `images.requireDigest: false` for
    /// `image-digest`.
    #[must_use]
    pub(crate) fn off_when(mut self, off: fn(&RuleConfig<'_>) -> bool) -> Rule {
        self.needs.off_when = Some(off);
        self
    }

    /// Whether `config` turns the rule off by its [`Rule::off_when`] setting.
    pub(crate) fn is_off_in(&self, config: &RuleConfig<'_>) -> bool {
        self.needs.off_when.is_some_and(|off| off(config))
    }

    /// Marks a set rule that reads the repository's CODEOWNERS: the loader
    /// finds and reads it once per check when such a rule runs, and the
    /// rule sees it in its [`SetContext`].
    #[must_use]
    pub(crate) fn reading_codeowners(mut self) -> Rule {
        self.needs.codeowners = true;
        self
    }

    /// Declares the `.plimsoll.yaml` keys the rule reads
    /// (`images.requireDigest`, `environments[].replicas.min`), so that
    /// `explain` and the rules reference say how to configure it; a test
    /// holds every key of the config to a rule that reads it or to the run.
    pub(crate) fn configured_by(mut self, keys: &'static [&'static str]) -> Rule {
        self.needs.settings = keys;
        self
    }

    /// The `.plimsoll.yaml` keys the rule reads (`images.requireDigest`),
    /// as `explain` lists them.
    pub fn settings(&self) -> &'static [&'static str] {
        self.needs.settings
    }

    /// Declares the paths of an object that a rule run at the end of a run
    /// (a set rule, or a document rule [`Rule::reading_input`]) reads, of
    /// every object it looks at, written as JSON pointers with `*` for
    /// every item or key (`/spec/template/spec/containers/*/image`;
    /// `{pod}`, `{template}` and `{container}` stand for the pod spec, the
    /// pod template and the containers of each workload kind, and a
    /// `Kind:` prefix limits a path to objects of that kind:
    /// `Namespace:/metadata/labels`, `Job:{container}/args`). The run keeps
    /// only `apiVersion`, the name, namespace and suppression annotations,
    /// and the paths its enabled rules read, so that memory grows with what
    /// they need rather than with the input; a rule that declares nothing
    /// sees whole objects.
    #[must_use]
    pub(crate) fn reading(mut self, paths: &'static [&'static str]) -> Rule {
        self.needs.reads = Some(paths);
        self
    }

    /// Declares that the rule reads whole objects when the input names
    /// `kind` (a file spells the word): the input's admission policies
    /// evaluate expressions on any field of any object. The run reads every
    /// file's text before the pass to know.
    #[must_use]
    pub(crate) fn reading_whole_objects_if_input_names(mut self, kind: &'static str) -> Rule {
        self.needs.whole_if_named = Some(kind);
        self
    }

    /// The kind declared with [`Rule::reading_whole_objects_if_input_names`].
    pub(crate) fn whole_objects_if_input_names(&self) -> Option<&'static str> {
        self.needs.whole_if_named
    }

    /// The paths declared with [`Rule::reading`]; `None` for whole objects.
    pub(crate) fn reads(&self) -> Option<&'static [&'static str]> {
        self.needs.reads
    }

    /// Whether the rule is [`Rule::reading_codeowners`].
    pub(crate) fn reads_codeowners(&self) -> bool {
        self.needs.codeowners
    }

    /// Marks a document rule that looks up other objects of the input
    /// through [`DocumentContext::all`]. Only such rules see the input there;
    /// they run at the end of a run, once every object is loaded, as set
    /// rules do.
    #[must_use]
    pub fn reading_input(mut self) -> Rule {
        self.reads_input = true;
        self
    }

    /// Whether the rule runs at the end of a run, on every object of the
    /// input: a set rule, or a document rule marked with
    /// [`Rule::reading_input`].
    pub fn reads_input(&self) -> bool {
        self.reads_input || matches!(self.check, Check::Set(_))
    }

    /// A rule that checks all objects of one environment together.
    pub fn set(
        meta: RuleMeta,
        check: impl Fn(&SetContext<'_>, &mut Sink) + Send + Sync + 'static,
    ) -> Rule {
        Rule {
            meta,
            check: Check::Set(Arc::new(check)),
            reads_input: false,
            convention: false,
            autofix: None,
            needs: Needs::default(),
        }
    }

    pub(crate) fn load(meta: RuleMeta) -> Rule {
        Rule {
            meta,
            check: Check::Load,
            reads_input: false,
            convention: false,
            autofix: None,
            needs: Needs::default(),
        }
    }

    /// The rule id.
    pub fn id(&self) -> &str {
        &self.meta.id
    }
}

/// The built-in rules, in the order SPEC section 7 lists them.
pub fn builtin() -> Vec<Rule> {
    vec![
        input_read::rule(),
        yaml_syntax::rule(),
        yaml_duplicate_key::rule(),
        manifest_shape::rule(),
        schema::rule(),
        schema_missing::rule(),
        deprecated_api::rule(),
        duplicate_resource::rule(),
        unrendered_template::rule(),
        baseline_stale::rule(),
        unused_suppression::rule(),
        image_digest::rule(),
        image_latest::rule(),
        image_registry::rule(),
        image_pull_secret::rule(),
        naming_convention::rule(),
        environment_label::rule(),
        environment_mismatch::rule(),
        namespace_quota::rule(),
        namespace_limitrange::rule(),
        namespace_network_policy::rule(),
        network_policy_dns::rule(),
        quota_capacity::rule(),
        container_resources::rule(),
        replicas_minimum::rule(),
        probes::rule(),
        pod_security::rule(),
        selector_mismatch::rule(),
        dangling_reference::rule(),
        required_workloads::rule(),
        disruption_budget::rule(),
        plaintext_secret::rule(),
        sealed_secret::rule(),
        external_secret::rule(),
        secret_reference::rule(),
        secret_literal::rule(),
        migration_hook::rule(),
        sync_wave::rule(),
        sync_policy::rule(),
        flux_depends_on::rule(),
        flux_interval::rule(),
        flux_source::rule(),
        promotion_path::rule(),
        promotion_image_parity::rule(),
        component_tags::rule(),
        codeowners::rule(),
        prometheus_rule::rule(),
    ]
}

/// The known rule id nearest to a mistyped `id` (at most three edits
/// away), for "did you mean" hints.
pub fn closest_id<'k>(id: &str, known: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    known
        .into_iter()
        .map(|candidate| (crate::settings::edit_distance(id, candidate), candidate))
        .filter(|(distance, _)| *distance <= 3)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// The rules reference (`docs/rules.md`), generated from rule metadata.
pub fn reference_markdown(rules: &[Rule]) -> String {
    let mut out = String::from(
        "# Rules reference\n\n<!-- Generated from rule metadata by `plimsoll rules --format markdown`; do not edit. -->\n\n| id | category | default | summary |\n|---|---|---|---|\n",
    );
    for rule in rules {
        out.push_str(&format!(
            "| [`{id}`](#{id}) | {} | {} | {} |\n",
            rule.meta.category,
            rule.meta.default_severity,
            rule.meta.summary,
            id = rule.meta.id
        ));
    }
    for rule in rules {
        out.push('\n');
        out.push_str(&explain_markdown(rule));
    }
    out
}

/// One rule's documentation as Markdown (`plimsoll explain RULE`).
pub fn explain_markdown(rule: &Rule) -> String {
    let meta = &rule.meta;
    let mut out = format!(
        "## {}\n\n{}\n\nCategory: {} · default severity: {}\n\n### Why\n\n{}\n\n### How to fix\n\n{}\n",
        meta.id,
        meta.summary,
        meta.category,
        meta.default_severity,
        meta.rationale.trim(),
        meta.fix.trim()
    );
    if !rule.settings().is_empty() {
        let keys: Vec<String> = rule
            .settings()
            .iter()
            .map(|key| format!("`{key}`"))
            .collect();
        out.push_str(&format!(
            "\n### Configuration\n\nIn `.plimsoll.yaml` (docs/configuration.md): {}.\n",
            keys.join(", ")
        ));
    }
    if !meta.bad.is_empty() {
        out.push_str(&format!(
            "\n### Reported\n\n```yaml\n{}\n```\n",
            meta.bad.trim_end()
        ));
    }
    if !meta.good.is_empty() {
        out.push_str(&format!(
            "\n### Not reported\n\n```yaml\n{}\n```\n",
            meta.good.trim_end()
        ));
    }
    if let Some(fix) = rule.autofix {
        out.push_str(&format!(
            "\n### Safe fix\n\n`plimsoll check --fix` {fix}; `--fix --dry-run` shows the change as a diff.\n"
        ));
    }
    out.push_str(&format!(
        "\n### Ignoring\n\nOn the line or the line above: `# plimsoll: ignore[{id}] reason`; for a whole file: `# plimsoll: ignore-file[{id}]`; on an object: the annotation `plimsoll.dev/ignore: \"{id}\"`; everywhere: `rules: {{{id}: off}}` in `.plimsoll.yaml`.\n",
        id = meta.id
    ));
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Config;
    use crate::{Engine, EngineOptions, Input};

    fn meta(id: &'static str) -> RuleMeta {
        RuleMeta {
            id: id.into(),
            category: Category::Custom,
            default_severity: Severity::Warning,
            summary: "".into(),
            rationale: "".into(),
            fix: "".into(),
            bad: "".into(),
            good: "".into(),
        }
    }

    fn declaring(rule: impl Fn(&Rule) -> bool) -> Vec<String> {
        builtin()
            .iter()
            .filter(|candidate| rule(candidate))
            .map(|rule| rule.id().to_owned())
            .collect()
    }

    #[test]
    fn the_builtin_rules_declare_what_the_engine_once_knew_by_id() {
        assert_eq!(
            declaring(Rule::validates_schemas),
            ["schema", "schema-missing"]
        );
        assert_eq!(declaring(|rule| rule.patch_check().is_some()), ["schema"]);
        let off = Config::from_yaml(
            "images: {requireDigest: false}\n",
            ".plimsoll.yaml".as_ref(),
        )
        .unwrap();
        assert_eq!(
            declaring(|rule| rule.is_off_in(&off.rule_config())),
            ["image-digest"]
        );
        let limited = Config::from_yaml(
            "images: {requireDigest: [prod]}\n",
            ".plimsoll.yaml".as_ref(),
        )
        .unwrap();
        assert!(declaring(|rule| rule.is_off_in(&limited.rule_config())).is_empty());
        assert!(declaring(|rule| rule.is_off_in(&Config::default().rule_config())).is_empty());
    }

    #[test]
    fn the_engine_turns_rules_off_by_their_declarations() {
        let rules = vec![
            Rule::document(meta("plain"), |_, _| {}),
            Rule::document(meta("schemas"), |_, _| {}).validating_schemas(),
            Rule::document(meta("switched"), |_, _| {}).off_when(|_| true),
        ];
        let options = EngineOptions {
            no_schema: true,
            ..EngineOptions::default()
        };
        let engine = Engine::with_rules(Config::default(), options, rules).unwrap();
        assert!(engine.is_enabled("plain"));
        assert!(!engine.is_enabled("schemas"));
        assert!(!engine.is_enabled("switched"));
    }

    #[test]
    fn a_rule_that_checks_patches_sees_every_patch_of_the_input() {
        let rules = vec![Rule::document(meta("patches"), |_, _| {})
            .checking_patches(|patch, _| vec![Violation::at_value(patch, "/kind", "a patch")])];
        let engine =
            Engine::with_rules(Config::default(), EngineOptions::default(), rules).unwrap();
        let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/rules/schema/pass-strategic-merge-patch");
        let report = engine.check(&[Input::Path(folder)]).unwrap();
        let mut files: Vec<&str> = report
            .findings
            .iter()
            .map(|finding| {
                assert_eq!(finding.rule, "patches");
                finding.file.rsplit('/').next().unwrap_or_default()
            })
            .collect();
        files.sort_unstable();
        assert_eq!(
            files,
            [
                "drop-sidecar.yaml",
                "remove-config.yaml",
                "resources-patch.yaml"
            ]
        );
    }
}
