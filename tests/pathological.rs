//! Pathological sizes: files and projects whose analysis could go wrong in ways other than a
//! panic — recursion without end, a stack overflow, time or memory that grows faster than the
//! input. Each must be linted (exit 0 or 1, no LG004) before a generous time limit, after which
//! the run is killed and the test fails; each run's time and peak memory are printed
//! (`cargo test --release --test pathological -- --nocapture` shows them for a release build).

mod support;

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use support::{loopguard, write_files, Run};

/// Far beyond what any of these takes in a debug build on two cores.
const LIMIT: Duration = Duration::from_secs(120);
/// Peak resident memory allowed to a run, far above what any of these needs.
const MEMORY_LIMIT_KIB: u64 = 4 << 20;

/// Chains, hierarchies and cycles this long.
const LENGTH: usize = 5_000;

fn check(name: &str, files: &[(String, String)], args: &[&str]) -> Run {
    let directory = tempfile::tempdir().unwrap();
    write_files(directory.path(), files);
    check_in(name, directory.path(), args)
}

fn check_in(name: &str, directory: &Path, args: &[&str]) -> Run {
    // Every rule, opt-in ones included: LG208 and the fan-out rules are what these inputs stress.
    let mut all = vec![
        "check",
        "--output-format",
        "json",
        "--no-cache",
        "--quiet",
        "--select",
        "ALL",
    ];
    all.extend(args);
    let run = loopguard(directory, &all, &[], LIMIT);
    eprintln!(
        "{name}: {:.2} s, peak RSS {} MiB, exit {:?}, findings {:?}",
        run.elapsed.as_secs_f64(),
        run.max_rss_kib / 1024,
        run.status.code(),
        summary(&run.codes())
    );
    let problems = run.problems();
    assert!(problems.is_empty(), "{name}: {}", problems.join("\n"));
    assert!(
        run.max_rss_kib < MEMORY_LIMIT_KIB,
        "{name}: peak RSS {} MiB",
        run.max_rss_kib / 1024
    );
    run
}

/// `LG201 x3, LG208 x1`.
fn summary(codes: &[String]) -> String {
    let mut text = String::new();
    let mut rest = codes;
    while let Some(first) = rest.first() {
        let count = rest.iter().take_while(|code| *code == first).count();
        let _ = write!(
            text,
            "{}{first} x{count}",
            if text.is_empty() { "" } else { ", " }
        );
        rest = &rest[count..];
    }
    text
}

fn count(run: &Run, code: &str) -> usize {
    run.codes().iter().filter(|found| *found == code).count()
}

fn file(path: String, text: String) -> (String, String) {
    (path, text)
}

/// A Rust crate: `src/lib.rs` declaring `modules`, plus `files` under `src/`.
fn rust_crate(
    lib: &str,
    modules: usize,
    files: impl Iterator<Item = (String, String)>,
) -> Vec<(String, String)> {
    let mut root = String::from(lib);
    for number in 0..modules {
        let _ = writeln!(root, "pub mod m{number};");
    }
    let mut all = vec![file("src/lib.rs".to_string(), root)];
    all.extend(files.map(|(path, text)| (format!("src/{path}"), text)));
    all
}

#[test]
fn ten_thousand_classes_each_inheriting_the_previous() {
    let mut source = String::from(
        "import time\n\n\nclass C0:\n    def method(self):\n        time.sleep(1)\n\n    def own(self):\n        return self.method()\n",
    );
    for number in 1..10_000 {
        let _ = write!(
            source,
            "\n\nclass C{number}(C{}):\n    def own(self):\n        super().own()\n        return self.method()\n",
            number - 1
        );
    }
    let main = "from classes import C1, C20, C5000, C9999\n\n\nasync def main():\n    C9999().method()\n    C9999().own()\n    C1().own()\n    C20().method()\n    C5000().missing()\n";
    let run = check(
        "10,000 classes",
        &[
            file("classes.py".into(), source),
            file("main.py".into(), main.into()),
        ],
        &[],
    );
    // `C1().own()` reaches `C0.method` in two steps.
    assert!(count(&run, "LG208") >= 1, "{:?}", run.codes());
}

#[test]
fn a_class_hierarchy_five_thousand_deep_across_files() {
    let mut files = vec![file(
        "c0.py".into(),
        "import time\n\n\nclass C0:\n    def method(self):\n        time.sleep(1)\n".into(),
    )];
    for number in 1..LENGTH {
        let previous = number - 1;
        files.push(file(
            format!("c{number}.py"),
            format!("from c{previous} import C{previous}\n\n\nclass C{number}(C{previous}):\n    def other(self):\n        return super().method()\n"),
        ));
    }
    let last = LENGTH - 1;
    files.push(file(
        "main.py".into(),
        format!("from c{last} import C{last}\nfrom c1 import C1\n\n\nasync def main():\n    C{last}().method()\n    C{last}().other()\n    C1().method()\n"),
    ));
    let run = check("hierarchy 5,000 deep across files", &files, &[]);
    assert!(count(&run, "LG208") >= 1, "C1().method() is C0.method");
}

/// Every class of a layer inherits from every class of the layer above: the number of paths to
/// the top grows as the width to the power of the depth.
#[test]
fn a_wide_diamond_hierarchy() {
    let (width, depth) = (12, 12);
    let mut source =
        String::from("import time\n\n\nclass Top:\n    def method(self):\n        time.sleep(1)\n");
    let layer =
        |level: usize| -> Vec<String> { (0..width).map(|n| format!("L{level}_{n}")).collect() };
    for level in 0..depth {
        let bases = if level == 0 {
            "Top".to_string()
        } else {
            layer(level - 1).join(", ")
        };
        for name in layer(level) {
            let _ = write!(source, "\n\nclass {name}({bases}):\n    pass\n");
        }
    }
    // Calls from another module go through the project index, which walks the bases.
    let mut main =
        String::from("import diamonds\n\n\nasync def main():\n    diamonds.L2_0().method()\n");
    for name in layer(depth - 1) {
        let _ = writeln!(
            main,
            "    diamonds.{name}().method()\n    diamonds.{name}().missing()"
        );
    }
    let run = check(
        "diamond hierarchy 12 wide, 12 deep",
        &[
            file("diamonds.py".into(), source),
            file("main.py".into(), main),
        ],
        &[],
    );
    // Three levels down, `method` is still found (every base agrees on it).
    assert_eq!(count(&run, "LG208"), 1);
}

#[test]
fn a_chain_of_five_thousand_re_exports_in_python() {
    let mut files = Vec::new();
    for number in 0..LENGTH - 1 {
        let next = number + 1;
        files.push(file(
            format!("m{number}.py"),
            format!("from m{next} import f\n"),
        ));
        files.push(file(
            format!("s{number}.py"),
            format!("from s{next} import *\n"),
        ));
    }
    let last = LENGTH - 1;
    files.push(file(
        format!("m{last}.py"),
        "import time\n\n\ndef f():\n    time.sleep(1)\n".into(),
    ));
    files.push(file(
        format!("s{last}.py"),
        "import time\n\n\ndef g():\n    time.sleep(1)\n".into(),
    ));
    files.push(file(
        "main.py".into(),
        "from m0 import f\nfrom m4990 import f as near\nfrom s0 import *\n\n\nasync def main():\n    f()\n    near()\n    g()\n".into(),
    ));
    check("5,000 Python re-exports", &files, &[]);
}

#[test]
fn a_chain_of_five_thousand_re_exports_in_rust() {
    let last = LENGTH - 1;
    let modules = (0..LENGTH).map(|number| {
        let text = if number == last {
            "pub fn f() {\n    std::thread::sleep(std::time::Duration::from_secs(1));\n}\n"
                .to_string()
        } else {
            let next = number + 1;
            format!("pub use crate::m{next}::f;\npub use super::m{next}::*;\n")
        };
        (format!("m{number}.rs"), text)
    });
    let files = rust_crate(
        "pub async fn main() {\n    m0::f();\n    crate::m4990::f();\n}\n",
        LENGTH,
        modules,
    );
    check("5,000 Rust re-exports", &files, &[]);
}

#[test]
fn a_call_chain_five_thousand_long_across_files() {
    let mut files = Vec::new();
    for number in 0..LENGTH {
        let next = number + 1;
        files.push(file(
            format!("f{number}.py"),
            format!("from f{next} import f{next}\n\n\ndef f{number}():\n    return f{next}()\n"),
        ));
    }
    files.push(file(
        format!("f{LENGTH}.py"),
        format!("import time\n\n\ndef f{LENGTH}():\n    time.sleep(1)\n"),
    ));
    files.push(file(
        "main.py".into(),
        "from f0 import f0\n\n\nasync def main():\n    f0()\n".into(),
    ));
    let run = check("Python call chain 5,000 long", &files, &[]);
    assert_eq!(count(&run, "LG208"), 1);

    let modules = (0..=LENGTH).map(|number| {
        let text = if number == LENGTH {
            "pub fn f() {\n    std::thread::sleep(std::time::Duration::from_secs(1));\n}\n"
                .to_string()
        } else {
            format!("pub fn f() {{\n    super::m{}::f();\n}}\n", number + 1)
        };
        (format!("m{number}.rs"), text)
    });
    let files = rust_crate(
        "pub async fn main() {\n    m0::f();\n}\n",
        LENGTH + 1,
        modules,
    );
    let run = check("Rust call chain 5,000 long", &files, &[]);
    assert_eq!(count(&run, "LG208"), 1);
}

#[test]
fn five_thousand_mutually_recursive_functions() {
    let mut source = String::from("import time\n");
    for number in 0..LENGTH {
        let _ = write!(
            source,
            "\n\ndef f{number}():\n    f{}()\n    f{}()\n    return f{}()\n",
            (number + 1) % LENGTH,
            (number * 7 + 3) % LENGTH,
            (number + LENGTH - 1) % LENGTH,
        );
        if number == LENGTH / 2 {
            source.push_str("    time.sleep(1)\n");
        }
    }
    source.push_str("\n\nasync def main():\n    f0()\n    f4999()\n");
    let run = check(
        "5,000 mutually recursive functions",
        &[file("cycle.py".into(), source)],
        &[],
    );
    assert_eq!(count(&run, "LG208"), 2);

    // The same cycle spread over 50 modules.
    let modules = 50;
    let per = LENGTH / modules;
    let mut files = Vec::new();
    for module in 0..modules {
        let mut text = String::from("import time\n");
        for other in 0..modules {
            let _ = writeln!(text, "import r{other}");
        }
        for number in module * per..(module + 1) * per {
            let call = |target: usize| format!("r{}.f{target}()", target / per);
            let _ = write!(
                text,
                "\n\ndef f{number}():\n    {}\n    {}\n    return {}\n",
                call((number + 1) % LENGTH),
                call((number * 7 + 3) % LENGTH),
                call((number + LENGTH - 1) % LENGTH),
            );
            if number == LENGTH / 2 {
                text.push_str("    time.sleep(1)\n");
            }
        }
        files.push(file(format!("r{module}.py"), text));
    }
    files.push(file(
        "main.py".into(),
        "import r0\n\n\nasync def main():\n    r0.f0()\n".into(),
    ));
    let run = check(
        "5,000 mutually recursive functions in 50 modules",
        &files,
        &[],
    );
    assert_eq!(count(&run, "LG208"), 1);

    let mut source = String::from("pub async fn main() {\n    f0();\n}\n");
    for number in 0..LENGTH {
        let _ = write!(
            source,
            "\npub fn f{number}() {{\n    f{}();\n    crate::f{}();\n    self::f{}();\n",
            (number + 1) % LENGTH,
            (number * 7 + 3) % LENGTH,
            (number + LENGTH - 1) % LENGTH,
        );
        if number == LENGTH / 2 {
            source.push_str("    std::thread::sleep(std::time::Duration::from_secs(1));\n");
        }
        source.push_str("}\n");
    }
    let run = check(
        "5,000 mutually recursive Rust functions",
        &[file("src/lib.rs".into(), source)],
        &[],
    );
    assert_eq!(count(&run, "LG208"), 1);
}

/// Attribute and method chains mixed, on receivers whose type the file states.
#[test]
fn long_attribute_and_method_chains() {
    let links = 20_000;
    let python = format!(
        "import asyncio\nimport requests\nimport time\n\n\nasync def f(session: requests.Session):\n    s = requests.Session()\n    x = s{}\n    y = session.get(1){}\n    z = asyncio.get_event_loop(){}\n    time.sleep(x)\n",
        ".get(1).json".repeat(links / 2),
        ".raise_for_status()".repeat(links),
        ".a.b().c".repeat(links / 3),
    );
    let rust = format!(
        "async fn f() {{\n    let client = reqwest::blocking::Client::new();\n    let x = client{};\n    let y = std::fs::File::open(\"p\"){};\n    std::thread::sleep(x);\n}}\n",
        ".get(\"u\").send().unwrap().a".repeat(links / 4),
        ".unwrap().b.c()".repeat(links / 3),
    );
    check(
        "attribute and method chains 20,000 long",
        &[
            file("chains.py".into(), python),
            file("chains.rs".into(), rust),
        ],
        &["--select", "ALL"],
    );
}

/// One name bound again and again (`x = x`), then many names each bound from the previous: a
/// look-up that scans a scope's bindings is quadratic here.
#[test]
fn twenty_thousand_bindings_in_one_function() {
    let bindings = 20_000;
    let mut python = String::from(
        "import requests\nimport time\n\n\nasync def f():\n    x = requests.Session()\n",
    );
    python.push_str(&"    x = x\n".repeat(bindings));
    python.push_str("    y0 = x\n");
    for number in 1..bindings {
        let _ = writeln!(python, "    y{number} = y{}", number - 1);
    }
    let _ = writeln!(
        python,
        "    y{}.get(\"u\")\n    x.get(\"u\")\n    time.sleep(1)",
        bindings - 1
    );
    let mut rust = String::from("async fn f() {\n    let x = reqwest::blocking::Client::new();\n");
    rust.push_str(&"    let x = x;\n".repeat(bindings));
    rust.push_str("    let y0 = x;\n");
    for number in 1..bindings {
        let _ = writeln!(rust, "    let y{number} = g(y{});", number - 1);
    }
    let _ = writeln!(
        rust,
        "    y{}.get(\"u\").send();\n    x.get(\"u\").send();\n    std::thread::sleep(d);\n}}",
        bindings - 1
    );
    let run = check(
        "20,000 bindings in one function",
        &[
            file("bindings.py".into(), python),
            file("bindings.rs".into(), rust),
        ],
        &["--select", "ALL"],
    );
    assert_eq!(count(&run, "LG201"), 2, "{:?}", run.codes());
}

/// `self` attributes assigned from each other in several methods: resolving one branches at
/// every assignment.
#[test]
fn self_attributes_assigned_from_each_other() {
    let attributes = 40;
    let mut source = String::from("import requests\nimport time\n\n\nclass C:\n    def __init__(self):\n        self.a0 = requests.Session()\n");
    for method in 0..4 {
        let _ = writeln!(source, "\n    def set{method}(self):");
        for number in 0..attributes {
            let _ = writeln!(
                source,
                "        self.a{number} = self.a{}",
                (number * (method + 3) + method + 1) % attributes
            );
        }
    }
    source.push_str("\n    async def run(self):\n");
    for number in 0..attributes {
        let _ = writeln!(source, "        self.a{number}.get(\"u\")");
    }
    source.push_str("        time.sleep(1)\n");
    check(
        "40 self attributes assigned from each other",
        &[file("attributes.py".into(), source)],
        &["--select", "ALL"],
    );
}

/// Macro bodies are parsed where they are met: nested thousands deep, each level would copy all
/// the tokens below it. A blocking call a few macros deep is still found.
#[test]
fn macros_nested_thousands_deep() {
    let nested = |open: &str, close: &str, depth: usize, inner: &str| {
        format!(
            "async fn f() {{\n    let x = {}{inner}{};\n}}\n",
            open.repeat(depth),
            close.repeat(depth)
        )
    };
    let files = [
        file(
            "vec.rs".into(),
            nested("vec![", "]", 8_000, "std::fs::read(\"x\")"),
        ),
        file(
            "format.rs".into(),
            nested("format!(\"{}\", ", ")", 8_000, "std::fs::read(\"x\")"),
        ),
        file(
            "select.rs".into(),
            format!(
                "async fn f() {{\n    {}std::thread::sleep(d);{}\n}}\n",
                "tokio::select! { _ = a() => { ".repeat(4_000),
                " } }".repeat(4_000)
            ),
        ),
        file(
            "shallow.rs".into(),
            nested("vec![", "]", 20, "std::fs::read(\"x\")"),
        ),
    ];
    let run = check("macros nested 8,000 deep", &files, &["--select", "ALL"]);
    let findings = run.findings().unwrap();
    assert!(
        findings
            .iter()
            .any(|finding| finding.file == "shallow.rs" && finding.code == "LG203"),
        "{findings:?}"
    );
}

/// The text output shows the source line of each finding under it: a finding past column
/// 65,535 must be printed like any other.
#[test]
fn a_finding_past_column_65535_in_text_output() {
    let padding = " ".repeat(70_000);
    let files = [
        file(
            "wide.py".into(),
            format!("import time\n\n\nasync def f():\n    x = 1;{padding}time.sleep(1)\n"),
        ),
        file(
            "wide.rs".into(),
            format!("async fn f() {{\n    let x = 1;{padding}std::thread::sleep(d);\n}}\n"),
        ),
    ];
    let directory = tempfile::tempdir().unwrap();
    write_files(directory.path(), &files);
    let run = loopguard(
        directory.path(),
        &["check", "--no-cache", "--color", "never", "--select", "ALL"],
        &[],
        LIMIT,
    );
    assert_eq!(
        run.status.code(),
        Some(1),
        "{:?} {}",
        run.status,
        support::tail(&run.stderr, 2_000)
    );
    assert!(run.stdout.contains("wide.py:5:"), "{}", run.stdout.len());
    assert!(run.stdout.contains("wide.rs:2:"), "{}", run.stdout.len());
}

/// A collection's provenance follows every binding that reaches a name and both operands of an
/// operator: `x = x + x` repeated in a loop branches at every step, and a slice bound that reads
/// the sliced name (`ids = ids[:ids]`) is a cycle.
#[test]
fn collections_that_grow_from_themselves() {
    let mut source = String::from("import asyncio\n\n\nasync def main(client):\n    ids = await client.ids()\n    items = []\n    for _ in range(3):\n");
    for number in 0..200 {
        let _ = writeln!(
            source,
            "        items = items + items if {number} else items[:items] + ids[:ids]"
        );
    }
    source.push_str("    return await asyncio.gather(*[client.get(i) for i in items])\n");
    let run = check(
        "provenance through self-referencing collections",
        &[file("grow.py".into(), source)],
        &["--select", "LG101"],
    );
    assert!(count(&run, "LG101") <= 1);
}
