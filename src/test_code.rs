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
    /// The file is a single-task script ([`is_single_task_script`]) and `single-task-scripts`
    /// is `skip`: like test code, it runs under no concurrent load.
    pub single_task_script: bool,
}

impl TestCode {
    pub fn contains(&self, offset: TextSize) -> bool {
        self.whole_file
            || self.single_task_script
            || self.ranges.iter().any(|range| range.contains(offset))
    }

    pub fn is_empty(&self) -> bool {
        !self.whole_file && !self.single_task_script && self.ranges.is_empty()
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
            single_task_script: false,
        };
        assert!(code.contains(15.into()));
        assert!(!code.contains(25.into()));
        assert!(TestCode {
            whole_file: true,
            ranges: Vec::new(),
            single_task_script: false,
        }
        .contains(0.into()));
        let script = TestCode {
            single_task_script: true,
            ..TestCode::default()
        };
        assert!(script.contains(0.into()) && !script.is_empty());
        assert!(TestCode::default().is_empty());
    }
}

/// Calls that start an event loop for a script's one task: at module level or under
/// `if __name__ == "__main__":` (a library's sync wrapper calls them inside a function).
const PYTHON_RUNNERS: &[&str] = &[
    "asyncio.run(",
    "anyio.run(",
    "trio.run(",
    "uvloop.run(",
    "run_until_complete(",
];
/// Attributes that make an `async fn main` a binary's entry point (a library's `block_on` is
/// not one).
const RUST_RUNNERS: &[&str] = &[
    "#[tokio::main",
    "#[async_std::main",
    "#[actix_rt::main",
    "#[actix_web::main",
];

/// Words of anything that runs tasks side by side, starts a server or registers handlers that
/// an event source calls: one of them and the file is not a single-task script. Matched
/// anywhere in the text, comments included, so that a doubt keeps the file checked.
const PYTHON_CONCURRENCY: &[&str] = &[
    "gather(",
    "create_task(",
    "ensure_future(",
    "TaskGroup",
    "task_group",
    "nursery",
    "as_completed(",
    "wait(",
    "start_server(",
    "create_server(",
    "serve",
    "run_forever(",
    "run_app(",
    "uvicorn",
    "Thread(",
    "Executor(",
];
const RUST_CONCURRENCY: &[&str] = &[
    "spawn",
    "join!",
    "select!",
    "join_all",
    "JoinSet",
    "FuturesUnordered",
    "FuturesOrdered",
    "buffer_unordered",
    "buffered(",
    "for_each_concurrent",
    "serve",
    "accept(",
    "Router",
    "HttpServer",
];

/// A single-task script: the file starts an event loop for one task (`asyncio.run(main())`,
/// `#[tokio::main]`) and nothing in it runs tasks side by side, serves, or registers a handler
/// (a decorated `async def`: a route, a bot command, an event callback). Its blocking calls stall
/// only the one task that waits for them anyway — an admin prompt, a one-off migration, a
/// start-up countdown — so the rules that skip test code skip it too (`single-task-scripts`).
/// A library module has no runner and stays checked: its async API is called from concurrent
/// code.
pub fn is_single_task_script(text: &str, language: Language) -> bool {
    match language {
        Language::Python => {
            runs_python_entry_point(text)
                && !PYTHON_CONCURRENCY.iter().any(|word| text.contains(word))
                && !registers_async_handler(text)
        }
        Language::Rust => {
            RUST_RUNNERS.iter().any(|runner| text.contains(runner))
                && !RUST_CONCURRENCY.iter().any(|word| text.contains(word))
        }
    }
}

/// A runner called on a line of its own at module level, or anywhere in a file with a
/// `__main__` guard.
fn runs_python_entry_point(text: &str) -> bool {
    // Every analysed file asks; two substring searches spare nearly all of them the walk over
    // their lines (`every_runner_is_found_by_the_quick_search` keeps the two complete).
    let mentions =
        |needle: &str| memchr::memmem::find(text.as_bytes(), needle.as_bytes()).is_some();
    if !mentions(".run(") && !mentions("run_until_complete(") {
        return false;
    }
    let main_guard =
        text.contains("__name__ == \"__main__\"") || text.contains("__name__ == '__main__'");
    text.lines().any(|line| {
        PYTHON_RUNNERS.iter().any(|runner| {
            line.starts_with(runner) || (main_guard && line.trim_start().starts_with(runner))
        })
    })
}

/// A decorator (on one line or several) directly above an `async def`.
fn registers_async_handler(text: &str) -> bool {
    let mut decorated = false;
    for line in text.lines() {
        let line = line.trim_start();
        if line.starts_with("async def ") && decorated {
            return true;
        }
        if line.starts_with('@') {
            decorated = true;
        } else if line.starts_with("def ") || line.starts_with("class ") {
            decorated = false;
        }
    }
    false
}

#[cfg(test)]
mod single_task_tests {
    use super::*;

    #[test]
    fn every_runner_is_found_by_the_quick_search() {
        for runner in PYTHON_RUNNERS {
            assert!(
                runner.contains(".run(") || runner.contains("run_until_complete("),
                "{runner}"
            );
        }
    }

    #[test]
    fn a_script_runs_one_task() {
        let script =
            "import asyncio, time\n\nasync def main():\n    time.sleep(1)\n\nasyncio.run(main())\n";
        assert!(is_single_task_script(script, Language::Python));
        let guarded = "import asyncio\n\nasync def main():\n    pass\n\nif __name__ == '__main__':\n    asyncio.run(main())\n";
        assert!(is_single_task_script(guarded, Language::Python));
        let rust = "#[tokio::main]\nasync fn main() { std::thread::sleep(d); }\n";
        assert!(is_single_task_script(rust, Language::Rust));
    }

    #[test]
    fn concurrency_handlers_and_libraries_are_not_scripts() {
        let gathers = "import asyncio\nasync def main():\n    await asyncio.gather(a(), b())\nasyncio.run(main())\n";
        assert!(!is_single_task_script(gathers, Language::Python));
        let handler = "import asyncio\n@bot.command(\n    name='x',\n)\nasync def on_x(ctx):\n    pass\nasyncio.run(bot.start())\n";
        assert!(!is_single_task_script(handler, Language::Python));
        let library = "import time\nasync def fetch():\n    time.sleep(1)\n";
        assert!(!is_single_task_script(library, Language::Python));
        let wrapper = "import asyncio\nasync def fetch():\n    pass\ndef fetch_sync():\n    return asyncio.run(fetch())\n";
        assert!(!is_single_task_script(wrapper, Language::Python));
        let blocks_on = "fn run(job: Job) { Runtime::new().unwrap().block_on(job.run()); }\n";
        assert!(!is_single_task_script(blocks_on, Language::Rust));
        let server = "#[tokio::main]\nasync fn main() { let l = TcpListener::bind(a).await; l.accept().await; }\n";
        assert!(!is_single_task_script(server, Language::Rust));
        let spawns = "#[tokio::main]\nasync fn main() { tokio::spawn(work()); }\n";
        assert!(!is_single_task_script(spawns, Language::Rust));
    }
}
