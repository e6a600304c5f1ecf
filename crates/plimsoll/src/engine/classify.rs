//! Classification: each loaded document becomes objects (with their
//! resource identity), a release artifact, a Kustomize patch or load
//! findings; and each object gets its environment (SPEC section 3).

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use super::pending::Pending;
use super::Engine;
use crate::discover::{Built, FileKind};
use crate::environment::{is_environment_label, EnvId};
use crate::load::{problem_rule, LoadedFile};
use crate::model::kinds::{is_cluster_scoped, is_namespace_infrastructure};
use crate::model::kustomization::{generated_secrets, GeneratedSecret};
use crate::model::{
    is_workload_fragment, Artifact, ArtifactId, ArtifactKind, FileId, Identity, Object, ObjectId,
};
use crate::rules::{manifest_shape, secret_literal};
use crate::source::TextRange;
use crate::yaml::{Node, RawDocument, Value};

/// What classification produces.
#[derive(Default)]
pub(super) struct Classified {
    pub(super) objects: Vec<Object>,
    pub(super) artifacts: Vec<Artifact>,
    pub(super) pending: Vec<Pending>,
    /// Kustomize strategic-merge patches, checked against their kind's
    /// schema once the run's schemas are known.
    pub(super) patches: Vec<Object>,
}

/// Turns files' documents into objects and load findings, in parallel;
/// returns them with the number of non-empty documents.
pub(super) fn classify_files(
    files: &mut [LoadedFile],
    path_environments: &[Option<EnvId>],
) -> (Classified, usize) {
    let per_file: Vec<(Classified, usize)> = files
        .par_iter_mut()
        .enumerate()
        .map(|(at, file)| {
            let environment = path_environments.get(at).copied().flatten();
            let mut classified = Classified::default();
            let documents = classify_file(FileId(at), file, environment, &mut classified);
            (classified, documents)
        })
        .collect();
    let mut all = Classified::default();
    let mut documents = 0;
    for (classified, count) in per_file {
        documents += count;
        for mut object in classified.objects {
            object.id = ObjectId(all.objects.len());
            all.objects.push(object);
        }
        for mut artifact in classified.artifacts {
            artifact.id = ArtifactId(all.artifacts.len());
            all.artifacts.push(artifact);
        }
        all.pending.extend(classified.pending);
        for mut patch in classified.patches {
            patch.id = ObjectId(all.patches.len());
            all.patches.push(patch);
        }
    }
    (all, documents)
}

/// Turns a file's documents into objects and load findings; returns the
/// number of non-empty documents.
fn classify_file(
    file_id: FileId,
    file: &mut LoadedFile,
    environment: Option<EnvId>,
    classified: &mut Classified,
) -> usize {
    if let Some(note) = file.note.take() {
        let mut item = Pending::load(note.rule, file_id, 0, TextRange::default(), note.message);
        item.help = note.help;
        item.once_per = note.once_per;
        item.environment = environment;
        classified.pending.push(item);
    }
    let raw_documents = std::mem::take(&mut file.documents);
    let kind = match file.kind {
        FileKind::Manifests => Holds::Objects {
            expected: false,
            selectors_by_kustomize: false,
            built: file.built.as_deref(),
        },
        FileKind::Resources {
            selectors_by_kustomize,
        } => Holds::Objects {
            expected: true,
            selectors_by_kustomize,
            built: file.built.as_deref(),
        },
        FileKind::HelmValues => Holds::Artifact(ArtifactKind::HelmValues),
        FileKind::ComponentTags => Holds::Artifact(ArtifactKind::ComponentTags),
        FileKind::Kustomization => Holds::Kustomization {
            missing_env_files: &file.missing_env_files,
        },
        FileKind::Patch => Holds::Patch,
        FileKind::HelmChart => Holds::Nothing,
    };
    // A file where manifests are not expected and that holds a tool's
    // configuration is that tool's: its documents without `apiVersion`
    // and `metadata` are skipped with it.
    let tools_file = file.kind == FileKind::Manifests
        && raw_documents
            .iter()
            .filter_map(|document| document.root.as_ref())
            .any(manifest_shape::is_tool_configuration);
    let mut non_empty = 0;
    for document in raw_documents {
        if document.root.is_some() || !document.problems.is_empty() {
            non_empty += 1;
        }
        let tools_document = tools_file
            && document
                .root
                .as_ref()
                .is_some_and(manifest_shape::lacks_api_version_and_metadata);
        if !tools_document {
            classify_document(file_id, document, kind, environment, classified);
        }
    }
    non_empty
}

/// The identity Kustomize gives an object it builds into `namespace`: a
/// namespaced object moves there (over the namespace it writes), and a
/// Namespace object takes that name. Kinds it does not know to be
/// cluster-scoped are namespaced to Kustomize too.
fn built_into(mut identity: Identity, namespace: Option<&str>) -> Identity {
    let Some(namespace) = namespace else {
        return identity;
    };
    if identity.is("", "Namespace") {
        namespace.clone_into(&mut identity.name);
    } else if !is_cluster_scoped(&identity) {
        identity.namespace = Some(namespace.to_owned());
    }
    identity
}

/// What a file's documents become.
#[derive(Debug, Clone, Copy)]
enum Holds<'f> {
    /// Objects; when not `expected`, a document that does not try to be a
    /// manifest is some other tool's YAML, skipped without a finding.
    Objects {
        expected: bool,
        /// A kustomization that builds the file writes its workloads'
        /// selectors.
        selectors_by_kustomize: bool,
        /// What the tools that build the file set on its objects.
        built: Option<&'f Built>,
    },
    Artifact(ArtifactKind),
    /// A kustomization: its committed plaintext secrets are findings (not
    /// an env file that is not on disk, so not committed).
    Kustomization {
        missing_env_files: &'f [String],
    },
    /// A Kustomize patch: part of an object, never a whole one; a JSON 6902
    /// patch is checked for its shape.
    Patch,
    Nothing,
}

fn classify_document(
    file_id: FileId,
    document: RawDocument,
    holds: Holds<'_>,
    environment: Option<EnvId>,
    classified: &mut Classified,
) {
    // Another tool's document where manifests are not expected: skipped,
    // its duplicate keys with it (a CloudFormation template's are its own).
    let not_a_manifest = matches!(
        holds,
        Holds::Objects {
            expected: false,
            ..
        }
    ) && document
        .root
        .as_ref()
        .is_some_and(|root| !manifest_shape::tries_to_be_a_manifest(root));
    if not_a_manifest {
        return;
    }
    let source: Option<Arc<str>> = document.source.as_deref().map(Arc::from);
    let identity = document.root.as_ref().and_then(Identity::of);
    for problem in &document.problems {
        let mut item = Pending::load(
            problem_rule(problem.kind),
            file_id,
            document.index,
            problem.span,
            problem.message.clone(),
        );
        item.source = source.clone();
        item.resource = identity.as_ref().map(Identity::to_ref);
        item.environment = environment;
        classified.pending.push(item);
    }
    let Some(root) = document.root else {
        return;
    };
    // A strategic-merge directive at the top (`$patch: delete`) makes the
    // document a patch, whether or not a kustomization names it as one; so
    // does a workload without container images where manifests are not
    // expected (a patch file no kustomization names).
    let holds = match holds {
        Holds::Objects { .. } if root.get("$patch").is_some() => Holds::Patch,
        Holds::Objects {
            expected: false, ..
        } if is_workload_fragment(&root) => Holds::Patch,
        other => other,
    };
    let artifact_kind = match holds {
        Holds::Objects { .. } => None,
        Holds::Artifact(ArtifactKind::HelmValues)
            if manifest_shape::is_manifest_despite_its_name(&root) =>
        {
            None
        }
        Holds::Artifact(kind) => Some(kind),
        Holds::Kustomization { missing_env_files } => {
            let committed = |secret: &GeneratedSecret| {
                secret
                    .env_file
                    .as_ref()
                    .is_none_or(|file| !missing_env_files.contains(file))
            };
            for secret in generated_secrets(&root).into_iter().filter(committed) {
                let mut item = Pending::load(
                    secret_literal::ID,
                    file_id,
                    document.index,
                    secret.span,
                    secret.message,
                );
                item.help = Some(
                    "generate the Secret from a SealedSecret or ExternalSecret instead of values in Git"
                        .to_owned(),
                );
                item.environment = environment;
                item.masks_its_span = secret.is_value;
                classified.pending.push(item);
            }
            return;
        }
        Holds::Patch => {
            for (span, message) in manifest_shape::json6902_problems(&root) {
                let mut item =
                    Pending::load(manifest_shape::ID, file_id, document.index, span, message);
                item.environment = environment;
                classified.pending.push(item);
            }
            if let Some(identity) = Identity::of_patch(&root) {
                classified.patches.push(Object {
                    id: ObjectId(classified.patches.len()),
                    file: file_id,
                    document: document.index,
                    pointer_prefix: String::new(),
                    node: root,
                    source,
                    identity,
                    environment,
                    selector_by_kustomize: false,
                    images_set_by_build: Default::default(),
                    build_roots: Default::default(),
                    patched_by_build: None,
                });
            }
            return;
        }
        Holds::Nothing => return,
    };
    if let Some(kind) = artifact_kind {
        classified.artifacts.push(Artifact {
            id: ArtifactId(classified.artifacts.len()),
            file: file_id,
            document: document.index,
            kind,
            node: root,
            environment,
        });
        return;
    }
    let (selector_by_kustomize, built) = match holds {
        Holds::Objects {
            selectors_by_kustomize,
            built,
            ..
        } => (selectors_by_kustomize, built),
        _ => (false, None),
    };
    let namespace_by_build = built.and_then(|built| built.namespace.as_deref());
    let images_set_by_build = built
        .map(|built| Arc::clone(&built.images))
        .unwrap_or_default();
    let build_roots = built
        .map(|built| Arc::clone(&built.roots))
        .unwrap_or_default();
    let patched_by_build = built.and_then(|built| built.patched.clone());
    let objects = &mut classified.objects;
    let pending = &mut classified.pending;
    let mut place = |node: Node, prefix: String| {
        let shape_problems = manifest_shape::problems(&node);
        match Identity::of(&node) {
            // Every build of the file removes it (`$patch: delete`): it
            // never reaches a cluster.
            Some(identity)
                if patched_by_build
                    .as_ref()
                    .is_some_and(|patched| patched.deletes(&identity)) => {}
            Some(identity) if shape_problems.is_empty() => {
                // A Namespace (or its guardrails) in a base or Component
                // that builds put in different namespaces is one per build:
                // each build's Namespace is checked with its own name.
                let per_build: &[String] = match built {
                    Some(built)
                        if built.namespace.is_none()
                            && (identity.is("", "Namespace")
                                || is_namespace_infrastructure(&identity)) =>
                    {
                        &built.namespaces_apart
                    }
                    _ => &[],
                };
                let object = Object {
                    identity: built_into(identity, namespace_by_build),
                    images_set_by_build: Arc::clone(&images_set_by_build),
                    build_roots: Arc::clone(&build_roots),
                    patched_by_build: patched_by_build.clone(),
                    id: ObjectId(objects.len()),
                    file: file_id,
                    document: document.index,
                    pointer_prefix: prefix,
                    node,
                    source: source.clone(),
                    environment,
                    selector_by_kustomize,
                };
                for namespace in per_build {
                    objects.push(Object {
                        identity: built_into(object.identity.clone(), Some(namespace)),
                        id: ObjectId(objects.len()),
                        ..object.clone()
                    });
                }
                if per_build.is_empty() {
                    objects.push(object);
                }
            }
            _ => {
                // One finding per object, naming everything that is missing.
                let pointer = shape_problems
                    .first()
                    .map(|(pointer, _)| pointer.clone())
                    .unwrap_or_default();
                let message = shape_problems
                    .into_iter()
                    .map(|(_, message)| message)
                    .collect::<Vec<_>>()
                    .join("; ");
                let span = if pointer.is_empty() {
                    first_key_span(&node)
                } else {
                    node.locate(&pointer).span
                };
                let mut item =
                    Pending::load(manifest_shape::ID, file_id, document.index, span, message);
                item.source = source.clone();
                item.environment = environment;
                item.path = Some(format!("{prefix}{pointer}"));
                pending.push(item);
            }
        }
    };
    for (prefix, node) in flatten_lists(root, String::new()) {
        place(node, prefix);
    }
}

/// A document's objects: the document itself, or the items of a `List`
/// (and of Lists inside it), each with its JSON pointer prefix.
pub(super) fn flatten_lists(node: Node, prefix: String) -> Vec<(String, Node)> {
    match list_items(node) {
        Err(node) => vec![(prefix, node)],
        Ok(items) => items
            .into_iter()
            .enumerate()
            .flat_map(|(at, item)| flatten_lists(item, format!("{prefix}/items/{at}")))
            .collect(),
    }
}

/// The items of a `List` (or `*List`) object; the node itself otherwise.
fn list_items(root: Node) -> Result<Vec<Node>, Node> {
    let is_list = root
        .get("kind")
        .and_then(Node::as_str)
        .is_some_and(|kind| kind.ends_with("List"))
        && root
            .get("items")
            .is_some_and(|items| items.as_seq().is_some() || items.is_null());
    if !is_list {
        return Err(root);
    }
    let Value::Map(entries) = root.value else {
        return Err(root);
    };
    Ok(entries
        .into_vec()
        .into_iter()
        .find(|entry| entry.key == "items")
        .and_then(|entry| match entry.value.value {
            Value::Seq(items) => Some(items.into_vec()),
            _ => None,
        })
        .unwrap_or_default())
}

fn first_key_span(node: &Node) -> TextRange {
    node.as_map()
        .and_then(|entries| entries.first())
        .map_or(TextRange::point(node.span.start), |entry| entry.key_span)
}

/// What the input's Namespace objects say about environments (step 3 of
/// SPEC section 3), gathered object by object. A Namespace's own path does
/// not place the objects of that namespace in other files: a Namespace file
/// under `overlays/dev/` says nothing of a chart rendered elsewhere.
#[derive(Default)]
pub(super) struct NamespaceEnvironments {
    /// Namespaces whose environment label names an environment (the last
    /// such Namespace object wins).
    labelled: HashMap<String, EnvId>,
}

impl NamespaceEnvironments {
    pub(super) fn add(&mut self, engine: &Engine, object: &Object) {
        if !object.identity.is("", "Namespace") {
            return;
        }
        let label_key = engine.config.environment_label.as_deref();
        let labelled = object
            .labels()
            .filter(|(key, _)| is_environment_label(key, label_key))
            .find_map(|(_, value)| {
                engine
                    .environments
                    .lookup(value)
                    .or_else(|| engine.environments.named_in(value))
            });
        if let Some(environment) = labelled {
            self.labelled
                .insert(object.identity.name.clone(), environment);
        }
    }

    /// Namespace name → environment, by label.
    pub(super) fn labelled(self) -> HashMap<String, EnvId> {
        self.labelled
    }
}

impl Engine {
    /// Steps 1 and 2 of the environment resolution (SPEC section 3): `--env`,
    /// else the path.
    pub(super) fn path_environments(&self, file_paths: &[String]) -> Vec<Option<EnvId>> {
        file_paths
            .iter()
            .map(|path| {
                self.forced_environment
                    .or_else(|| self.environments.for_path(path))
            })
            .collect()
    }

    /// Step 3 of the environment resolution (SPEC section 3), for objects
    /// that neither `--env` nor their path placed.
    pub(super) fn resolve_environments(
        &self,
        objects: &mut [Object],
        path_environments: &[Option<EnvId>],
    ) {
        let mut namespaces = NamespaceEnvironments::default();
        for object in objects.iter() {
            namespaces.add(self, object);
        }
        let labelled = namespaces.labelled();
        for object in objects.iter_mut() {
            let from_path = path_environments.get(object.file.0).copied().flatten();
            object.environment =
                from_path.or_else(|| self.namespace_environment(object, &labelled));
        }
    }

    /// The environment of an object by its namespace (or, for a Namespace,
    /// its name).
    pub(super) fn namespace_environment(
        &self,
        object: &Object,
        labelled: &HashMap<String, EnvId>,
    ) -> Option<EnvId> {
        object
            .identity
            .environment_namespace()
            .and_then(|namespace| self.environments.for_namespace(namespace, labelled))
    }
}
