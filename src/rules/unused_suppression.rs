//! LG002 unused-suppression — reported by the pipeline itself, not by a detector.

use crate::registry::{Enablement, FixKind, Hooks, Language, RuleMeta, Severity};
use crate::test_code::TestCodePolicy;

pub const META: RuleMeta = RuleMeta {
    code: "LG002",
    name: "unused-suppression",
    summary: "A suppression comment that suppresses nothing, or names an unknown rule",
    enablement: Enablement::OptIn,
    severity: Severity::Warning,
    fm043: None,
    test_code: TestCodePolicy::Check,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::None,
    options: &[],
    doc: include_str!("../../rules/LG002-unused-suppression.md"),
    hooks: Hooks::NONE,
};
