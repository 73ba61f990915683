//! LG005 fix-error — reported by the fix engine itself, not by a detector.

use crate::registry::{Enablement, FixKind, Hooks, Language, RuleMeta, Severity};
use crate::test_code::TestCodePolicy;

pub const META: RuleMeta = RuleMeta {
    code: "LG005",
    name: "fix-error",
    summary: "Fixes for this file were not applied: they would break its syntax, or the file cannot be written",
    enablement: Enablement::Always,
    severity: Severity::Error,
    fm043: None,
    test_code: TestCodePolicy::Check,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::None,
    options: &[],
    doc: include_str!("../../rules/LG005-fix-error.md"),
    hooks: Hooks::NONE,
};
