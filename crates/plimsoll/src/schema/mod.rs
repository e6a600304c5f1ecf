//! Schemas: where the JSON Schema of an (apiVersion, kind) comes from, and
//! the validators compiled from them.
//!
//! Sources, first match wins:
//! 1. CustomResourceDefinitions found in the input of the run ([`RunSchemas`]);
//! 2. `--schema-location` templates and folders, in the order given;
//! 3. the bundled Kubernetes schemas of the chosen version (strict:
//!    unknown fields are errors);
//! 4. the bundled CRD schemas;
//! 5. `--schema-location` files (`*.json`), for resources nothing else covers.
//!
//! Nothing is read or compiled before a document needs it: the Kubernetes
//! bundle of the chosen version is decompressed once, on the first lookup
//! that reaches it, with each definition kept as raw JSON text; compiling a
//! kind parses only the definitions it reaches (a Deployment reaches about a
//! sixth of them) into a self-contained schema. Each (apiVersion, kind) is
//! compiled at most once per engine, by whichever thread gets there first,
//! then shared. (Registering the whole bundle in one registry instead costs
//! ~15 ms of indexing, half the start-up budget of a pre-commit hook.)

mod bundle;
mod crd;
mod location;
mod tree_instance;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

use jsonschema::json::{Json, SerdeJson};
use jsonschema::{Draft, Registry, Retrieve, Uri, Validator};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::model::{Identity, Object, PatchedFields};
use crate::settings::parse_kubernetes_version;

pub use bundle::{kubernetes_versions, newest_kubernetes_version};
pub(crate) use crd::{apply_defaults, may_define_crd, prune_nulls};
pub(crate) use tree_instance::YamlTree;

use location::{Fill, Location, Template};

/// A compiled schema and where it came from.
pub(crate) struct Schema {
    pub(crate) validator: Compiled,
    /// For messages: "the Kubernetes 1.37 schema", "schemas/x.json", …
    pub(crate) origin: String,
    /// For a CRD schema, the structural schema whose non-nullable `null`s
    /// are dropped from an object before it is validated ([`prune_nulls`]),
    /// and whose defaults are filled in ([`apply_defaults`]).
    pub(crate) structural: Option<Value>,
}

/// A validator of what a schema's objects are read as.
pub(crate) enum Compiled {
    /// YAML trees, as written: objects of a kind without a structural
    /// schema, which most often are valid and then need no JSON copy.
    Tree(Validator<YamlTree>),
    /// JSON: objects defaulted by their structural schema.
    Json(Validator),
}

/// The answer to "which schema validates this object?".
#[derive(Clone)]
pub(crate) enum Lookup {
    /// This schema.
    Found(Arc<Schema>),
    /// No source knows the kind.
    Missing,
    /// A schema exists but cannot be used (unreadable, not JSON, does not
    /// compile).
    Unusable {
        /// Where it is.
        origin: String,
        /// Why it cannot be used.
        reason: String,
    },
}

/// Schema settings that did not make sense.
pub(crate) fn resolve_version(requested: Option<&str>) -> Result<(u32, u32), String> {
    match requested {
        None => Ok(newest_kubernetes_version()),
        Some(text) => parse_kubernetes_version(text).ok_or_else(|| {
            format!("Kubernetes version `{text}`: expected a version such as 1.31 or 1.31.0")
        }),
    }
}

/// Where Kubernetes serves its built-in kinds, from the newest bundle:
/// kind → its group/versions, and the set of built-in groups.
struct BuiltInKinds {
    homes: HashMap<String, Vec<String>>,
    groups: std::collections::HashSet<String>,
}

fn built_in_kinds() -> Option<&'static BuiltInKinds> {
    static KINDS: OnceLock<Option<BuiltInKinds>> = OnceLock::new();
    KINDS
        .get_or_init(|| {
            #[derive(serde::Deserialize)]
            struct KindsOnly {
                kinds: HashMap<String, String>,
            }
            let bytes = bundle::kubernetes_bundle(newest_kubernetes_version())?;
            let text = bundle::inflate_text(bytes).ok()?;
            let parsed: KindsOnly = serde_json::from_slice(&text).ok()?;
            let mut homes: HashMap<String, Vec<String>> = HashMap::new();
            let mut groups = std::collections::HashSet::new();
            // DeleteOptions, WatchEvent, … are listed under every group,
            // including removed ones such as `extensions`: not resources.
            let resources = parsed
                .kinds
                .iter()
                .filter(|(_, definition)| {
                    !definition.starts_with("io.k8s.apimachinery.pkg.apis.meta.")
                })
                .map(|(gvk, _)| gvk);
            for gvk in resources {
                let mut parts = gvk.splitn(3, '/');
                let (Some(group), Some(version), Some(kind)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    continue;
                };
                let api_version = if group.is_empty() {
                    version.to_owned()
                } else {
                    format!("{group}/{version}")
                };
                homes.entry(kind.to_owned()).or_default().push(api_version);
                groups.insert(group.to_owned());
            }
            for versions in homes.values_mut() {
                versions.sort();
            }
            Some(BuiltInKinds { homes, groups })
        })
        .as_ref()
}

/// Whether `kind` of `api_version` is a type of object the API server is
/// known to serve: a kind that Kubernetes builds in (under any group, the
/// removed ones included), or any kind of a group the bundled CRD
/// catalogue covers. Other tools' configuration files (a kind cluster, a
/// kubeadm or kubelet configuration, a kubeconfig, a scheduler policy) use
/// `apiVersion` and `kind` too, for types no API server serves.
pub(crate) fn is_resource_type(api_version: &str, kind: &str) -> bool {
    if built_in_kinds().is_some_and(|table| table.homes.contains_key(kind)) {
        return true;
    }
    let group = api_version.split_once('/').map_or("", |(group, _)| group);
    catalogue_groups().contains(group)
}

/// The API groups of the bundled CRD catalogue.
fn catalogue_groups() -> &'static std::collections::HashSet<String> {
    static GROUPS: OnceLock<std::collections::HashSet<String>> = OnceLock::new();
    GROUPS.get_or_init(|| {
        let Ok(text) = bundle::inflate_text(bundle::crd_bundle()) else {
            return std::collections::HashSet::new();
        };
        let keys: HashMap<String, &RawValue> = serde_json::from_slice(&text).unwrap_or_default();
        keys.keys()
            .filter_map(|key| key.split_once('/').map(|(group, _)| group.to_owned()))
            .collect()
    })
}

/// For a built-in kind under a built-in group that does not serve it
/// (`v1` Deployment), the apiVersions that do ("apps/v1"). `None` when the
/// group serves the kind, when the kind is not built in, or when the group
/// is not a built-in one (a CRD may reuse a built-in kind's name in its own
/// group; a removed group such as `extensions` is `deprecated-api`'s).
pub(crate) fn built_in_home(api_version: &str, kind: &str) -> Option<String> {
    let table = built_in_kinds()?;
    let group = api_version.split_once('/').map_or("", |(group, _)| group);
    if !table.groups.contains(group) {
        return None;
    }
    let homes = table.homes.get(kind)?;
    let served_here = homes
        .iter()
        .any(|home| home.split_once('/').map_or("", |(group, _)| group) == group);
    if served_here {
        None
    } else {
        Some(homes.join(", "))
    }
}

/// A Kubernetes bundle, read but not parsed: each definition stays raw
/// JSON text until a kind that reaches it is compiled.
#[derive(serde::Deserialize)]
struct Kubernetes {
    kinds: HashMap<String, String>,
    #[serde(rename = "$defs")]
    definitions: HashMap<String, Box<RawValue>>,
}

impl Kubernetes {
    /// A self-contained schema for one definition: it and every definition
    /// it reaches, in `$defs`.
    fn standalone(&self, root: &str) -> Result<Value, String> {
        let mut reached = Map::new();
        let mut pending = vec![root.to_owned()];
        while let Some(name) = pending.pop() {
            if reached.contains_key(&name) {
                continue;
            }
            let raw = self
                .definitions
                .get(&name)
                .ok_or_else(|| format!("the bundle has no definition {name}"))?;
            let definition: Value =
                serde_json::from_str(raw.get()).map_err(|error| error.to_string())?;
            collect_refs(&definition, &mut pending);
            reached.insert(name, definition);
        }
        Ok(serde_json::json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": format!("#/$defs/{root}"),
            "$defs": reached,
        }))
    }
}

/// The definition names of the `#/$defs/…` references in a schema.
fn collect_refs(schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(target)) => {
                        if let Some(name) = target.strip_prefix("#/$defs/") {
                            out.push(name.to_owned());
                        }
                    }
                    _ => collect_refs(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}

type CacheKey = (String, String);

/// The schemas of an engine: bundled ones and `--schema-location`s, with a
/// cache of compiled validators shared by every thread and every run.
pub(crate) struct SchemaCatalog {
    version: (u32, u32),
    bundled: Option<&'static [u8]>,
    kubernetes: OnceLock<Result<Kubernetes, String>>,
    crds: OnceLock<Result<HashMap<String, Box<RawValue>>, String>>,
    object_meta: OnceLock<Option<Map<String, Value>>>,
    templates: Vec<Template>,
    files: Vec<PathBuf>,
    cache: RwLock<HashMap<CacheKey, Arc<OnceLock<Lookup>>>>,
}

impl SchemaCatalog {
    /// A catalog for a Kubernetes version and `--schema-location`s. With
    /// `validating` (a schema rule is on), a version that has no bundled
    /// schemas needs a location; without, only the version matters (for
    /// `deprecated-api`).
    pub(crate) fn new(
        version: (u32, u32),
        locations: &[String],
        validating: bool,
    ) -> Result<SchemaCatalog, String> {
        let mut templates = Vec::new();
        let mut files = Vec::new();
        for text in locations {
            match Location::parse(text)? {
                Location::Templates(more) => templates.extend(more),
                Location::File(path) => files.push(path),
            }
        }
        let bundled = bundle::kubernetes_bundle(version);
        if validating && bundled.is_none() && templates.is_empty() {
            let known: Vec<String> = kubernetes_versions()
                .map(|(major, minor)| format!("{major}.{minor}"))
                .collect();
            return Err(format!(
                "no bundled schemas for Kubernetes {}.{} (bundled: {}); give its schemas with --schema-location",
                version.0,
                version.1,
                known.join(", ")
            ));
        }
        Ok(SchemaCatalog {
            version,
            bundled,
            kubernetes: OnceLock::new(),
            crds: OnceLock::new(),
            object_meta: OnceLock::new(),
            templates,
            files,
            cache: RwLock::new(HashMap::new()),
        })
    }

    /// The Kubernetes version schemas and deprecations are checked against.
    pub(crate) fn kubernetes_version(&self) -> (u32, u32) {
        self.version
    }

    /// The schema of an (apiVersion, kind), compiled once.
    pub(crate) fn lookup(&self, api_version: &str, kind: &str) -> Lookup {
        let key = (api_version.to_owned(), kind.to_owned());
        let cell = {
            let cache = self
                .cache
                .read()
                .unwrap_or_else(|poison| poison.into_inner());
            cache.get(&key).cloned()
        };
        let cell = match cell {
            Some(cell) => cell,
            None => {
                let mut cache = self
                    .cache
                    .write()
                    .unwrap_or_else(|poison| poison.into_inner());
                cache.entry(key).or_default().clone()
            }
        };
        cell.get_or_init(|| self.find(api_version, kind)).clone()
    }

    fn find(&self, api_version: &str, kind: &str) -> Lookup {
        let fill = Fill {
            api_version,
            kind,
            kubernetes_version: self.version,
        };
        for template in &self.templates {
            let path = template.fill(&fill);
            if path.is_file() {
                return self.compile_file(&path, None);
            }
        }
        if let Some(found) = self.bundled_kubernetes(api_version, kind) {
            return found;
        }
        if let Some(found) = self.bundled_crd(api_version, kind) {
            return found;
        }
        for path in &self.files {
            let found = self.compile_file(path, Some(kind));
            if !matches!(found, Lookup::Missing) {
                return found;
            }
        }
        Lookup::Missing
    }

    fn bundled_kubernetes(&self, api_version: &str, kind: &str) -> Option<Lookup> {
        let bytes = self.bundled?;
        let origin = format!(
            "the Kubernetes {}.{} schema",
            self.version.0, self.version.1
        );
        let loaded = self
            .kubernetes
            .get_or_init(|| load_kubernetes(bytes, self.version));
        let kubernetes = match loaded {
            Ok(kubernetes) => kubernetes,
            Err(reason) => {
                return Some(Lookup::Unusable {
                    origin,
                    reason: reason.clone(),
                })
            }
        };
        let gvk = match api_version.split_once('/') {
            Some(_) => format!("{api_version}/{kind}"),
            None => format!("/{api_version}/{kind}"),
        };
        let definition = kubernetes.kinds.get(&gvk)?;
        Some(match kubernetes.standalone(definition) {
            Ok(schema) => compile_with(&schema, origin, None, Draft::Draft202012, None),
            Err(reason) => Lookup::Unusable { origin, reason },
        })
    }

    fn bundled_crd(&self, api_version: &str, kind: &str) -> Option<Lookup> {
        let (group, version) = api_version.split_once('/')?;
        let crds = self.crds.get_or_init(|| {
            let text = bundle::inflate_text(bundle::crd_bundle())?;
            serde_json::from_slice(&text)
                .map_err(|error| format!("corrupt CRD schema bundle: {error}"))
        });
        let origin = format!("the bundled {kind} schema ({api_version})");
        let raw = match crds {
            Ok(crds) => crds.get(&format!("{group}/{version}/{}", kind.to_lowercase()))?,
            Err(reason) => {
                return Some(Lookup::Unusable {
                    origin,
                    reason: reason.clone(),
                })
            }
        };
        Some(match serde_json::from_str::<Value>(raw.get()) {
            Ok(schema) => self.compile_crd(crd::from_catalog(&schema), origin, None),
            Err(error) => Lookup::Unusable {
                origin,
                reason: error.to_string(),
            },
        })
    }

    /// The ObjectMeta definition (and those it refers to) of the chosen
    /// Kubernetes version's bundle, else of the newest: every kind's
    /// `metadata` is checked against it, as the API server does, whatever a
    /// CRD says of `metadata` (usually only `type: object`).
    pub(crate) fn object_meta(&self) -> Option<&Map<String, Value>> {
        self.object_meta
            .get_or_init(|| {
                let standalone = match self.bundled {
                    Some(bytes) => self
                        .kubernetes
                        .get_or_init(|| load_kubernetes(bytes, self.version))
                        .as_ref()
                        .ok()?
                        .standalone(crd::OBJECT_META),
                    None => {
                        let newest = newest_kubernetes_version();
                        load_kubernetes(bundle::kubernetes_bundle(newest)?, newest)
                            .ok()?
                            .standalone(crd::OBJECT_META)
                    }
                };
                match standalone.ok()? {
                    Value::Object(mut root) => match root.remove("$defs") {
                        Some(Value::Object(definitions)) => Some(definitions),
                        _ => None,
                    },
                    _ => None,
                }
            })
            .as_ref()
    }

    /// Compiles a CRD's structural schema as the API server applies it.
    fn compile_crd(&self, structural: Value, origin: String, folder: Option<&Path>) -> Lookup {
        let schema = crd::to_json_schema(&structural, self.object_meta());
        compile_with(&schema, origin, folder, Draft::Draft4, Some(structural))
    }

    /// Reads and compiles a schema file; with `kind`, a file that declares
    /// another kind is `Missing`. A file in the CRD catalogue's form (no
    /// `x-kubernetes-group-version-kind`, no `$ref`) is read as a CRD
    /// schema, as the bundled ones are.
    fn compile_file(&self, path: &Path, kind: Option<&str>) -> Lookup {
        let origin = path.display().to_string();
        let schema: Value = match std::fs::read(path)
            .map_err(|error| error.to_string())
            .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|error| error.to_string()))
        {
            Ok(schema) => schema,
            Err(reason) => return Lookup::Unusable { origin, reason },
        };
        if let Some(kind) = kind {
            let declared = declared_kinds(&schema);
            if !declared.is_empty() && !declared.iter().any(|known| known == kind) {
                return Lookup::Missing;
            }
        }
        if is_catalogue_crd(&schema) {
            return self.compile_crd(crd::from_catalog(&schema), origin, path.parent());
        }
        compile(&schema, origin, path.parent())
    }
}

/// Whether a schema file has the form of the CRD catalogue's: an object
/// schema that is not a Kubernetes definition (those carry
/// `x-kubernetes-group-version-kind`) and refers to nothing.
fn is_catalogue_crd(schema: &Value) -> bool {
    fn refers(schema: &Value) -> bool {
        match schema {
            Value::Object(map) => map.contains_key("$ref") || map.values().any(refers),
            Value::Array(items) => items.iter().any(refers),
            _ => false,
        }
    }
    schema.get("properties").is_some_and(Value::is_object)
        && schema.get("x-kubernetes-group-version-kind").is_none()
        && schema.get("$schema").is_none()
        && !refers(schema)
}

fn load_kubernetes(bytes: &[u8], version: (u32, u32)) -> Result<Kubernetes, String> {
    let text = bundle::inflate_text(bytes)?;
    serde_json::from_slice(&text).map_err(|error| {
        format!(
            "corrupt schema bundle for Kubernetes {}.{}: {error}",
            version.0, version.1
        )
    })
}

/// Where a schema outside the Kubernetes bundle is registered to compile it.
const SCHEMA_URI: &str = "https://schemas.plimsoll.dev/schema.json";

/// Compiles a schema that is not part of the Kubernetes bundle. Without a
/// `$schema` it is read as draft 4, as kubeconform does.
///
/// The schema is compiled through a registry entry and a `$ref`, as the
/// bundled ones are: that skips the meta-schema check, which would reject
/// the Go regular expressions (`(?i)…`) that CRD patterns use and that the
/// validator itself accepts.
fn compile(schema: &Value, origin: String, folder: Option<&Path>) -> Lookup {
    let draft = if schema.get("$schema").is_some() {
        Draft::default().detect(schema)
    } else {
        Draft::Draft4
    };
    compile_with(schema, origin, folder, draft, None)
}

fn compile_with(
    schema: &Value,
    origin: String,
    folder: Option<&Path>,
    draft: Draft,
    structural: Option<Value>,
) -> Lookup {
    let uri = schema
        .get("$id")
        .or_else(|| schema.get("id"))
        .and_then(Value::as_str)
        .filter(|id| id.contains("://"))
        .unwrap_or(SCHEMA_URI)
        .to_owned();
    let registry = match prepare(schema.clone(), &uri, draft, folder) {
        Ok(registry) => registry,
        Err(reason) => return Lookup::Unusable { origin, reason },
    };
    let root = serde_json::json!({ "$ref": uri });
    let compiled = match structural {
        Some(_) => build::<SerdeJson>(&registry, &root, draft).map(Compiled::Json),
        None => build::<YamlTree>(&registry, &root, draft).map(Compiled::Tree),
    };
    match compiled {
        Ok(validator) => Lookup::Found(Arc::new(Schema {
            validator,
            origin,
            structural,
        })),
        Err(reason) => Lookup::Unusable { origin, reason },
    }
}

fn build<F: Json>(
    registry: &Registry<'_>,
    root: &Value,
    draft: Draft,
) -> Result<Validator<F>, String> {
    jsonschema::options_for::<F>()
        .with_draft(draft)
        .with_registry(registry)
        .should_validate_formats(false)
        .build(root)
        .map_err(|error| error.to_string())
}

/// A registry holding `schema` at `uri`, whose references resolve in
/// `folder` or nowhere.
fn prepare(
    schema: Value,
    uri: &str,
    draft: Draft,
    folder: Option<&Path>,
) -> Result<Registry<'static>, String> {
    let builder = Registry::new().draft(draft);
    let builder = match folder {
        Some(folder) => builder.retriever(FolderRetriever(folder.to_path_buf())),
        None => builder.retriever(Offline),
    };
    builder
        .add(uri, schema)
        .and_then(|builder| builder.prepare())
        .map_err(|error| error.to_string())
}

/// Refuses every reference outside the registry: never the network.
struct Offline;

impl Retrieve for Offline {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!("cannot resolve {} offline", uri.as_str()).into())
    }
}

/// The kinds a schema says it is for.
fn declared_kinds(schema: &Value) -> Vec<String> {
    let mut kinds: Vec<String> = schema
        .get("x-kubernetes-group-version-kind")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|gvk| gvk.get("kind").and_then(Value::as_str).map(str::to_owned))
        .collect();
    kinds.extend(
        schema
            .pointer("/properties/kind/enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|kind| kind.as_str().map(str::to_owned)),
    );
    kinds
}

/// Resolves the `$ref`s of a schema file to files in its folder (by last
/// path segment), so kubernetes-validate's `-local` folders, whose files
/// point at `https://kubernetes.io/api/_definitions.json`, work offline.
struct FolderRetriever(PathBuf);

impl Retrieve for FolderRetriever {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let text = uri.as_str();
        let text = text.split('#').next().unwrap_or(text);
        let name = text.rsplit('/').next().unwrap_or(text);
        if name.is_empty() || name == ".." {
            return Err(format!("cannot resolve {text} offline").into());
        }
        let bytes = std::fs::read(self.0.join(name))
            .map_err(|error| format!("cannot resolve {text} offline: {error}"))?;
        Ok(serde_json::from_slice(&bytes)?)
    }
}

/// The schemas of one run: the engine's catalog plus the CRDs of the input.
pub(crate) struct RunSchemas {
    catalog: Arc<SchemaCatalog>,
    crds: HashMap<(String, String, String), InputCrd>,
    /// What the input's Flux Kustomizations patch into what they apply.
    flux_patched: PatchedFields,
}

/// A schema from a CRD of the input, compiled on first use.
struct InputCrd {
    /// The structural schema, as the CRD writes it.
    schema: Value,
    origin: String,
    compiled: OnceLock<Lookup>,
}

impl RunSchemas {
    /// Collects the CRDs of the input (a cheap pass: schemas are converted
    /// and compiled when a custom resource needs them), and what its Flux
    /// Kustomizations patch.
    pub(crate) fn new(catalog: Arc<SchemaCatalog>, objects: &[Object]) -> RunSchemas {
        let mut crds = HashMap::new();
        for object in objects {
            for (gvk, schema) in crd::schemas_of(object) {
                let origin = format!("the CustomResourceDefinition {}", object.identity.name);
                crds.entry(gvk).or_insert_with(|| InputCrd {
                    schema,
                    origin,
                    compiled: OnceLock::new(),
                });
            }
        }
        RunSchemas {
            catalog,
            crds,
            flux_patched: PatchedFields::of_flux(objects),
        }
    }

    /// Whether a Flux Kustomization of the input patches `pointer` into the
    /// object `identity` names (a required field it leaves out is there
    /// when the object is applied).
    pub(crate) fn set_by_a_flux_patch(&self, identity: &Identity, pointer: &str) -> bool {
        self.flux_patched.sets(identity, pointer)
    }

    /// The Kubernetes version.
    pub(crate) fn kubernetes_version(&self) -> (u32, u32) {
        self.catalog.kubernetes_version()
    }

    /// The schema of an object.
    pub(crate) fn lookup(&self, identity: &Identity) -> Lookup {
        let key = (
            identity.group.clone(),
            identity.version.clone(),
            identity.kind.clone(),
        );
        if let Some(crd) = self.crds.get(&key) {
            return crd
                .compiled
                .get_or_init(|| {
                    self.catalog
                        .compile_crd(crd.schema.clone(), crd.origin.clone(), None)
                })
                .clone();
        }
        self.catalog.lookup(&identity.api_version, &identity.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_resolve_to_bundled_schemas_once() {
        let catalog = SchemaCatalog::new((1, 37), &[], true).unwrap();
        let Lookup::Found(first) = catalog.lookup("apps/v1", "Deployment") else {
            panic!("no Deployment schema");
        };
        let Lookup::Found(again) = catalog.lookup("apps/v1", "Deployment") else {
            panic!("no Deployment schema");
        };
        assert!(Arc::ptr_eq(&first, &again));
        assert!(matches!(catalog.lookup("v1", "Service"), Lookup::Found(_)));
        assert!(matches!(
            catalog.lookup("bitnami.com/v1alpha1", "SealedSecret"),
            Lookup::Found(_)
        ));
        assert!(matches!(
            catalog.lookup("extensions/v1beta1", "Deployment"),
            Lookup::Missing
        ));
        assert!(matches!(
            catalog.lookup("projectcontour.io/v1", "HTTPProxy"),
            Lookup::Missing
        ));
    }

    #[test]
    fn unbundled_versions_need_a_location() {
        assert!(SchemaCatalog::new((1, 20), &[], true)
            .err()
            .unwrap()
            .contains("bundled: 1.23"));
        assert!(SchemaCatalog::new((1, 24), &[], true).is_ok());
        assert!(SchemaCatalog::new((1, 20), &["schemas/".to_owned()], true).is_ok());
        let deprecations_only = SchemaCatalog::new((1, 20), &[], false).unwrap();
        assert!(matches!(
            deprecations_only.lookup("v1", "Service"),
            Lookup::Missing
        ));
        assert_eq!(resolve_version(None).unwrap(), (1, 37));
    }

    #[test]
    fn built_in_kinds_have_homes() {
        assert_eq!(
            built_in_home("v1", "Deployment").as_deref(),
            Some("apps/v1")
        );
        assert_eq!(built_in_home("apps/v1", "Service").as_deref(), Some("v1"));
        assert_eq!(built_in_home("apps/v1beta1", "Deployment"), None);
        assert_eq!(built_in_home("example.com/v1", "Deployment"), None);
        assert_eq!(built_in_home("extensions/v1beta1", "Deployment"), None);
        assert_eq!(built_in_home("v1", "Widget"), None);
        assert_eq!(resolve_version(Some("1.31.2")).unwrap(), (1, 31));
        assert!(resolve_version(Some("latest")).is_err());
    }
}
