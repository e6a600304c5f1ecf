//! `promotion-image-parity`: after a promotion from A to B, B runs an image
//! that A does not run for the same service.
//!
//! Reported by `promote`. Services are matched across environments as
//! [`crate::promotion`] describes. Two images are the same build when their
//! repositories match and their digests match (when both have one), else
//! their tags match once an `<env>-` prefix naming a known environment is
//! stripped (`staging-1.4.0` ↔ `prod-1.4.0`). Every container (and every
//! values-file image) of B whose image A does not run for that service is an
//! error that shows both sides; a service present in only one of the two
//! environments is an info note (it is not compared).

use super::{Category, Rule, RuleMeta};
use crate::finding::Severity;

pub(crate) const ID: &str = "promotion-image-parity";

pub(crate) fn rule() -> Rule {
    Rule::load(RuleMeta {
        id: ID.into(),
        category: Category::Promotion,
        default_severity: Severity::Error,
        summary: "after promotion, TO runs an image (repository@digest, or tag without its environment prefix) that FROM does not run for the same service".into(),
        rationale: "A promotion should move exactly what was validated. When prod runs a digest that \
staging never ran, the release skipped its tests: a hand edit, a rebuilt tag, or a bump that went straight \
to prod."
            .into(),
        fix: "Set the image in TO to the one FROM runs (copy the digest), or deploy the new image to FROM \
first and validate it there. Services present on one side only are reported as info notes. This rule is \
evaluated by `plimsoll promote`."
            .into(),
        bad: "".into(),
        good: "".into(),
    })
}
