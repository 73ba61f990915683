//! LG003 unlintable-file — reported by the pipeline itself, not by a detector.

use crate::registry::{Enablement, FixKind, Hooks, Language, RuleMeta, Severity};
use crate::test_code::TestCodePolicy;

pub const META: RuleMeta = RuleMeta {
    code: "LG003",
    name: "unlintable-file",
    summary: "The file could not be read as source (unreadable, binary, not UTF-8, too large, too deeply nested, a template)",
    enablement: Enablement::Default,
    severity: Severity::Warning,
    fm043: None,
    test_code: TestCodePolicy::Check,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::None,
    options: &[],
    doc: include_str!("../../rules/LG003-unlintable-file.md"),
    hooks: Hooks::NONE,
};
