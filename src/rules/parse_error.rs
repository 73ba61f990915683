//! LG001 parse-error — reported by the pipeline itself, not by a detector.

use crate::registry::{Enablement, FixKind, Hooks, Language, RuleMeta, Severity};
use crate::test_code::TestCodePolicy;

pub const META: RuleMeta = RuleMeta {
    code: "LG001",
    name: "parse-error",
    summary: "The file has a syntax error; nothing else in it is checked",
    enablement: Enablement::Always,
    severity: Severity::Error,
    fm043: None,
    test_code: TestCodePolicy::Check,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::None,
    options: &[],
    doc: include_str!("../../rules/LG001-parse-error.md"),
    hooks: Hooks::NONE,
};
