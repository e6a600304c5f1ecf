//! Images that a project's build scripts write into its manifests before
//! they are applied, read from the scripts beside the manifests:
//!
//! - `kustomize edit set image NAME=…` in a Makefile or a shell script
//!   (the `make deploy` of every kubebuilder project runs
//!   `cd config/manager && kustomize edit set image controller=${IMG}`), so
//!   the `image: controller:latest` that Kustomize builds from is never
//!   what runs;
//! - `docker_build('NAME', …)` and `custom_build('NAME', …)` in a
//!   Tiltfile: Tilt builds the image and writes it, with a tag of its own,
//!   wherever the manifests it deploys name `NAME`.
//!
//! A script is read as text, line by line: a name written through a
//! variable (`edit set image ${NAME}=…`) is not known, and is left out.
//! What a script sets holds for the manifests below its directory; what
//! `kustomize edit` sets, only for those a kustomization builds.

use std::path::Path;

use super::built::ToolImages;
use crate::model::{ImagePin, SetImage};

/// Whether a walked file is a build script whose images are read: a
/// Makefile (`Makefile`, `GNUmakefile`, `*.mk`), a shell script (`*.sh`)
/// or a Tiltfile.
pub(super) fn is_build_script(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("");
    matches!(name, "Makefile" | "makefile" | "GNUmakefile" | "Tiltfile")
        || name.ends_with(".mk")
        || name.ends_with(".sh")
}

/// What the script at `display` (its text `text`) sets; `None` when it
/// sets no image.
pub(super) fn images_set(display: &str, text: &str) -> Option<ToolImages> {
    let is_tiltfile = display.rsplit('/').next() == Some("Tiltfile");
    let images = if is_tiltfile {
        tilt_builds(text)
    } else {
        kustomize_edits(text)
    };
    (!images.is_empty()).then(|| ToolImages {
        directory: super::kustomize::directory_of(display).to_owned(),
        only_built_by_kustomize: !is_tiltfile,
        images,
    })
}

/// The images of `kustomize edit set image` commands: `NAME=NEW[:TAG]`,
/// `NAME:TAG` or `NAME@DIGEST`, each pinned by digest when it gives one.
fn kustomize_edits(text: &str) -> Vec<SetImage> {
    const COMMAND: &str = "edit set image";
    let mut images = Vec::new();
    // A command continued over lines (`\` at the end) is one line.
    let text = text.replace("\\\n", " ");
    for line in text.lines() {
        let mut rest = line;
        while let Some(at) = rest.find(COMMAND) {
            rest = rest.get(at + COMMAND.len()..).unwrap_or("");
            for word in rest.split_whitespace() {
                if word.starts_with(['&', '|', ';', ')', '#']) {
                    break;
                }
                let ends_command = word.ends_with(';');
                let word = word.trim_end_matches(';').trim_matches(['"', '\'']);
                if !word.starts_with('-') {
                    images.extend(edited_image(word));
                }
                if ends_command {
                    break;
                }
            }
        }
    }
    images
}

/// The image one argument of `kustomize edit set image` sets.
fn edited_image(argument: &str) -> Option<SetImage> {
    let name = match argument.split_once('=') {
        Some((name, _)) => name,
        None => {
            let without_digest = argument.split_once('@').map_or(argument, |(name, _)| name);
            // A tag follows the last `:` after the last `/` (a registry's
            // port comes before it).
            let last_slash = without_digest.rfind('/').map_or(0, |at| at + 1);
            match without_digest
                .get(last_slash..)
                .and_then(|last| last.rfind(':'))
            {
                Some(colon) => without_digest.get(..last_slash + colon)?,
                None => without_digest,
            }
        }
    };
    let known = !name.is_empty() && !name.contains(['$', '(', '{', '`']);
    known.then(|| SetImage {
        name: name.to_owned(),
        pin: if argument.contains("@sha256:") {
            ImagePin::Digest
        } else {
            ImagePin::Tag
        },
    })
}

/// The images a Tiltfile builds: the first argument of `docker_build` and
/// `custom_build` (or their `ref=`), when it is a string literal. Tilt
/// tags what it builds with a hash of its own, not a digest.
fn tilt_builds(text: &str) -> Vec<SetImage> {
    let mut images = Vec::new();
    for call in ["docker_build(", "custom_build("] {
        for (at, _) in text.match_indices(call) {
            let arguments = text.get(at + call.len()..).unwrap_or("").trim_start();
            let arguments = arguments
                .strip_prefix("ref")
                .map(|rest| rest.trim_start().trim_start_matches('=').trim_start())
                .unwrap_or(arguments);
            if let Some(name) = string_literal(arguments) {
                images.push(SetImage {
                    name: name.to_owned(),
                    pin: ImagePin::Tag,
                });
            }
        }
    }
    images
}

/// The string literal that `text` starts with (`'a'` or `"a"`), without
/// its quotes.
fn string_literal(text: &str) -> Option<&str> {
    let quote = text.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
    let inside = text.get(1..)?;
    let end = inside.find(quote)?;
    inside.get(..end).filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(images: &[SetImage]) -> Vec<(&str, ImagePin)> {
        images
            .iter()
            .map(|image| (image.name.as_str(), image.pin))
            .collect()
    }

    #[test]
    fn kustomize_edits_name_the_image_they_replace() {
        let makefile = "deploy: manifests\n\tcd config/manager && $(KUSTOMIZE) edit set image controller=${IMG}\n\t$(KUSTOMIZE) build config/default | kubectl apply -f -\n";
        assert_eq!(
            names(&kustomize_edits(makefile)),
            [("controller", ImagePin::Tag)]
        );
        let script = "kustomize edit set image \"manager=ghcr.io/acme/op@sha256:0a\" proxy:1.2 \\\n  registry.local:5000/agent:2.0; echo done\n";
        assert_eq!(
            names(&kustomize_edits(script)),
            [
                ("manager", ImagePin::Digest),
                ("proxy", ImagePin::Tag),
                ("registry.local:5000/agent", ImagePin::Tag)
            ]
        );
        assert!(kustomize_edits("kustomize edit set image ${NAME}=${IMG}\n").is_empty());
        assert!(kustomize_edits("kustomize edit set namespace shop\n").is_empty());
    }

    #[test]
    fn tilt_builds_name_their_image() {
        let tiltfile = "docker_build('shop-ui', 'ui')\ncustom_build(\n  ref=\"shop-api\", command='make api')\ndocker_build(name_var, '.')\n";
        assert_eq!(
            names(&tilt_builds(tiltfile)),
            [("shop-ui", ImagePin::Tag), ("shop-api", ImagePin::Tag)]
        );
    }

    #[test]
    fn build_scripts_are_known_by_name() {
        for name in ["Makefile", "hack/release.sh", "build/common.mk", "Tiltfile"] {
            assert!(is_build_script(Path::new(name)), "{name}");
        }
        for name in ["Makefile.yaml", "deploy.yaml", "README.md"] {
            assert!(!is_build_script(Path::new(name)), "{name}");
        }
    }

    #[test]
    fn a_script_sets_images_below_its_directory() {
        let found = images_set(
            "ops/Makefile",
            "x:\n\tkustomize edit set image app=acme/app:1\n",
        );
        assert_eq!(
            found,
            Some(ToolImages {
                directory: "ops".to_owned(),
                only_built_by_kustomize: true,
                images: vec![SetImage {
                    name: "app".to_owned(),
                    pin: ImagePin::Tag
                }],
            })
        );
        assert_eq!(images_set("Makefile", "all:\n\tgo build ./...\n"), None);
    }
}
