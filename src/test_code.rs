//! Test code: files and items that only a test run executes. A fan-out over test data, a
//! blocking call in a test coroutine or a thread a test never joins harm nobody under load, so the
//! load-related rules skip test code by default; the rules that find bugs wherever the code runs
//! (an unawaited coroutine, a nested event loop, an event-loop API that is gone) check it too.
//! Each front end finds the test items of a file (`python::test_code`, `rust::test_code`); this
//! module holds what they share: the file-level test, the policy and the ranges.

use std::path::{Component, Path};

use ruff_text_size::{TextRange, TextSize};

use crate::registry::Language;

/// Whether a rule looks at test code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TestCodePolicy {
    /// Findings in test code are dropped.
    Skip,
    /// Test code is linted like any other.
    Check,
}

impl TestCodePolicy {
    pub const VALUES: &'static [&'static str] = &["skip", "check"];

    pub fn parse(text: &str) -> Option<TestCodePolicy> {
        match text {
            "skip" => Some(TestCodePolicy::Skip),
            "check" => Some(TestCodePolicy::Check),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TestCodePolicy::Skip => "skip",
            TestCodePolicy::Check => "check",
        }
    }
}

/// The parts of a file that are test code.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TestCode {
    /// The whole file (by its path: `tests/`, `test_*.py`, `conftest.py`, ...).
    pub whole_file: bool,
    /// Test items of an ordinary file (`#[cfg(test)] mod tests`, `#[tokio::test] fn`, a pytest
    /// fixture, a `TestCase` subclass), in source order.
    pub ranges: Vec<TextRange>,
}

impl TestCode {
    pub fn contains(&self, offset: TextSize) -> bool {
        self.whole_file || self.ranges.iter().any(|range| range.contains(offset))
    }

    pub fn is_empty(&self) -> bool {
        !self.whole_file && self.ranges.is_empty()
    }
}

/// Whether the file at `path` (relative to the project root where it lies under it) is test code
/// as a whole, by the conventions of its language's test runners: pytest's `test_*.py`,
/// `*_test.py` and `conftest.py`; a `tests`/`test`/`testing` directory (Python test suites and
/// helpers, Cargo's integration tests); Cargo's `benches/`; and the `tests.rs`/`*_tests.rs` files
/// that `#[cfg(test)] mod tests;` declares.
pub fn is_test_file(path: &Path, language: Language) -> bool {
    let mut components: Vec<&str> = path
        .components()
        .filter_map(|component| match component {
            Component::Normal(name) => name.to_str(),
            _ => None,
        })
        .collect();
    let Some(file_name) = components.pop() else {
        return false;
    };
    let in_test_directory = components.iter().any(|directory| match language {
        Language::Python => matches!(*directory, "tests" | "test" | "testing"),
        Language::Rust => matches!(*directory, "tests" | "benches"),
    });
    in_test_directory
        || match language {
            Language::Python => {
                let stem = file_name.strip_suffix(".py").unwrap_or(file_name);
                stem.starts_with("test_")
                    || stem.ends_with("_test")
                    || matches!(stem, "conftest" | "tests")
            }
            Language::Rust => {
                let stem = file_name.strip_suffix(".rs").unwrap_or(file_name);
                matches!(stem, "tests" | "test")
                    || stem.ends_with("_tests")
                    || stem.ends_with("_test")
            }
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_files_by_path() {
        let python = |path: &str| is_test_file(Path::new(path), Language::Python);
        let rust = |path: &str| is_test_file(Path::new(path), Language::Rust);
        assert!(python("tests/api/test_routes.py"));
        assert!(python("pkg/test_client.py"));
        assert!(python("pkg/client_test.py"));
        assert!(python("conftest.py"));
        assert!(python("src/pkg/testing/fixtures.py"));
        assert!(!python("src/pkg/client.py"));
        assert!(!python("src/pkg/contest.py"));
        assert!(!python("src/pkg/testimonials/views.py"));
        assert!(!python("src/pkg/latest_test_results.py"));
        assert!(rust("tests/integration.rs"));
        assert!(rust("crate/benches/throughput.rs"));
        assert!(rust("src/server/tests.rs"));
        assert!(rust("src/server/handler_tests.rs"));
        assert!(!rust("src/server/mod.rs"));
        assert!(!rust("src/testing.rs"));
        assert!(!rust("examples/echo.rs"));
    }

    #[test]
    fn ranges_and_whole_files_contain_offsets() {
        let code = TestCode {
            whole_file: false,
            ranges: vec![TextRange::new(10.into(), 20.into())],
        };
        assert!(code.contains(15.into()));
        assert!(!code.contains(25.into()));
        assert!(TestCode {
            whole_file: true,
            ranges: Vec::new()
        }
        .contains(0.into()));
        assert!(TestCode::default().is_empty());
    }
}
