//! What a pass keeps for the rules at its end: each object cut down to what
//! they read ([`Projection`]), the release artifacts, and of each file what
//! the report needs to place a finding made after the file's text and trees
//! were dropped — where its secret values are, and a fingerprint of its
//! text, checked when the file is read again for the lines of its findings.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use rayon::prelude::*;

use super::pending::{Pending, PendingPlace};
use super::projection::Projection;
use crate::discover::Candidate;
use crate::load::read_again;
use crate::model::{Artifact, ArtifactId, FileId, Object, ObjectId};
use crate::render::mask::{secret_values, SecretMasks};
use crate::rules::input_read;
use crate::source::TextRange;

/// The length and CRC-32 of a file's text: enough to tell that a file
/// changed between its two reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint {
    bytes: usize,
    crc: u32,
}

impl Fingerprint {
    fn of(text: &str) -> Fingerprint {
        Fingerprint {
            bytes: text.len(),
            crc: crc32fast::hash(text.as_bytes()),
        }
    }
}

/// What a pass keeps; file ids are positions in the run.
pub(super) struct Kept {
    /// What of each object to keep; `None` when no enabled rule runs at
    /// the end, and nothing is kept.
    projection: Option<Projection>,
    /// Every file of the run, to read again.
    candidates: Vec<Candidate>,
    file_paths: Vec<String>,
    fingerprints: Vec<Option<Fingerprint>>,
    /// The secret values of each file that has some, sorted; `None` when
    /// the report keeps no lines, which are what they mask.
    secrets: Option<HashMap<FileId, Vec<TextRange>>>,
    /// Their ids are their places in run order until [`Kept::into_input`]
    /// sorts them.
    objects: Vec<Object>,
    artifacts: Vec<Artifact>,
}

/// What the rules at the end of a pass run on.
pub(super) struct KeptInput {
    /// In run order, their ids their positions.
    pub(super) objects: Vec<Object>,
    pub(super) artifacts: Vec<Artifact>,
    pub(super) file_paths: Vec<String>,
    files: KeptFiles,
}

/// What the report needs of the files once their texts are gone.
pub(super) struct KeptFiles {
    candidates: Vec<Candidate>,
    fingerprints: Vec<Option<Fingerprint>>,
    secrets: HashMap<FileId, Vec<TextRange>>,
}

impl Kept {
    /// Keeps `projection` of every object of a run of `candidates`, and
    /// with `source_lines` where the secret values of their files are.
    pub(super) fn new(
        projection: Option<Projection>,
        candidates: Vec<Candidate>,
        source_lines: bool,
    ) -> Kept {
        Kept {
            candidates,
            projection,
            file_paths: Vec::new(),
            fingerprints: Vec::new(),
            secrets: source_lines.then(HashMap::new),
            objects: Vec::new(),
            artifacts: Vec::new(),
        }
    }

    /// Whether the pass keeps anything.
    pub(super) fn keeps(&self) -> bool {
        self.projection.is_some()
    }

    /// Notes the files of a batch, whose first is the run's `first_file`,
    /// and the objects they hold (whole, with batch file ids).
    pub(super) fn add_files(
        &mut self,
        first_file: usize,
        file_paths: &[String],
        texts: &[Option<Arc<str>>],
        objects: &[Object],
    ) {
        if !self.keeps() {
            return;
        }
        debug_assert_eq!(self.file_paths.len(), first_file);
        self.file_paths.extend(file_paths.iter().cloned());
        self.fingerprints.extend(
            texts
                .iter()
                .map(|text| text.as_deref().map(Fingerprint::of)),
        );
        let Some(secrets) = &mut self.secrets else {
            return;
        };
        let found: Vec<(FileId, Vec<TextRange>)> = objects
            .par_iter()
            .map(|object| (FileId(first_file + object.file.0), secret_values(object)))
            .filter(|(_, values)| !values.is_empty())
            .collect();
        for (file, values) in found {
            secrets.entry(file).or_default().extend(values);
        }
    }

    /// Keeps the projection of `objects`; `run_file` gives the position in
    /// the run of their file ids, `order` their place in run order.
    pub(super) fn add_objects(
        &mut self,
        objects: Vec<Object>,
        run_file: impl Fn(FileId) -> usize + Sync,
        order: impl Fn(&Object) -> usize + Sync,
    ) {
        let Some(projection) = &self.projection else {
            return;
        };
        let projected: Vec<Object> = objects
            .into_par_iter()
            .map(|object| Object {
                id: ObjectId(order(&object)),
                file: FileId(run_file(object.file)),
                node: projection.apply(&object.identity.kind, object.node),
                ..object
            })
            .collect();
        self.objects.extend(projected);
    }

    /// Keeps the release artifacts of a batch whose first file is the run's
    /// `first_file`.
    pub(super) fn add_artifacts(&mut self, first_file: usize, artifacts: Vec<Artifact>) {
        if !self.keeps() {
            return;
        }
        self.artifacts
            .extend(artifacts.into_iter().map(|artifact| Artifact {
                file: FileId(first_file + artifact.file.0),
                ..artifact
            }));
    }

    /// What was kept, in run order.
    pub(super) fn into_input(self) -> KeptInput {
        let mut objects = self.objects;
        // Grown by doubling, batch by batch: the rules at the end, and the
        // files read again for their findings, need not share memory with
        // up to as much again of unused room.
        objects.shrink_to_fit();
        objects.sort_by_key(|object| object.id);
        for (at, object) in objects.iter_mut().enumerate() {
            object.id = ObjectId(at);
        }
        let artifacts = self
            .artifacts
            .into_iter()
            .enumerate()
            .map(|(at, artifact)| Artifact {
                id: ArtifactId(at),
                ..artifact
            })
            .collect();
        // Without them no line is kept, and nothing is masked.
        let mut secrets = self.secrets.unwrap_or_default();
        for values in secrets.values_mut() {
            values.sort();
        }
        KeptInput {
            objects,
            artifacts,
            file_paths: self.file_paths,
            files: KeptFiles {
                candidates: self.candidates,
                fingerprints: self.fingerprints,
                secrets,
            },
        }
    }
}

/// How much file text the end of a pass reads again at a time, to place
/// the findings on those files, before it drops it for the next files.
const REREAD_BYTES: usize = 8 * 1024 * 1024;

impl KeptInput {
    /// Places `pending` findings, a few files at a time: the files they
    /// are in (and their related places) are read again, and `place` gets
    /// the findings with the texts by run file and the masks of their
    /// secret values. A file that changed since its first read, or can no
    /// longer be read, has no text, and a finding says so (its findings
    /// are then placed at its start, without lines).
    pub(super) fn place(
        &self,
        mut pending: Vec<Pending>,
        mut place: impl FnMut(Vec<Pending>, &[Option<Arc<str>>], SecretMasks<'static>),
    ) {
        pending.sort_by_key(|item| item.file);
        let mut pending = pending.into_iter().peekable();
        let mut changed = BTreeSet::new();
        while pending.peek().is_some() {
            let mut chunk = Vec::new();
            let mut bytes = 0;
            while let Some(file) = pending.peek().map(|item| item.file) {
                if bytes >= REREAD_BYTES {
                    break;
                }
                bytes += self.bytes_of(file.0);
                chunk.extend(std::iter::from_fn(|| {
                    pending.next_if(|item| item.file == file)
                }));
            }
            let (texts, masks) = self.texts_for(&mut chunk, &mut changed);
            place(chunk, &texts, masks);
        }
    }

    fn bytes_of(&self, file: usize) -> usize {
        match self.files.fingerprints.get(file) {
            Some(Some(fingerprint)) => fingerprint.bytes,
            _ => 0,
        }
    }

    /// The texts of the files `pending` findings are in, read again, by
    /// run file, with the masks of their secret values; a finding for each
    /// file that changed, unless `changed` holds it already.
    fn texts_for(
        &self,
        pending: &mut Vec<Pending>,
        changed: &mut BTreeSet<usize>,
    ) -> (Vec<Option<Arc<str>>>, SecretMasks<'static>) {
        let mut wanted = BTreeSet::new();
        for item in pending.iter() {
            wanted.insert(item.file.0);
            for related in &item.related {
                if let PendingPlace::Input { file, .. } = related.place {
                    wanted.insert(file.0);
                }
            }
        }
        let wanted: Vec<usize> = wanted.into_iter().collect();
        let files = &self.files;
        let read: Vec<(usize, Option<Arc<str>>)> = wanted
            .par_iter()
            .map(|&at| {
                let Some(Some(fingerprint)) = files.fingerprints.get(at) else {
                    return (at, None);
                };
                let text = files
                    .candidates
                    .get(at)
                    .and_then(read_again)
                    .filter(|text| Fingerprint::of(text) == *fingerprint);
                (at, text)
            })
            .collect();
        let mut texts = vec![None; self.file_paths.len()];
        let mut secrets = HashMap::new();
        for (at, text) in read {
            let had_text = matches!(self.files.fingerprints.get(at), Some(Some(_)));
            match text {
                Some(text) => {
                    if let Some(slot) = texts.get_mut(at) {
                        *slot = Some(text);
                    }
                    if let Some(values) = self.files.secrets.get(&FileId(at)) {
                        secrets.insert(FileId(at), values.clone());
                    }
                }
                None if had_text && changed.insert(at) => pending.push(Pending::load(
                    input_read::ID,
                    FileId(at),
                    0,
                    TextRange::default(),
                    "the file changed during the run: the findings on it that look across \
                     objects are placed at its start"
                        .to_owned(),
                )),
                None => {}
            }
        }
        (texts, SecretMasks::known(secrets))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::{discover, Input, PathFilter};

    /// What a pass kept of one file, and a finding on it made at the end.
    fn kept_file(path: &std::path::Path) -> (KeptInput, Vec<Pending>) {
        let filter = PathFilter::new(&[], None, &[]).unwrap();
        let candidates = discover(&[Input::Path(path.into())], &filter, 1).unwrap();
        let mut kept = Kept::new(Some(Projection::whole()), candidates, true);
        let text: Arc<str> = Arc::from(std::fs::read_to_string(path).unwrap());
        kept.add_files(0, &[path.display().to_string()], &[Some(text)], &[]);
        (kept.into_input(), vec![finding()])
    }

    fn finding() -> Pending {
        Pending::load(
            input_read::ID,
            FileId(0),
            0,
            TextRange::default(),
            "a finding".to_owned(),
        )
    }

    #[test]
    fn a_file_read_again_unchanged_gives_its_text() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("a.yaml");
        std::fs::write(&path, "kind: A\n").unwrap();
        let (input, mut pending) = kept_file(&path);
        let (texts, _) = input.texts_for(&mut pending, &mut BTreeSet::new());
        assert_eq!(texts[0].as_deref(), Some("kind: A\n"));
        assert_eq!(pending.len(), 1);
    }

    #[test]
    fn a_file_changed_before_its_second_read_is_reported() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("a.yaml");
        std::fs::write(&path, "kind: A\n").unwrap();
        let (input, mut pending) = kept_file(&path);
        std::fs::write(&path, "kind: B\n").unwrap();
        let (texts, _) = input.texts_for(&mut pending, &mut BTreeSet::new());
        assert_eq!(texts[0], None);
        assert_eq!(pending.len(), 2);
        assert!(pending[1].message.contains("changed during the run"));
        std::fs::remove_file(&path).unwrap();
        let mut pending = vec![finding()];
        let (texts, _) = input.texts_for(&mut pending, &mut BTreeSet::new());
        assert_eq!(texts[0], None);
        assert_eq!(pending.len(), 2);
    }
}
