//! Load: read each file, recognise what it is, and parse its documents.
//!
//! Files are read and parsed in parallel. A file that cannot be read is a
//! note for `input-read`; an unrendered Helm template (a file under
//! `templates/` with Helm actions such as `{{ .Values.x }}`), or a file that
//! does not parse and holds another engine's syntax (`{{`, `{%`, `<%`) or a
//! script's placeholders (`@NAME@` values, `<NAME>` lines), is a note for
//! `unrendered-template`; everything
//! else is parsed into spanned documents. The repository's CODEOWNERS,
//! which no input names, is found and read here too, for the rules that
//! declare they read it.

use std::borrow::Cow;
use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use crate::discover::{Built, Candidate, FileKind, Origin};
use crate::model::kept_elsewhere::{is_script_placeholder, is_upper_case_name};
use crate::rules::{input_read, unrendered_template, yaml_syntax};
use crate::run_limits::{CheckError, InputLimits, Progress};
use crate::yaml::{
    read_booleans_as_kustomize, Empty, Limits, Parsed, ProblemKind, RawDocument, Stream,
};

mod codeowners;

pub(crate) use codeowners::find_codeowners;

/// Files larger than this are not read (an `input-read` finding says so).
pub(crate) const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// How many leading bytes are looked at to tell a binary file.
const BINARY_SNIFF_BYTES: usize = 8192;

/// A note the loader makes about a whole file.
#[derive(Debug, Clone)]
pub(crate) struct FileNote {
    pub rule: &'static str,
    pub message: String,
    pub help: Option<String>,
    /// Reported once per run for all the notes with this key.
    pub once_per: Option<String>,
}

/// A file after loading.
#[derive(Debug, Clone)]
pub(crate) struct LoadedFile {
    pub display: String,
    pub kind: FileKind,
    /// The text, when it could be read.
    pub text: Option<Arc<str>>,
    /// What the tools that build the file set on its objects.
    pub built: Option<Arc<Built>>,
    /// Of a kustomization: the env files its generators read that are not
    /// committed (see [`Candidate::missing_env_files`]).
    pub missing_env_files: Vec<String>,
    pub documents: Vec<RawDocument>,
    pub note: Option<FileNote>,
}

/// What a run has read so far, against its [`InputLimits`]; shared by the
/// loading threads. Once a bound is passed, the files not yet read are left
/// alone and the run ends with [`CheckError::TooLarge`].
pub(crate) struct Budget {
    limits: InputLimits,
    documents: AtomicUsize,
    bytes: AtomicU64,
    exceeded: AtomicBool,
}

impl Budget {
    pub(crate) fn new(limits: InputLimits) -> Budget {
        Budget {
            limits,
            documents: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            exceeded: AtomicBool::new(false),
        }
    }

    fn exceeded(&self) -> bool {
        self.exceeded.load(Ordering::Relaxed)
    }

    fn spend_bytes(&self, bytes: usize) {
        let total = self
            .bytes
            .fetch_add(bytes as u64, Ordering::Relaxed)
            .saturating_add(bytes as u64);
        if total > self.limits.max_input_bytes {
            self.exceeded.store(true, Ordering::Relaxed);
        }
    }

    fn spend_documents(&self, documents: usize) {
        let total = self
            .documents
            .fetch_add(documents, Ordering::Relaxed)
            .saturating_add(documents);
        if total > self.limits.max_documents {
            self.exceeded.store(true, Ordering::Relaxed);
        }
    }

    /// The error to stop the run with, when a bound was passed.
    pub(crate) fn check(&self) -> Result<(), CheckError> {
        if !self.exceeded() {
            return Ok(());
        }
        if self.documents.load(Ordering::Relaxed) > self.limits.max_documents {
            return Err(CheckError::TooLarge {
                what: "documents",
                limit: self.limits.max_documents as u64,
                flag: "--max-documents",
            });
        }
        Err(CheckError::TooLarge {
            what: "MiB",
            limit: self.limits.max_input_bytes / (1024 * 1024),
            flag: "--max-input-mb",
        })
    }
}

/// Counts loaded files for the [`Progress`] callback.
pub(crate) struct LoadTally<'a> {
    progress: Option<&'a Progress>,
    loaded: AtomicUsize,
    total: usize,
}

impl<'a> LoadTally<'a> {
    pub(crate) fn new(progress: Option<&'a Progress>, total: usize) -> LoadTally<'a> {
        LoadTally {
            progress,
            loaded: AtomicUsize::new(0),
            total,
        }
    }

    fn tick(&self) {
        if let Some(Progress(report)) = self.progress {
            report(self.loaded.fetch_add(1, Ordering::Relaxed) + 1, self.total);
        }
    }
}

/// A file of the run: loaded already, or still to be read.
pub(crate) enum Slot {
    Loaded(LoadedFile),
    Unread(Candidate),
}

/// Loads files in parallel, keeping their order.
pub(crate) fn load_slots(
    slots: Vec<Slot>,
    limits: &Limits,
    budget: &Budget,
    tally: &LoadTally<'_>,
) -> Vec<LoadedFile> {
    slots
        .into_par_iter()
        .map(|slot| {
            let file = match slot {
                Slot::Loaded(file) => file,
                Slot::Unread(candidate) => load(candidate, limits, budget),
            };
            tally.tick();
            file
        })
        .collect()
}

/// Reads every candidate and loads those whose text `picked` chooses; the
/// others are left to be read again in their turn (their text is not kept,
/// so this costs a second read of each, not memory).
pub(crate) fn load_picked(
    candidates: Vec<Candidate>,
    picked: &(dyn Fn(&Candidate, &str) -> bool + Sync),
    limits: &Limits,
    budget: &Budget,
) -> Vec<Slot> {
    candidates
        .into_par_iter()
        .map(|candidate| {
            let text: Arc<str> = match &candidate.origin {
                Origin::File(path) => match read_text(path) {
                    Ok(text) if picked(&candidate, &text) => Arc::from(text),
                    // Unreadable files are reported when read in their turn.
                    _ => return Slot::Unread(candidate),
                },
                Origin::Text(text) if picked(&candidate, text) => text.clone(),
                Origin::Bytes(bytes)
                    if decode_borrowed(bytes).is_ok_and(|text| picked(&candidate, &text)) =>
                {
                    return Slot::Loaded(load(candidate, limits, budget));
                }
                _ => return Slot::Unread(candidate),
            };
            Slot::Loaded(load_text(empty_file(candidate), text, limits, budget))
        })
        .collect()
}

/// A file with nothing in it yet.
pub(crate) fn empty_file(candidate: Candidate) -> LoadedFile {
    LoadedFile {
        kind: candidate.kind,
        display: candidate.display,
        built: candidate.built,
        missing_env_files: candidate.missing_env_files,
        text: None,
        documents: Vec::new(),
        note: None,
    }
}

/// The text of a file, or why it cannot be read.
fn read_origin(origin: &Origin) -> Result<Arc<str>, String> {
    match origin {
        Origin::Text(text) => Ok(text.clone()),
        Origin::Bytes(bytes) => decode_borrowed(bytes).map(|text| Arc::from(text.as_ref())),
        Origin::Unlistable(reason) => Err(format!("cannot read the file: {reason}")),
        Origin::File(path) => read_text(path).map(Arc::from),
    }
}

/// The text of a file read before, read again (for the lines of findings
/// made after its tree was dropped); `None` when it cannot be read now.
pub(crate) fn read_again(candidate: &Candidate) -> Option<Arc<str>> {
    read_origin(&candidate.origin).ok()
}

fn load(candidate: Candidate, limits: &Limits, budget: &Budget) -> LoadedFile {
    if budget.exceeded() {
        // The run will stop with an error; reading more only costs memory.
        return empty_file(candidate);
    }
    let read = read_origin(&candidate.origin);
    let mut file = empty_file(candidate);
    match read {
        Ok(text) => load_text(file, text, limits, budget),
        Err(message) => {
            file.note = Some(unreadable(message));
            file
        }
    }
}

/// Recognises and parses the text of a file.
fn load_text(mut file: LoadedFile, text: Arc<str>, limits: &Limits, budget: &Budget) -> LoadedFile {
    if text
        .as_bytes()
        .iter()
        .take(BINARY_SNIFF_BYTES)
        .any(|byte| *byte == 0)
    {
        file.note = Some(unreadable(
            "the file looks binary (it contains NUL bytes)".to_owned(),
        ));
        return file;
    }
    budget.spend_bytes(text.len());
    let helm_template =
        text.contains("{{") && is_under_templates(&file.display) && has_helm_actions(&text);
    if helm_template || is_ytt_template(&text) || has_brace_placeholders(&text) {
        file.note = Some(template_note(&file.display, &text));
        file.text = Some(text);
        return file;
    }
    // Documents are counted before they are built, so a stream past the
    // limit stops here; empty ones are counted and never built.
    let stream = Stream::split(&text, Empty::Count);
    let counted = stream.min_documents();
    budget.spend_documents(counted);
    if budget.exceeded() {
        return file;
    }
    let Parsed {
        mut documents,
        total,
    } = stream.parse(limits);
    budget.spend_documents(total.saturating_sub(counted));
    if file
        .built
        .as_ref()
        .is_some_and(|built| built.read_by_kustomize)
    {
        for root in documents
            .iter_mut()
            .filter_map(|document| document.root.as_mut())
        {
            read_booleans_as_kustomize(root, &text);
        }
    }
    let syntax_error = documents
        .iter()
        .flat_map(|document| &document.problems)
        .any(|problem| problem.kind == ProblemKind::Syntax);
    // Only a file that does not parse is searched for other engines'
    // syntax: most files parse, and are not scanned again.
    if syntax_error
        && (has_template_syntax(&text)
            || has_at_placeholders(&text)
            || has_angle_placeholder_lines(&text))
    {
        file.note = Some(template_note(&file.display, &text));
    } else if syntax_error && file.kind == FileKind::Manifests && !names_manifest_fields(&text) {
        // Where manifests are not expected, a file that does not parse and
        // never writes `apiVersion`, `kind` or `metadata` is not trying to
        // be one (a JSON dashboard with a comment, a tool's own format):
        // skipped as other YAML is, without a finding.
    } else {
        file.documents = documents;
    }
    file.text = Some(text);
    file
}

/// Whether a text writes any of the fields that make a manifest.
fn names_manifest_fields(text: &str) -> bool {
    ["apiVersion", "kind", "metadata"]
        .iter()
        .any(|field| text.contains(field))
}

fn unreadable(message: String) -> FileNote {
    FileNote {
        rule: input_read::ID,
        message,
        help: Some("make the file readable UTF-8 text, or exclude it".to_owned()),
        once_per: None,
    }
}

/// The note on an unrendered template: one per chart (the directory above
/// `templates/`), or per directory for templates outside a chart, naming
/// how many templates it stands for.
fn template_note(display: &str, text: &str) -> FileNote {
    let chart = display.rsplit_once("/templates/").map_or_else(
        || display.rsplit_once('/').map_or("", |(dir, _)| dir),
        |(chart, _)| chart,
    );
    let (message, help) = if has_helm_actions(text) {
        (
            "skipped: this is an unrendered Helm template",
            "check the rendered output instead: helm template CHART | plimsoll check -",
        )
    } else if is_ytt_template(text) {
        (
            "skipped: this is an unrendered ytt template",
            "check the rendered output instead: ytt -f DIR | plimsoll check -",
        )
    } else {
        (
            "skipped: this is an unrendered template (its template syntax is not YAML)",
            "check the rendered output instead: render it and pipe it to `plimsoll check -`",
        )
    };
    FileNote {
        rule: unrendered_template::ID,
        message: message.to_owned(),
        help: Some(help.to_owned()),
        once_per: Some(chart.to_owned()),
    }
}

/// Whether a text is a Carvel ytt template: its directives are YAML
/// comments that start with `#@` (`#@ load(…)`, `#@ if …:`, `#@ data.values.x`),
/// so it parses, but its values and documents are not the rendered ones.
fn is_ytt_template(text: &str) -> bool {
    text.contains("#@")
        && text
            .lines()
            .any(|line| line.trim_start().starts_with("#@") || line.contains(": #@ "))
}

/// Whether a text leaves whole values to a script that replaces `{NAME}`
/// placeholders (`name: {TENANT_ID}`, `- {REGION}`): YAML reads such a
/// value as a mapping, so the file is a template, not what is applied.
fn has_brace_placeholders(text: &str) -> bool {
    text.match_indices('{').any(|(open, _)| {
        let Some(rest) = text.get(open + 1..) else {
            return false;
        };
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = rest.get(..name_end).unwrap_or_default();
        let Some(tail) = rest
            .get(name_end..)
            .and_then(|after| after.strip_prefix('}'))
            .filter(|_| is_upper_case_name(name))
        else {
            return false;
        };
        let line_after = tail.split('\n').next().unwrap_or_default().trim_start();
        let line_before = text
            .get(..open)
            .map(|before| before.rsplit_once('\n').map_or(before, |(_, line)| line))
            .unwrap_or_default()
            .trim_end();
        (line_after.is_empty() || line_after.starts_with('#'))
            && (line_before.ends_with(':') || line_before.trim_start() == "-")
    })
}

/// Whether a text has whole values that are `@NAME@` placeholders
/// (`name: @STS_NAME@`), which a script replaces: `@` cannot start a YAML
/// value, so such a file does not parse until it is filled in.
fn has_at_placeholders(text: &str) -> bool {
    text.contains(": @")
        && text.lines().any(|line| {
            line.split_once(": ")
                .is_some_and(|(_, value)| is_script_placeholder(value.trim_end()))
        })
}

/// Whether a text has lines that are only a `<NAME>` placeholder, which a
/// command-line tool replaces with whole lines of YAML (annotations, a
/// block of values) before anything parses the file.
fn has_angle_placeholder_lines(text: &str) -> bool {
    text.lines().any(|line| {
        line.trim()
            .strip_prefix('<')
            .and_then(|rest| rest.strip_suffix('>'))
            .is_some_and(is_upper_case_name)
    })
}

fn has_template_syntax(text: &str) -> bool {
    TEMPLATE_MARKERS.iter().any(|marker| text.contains(marker))
}

/// Where template engines' syntax starts: Go templates and Jinja (`{{`,
/// `{%`), FreeMarker directives (`<#if`, `</#if>`), ERB and EJS (`<%`). A
/// file that holds one and does not parse is a template, not broken YAML.
const TEMPLATE_MARKERS: &[&str] = &["{{", "{%", "<#", "</#", "<%"];

/// Go template actions Helm charts use; rendered output keeps only `{{ }}`
/// that belong to the data (Grafana legends, Prometheus alert templates).
const HELM_ACTIONS: &[&str] = &[
    ".Values",
    ".Release.",
    ".Chart.",
    ".Capabilities.",
    "{{-",
    "-}}",
    "{{ include ",
    "{{ template ",
    "{{ define ",
    "{{ if ",
    "{{ else",
    "{{ end",
    "{{ range ",
    "{{ with ",
    "toYaml",
];

fn has_helm_actions(text: &str) -> bool {
    HELM_ACTIONS.iter().any(|action| text.contains(action))
}

fn is_under_templates(display: &str) -> bool {
    let mut segments: Vec<&str> = display.split('/').collect();
    segments.pop();
    segments.contains(&"templates")
}

fn read_text(path: &std::path::Path) -> Result<String, String> {
    let metadata =
        std::fs::metadata(path).map_err(|error| format!("cannot read the file: {error}"))?;
    if !metadata.is_file() {
        return Err("not a regular file".to_owned());
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(format!(
            "the file is {} MiB, more than the {} MiB limit",
            metadata.len() / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    read_opened(path)
}

/// Reads a path that was a regular file a moment ago. It may have changed
/// since: it is opened without blocking (a FIFO put in its place would wait
/// for a writer forever), what was opened is checked, and no more than the
/// limit is read.
fn read_opened(path: &std::path::Path) -> Result<String, String> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options
        .open(path)
        .map_err(|error| format!("cannot read the file: {error}"))?;
    let opened = file
        .metadata()
        .map_err(|error| format!("cannot read the file: {error}"))?;
    if !opened.is_file() {
        return Err("not a regular file".to_owned());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len()).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot read the file: {error}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "the file grew past the {} MiB limit while it was read",
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    decode(bytes)
}

/// The text of a file: UTF-8, or UTF-16 that starts with its byte-order
/// mark, as Windows editors write YAML and as Kubernetes' YAML reader (and
/// so kubectl and Kustomize) accepts it. Positions are in the decoded text.
fn decode(bytes: Vec<u8>) -> Result<String, String> {
    match decode_utf16(&bytes) {
        Some(text) => text,
        None => String::from_utf8(bytes).map_err(|error| not_utf8(&error.utf8_error())),
    }
}

/// [`decode`] of bytes held elsewhere, borrowing UTF-8 text.
fn decode_borrowed(bytes: &[u8]) -> Result<Cow<'_, str>, String> {
    match decode_utf16(bytes) {
        Some(text) => text.map(Cow::Owned),
        None => std::str::from_utf8(bytes)
            .map(Cow::Borrowed)
            .map_err(|error| not_utf8(&error)),
    }
}

/// The text of UTF-16 bytes that start with their byte-order mark; `None`
/// for other bytes.
fn decode_utf16(bytes: &[u8]) -> Option<Result<String, String>> {
    match bytes {
        [0xFF, 0xFE, rest @ ..] => Some(utf16(rest, u16::from_le_bytes)),
        [0xFE, 0xFF, rest @ ..] => Some(utf16(rest, u16::from_be_bytes)),
        _ => None,
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, String> {
    let pairs = bytes.chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return Err("the file is UTF-16 but has an odd number of bytes".to_owned());
    }
    let units: Vec<u16> = pairs
        .filter_map(|pair| pair.try_into().ok())
        .map(unit)
        .collect();
    String::from_utf16(&units)
        .map_err(|_| "the file is UTF-16 but holds an unpaired surrogate".to_owned())
}

fn not_utf8(error: &std::str::Utf8Error) -> String {
    format!(
        "the file is not UTF-8 (invalid byte at offset {})",
        error.valid_up_to()
    )
}

/// The id of the rule a parse problem belongs to.
pub(crate) fn problem_rule(kind: ProblemKind) -> &'static str {
    match kind {
        ProblemKind::Syntax => yaml_syntax::ID,
        ProblemKind::DuplicateKey => crate::rules::yaml_duplicate_key::ID,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_fifo_in_place_of_a_file_is_refused_without_blocking() {
        let folder = tempfile::tempdir().unwrap();
        let fifo = folder.path().join("swapped.yaml");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // No writer ever opens the FIFO: a blocking open would hang here.
        assert_eq!(read_opened(&fifo), Err("not a regular file".to_owned()));
    }

    #[test]
    fn files_are_recognised_by_name() {
        assert_eq!(FileKind::of("helm/values-prod.yaml"), FileKind::HelmValues);
        assert_eq!(FileKind::of("values.yaml"), FileKind::HelmValues);
        assert_eq!(FileKind::of("charts/x/Chart.yaml"), FileKind::HelmChart);
        assert_eq!(
            FileKind::of("base/kustomization.yaml"),
            FileKind::Kustomization
        );
        assert_eq!(
            FileKind::of("release/component-tags.json"),
            FileKind::ComponentTags
        );
        assert_eq!(FileKind::of("envs/prod/deploy.yaml"), FileKind::Manifests);
        assert_eq!(FileKind::of("valuesets.yaml"), FileKind::Manifests);
        assert_eq!(FileKind::of("env/prod/api-hpa-patch.yaml"), FileKind::Patch);
        assert_eq!(FileKind::of("overlays/patches.yaml"), FileKind::Patch);
        assert_eq!(FileKind::of("dispatcher.yaml"), FileKind::Manifests);
        assert_eq!(FileKind::of("helm/prod-values.yaml"), FileKind::HelmValues);
        assert_eq!(FileKind::of("apps/values/prod.yaml"), FileKind::HelmValues);
        assert_eq!(FileKind::of("values.prod.yaml"), FileKind::HelmValues);
    }
}
