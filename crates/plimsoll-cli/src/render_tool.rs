//! `--kustomize DIR` and `--helm CHART`: run the renderer and check its
//! output, so users need no shell pipeline.
//!
//! Running other programs is the command's business, not the library's: the
//! library checks text it is given (an embedding tool renders with its own
//! means and passes `Input::Text`), and never spawns processes. The output
//! is checked as one in-memory file named by the overlay directory or chart
//! as given, so findings point at what the user named (and an overlay under
//! `overlays/prod/` resolves to prod); Helm's `# Source:` comments still
//! name the template of each document.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A program to run: its name and arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The program, looked up on `PATH`.
    pub program: String,
    /// Its arguments.
    pub args: Vec<OsString>,
}

impl Invocation {
    /// The command line as a user would type it (for error messages).
    pub fn display(&self) -> String {
        let mut line = self.program.clone();
        for arg in &self.args {
            line.push(' ');
            line.push_str(&arg.to_string_lossy());
        }
        line
    }
}

/// Finds `program` on `path` (the value of `PATH`), as the shell would.
pub fn find_program(program: &str, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let path = path?;
    std::env::split_paths(path)
        .flat_map(|dir| {
            let plain = dir.join(program);
            let exe = dir.join(format!("{program}.exe"));
            [plain, exe]
        })
        .find(|candidate| candidate.is_file())
}

/// `kustomize build DIR` when `kustomize` is installed, else
/// `kubectl kustomize DIR`; `None` when neither is.
pub fn kustomize_invocation(dir: &Path, path: Option<&std::ffi::OsStr>) -> Option<Invocation> {
    if find_program("kustomize", path).is_some() {
        Some(Invocation {
            program: "kustomize".into(),
            args: vec!["build".into(), dir.as_os_str().to_owned()],
        })
    } else if find_program("kubectl", path).is_some() {
        Some(Invocation {
            program: "kubectl".into(),
            args: vec!["kustomize".into(), dir.as_os_str().to_owned()],
        })
    } else {
        None
    }
}

/// `helm template CHART [-f VALUES]... [--set K=V]...`.
pub fn helm_invocation(chart: &str, values: &[PathBuf], set: &[String]) -> Invocation {
    let mut args: Vec<OsString> = vec!["template".into(), chart.into()];
    for file in values {
        args.push("--values".into());
        args.push(file.as_os_str().to_owned());
    }
    for assignment in set {
        args.push("--set".into());
        args.push(assignment.into());
    }
    Invocation {
        program: "helm".into(),
        args,
    }
}

/// Runs the renderer and returns its standard output; every failure is a
/// message for stderr (the command exits 2).
pub fn run(invocation: &Invocation, what: &str) -> Result<String, String> {
    let output = Command::new(&invocation.program)
        .args(&invocation.args)
        .output()
        .map_err(|error| {
            if error.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "{what}: `{}` is not installed (or not on PATH); install it, or render \
yourself and pipe the output: `... | plimsoll check -`",
                    invocation.program
                )
            } else {
                format!("{what}: cannot run `{}`: {error}", invocation.display())
            }
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "{what}: `{}` failed ({}):\n{}",
            invocation.display(),
            output.status,
            stderr.trim_end()
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| {
        format!(
            "{what}: `{}` printed output that is not UTF-8",
            invocation.display()
        )
    })
}

/// A Kustomize overlay rendered with origin annotations: a temporary
/// kustomization that includes the overlay and asks for
/// `buildMetadata: [originAnnotations]`, so that each object says which
/// file it came from. The folder is removed when this is dropped.
pub struct OriginWrapper {
    folder: PathBuf,
}

impl OriginWrapper {
    /// Writes the wrapper kustomization for `overlay` (a directory).
    pub fn new(overlay: &Path) -> Option<OriginWrapper> {
        let overlay = std::fs::canonicalize(overlay).ok()?;
        // One folder per overlay of the run, removed when dropped.
        static RENDERED: AtomicUsize = AtomicUsize::new(0);
        let folder = std::env::temp_dir().join(format!(
            "plimsoll-kustomize-{}-{}",
            std::process::id(),
            RENDERED.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&folder).ok()?;
        let folder = std::fs::canonicalize(&folder).ok()?;
        // Kustomize takes no absolute resource paths.
        let relative = relative_path(&folder, &overlay);
        let kustomization = format!(
            "resources:\n  - {}\nbuildMetadata: [originAnnotations]\n",
            relative.to_string_lossy()
        );
        let wrapper = OriginWrapper { folder };
        std::fs::write(wrapper.folder.join("kustomization.yaml"), kustomization).ok()?;
        Some(wrapper)
    }

    /// The folder to render instead of the overlay.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// The file an origin annotation's path names (relative to the
    /// wrapper), if it exists.
    pub fn resolve(&self, origin: &str) -> Option<PathBuf> {
        std::fs::canonicalize(self.folder.join(origin)).ok()
    }
}

impl Drop for OriginWrapper {
    fn drop(&mut self) {
        // A leftover folder in the temporary directory is harmless.
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// The path from the directory `from` to `to` (both absolute), with `..`
/// where it climbs.
pub fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut path = PathBuf::new();
    for _ in common..from.len() {
        path.push("..");
    }
    for component in to.iter().skip(common) {
        path.push(component.as_os_str());
    }
    path
}

/// The name the rendered output is reported under: the path as given, with
/// `/` separators and no trailing slash.
pub fn attribution(given: &str) -> String {
    let name = given.replace('\\', "/");
    let trimmed = name.trim_end_matches('/');
    if trimmed.is_empty() {
        name
    } else {
        trimmed.to_owned()
    }
}

/// The file of a chart's template named by Helm's `# Source:` comment:
/// `shop/templates/deployment.yaml` names `templates/deployment.yaml`
/// inside the chart directory `chart` (the first segment is the chart's
/// name, not a folder). `None` when that is not a file, as for a template
/// of a packed subchart.
pub fn template_file(chart: &Path, source: &str) -> Option<PathBuf> {
    let (_, inside) = source.split_once('/')?;
    let file = chart.join(inside);
    file.is_file().then_some(file)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn relative_paths_climb_to_the_common_folder() {
        assert_eq!(
            relative_path(
                Path::new("/tmp/wrap"),
                Path::new("/work/repo/overlays/prod")
            ),
            PathBuf::from("../../work/repo/overlays/prod")
        );
        assert_eq!(
            relative_path(Path::new("/work/repo"), Path::new("/work/repo/base")),
            PathBuf::from("base")
        );
    }

    fn fake_path(programs: &[&str]) -> (tempfile::TempDir, OsString) {
        let dir = tempfile::tempdir().unwrap();
        for program in programs {
            std::fs::write(dir.path().join(program), "").unwrap();
        }
        let path = std::env::join_paths([dir.path()]).unwrap();
        (dir, path)
    }

    #[test]
    fn kustomize_prefers_kustomize_then_kubectl() {
        let (_dir, both) = fake_path(&["kustomize", "kubectl"]);
        let invocation = kustomize_invocation(Path::new("overlays/prod"), Some(&both)).unwrap();
        assert_eq!(invocation.display(), "kustomize build overlays/prod");
        let (_dir, kubectl) = fake_path(&["kubectl"]);
        let invocation = kustomize_invocation(Path::new("overlays/prod"), Some(&kubectl)).unwrap();
        assert_eq!(invocation.display(), "kubectl kustomize overlays/prod");
        let (_dir, none) = fake_path(&[]);
        assert_eq!(kustomize_invocation(Path::new("x"), Some(&none)), None);
        assert_eq!(kustomize_invocation(Path::new("x"), None), None);
    }

    #[test]
    fn helm_command_line_keeps_order() {
        let invocation = helm_invocation(
            "charts/shop",
            &[
                PathBuf::from("values.yaml"),
                PathBuf::from("values-prod.yaml"),
            ],
            &["image.tag=1.2.3".to_owned(), "a=b,c=d".to_owned()],
        );
        assert_eq!(invocation.program, "helm");
        assert_eq!(
            invocation.display(),
            "helm template charts/shop --values values.yaml --values values-prod.yaml \
--set image.tag=1.2.3 --set a=b,c=d"
        );
    }

    #[test]
    fn a_missing_program_is_a_clear_error() {
        let invocation = Invocation {
            program: "plimsoll-no-such-renderer".into(),
            args: vec!["template".into()],
        };
        let error = run(&invocation, "--helm").unwrap_err();
        assert!(
            error.contains("`plimsoll-no-such-renderer` is not installed"),
            "{error}"
        );
    }

    #[test]
    fn attribution_trims_separators() {
        assert_eq!(attribution("overlays/prod/"), "overlays/prod");
        assert_eq!(attribution("charts\\shop"), "charts/shop");
        assert_eq!(attribution("/"), "/");
    }
}
