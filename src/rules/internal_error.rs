//! LG004 internal-error — reported by the pipeline itself, not by a detector.

use crate::registry::{Enablement, FixKind, Hooks, Language, RuleMeta, Severity};
use crate::test_code::TestCodePolicy;

pub const META: RuleMeta = RuleMeta {
    code: "LG004",
    name: "internal-error",
    summary: "loopguard failed on this file (a bug: please report it)",
    enablement: Enablement::Always,
    severity: Severity::Error,
    fm043: None,
    test_code: TestCodePolicy::Check,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::None,
    options: &[],
    doc: include_str!("../../rules/LG004-internal-error.md"),
    hooks: Hooks::NONE,
};
