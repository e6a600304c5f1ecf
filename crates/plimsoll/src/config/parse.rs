//! Reading `.plimsoll.yaml` from a spanned tree, key by key.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::{
    Codeowners, Config, ConfigError, ConfigPlaces, EnvironmentConfig, Images, Migrations, Naming,
    NetworkPolicyConfig, PodSecurityLevel, PullSecret, Replicas, RequireDigest, ResourceAmounts,
    ResourceFloor, RuleSetting, Secrets, SyncMode, SyncSettings,
};
use crate::finding::Severity;
use crate::source::{SourceLines, Span, TextRange};
use crate::yaml::{parse_stream, Entry, Limits, Node, ProblemKind, Value};

/// Every key the file format has, by section (the JSON schema in
/// `schemas/plimsoll-config.schema.json` is tested against this list).
pub const KNOWN_KEYS: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "kubernetesVersion",
            "environments",
            "environmentLabel",
            "naming",
            "images",
            "secrets",
            "networkPolicy",
            "podSecurity",
            "requiredWorkloads",
            "migrations",
            "codeowners",
            "rules",
            "exclude",
            "policies",
        ],
    ),
    (
        "environments[]",
        &[
            "name",
            "aliases",
            "paths",
            "namespaces",
            "promotesTo",
            "branch",
            "replicas",
            "resources",
            "sync",
        ],
    ),
    ("environments[].replicas", &["min"]),
    ("environments[].resources", &["requests", "limits"]),
    ("environments[].resources.requests", &["cpu", "memory"]),
    ("environments[].resources.limits", &["cpu", "memory"]),
    ("environments[].sync", &["mode", "interval", "timeout"]),
    ("naming", &["resource", "namespace"]),
    (
        "images",
        &["requireDigest", "allowedRegistries", "pullSecrets"],
    ),
    ("images.pullSecrets[]", &["registry", "secret"]),
    ("secrets", &["external", "stores"]),
    (
        "networkPolicy",
        &["ingressNamespaceLabel", "requireDnsEgress"],
    ),
    ("migrations", &["waveOrder", "maxBackoffLimit"]),
    ("codeowners", &["protect"]),
    ("rules.*", &["severity", "environments"]),
];

fn keys_of(section: &str) -> &'static [&'static str] {
    KNOWN_KEYS
        .iter()
        .find(|(name, _)| *name == section)
        .map(|(_, keys)| *keys)
        .unwrap_or(&[])
}

struct Reader<'a> {
    file: &'a Path,
    lines: SourceLines<'a>,
    /// Every key read so far → where its entry is written.
    places: RefCell<BTreeMap<String, Span>>,
    /// Mistakes found so far; reading goes on past them, so that one run
    /// reports every unknown key and one mistake per section.
    mistakes: RefCell<Vec<ConfigError>>,
}

impl Reader<'_> {
    /// Where a value of the config file is, in lines and columns.
    fn span(&self, range: TextRange) -> Span {
        self.lines.span(range)
    }

    fn error(&self, range: TextRange, key: &str, message: impl Into<String>) -> ConfigError {
        self.error_at(self.span(range), key, message)
    }

    fn error_at(&self, span: Span, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: self.file.to_path_buf(),
            line: span.start.line,
            column: span.start.column,
            key: key.to_owned(),
            message: message.into(),
            more: Vec::new(),
        }
    }

    fn wrong_type(&self, node: &Node, key: &str, expected: &str) -> ConfigError {
        self.error(
            node.span,
            key,
            format!("expected {expected}, got {}", describe(node)),
        )
    }

    /// Notes a mistake and reads on.
    fn record(&self, mistake: ConfigError) {
        self.mistakes.borrow_mut().push(mistake);
    }

    /// The entries of a mapping whose keys belong to `section`; each
    /// unknown key is recorded as a mistake and left out.
    fn map<'n>(
        &self,
        node: &'n Node,
        key: &str,
        section: &str,
    ) -> Result<Vec<&'n Entry>, ConfigError> {
        let entries = node
            .as_map()
            .ok_or_else(|| self.wrong_type(node, key, "a mapping"))?;
        let allowed = keys_of(section);
        let mut places = self.places.borrow_mut();
        let mut known = Vec::with_capacity(entries.len());
        for entry in entries {
            // `min: 3` for a scalar; the key alone for a collection, whose
            // span may run over lines and comments.
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
            places.insert(join(key, &entry.key), self.span(place));
            if !allowed.contains(&entry.key.as_str()) {
                let mut message = format!("unknown key `{}`", entry.key);
                if let Some(suggestion) = closest(&entry.key, allowed) {
                    message.push_str(&format!(" (did you mean `{suggestion}`?)"));
                }
                message.push_str(&format!("; expected one of: {}", allowed.join(", ")));
                self.record(self.error(entry.key_span, &join(key, &entry.key), message));
                continue;
            }
            known.push(entry);
        }
        Ok(known)
    }

    fn string(&self, node: &Node, key: &str) -> Result<String, ConfigError> {
        node.as_str()
            .map(str::to_owned)
            .ok_or_else(|| self.wrong_type(node, key, "a string"))
    }

    /// A string, or a number written without quotes (quantities such as
    /// `cpu: 1`).
    fn scalar_string(&self, node: &Node, key: &str) -> Result<String, ConfigError> {
        match &node.value {
            Value::String(text) => Ok(text.to_string()),
            Value::Int(number) => Ok(number.to_string()),
            Value::Float(number) => Ok(number.to_string()),
            _ => Err(self.wrong_type(node, key, "a string")),
        }
    }

    fn strings(&self, node: &Node, key: &str) -> Result<Vec<String>, ConfigError> {
        let items = node
            .as_seq()
            .ok_or_else(|| self.wrong_type(node, key, "a list of strings"))?;
        items
            .iter()
            .enumerate()
            .map(|(at, item)| self.string(item, &format!("{key}[{at}]")))
            .collect()
    }

    fn boolean(&self, node: &Node, key: &str) -> Result<bool, ConfigError> {
        node.as_bool()
            .ok_or_else(|| self.wrong_type(node, key, "true or false"))
    }

    fn integer(&self, node: &Node, key: &str) -> Result<i64, ConfigError> {
        node.as_i64()
            .ok_or_else(|| self.wrong_type(node, key, "an integer"))
    }

    fn count(&self, node: &Node, key: &str) -> Result<u32, ConfigError> {
        let number = self.integer(node, key)?;
        u32::try_from(number).map_err(|_| {
            self.error(
                node.span,
                key,
                format!("expected a count of 0 or more, got {number}"),
            )
        })
    }
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

fn describe(node: &Node) -> String {
    match &node.value {
        Value::String(text) => format!("string \"{text}\""),
        Value::Int(number) => format!("integer {number}"),
        Value::Float(number) => format!("number {number}"),
        Value::Bool(flag) => format!("boolean {flag}"),
        other => other.type_name().to_owned(),
    }
}

/// The allowed key nearest to a misspelt one, if any is close.
fn closest<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
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

pub(super) fn parse_config(text: &str, file: &Path) -> Result<Config, ConfigError> {
    let reader = Reader {
        file,
        lines: SourceLines::new(text),
        places: RefCell::new(BTreeMap::new()),
        mistakes: RefCell::new(Vec::new()),
    };
    let documents = parse_stream(text, &Limits::default());
    if let Some(problem) = documents.iter().flat_map(|doc| &doc.problems).next() {
        let what = match problem.kind {
            ProblemKind::Syntax => "invalid YAML",
            ProblemKind::DuplicateKey => "duplicate key",
        };
        return Err(reader.error(problem.span, "", format!("{what}: {}", problem.message)));
    }
    let mut roots = documents.into_iter().filter_map(|doc| doc.root);
    let Some(root) = roots.next() else {
        return Ok(Config::default());
    };
    if let Some(extra) = roots.next() {
        return Err(reader.error(
            extra.span,
            "",
            "the config file must hold a single YAML document",
        ));
    }
    let mut config = Config::default();
    for entry in reader.map(&root, "", "")? {
        if let Err(mistake) = read_section(&reader, &mut config, entry) {
            reader.record(mistake);
        }
    }
    if let Err(mistake) = validate_environments(&reader, &config.environments) {
        reader.record(mistake);
    }
    let mut mistakes = reader.mistakes.take();
    mistakes.sort_by_key(|mistake| (mistake.line, mistake.column));
    let mut mistakes = mistakes.into_iter();
    if let Some(mut first) = mistakes.next() {
        first.more = mistakes.collect();
        return Err(first);
    }
    config.places = ConfigPlaces {
        spans: reader.places.take(),
        text: text.into(),
    };
    Ok(config)
}

/// Reads one top-level key into `config`.
fn read_section(
    reader: &Reader<'_>,
    config: &mut Config,
    entry: &Entry,
) -> Result<(), ConfigError> {
    let key = entry.key.as_str();
    let value = &entry.value;
    match key {
        "kubernetesVersion" => config.kubernetes_version = Some(kubernetes_version(reader, value)?),
        "environments" => config.environments = environments(reader, value)?,
        "environmentLabel" => config.environment_label = Some(reader.string(value, key)?),
        "naming" => config.naming = naming(reader, value)?,
        "images" => config.images = images(reader, value)?,
        "secrets" => config.secrets = secrets(reader, value)?,
        "networkPolicy" => config.network_policy = network_policy(reader, value)?,
        "podSecurity" => {
            config.pod_security = match reader.string(value, key)?.as_str() {
                "baseline" => PodSecurityLevel::Baseline,
                "restricted" => PodSecurityLevel::Restricted,
                other => {
                    return Err(reader.error(
                        value.span,
                        key,
                        format!("expected `baseline` or `restricted`, got \"{other}\""),
                    ))
                }
            }
        }
        "requiredWorkloads" => config.required_workloads = reader.strings(value, key)?,
        "migrations" => config.migrations = migrations(reader, value)?,
        "codeowners" => config.codeowners = codeowners(reader, value)?,
        "rules" => config.rules = rules(reader, value)?,
        "exclude" => config.exclude = reader.strings(value, key)?,
        "policies" => config.policies = reader.strings(value, key)?,
        _ => {}
    }
    Ok(())
}

fn kubernetes_version(reader: &Reader<'_>, node: &Node) -> Result<String, ConfigError> {
    let key = "kubernetesVersion";
    let text = match &node.value {
        Value::String(text) => text.to_string(),
        Value::Float(_) | Value::Int(_) => return Err(reader.error(
            node.span,
            key,
            "write the version as a string, e.g. \"1.31\" (a bare 1.30 reads as the number 1.3)",
        )),
        _ => return Err(reader.wrong_type(node, key, "a version string such as \"1.31\"")),
    };
    if parse_kubernetes_version(&text).is_none() {
        return Err(reader.error(
            node.span,
            key,
            format!("expected a version such as \"1.31\" or \"1.31.0\", got \"{text}\""),
        ));
    }
    Ok(text)
}

/// Parses `1.31`, `1.31.0` or `v1.31` into (major, minor).
pub fn parse_kubernetes_version(text: &str) -> Option<(u32, u32)> {
    let text = text.strip_prefix('v').unwrap_or(text);
    let mut parts = text.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    match parts.next() {
        None => {}
        Some(patch) => {
            patch.parse::<u32>().ok()?;
        }
    }
    parts.next().is_none().then_some((major, minor))
}

fn environments(reader: &Reader<'_>, node: &Node) -> Result<Vec<EnvironmentConfig>, ConfigError> {
    let items = node
        .as_seq()
        .ok_or_else(|| reader.wrong_type(node, "environments", "a list of environments"))?;
    let mut environments = Vec::with_capacity(items.len());
    for (at, item) in items.iter().enumerate() {
        let key = format!("environments[{at}]");
        let mut environment = EnvironmentConfig {
            span: reader.span(item.span),
            ..EnvironmentConfig::default()
        };
        let mut has_name = false;
        for entry in reader.map(item, &key, "environments[]")? {
            let field = join(&key, &entry.key);
            let value = &entry.value;
            match entry.key.as_str() {
                "name" => {
                    environment.name = reader.string(value, &field)?;
                    environment.span = reader.span(value.span);
                    has_name = true;
                }
                "aliases" => environment.aliases = reader.strings(value, &field)?,
                "paths" => environment.paths = reader.strings(value, &field)?,
                "namespaces" => environment.namespaces = reader.strings(value, &field)?,
                "promotesTo" => {
                    environment.promotes_to = reader.strings(value, &field)?;
                    environment.promotes_to_span = Some(reader.span(value.span));
                }
                "branch" => environment.branch = Some(reader.string(value, &field)?),
                "replicas" => {
                    let mut replicas = Replicas::default();
                    for entry in reader.map(value, &field, "environments[].replicas")? {
                        replicas.min = Some(reader.count(&entry.value, &join(&field, "min"))?);
                    }
                    environment.replicas = replicas;
                }
                "resources" => environment.resources = resource_floor(reader, value, &field)?,
                "sync" => environment.sync = sync(reader, value, &field)?,
                _ => {}
            }
        }
        if !has_name || environment.name.is_empty() {
            return Err(reader.error(
                item.span,
                &join(&key, "name"),
                "every environment needs a name",
            ));
        }
        environments.push(environment);
    }
    Ok(environments)
}

fn resource_floor(
    reader: &Reader<'_>,
    node: &Node,
    key: &str,
) -> Result<ResourceFloor, ConfigError> {
    let mut floor = ResourceFloor::default();
    for entry in reader.map(node, key, "environments[].resources")? {
        let field = join(key, &entry.key);
        let section = format!("environments[].resources.{}", entry.key);
        let mut amounts = ResourceAmounts::default();
        for amount in reader.map(&entry.value, &field, &section)? {
            let amount_key = join(&field, &amount.key);
            let text = reader.scalar_string(&amount.value, &amount_key)?;
            if let Err(error) = crate::model::Quantity::parse(&text) {
                return Err(reader.error(amount.value.span, &amount_key, error.to_string()));
            }
            let value = Some(text);
            match amount.key.as_str() {
                "cpu" => amounts.cpu = value,
                _ => amounts.memory = value,
            }
        }
        match entry.key.as_str() {
            "requests" => floor.requests = amounts,
            _ => floor.limits = amounts,
        }
    }
    Ok(floor)
}

fn sync(reader: &Reader<'_>, node: &Node, key: &str) -> Result<SyncSettings, ConfigError> {
    let mut sync = SyncSettings::default();
    for entry in reader.map(node, key, "environments[].sync")? {
        let field = join(key, &entry.key);
        match entry.key.as_str() {
            "mode" => {
                sync.mode = Some(match reader.string(&entry.value, &field)?.as_str() {
                    "auto" => SyncMode::Auto,
                    "manual" => SyncMode::Manual,
                    other => {
                        return Err(reader.error(
                            entry.value.span,
                            &field,
                            format!("expected `auto` or `manual`, got \"{other}\""),
                        ))
                    }
                })
            }
            "interval" => sync.interval = Some(reader.string(&entry.value, &field)?),
            _ => sync.timeout = Some(reader.string(&entry.value, &field)?),
        }
    }
    Ok(sync)
}

fn naming(reader: &Reader<'_>, node: &Node) -> Result<Naming, ConfigError> {
    let mut naming = Naming::default();
    for entry in reader.map(node, "naming", "naming")? {
        let field = join("naming", &entry.key);
        let pattern = reader.string(&entry.value, &field)?;
        if !pattern.contains("{env}") {
            return Err(reader.error(
                entry.value.span,
                &field,
                format!("the pattern \"{pattern}\" must contain {{env}}"),
            ));
        }
        match entry.key.as_str() {
            "resource" => naming.resource = Some(pattern),
            _ => naming.namespace = Some(pattern),
        }
    }
    Ok(naming)
}

fn images(reader: &Reader<'_>, node: &Node) -> Result<Images, ConfigError> {
    let mut images = Images::default();
    for entry in reader.map(node, "images", "images")? {
        let field = join("images", &entry.key);
        let value = &entry.value;
        match entry.key.as_str() {
            "requireDigest" => {
                images.require_digest = match &value.value {
                    Value::Bool(flag) => RequireDigest::Everywhere(*flag),
                    Value::Seq(_) => RequireDigest::Environments(reader.strings(value, &field)?),
                    _ => {
                        return Err(reader.wrong_type(
                            value,
                            &field,
                            "true, false or a list of environments",
                        ))
                    }
                }
            }
            "allowedRegistries" => images.allowed_registries = reader.strings(value, &field)?,
            _ => {
                let items = value.as_seq().ok_or_else(|| {
                    reader.wrong_type(value, &field, "a list of {registry, secret}")
                })?;
                for (at, item) in items.iter().enumerate() {
                    let item_key = format!("{field}[{at}]");
                    let mut pull_secret = PullSecret::default();
                    for part in reader.map(item, &item_key, "images.pullSecrets[]")? {
                        let text = reader.string(&part.value, &join(&item_key, &part.key))?;
                        match part.key.as_str() {
                            "registry" => pull_secret.registry = text,
                            _ => pull_secret.secret = text,
                        }
                    }
                    if pull_secret.registry.is_empty() || pull_secret.secret.is_empty() {
                        return Err(reader.error(
                            item.span,
                            &item_key,
                            "needs both `registry` and `secret`",
                        ));
                    }
                    images.pull_secrets.push(pull_secret);
                }
            }
        }
    }
    Ok(images)
}

fn secrets(reader: &Reader<'_>, node: &Node) -> Result<Secrets, ConfigError> {
    let mut secrets = Secrets::default();
    for entry in reader.map(node, "secrets", "secrets")? {
        let list = reader.strings(&entry.value, &join("secrets", &entry.key))?;
        match entry.key.as_str() {
            "external" => secrets.external = list,
            _ => secrets.stores = list,
        }
    }
    Ok(secrets)
}

fn network_policy(reader: &Reader<'_>, node: &Node) -> Result<NetworkPolicyConfig, ConfigError> {
    let mut policy = NetworkPolicyConfig::default();
    for entry in reader.map(node, "networkPolicy", "networkPolicy")? {
        let field = join("networkPolicy", &entry.key);
        match entry.key.as_str() {
            "ingressNamespaceLabel" => {
                let label = reader.string(&entry.value, &field)?;
                if !label.contains('=') {
                    return Err(reader.error(
                        entry.value.span,
                        &field,
                        format!("expected `key=value`, got \"{label}\""),
                    ));
                }
                policy.ingress_namespace_label = Some(label);
            }
            _ => policy.require_dns_egress = Some(reader.boolean(&entry.value, &field)?),
        }
    }
    Ok(policy)
}

fn migrations(reader: &Reader<'_>, node: &Node) -> Result<Migrations, ConfigError> {
    let mut migrations = Migrations::default();
    for entry in reader.map(node, "migrations", "migrations")? {
        let field = join("migrations", &entry.key);
        match entry.key.as_str() {
            "waveOrder" => migrations.wave_order = reader.strings(&entry.value, &field)?,
            _ => migrations.max_backoff_limit = Some(reader.integer(&entry.value, &field)?),
        }
    }
    Ok(migrations)
}

fn codeowners(reader: &Reader<'_>, node: &Node) -> Result<Codeowners, ConfigError> {
    let mut codeowners = Codeowners::default();
    for entry in reader.map(node, "codeowners", "codeowners")? {
        codeowners.protect = reader.strings(&entry.value, "codeowners.protect")?;
    }
    Ok(codeowners)
}

fn severity(reader: &Reader<'_>, node: &Node, key: &str) -> Result<Severity, ConfigError> {
    let text = reader.string(node, key)?;
    Severity::parse(&text).ok_or_else(|| {
        reader.error(
            node.span,
            key,
            format!("expected error, warning, info or off, got \"{text}\""),
        )
    })
}

fn rules(reader: &Reader<'_>, node: &Node) -> Result<BTreeMap<String, RuleSetting>, ConfigError> {
    let entries = node
        .as_map()
        .ok_or_else(|| reader.wrong_type(node, "rules", "a mapping of rule ids"))?;
    let mut rules = BTreeMap::new();
    for entry in entries {
        let key = join("rules", &entry.key);
        let mut setting = RuleSetting {
            enabled: true,
            severity: None,
            environments: Vec::new(),
            span: reader.span(entry.key_span),
        };
        match &entry.value.value {
            // YAML 1.1 reads an unquoted `off` as false: both mean off.
            Value::Bool(enabled) => setting.enabled = *enabled,
            Value::String(text) if text == "off" => setting.enabled = false,
            Value::String(_) => setting.severity = Some(severity(reader, &entry.value, &key)?),
            Value::Map(_) => {
                for part in reader.map(&entry.value, &key, "rules.*")? {
                    let field = join(&key, &part.key);
                    match part.key.as_str() {
                        "severity" => match &part.value.value {
                            Value::Bool(false) => setting.enabled = false,
                            Value::String(text) if text == "off" => setting.enabled = false,
                            _ => setting.severity = Some(severity(reader, &part.value, &field)?),
                        },
                        _ => setting.environments = reader.strings(&part.value, &field)?,
                    }
                }
            }
            _ => {
                return Err(reader.wrong_type(
                    &entry.value,
                    &key,
                    "a severity (error, warning, info), off, or {severity, environments}",
                ))
            }
        }
        rules.insert(entry.key.to_string(), setting);
    }
    Ok(rules)
}

/// Names are unique (aliases included) and `promotesTo` names known
/// environments.
fn validate_environments(
    reader: &Reader<'_>,
    environments: &[EnvironmentConfig],
) -> Result<(), ConfigError> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for environment in environments {
        for name in std::iter::once(&environment.name).chain(&environment.aliases) {
            if let Some(owner) = seen.insert(name.to_lowercase(), &environment.name) {
                return Err(reader.error_at(
                    environment.span,
                    "environments",
                    format!(
                        "the name \"{name}\" is used by both `{owner}` and `{}`",
                        environment.name
                    ),
                ));
            }
        }
    }
    for environment in environments {
        for target in &environment.promotes_to {
            if !seen.contains_key(&target.to_lowercase()) {
                return Err(reader.error_at(
                    environment.span,
                    "promotesTo",
                    format!(
                        "`{}` promotes to unknown environment \"{target}\"",
                        environment.name
                    ),
                ));
            }
        }
    }
    validate_graph(reader, environments)
}

/// The promotion graph has no cycle, and every environment can be reached
/// from the first one. Checked only when some environment has `promotesTo`
/// (a list of environments without edges defines no graph).
fn validate_graph(
    reader: &Reader<'_>,
    environments: &[EnvironmentConfig],
) -> Result<(), ConfigError> {
    if environments
        .iter()
        .all(|environment| environment.promotes_to.is_empty())
    {
        return Ok(());
    }
    // Names and aliases, lower-cased as the graph looks them up: looking
    // for each target among every environment grew with the square of a
    // long chain.
    let mut index_of: HashMap<String, usize> = HashMap::new();
    for (at, environment) in environments.iter().enumerate() {
        for name in std::iter::once(&environment.name).chain(&environment.aliases) {
            index_of.entry(name.to_lowercase()).or_insert(at);
        }
    }
    let edges: Vec<Vec<usize>> = environments
        .iter()
        .map(|environment| {
            environment
                .promotes_to
                .iter()
                .filter_map(|target| index_of.get(&target.to_lowercase()).copied())
                .collect()
        })
        .collect();
    let span_of =
        |environment: &EnvironmentConfig| environment.promotes_to_span.unwrap_or(environment.span);
    // Cycles: depth-first search, in configured order.
    let mut state = vec![0u8; environments.len()]; // 0 new, 1 on the path, 2 done
    for start in 0..environments.len() {
        let mut path = Vec::new();
        if let Some(cycle) = find_cycle(start, &edges, &mut state, &mut path) {
            let names: Vec<&str> = cycle
                .iter()
                .filter_map(|at| environments.get(*at))
                .map(|environment| environment.name.as_str())
                .collect();
            let closing = cycle
                .iter()
                .rev()
                .nth(1)
                .and_then(|at| environments.get(*at));
            if let Some(closing) = closing {
                return Err(reader.error_at(
                    span_of(closing),
                    "promotesTo",
                    format!("the promotion graph has a cycle: {}", names.join(" → ")),
                ));
            }
        }
    }
    // Reachability from the first environment.
    let mut reached = vec![false; environments.len()];
    let mut queue = vec![0];
    while let Some(at) = queue.pop() {
        if reached.get(at).copied().unwrap_or(true) {
            continue;
        }
        if let Some(slot) = reached.get_mut(at) {
            *slot = true;
        }
        queue.extend(edges.get(at).into_iter().flatten().copied());
    }
    let first = environments
        .first()
        .map(|environment| environment.name.as_str())
        .unwrap_or("");
    for (environment, reached) in environments.iter().zip(&reached) {
        if !reached {
            return Err(reader.error_at(
                environment.span,
                "environments",
                format!(
                    "`{}` cannot be reached from `{first}` through promotesTo: add it to the promotesTo of the environment before it, or list the entry environment first",
                    environment.name
                ),
            ));
        }
    }
    Ok(())
}

/// A cycle through `at` (its environments, the first repeated at the end).
fn find_cycle(
    at: usize,
    edges: &[Vec<usize>],
    state: &mut [u8],
    path: &mut Vec<usize>,
) -> Option<Vec<usize>> {
    match state.get(at).copied() {
        Some(2) | None => return None,
        Some(1) => {
            let from = path.iter().position(|step| *step == at)?;
            let mut cycle: Vec<usize> = path.get(from..)?.to_vec();
            cycle.push(at);
            return Some(cycle);
        }
        _ => {}
    }
    if let Some(slot) = state.get_mut(at) {
        *slot = 1;
    }
    path.push(at);
    for next in edges.get(at).into_iter().flatten() {
        if let Some(cycle) = find_cycle(*next, edges, state, path) {
            return Some(cycle);
        }
    }
    path.pop();
    if let Some(slot) = state.get_mut(at) {
        *slot = 2;
    }
    None
}

#[cfg(test)]
mod graph_tests {
    use super::*;
    use std::path::Path;

    fn error_of(text: &str) -> ConfigError {
        crate::config::Config::from_yaml(text, Path::new(".plimsoll.yaml")).unwrap_err()
    }

    #[test]
    fn cycles_are_named_at_the_closing_edge() {
        let error = error_of(
            "environments:\n  - name: dev\n    promotesTo: [qa]\n  - name: qa\n    promotesTo: [staging]\n  - name: staging\n    promotesTo: [dev]\n",
        );
        assert_eq!(error.line, 7);
        assert_eq!(error.column, 17);
        assert_eq!(
            error.message,
            "the promotion graph has a cycle: dev → qa → staging → dev"
        );
    }

    #[test]
    fn unreachable_environments_are_named() {
        let error = error_of(
            "environments:\n  - name: dev\n    promotesTo: [prod]\n  - name: sandbox\n  - name: prod\n",
        );
        assert_eq!(error.line, 4);
        assert!(
            error
                .message
                .starts_with("`sandbox` cannot be reached from `dev`"),
            "{}",
            error.message
        );
    }

    #[test]
    fn fan_out_graphs_and_graphless_lists_load() {
        crate::config::Config::from_yaml(
            "environments:\n  - name: qa\n    promotesTo: [uat1, uat2]\n  - name: uat1\n    promotesTo: [staging]\n  - name: uat2\n    promotesTo: [staging]\n  - name: staging\n",
            Path::new(".plimsoll.yaml"),
        )
        .unwrap();
        crate::config::Config::from_yaml(
            "environments:\n  - name: dev\n  - name: prod\n",
            Path::new(".plimsoll.yaml"),
        )
        .unwrap();
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn resource_floors_must_be_quantities() {
        let good = "environments:\n  - name: prod\n    resources: {requests: {cpu: 100m, memory: 0.5Gi}}\n";
        let config = Config::from_yaml(good, ".plimsoll.yaml".as_ref()).unwrap();
        let floor = &config.environments[0].resources.requests;
        assert_eq!(floor.memory.as_deref(), Some("0.5Gi"));
        let bad =
            "environments:\n  - name: prod\n    resources: {requests: {cpu: 100m, memory: 64MB}}\n";
        let error = Config::from_yaml(bad, ".plimsoll.yaml".as_ref()).unwrap_err();
        assert_eq!((error.line, error.column), (3, 47));
        assert!(error.message.contains("unknown suffix \"MB\""), "{error}");
    }
}
