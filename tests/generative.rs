//! Generated projects made of self-reference and cycles must never make loopguard abort, hang or
//! report an internal error (LG004).
//!
//! A seeded generator (the seeds are fixed, so every run sees the same programs) writes valid
//! Python packages and Rust crates of several files: parameters named like their types
//! (`def f(type: type[int]) -> type: type.mro()`), `a = b; b = a`, `x: x = x`, `type A = A`,
//! imports of themselves, star-import and re-export cycles, classes inheriting in a cycle across
//! files, `super()` and `self` cycles, mutual recursion across modules reached from coroutines;
//! `use` and `pub use` cycles, recursive aliases and structs, traits whose default methods call
//! each other, `Deref` to itself, glob cycles between inline and file modules — mixed with the
//! calls the rules look for. Many projects are written into one directory and linted together,
//! in every configuration: the default rules, `--select ALL`, `--select ALL` with every opt-in
//! option of a `loopguard.toml` in each project, each with and without the pre-filter
//! (`LOOPGUARD_NO_PREFILTER=1`); the last also with the result cache (cold, then warm) and with
//! the default text output; then `--fix --unsafe-fixes` on copies, checked again afterwards.
//! Every run must exit 0 or 1 with no LG004, neither the pre-filter nor the cache may change the
//! findings, and the generated code must parse (no LG001). A failing batch is narrowed to its
//! project, whose seed and files are printed.
//!
//! Every case found here or by `tests/pathological.rs` is kept in `tests/regressions/<case>/`
//! and linted the same way by
//! `regressions_are_linted_without_internal_errors`. `LOOPGUARD_GENERATIVE_SEEDS=N` tries `N`
//! seeds instead of the default (more for a longer hunt); `LOOPGUARD_GENERATIVE_DUMP=DIR` also
//! writes the generated projects into `DIR`, to read them.

mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use support::{copy_tree, loopguard, tail, write_files, Run};

/// Projects (one Python package and one Rust crate each) linted in one run.
const BATCH: u64 = 12;
const DEFAULT_SEEDS: u64 = 240;
/// A run over a batch takes well under a second in a debug build; far more is a hang.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// A small xorshift generator: the programs depend only on the seed.
struct Random(u64);

impl Random {
    fn new(seed: u64) -> Random {
        Random((seed ^ 0x5DEE_CE66_D1CE_4E5B).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// `text` with every line indented by `levels` steps of four spaces.
fn indent(text: &str, levels: usize) -> String {
    let prefix = "    ".repeat(levels);
    text.lines()
        .map(|line| {
            if line.is_empty() {
                "\n".to_string()
            } else {
                format!("{prefix}{line}\n")
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Python

/// What a Python statement may refer to.
struct PythonContext {
    package: String,
    /// The package's modules (`m0`, `m1`, ...), which every module imports (itself included).
    modules: Vec<String>,
    /// The function being written, for recursion.
    function: String,
    is_async: bool,
    in_function: bool,
    /// Names of the enclosing function's parameters.
    parameters: Vec<String>,
    in_method: bool,
}

impl PythonContext {
    fn module(&self, random: &mut Random) -> String {
        self.modules[random.below(self.modules.len())].clone()
    }
}

/// Parameter names and the annotations that name them (or their own type).
const PYTHON_PARAMETERS: &[(&str, &str)] = &[
    ("type", "type[int]"),
    ("type", "type[t.Any] | None"),
    ("type", "type"),
    ("dict", "dict[str, str]"),
    ("list", "list[list]"),
    ("str", "str"),
    ("failure", "failure.Failure"),
    ("failure", "\"failure.Failure\""),
    ("open", "open"),
    ("time", "time"),
    ("asyncio", "asyncio.AbstractEventLoop"),
    ("requests", "requests.Session"),
    ("helper", "helper"),
    ("x", "x"),
    ("x", "\"x\""),
    ("Base", "type[Base]"),
    ("t", "t.Any"),
    ("session", "requests.Session"),
    ("lock", "threading.Lock"),
    ("conn", "sqlite3.Connection"),
    ("loop", "asyncio.AbstractEventLoop | loop"),
];

/// A statement (possibly compound) for a function body or the module's top level.
fn python_statement(random: &mut Random, context: &PythonContext, depth: usize) -> String {
    let other = context.module(random);
    let name = context
        .parameters
        .get(random.below(context.parameters.len().max(1)))
        .cloned()
        .unwrap_or_else(|| "x".to_string());
    let awaiting = if context.is_async { "await " } else { "" };
    let nested = |random: &mut Random| python_block(random, context, depth + 1);
    let choices = if depth >= 3 { 40 } else { 52 };
    let statement = match random.below(choices) {
        0 => "time.sleep(1)\n".to_string(),
        1 => "open(\"data.txt\").read()\n".to_string(),
        2 => "requests.get(\"https://example.com\")\n".to_string(),
        3 => format!("{awaiting}asyncio.gather(*coros)\n"),
        4 => "asyncio.create_task(run())\n".to_string(),
        5 => "threading.Thread(target=helper, daemon=True).start()\n".to_string(),
        6 => "loop = asyncio.get_event_loop()\n".to_string(),
        7 => "a = b\nb = a\n".to_string(),
        8 => "x = x\n".to_string(),
        9 => "x: x = x\n".to_string(),
        10 => "helper()\n".to_string(),
        11 => format!("{other}.helper()\n"),
        12 => format!("{other}.Base().method()\n"),
        13 => format!("{}()\n", context.function),
        14 => format!("{name} = {name}\n"),
        15 => format!("{name}: {name} = {name}\n"),
        16 => format!("{name}.mro()\n"),
        17 => format!("{name}.sleep(1)\n"),
        18 => format!("{name}.get(\"k\")\n"),
        19 => "open = open\n".to_string(),
        20 => "sleep = time.sleep\nsleep = sleep\nsleep(1)\n".to_string(),
        21 => "f = lambda: lambda: time.sleep(1)\n".to_string(),
        22 => "[time.sleep(i) for i in range(3)]\n".to_string(),
        23 => "s = requests.Session()\ns.get(\"https://example.com\")\n".to_string(),
        24 => {
            if context.is_async {
                "await asyncio.sleep(0)\n".to_string()
            } else {
                "asyncio.run(run())\n".to_string()
            }
        }
        25 => format!("{awaiting}run()\n"),
        26 => "subprocess.run([\"ls\"])\n".to_string(),
        27 => "sqlite3.connect(\":memory:\").execute(\"select 1\")\n".to_string(),
        28 => "pool = concurrent.futures.ThreadPoolExecutor()\n".to_string(),
        29 => "queue = asyncio.Queue()\n".to_string(),
        30 => "y = (y := y)\n".to_string(),
        31 => format!("helper = {other}.helper\nhelper()\n"),
        32 => format!("{awaiting}{other}.run()\n"),
        33 => {
            if context.in_method {
                random
                    .pick(&[
                        "self.x = self.x\nself.x: self.x = self.x\nself.method()\nsuper().method()\n",
                        "self.a = self.b\nself.b = self.a\nself.a.get(\"u\")\nself.b.sleep(1)\n",
                        "self.x = requests.Session()\nself.x = self.y\nself.y = self.x\nself.y.get(\"u\")\n",
                        "self.method = self.other\nself.other = self.method\nself.other()\n",
                        "self.x: self.y = self.x\nself.y: self.x = self.y\nself.x.y.x.y()\n",
                    ])
                    .to_string()
            } else {
                "Base.method(Base())\n".to_string()
            }
        }
        34 => "lock = threading.Lock()\nwith lock:\n    time.sleep(1)\n".to_string(),
        35 => {
            if context.is_async {
                "async with aiohttp.ClientSession() as session:\n    await session.get(\"u\")\n"
                    .to_string()
            } else {
                "requests.post(\"https://example.com\", timeout=None)\n".to_string()
            }
        }
        36 => "asyncio.gather(*[run() for _ in range(n)])\n".to_string(),
        37 => "del x\n".to_string(),
        38 => "t1 = threading.Thread(target=run)\nt1.join()\n".to_string(),
        39 => {
            if context.in_function {
                "v = 1\ndef inner():\n    nonlocal v\n    v = v\n    time.sleep(v)\n    return inner()\ninner()\n".to_string()
            } else {
                format!("{}.{other}.helper()\n", context.package)
            }
        }
        // Compound statements (not below depth 3).
        40 => format!("if (y := {name}):\n{}", nested(random)),
        41 => format!("for u in urls:\n    asyncio.create_task(fetch(u))\n{}", nested(random)),
        42 => format!("with open(\"p\") as open:\n    open.read()\n{}", nested(random)),
        43 => format!(
            "match {name}:\n    case type(type=type):\n{}    case {{\"k\": k, **rest}}:\n        open(k)\n    case [first, *others]:\n        {other}.helper()\n    case str() | bytes():\n        pass\n    case _:\n        x = x\n",
            indent(&nested(random), 1)
        ),
        44 => format!("try:\n{}except Exception as helper:\n    helper = helper\n", nested(random)),
        45 => format!("while True:\n{}    break\n", nested(random)),
        46 => format!("for x in x:\n{}else:\n    x = x\n", nested(random)),
        47 => {
            let local = PythonContext {
                package: context.package.clone(),
                modules: context.modules.clone(),
                function: format!("local_{depth}"),
                is_async: false,
                in_function: true,
                parameters: vec!["x".to_string()],
                in_method: false,
            };
            format!(
                "def local_{depth}(x: x = x) -> local_{depth}:\n{}    return local_{depth}(x)\nlocal_{depth}()\n",
                python_block(random, &local, depth + 1)
            )
        }
        48 => {
            if context.is_async {
                format!("async for item in {name}:\n{}", nested(random))
            } else {
                format!("for item in {name}:\n{}", nested(random))
            }
        }
        49 => format!(
            "if t.TYPE_CHECKING:\n    from .{other} import helper\nelse:\n{}",
            nested(random)
        ),
        50 => format!("with requests.Session() as s, open(s) as f:\n{}", nested(random)),
        _ => format!(
            "try:\n{}except* ValueError:\n    pass\nfinally:\n    x = x\n",
            nested(random)
        ),
    };
    let suppression = match random.below(40) {
        0 => "  # noqa: LG201",
        1 => "  # loopguard: allow(blocking-sleep)",
        2 => "  # noqa",
        _ => "",
    };
    if suppression.is_empty() || statement.lines().count() != 1 {
        statement
    } else {
        format!("{}{suppression}\n", statement.trim_end())
    }
}

/// One or two statements, indented one level.
fn python_block(random: &mut Random, context: &PythonContext, depth: usize) -> String {
    let mut body = String::new();
    for _ in 0..random.between(1, 2) {
        body.push_str(&python_statement(random, context, depth));
    }
    indent(&body, 1)
}

/// A parameter list of distinct names, some annotated with their own name.
fn python_parameters(random: &mut Random, with_self: bool) -> (String, Vec<String>) {
    let mut names: Vec<String> = Vec::new();
    let mut parts: Vec<String> = Vec::new();
    if with_self {
        parts.push("self".to_string());
    }
    for _ in 0..random.between(0, 3) {
        let (name, annotation) = PYTHON_PARAMETERS[random.below(PYTHON_PARAMETERS.len())];
        if names.iter().any(|known| known == name) || (with_self && name == "self") {
            continue;
        }
        names.push(name.to_string());
        parts.push(format!("{name}: {annotation}"));
    }
    match random.below(5) {
        0 => parts.push("*args: args".to_string()),
        1 => parts.push("*, kwonly: kwonly = kwonly".to_string()),
        2 => parts.push("**kwargs: kwargs".to_string()),
        _ => {}
    }
    (parts.join(", "), names)
}

fn python_function(
    random: &mut Random,
    package: &str,
    modules: &[String],
    name: &str,
    is_async: bool,
    in_method: bool,
) -> String {
    let (parameters, parameter_names) = python_parameters(random, in_method);
    let returns = match random.below(6) {
        0 => String::new(),
        1 => " -> None".to_string(),
        2 => format!(" -> {name}"),
        3 => " -> x".to_string(),
        4 => parameter_names
            .first()
            .map_or_else(|| " -> type".to_string(), |first| format!(" -> {first}")),
        _ => " -> type[t.Any] | None".to_string(),
    };
    let mut text = String::new();
    match random.below(8) {
        0 => text.push_str("@open\n"),
        1 => text.push_str(&format!("@{name}\n")),
        2 => text.push_str("@helper\n"),
        3 if in_method => text.push_str("@property\n"),
        _ => {}
    }
    let keyword = if is_async { "async def" } else { "def" };
    text.push_str(&format!("{keyword} {name}({parameters}){returns}:\n"));
    let context = PythonContext {
        package: package.to_string(),
        modules: modules.to_vec(),
        function: if in_method {
            format!("self.{name}")
        } else {
            name.to_string()
        },
        is_async,
        in_function: true,
        parameters: parameter_names,
        in_method,
    };
    let mut body = String::new();
    if !in_method && random.chance(15) {
        body.push_str("global G\nG = G\n");
    }
    for _ in 0..random.between(1, 4) {
        body.push_str(&python_statement(random, &context, 0));
    }
    if random.chance(30) {
        body.push_str(&format!("return {}\n", context.function));
    }
    text.push_str(&indent(&body, 1));
    text
}

fn python_class(random: &mut Random, package: &str, modules: &[String], name: &str) -> String {
    let other = &modules[random.below(modules.len())];
    let bases = match random.below(7) {
        0 => format!("{other}.Base"),
        1 => name.to_string(),
        2 => format!("Base, {other}.Base"),
        3 => format!("{other}.Base, metaclass=type"),
        4 => "A".to_string(),
        5 => format!("{package}.{other}.Base"),
        _ => "Base".to_string(),
    };
    let mut text = format!("class {name}({bases}):\n");
    let mut body = String::new();
    if random.chance(50) {
        body.push_str("x: x = x\n");
    }
    if random.chance(20) {
        body.push_str("lock = asyncio.Lock()\n");
    }
    body.push_str(
        "def __init__(self):\n    self.x = self.x\n    self.x: self.x = self.x\n    super().__init__()\n",
    );
    for method in ["method", "other", "run"] {
        let is_async = method == "run" || random.chance(20);
        body.push_str(&python_function(
            random, package, modules, method, is_async, true,
        ));
    }
    text.push_str(&indent(&body, 1));
    text
}

/// A top-level snippet of a module.
fn python_top_level(
    random: &mut Random,
    package: &str,
    modules: &[String],
    own: &str,
    counter: &mut usize,
) -> String {
    *counter += 1;
    let number = *counter;
    let other = &modules[random.below(modules.len())];
    match random.below(34) {
        0..=5 => {
            let name = random.pick(&["helper", "helper", "other", "run", "fetch", "load"]);
            let name = if random.chance(30) {
                format!("f{number}")
            } else {
                name.to_string()
            };
            let is_async = name == "run" || name == "fetch" || random.chance(30);
            python_function(random, package, modules, &name, is_async, false)
        }
        6..=8 => {
            let name = random.pick(&["Base", "Base", "A", "B"]);
            python_class(random, package, modules, name)
        }
        9 => "a = b\nb = a\n".to_string(),
        10 => "x = x\nx: x = x\n".to_string(),
        11 => "type A = A\ntype B[T] = B[T] | None\n".to_string(),
        12 => "A: TypeAlias = \"A\"\nBase: TypeAlias = \"Base\"\n".to_string(),
        13 => "open = open\ntime = time\nasyncio = asyncio\n".to_string(),
        14 => "T = t.TypeVar(\"T\", bound=\"T\")\n".to_string(),
        15 => "__all__ = [\"helper\", \"Base\", \"run\", \"helper\"]\n".to_string(),
        16 => format!("helper = {other}.helper\nBase = {other}.Base\n"),
        17 => format!("from .{other} import helper\nfrom .{own} import helper as helper\n"),
        18 => format!("if t.TYPE_CHECKING:\n    from .{other} import Base\n"),
        19 => format!(
            "try:\n    from .{other} import helper\nexcept ImportError:\n    helper = helper\n"
        ),
        20 => "LOOP = asyncio.get_event_loop()\nLOCK = asyncio.Lock()\n".to_string(),
        21 => "@open\ndef opened(open=open):\n    return open(open)\n".to_string(),
        22 => "class A(B):\n    pass\n\n\nclass B(A):\n    pass\n".to_string(),
        23 => format!("from .{other} import *\nfrom . import *\n"),
        24 => "def open(open=open):\n    return open(open)\n".to_string(),
        25 => format!(
            "def helper():\n    return {other}.helper()\n\n\nasync def run():\n    helper()\n    {other}.helper()\n"
        ),
        26 => format!("G = {other}.G\n{other}.G = G\n"),
        27 => "if __name__ == \"__main__\":\n    asyncio.run(run())\n".to_string(),
        28 => format!("import {package}.{own} as {own}\nimport {package} as {package}\n"),
        29 => PYTHON_ODDITIES[random.below(PYTHON_ODDITIES.len())]
            .replace("{package}", package)
            .replace("{other}", other),
        _ => {
            let context = PythonContext {
                package: package.to_string(),
                modules: modules.to_vec(),
                function: "helper".to_string(),
                is_async: false,
                in_function: false,
                parameters: Vec::new(),
                in_method: false,
            };
            python_statement(random, &context, 0)
        }
    }
}

/// Top-level snippets of odd but valid scoping: nested parameters named like their types, class
/// attributes named like builtins, generics bounded by themselves, dotted project imports.
const PYTHON_ODDITIES: &[&str] = &[
    "def outer(type: type[int]) -> type:
    def inner(type: type = type) -> type:
        def innermost(type: type) -> type:
            type.mro()
            time.sleep(1)
            return innermost(type)
        return inner(innermost(type))
    return inner


async def outer_async(outer: outer = outer) -> outer:
    outer(int)
",
    "f = lambda f=f: f(f)
g = lambda: g()
h = (lambda h: h(h))(lambda h: h(h))
",
    "class K:
    type = type
    open = open
    K = K if False else None

    def m(self, type: type, open: open = open) -> type:
        open(type)
        return self.m(type)

    @classmethod
    def c(cls, cls_: cls) -> cls:
        cls.c(cls)
        return cls.m(cls(), int)

    async def run(self):
        self.m(int)
        K.c(K)
        super(K, self).run()
        self.__init__()
",
    "[type for type in type]
{dict: dict for dict in dict}
(x for x in (y for y in x))
",
    "@K
class K(K):
    pass


@K.K
def K(K: K = K) -> K:
    return K(K)
",
    "import {package}.{other}
import {package}.{other}.helper


async def dotted():
    {package}.{other}.helper()
    {package}.{other}.Base().method()
    {package}.{other}.run()
",
    "class Made(make()):
    pass


class Sub(Base[int], *bases, **options):
    pass


class Star(*Star.__bases__):
    pass
",
    "def generic[T: T](x: T) -> T:
    return generic(x)


class Box[T: Box](Box[T]):
    def get[U = U](self, default: U) -> T | U:
        return self.get(default)


type Alias[T] = Alias[Alias[T]]
",
    "from ... import helper
from .... import Base
from .{other}.missing import helper as helper


def climbing():
    helper()
",
    "class Walrus:
    def __init__(self):
        self.loop = asyncio.get_event_loop()

    async def go(self):
        if (loop := self.loop) is loop:
            loop.run_until_complete(self.go())
        while (chunk := open(\"f\").read(10)):
            time.sleep(chunk)
",
    "async def fan_out(items):
    tasks = [asyncio.create_task(fetch(item)) for item in items]
    await asyncio.gather(*tasks)
    await asyncio.gather(*[fan_out(items) for _ in items])
    for item in items:
        asyncio.ensure_future(fan_out(item))
        threading.Thread(target=fan_out, daemon=True).start()
",
];

const PYTHON_HEADER: &str = "import asyncio
import concurrent.futures
import sqlite3
import subprocess
import threading
import time
import typing as t
from typing import TypeAlias

import aiohttp
import failure
import requests
";

fn python_project(seed: u64, package: &str) -> Vec<(String, String)> {
    let mut random = Random::new(seed);
    let count = random.between(2, 4);
    let modules: Vec<String> = (0..count).map(|n| format!("m{n}")).collect();
    let mut counter = 0;
    let mut files = Vec::new();
    for own in &modules {
        let mut text = String::new();
        if random.chance(20) {
            text.push_str("from __future__ import annotations\n");
        }
        if random.chance(5) {
            text.push_str("# loopguard: allow-file(LG301)\n");
        }
        text.push_str(PYTHON_HEADER);
        text.push_str(&format!("from . import {}\n", modules.join(", ")));
        let imports = [
            "from . import *".to_string(),
            format!("from .{own} import *"),
            format!("from {package} import *"),
            format!("import {package}.{own} as {own}"),
            "import asyncio as asyncio".to_string(),
            "import time as time".to_string(),
            format!("from {package}.{own} import helper as helper"),
        ];
        for import in &imports {
            if random.chance(25) {
                text.push_str(import);
                text.push('\n');
            }
        }
        for other in &modules {
            match random.below(6) {
                0 => text.push_str(&format!("from .{other} import *\n")),
                1 => text.push_str(&format!("from .{other} import helper as helper\n")),
                2 => text.push_str(&format!("from .{other} import Base\n")),
                3 => text.push_str(&format!("import {package}.{other} as {other}\n")),
                _ => {}
            }
        }
        text.push_str("\n\n");
        for _ in 0..random.between(3, 8) {
            text.push_str(&python_top_level(
                &mut random,
                package,
                &modules,
                own,
                &mut counter,
            ));
            text.push_str("\n\n");
        }
        files.push((format!("{package}/{own}.py"), text));
    }
    let mut init = String::new();
    for line in [
        "from . import *".to_string(),
        format!("from {package} import *"),
        format!("from .{} import *", modules[0]),
        format!("from .{} import helper", modules[random.below(count)]),
        format!("from .{} import Base as Base", modules[random.below(count)]),
        format!("from . import {}", modules[random.below(count)]),
        "helper = helper".to_string(),
        "__all__ = [\"helper\", \"Base\"]".to_string(),
    ] {
        if random.chance(50) {
            init.push_str(&line);
            init.push('\n');
        }
    }
    files.push((format!("{package}/__init__.py"), init));
    if random.chance(10) {
        // Top-level modules of the project named like the standard library and `requests`
        // (`shadow/` is not a package): the calls rules look for lead into the project.
        files.push((
            format!("{package}/shadow/time.py"),
            "import time\nfrom time import sleep\n\n\ndef sleep(seconds):\n    time.sleep(seconds)\n    return sleep(seconds)\n".to_string(),
        ));
        files.push((
            format!("{package}/shadow/asyncio.py"),
            "from asyncio import *\nimport asyncio\n\n\ndef gather(*aws):\n    return asyncio.gather(*aws)\n\n\ndef get_event_loop():\n    return get_event_loop()\n".to_string(),
        ));
        files.push((
            format!("{package}/shadow/requests.py"),
            "import requests\n\nget = requests.get\n\n\ndef post(*args):\n    return post(*args)\n"
                .to_string(),
        ));
    }
    if random.chance(40) {
        files.push((
            format!("{package}/sub/__init__.py"),
            format!("from .. import *\nfrom ..{} import helper\nfrom . import *\nfrom .leaf import run\n", modules[0]),
        ));
        files.push((
            format!("{package}/sub/leaf.py"),
            format!(
                "import time\nfrom .. import sub\nfrom ..sub import *\nfrom ..{} import helper\n\n\ndef helper():\n    return sub.helper()\n\n\nasync def run():\n    helper()\n    sub.leaf.helper()\n",
                modules[random.below(count)]
            ),
        ));
    }
    files
}

// ---------------------------------------------------------------------------------------------
// Rust

/// The file modules of a generated crate (`crate::a`, ...), as paths from the crate root.
const RUST_MODULES: &[&str] = &["crate", "crate::a", "crate::b", "crate::c", "crate::c::d"];

struct RustContext {
    /// `crate::a` for the file being written.
    here: String,
    function: String,
    is_async: bool,
    in_impl: bool,
}

fn rust_statement(random: &mut Random, context: &RustContext, depth: usize) -> String {
    let other = random.pick(RUST_MODULES);
    let nested = |random: &mut Random| {
        let mut body = String::new();
        for _ in 0..random.between(1, 2) {
            body.push_str(&rust_statement(random, context, depth + 1));
        }
        indent(&body, 1)
    };
    let awaiting = |future: &str| {
        if context.is_async {
            format!("{future}.await")
        } else {
            format!("let _future = {future}")
        }
    };
    let choices = if depth >= 3 { 36 } else { 46 };
    match random.below(choices) {
        0 => "std::thread::sleep(D);\n".to_string(),
        1 => "std::fs::read(\"x\").ok();\n".to_string(),
        2 => "let x = x;\n".to_string(),
        3 => "let d = D;\nlet d = d;\nthread::sleep(d);\n".to_string(),
        4 => "helper();\n".to_string(),
        5 => format!("{other}::helper();\n"),
        6 => "super::helper();\n".to_string(),
        7 => format!("self::helper();\n{}::helper();\n", context.here),
        8 => format!("{}();\n", context.function),
        9 => "let _ = tokio::spawn(async move { run().await });\n".to_string(),
        10 => "tokio::spawn(async move { helper() });\n".to_string(),
        11 => format!(
            "{};\n",
            awaiting(&format!("async move {{ {other}::helper() }}"))
        ),
        12 => "reqwest::blocking::get(\"http://x\").ok();\n".to_string(),
        13 => "std::thread::spawn(|| helper());\n".to_string(),
        14 => format!(
            "{};\n",
            awaiting("futures::future::join_all(urls.iter().map(|u| fetch(u.clone())))")
        ),
        15 => format!(
            "let guard = LOCK.lock().unwrap();\n{};\n",
            awaiting("run()")
        ),
        16 => "tokio::task::spawn_blocking(|| helper());\n".to_string(),
        17 => "tokio::runtime::Runtime::new().unwrap().block_on(run());\n".to_string(),
        18 => "std::process::Command::new(\"ls\").output().ok();\n".to_string(),
        19 => "rusqlite::Connection::open(\"x\").ok();\n".to_string(),
        20 => format!(
            "let client = reqwest::Client::new();\n{};\n",
            awaiting("client.get(\"u\").send()")
        ),
        21 => "again!();\n".to_string(),
        22 => format!("{};\n", awaiting("Box::pin(async move { run().await })")),
        23 => "S::default().f();\n".to_string(),
        24 => {
            if context.in_impl {
                "self.f();\nSelf::g();\nlet s: &S = &*self;\ns.f();\n".to_string()
            } else {
                "let s = S::new();\ns.f();\n(*s).g();\n".to_string()
            }
        }
        25 => format!("{}(x);\n", context.function),
        26 => "let f = |f: F| f(f);\n".to_string(),
        27 => "std::thread::Builder::new().spawn(|| ()).unwrap();\n".to_string(),
        28 => "let (tx, rx) = std::sync::mpsc::channel::<S>();\nrx.recv().ok();\n".to_string(),
        29 => "std::fs::metadata(\"x\").ok();\n".to_string(),
        30 => format!("let x: T = {other}::Alias::default();\n"),
        31 => "let q = tokio::sync::mpsc::unbounded_channel::<S>();\n".to_string(),
        32 => "let rt = tokio::runtime::Handle::current();\n".to_string(),
        33 => "drop(x);\n".to_string(),
        34 => "let mut x = x; x = x;\n".to_string(),
        35 => "std::fs::File::open(\"x\").ok();\n".to_string(),
        // Compound statements (not below depth 3).
        36 => format!(
            "for u in urls.clone() {{\n    tokio::spawn(fetch(u));\n{}}}\n",
            nested(random)
        ),
        37 => format!("if let Some(x) = x {{\n{}}}\n", nested(random)),
        38 => format!(
            "match x {{\n    x => {{\n{}    }}\n}}\n",
            indent(&nested(random), 1)
        ),
        39 => format!("for i in 0..3 {{\n{}}}\n", nested(random)),
        40 => format!("while x {{\n{}    break;\n}}\n", nested(random)),
        41 => format!("let c = || {{\n{}}};\nc();\n", nested(random)),
        42 => {
            if context.is_async {
                format!(
                    "loop {{\n    match fetch(x).await {{\n        Ok(v) => break v,\n        Err(_) => tokio::time::sleep(D).await,\n    }}\n{}}}\n",
                    nested(random)
                )
            } else {
                format!("loop {{\n{}    break;\n}}\n", nested(random))
            }
        }
        43 => {
            if context.is_async {
                format!(
                    "tokio::select! {{\n    _ = run() => {{\n{}    }}\n}}\n",
                    indent(&nested(random), 1)
                )
            } else {
                format!("{{\n{}}}\n", nested(random))
            }
        }
        44 => format!("unsafe {{\n{}}}\n", nested(random)),
        _ => format!("let _task = async move {{\n{}}};\n", nested(random)),
    }
}

fn rust_function(
    random: &mut Random,
    here: &str,
    name: &str,
    is_async: bool,
    in_impl: bool,
) -> String {
    let context = RustContext {
        here: here.to_string(),
        function: if in_impl {
            format!("Self::{name}")
        } else {
            name.to_string()
        },
        is_async,
        in_impl,
    };
    let receiver = if in_impl && random.chance(70) {
        "&self"
    } else {
        ""
    };
    let parameters = match random.below(4) {
        0 => receiver.to_string(),
        1 => [receiver, "x: X"]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
        2 => [receiver, "urls: Vec<String>"]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
        _ => [receiver, "f: F, t: T"]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
    };
    let keyword = if is_async { "pub async fn" } else { "pub fn" };
    let mut body = String::new();
    for _ in 0..random.between(1, 4) {
        body.push_str(&rust_statement(random, &context, 0));
    }
    format!(
        "{keyword} {name}({parameters}) {{\n{}}}\n",
        indent(&body, 1)
    )
}

fn rust_item(random: &mut Random, here: &str, is_root: bool, counter: &mut usize) -> String {
    *counter += 1;
    let number = *counter;
    let other = random.pick(RUST_MODULES);
    match random.below(30) {
        0..=5 => {
            let name = random.pick(&["helper", "helper", "run", "fetch", "other"]);
            let name = if random.chance(30) {
                format!("f{number}")
            } else {
                name.to_string()
            };
            let is_async = name == "run" || name == "fetch" || random.chance(30);
            rust_function(random, here, &name, is_async, false)
        }
        6 => format!("use {other}::helper as h;\nuse self::h as helper2;\n"),
        7 => "use crate::a::b as c;\nuse self::c as a;\n".to_string(),
        8 => {
            if is_root {
                "pub use self::*;\npub use crate::a::*;\n".to_string()
            } else {
                "pub use super::*;\n".to_string()
            }
        }
        9 => format!("pub use {other}::*;\n"),
        10 => format!("pub use {other}::helper;\npub use {other}::Alias;\n"),
        11 => "type A = B;\ntype B = Vec<A>;\ntype T = T;\n".to_string(),
        12 => format!("pub type Alias = {other}::Alias;\n"),
        13 => "pub struct S {\n    pub s: Option<Box<S>>,\n    pub t: Vec<S>,\n    pub client: reqwest::blocking::Client,\n}\n".to_string(),
        14 => {
            let mut body = String::new();
            for (name, is_async) in [("f", false), ("g", false), ("new", false), ("run", true)] {
                let is_async = is_async || random.chance(20);
                body.push_str(&rust_function(random, here, name, is_async, true));
            }
            format!("impl S {{\n{}}}\n", indent(&body, 1))
        }
        15 => "pub trait Tr {\n    fn a(&self) {\n        self.b()\n    }\n    fn b(&self) {\n        std::fs::read(\"x\").ok();\n        self.a()\n    }\n    async fn c(&self) {\n        self.a();\n        Self::c(self).await\n    }\n}\n\nimpl Tr for S {}\nimpl<T: Tr> Tr for Box<T> {}\n".to_string(),
        16 => "impl std::ops::Deref for S {\n    type Target = S;\n    fn deref(&self) -> &S {\n        &**self\n    }\n}\n".to_string(),
        17 => format!(
            "pub mod inner {{\n    pub use super::*;\n    pub use super::inner::*;\n    pub use self::inner2 as inner3;\n    pub mod inner2 {{\n        pub use super::super::*;\n        pub use {other}::inner::*;\n        pub fn helper() {{\n            super::helper();\n            std::thread::sleep(D);\n        }}\n    }}\n    pub fn helper() {{\n        self::inner2::helper();\n        super::helper();\n    }}\n    pub async fn run() {{\n        helper();\n        inner3::helper();\n    }}\n}}\n"
        ),
        18 => "macro_rules! again {\n    () => {\n        again!()\n    };\n}\n".to_string(),
        19 => "pub const D: std::time::Duration = D;\nstatic LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());\n".to_string(),
        20 => "extern crate self as me;\nuse me::*;\n".to_string(),
        21 => "use std::thread;\nuse std::thread as thread;\nuse tokio as tokio;\n".to_string(),
        22 => format!(
            "pub fn helper() {{\n    {other}::helper();\n    std::thread::sleep(D);\n}}\n\npub async fn run() {{\n    helper();\n    async move {{ {other}::helper() }}.await;\n}}\n"
        ),
        23 => "pub struct Wrapper<T>(T);\nimpl<T> std::ops::Deref for Wrapper<T> {\n    type Target = Wrapper<Wrapper<T>>;\n    fn deref(&self) -> &Self::Target {\n        self\n    }\n}\n".to_string(),
        24 => "#[derive(Default)]\npub enum E {\n    #[default]\n    A,\n    B(Box<E>),\n}\n\nimpl E {\n    pub fn f(&self) -> E {\n        match self {\n            E::A => E::B(Box::new(self.f())),\n            E::B(e) => e.f(),\n        }\n    }\n}\n".to_string(),
        26..=28 => RUST_ODDITIES[random.below(RUST_ODDITIES.len())].replace("{other}", other),
        _ => "pub async fn fetch(u: String) -> Result<String, ()> {\n    let u = u;\n    Ok(u)\n}\n".to_string(),
    }
}

/// Items of odd but valid scoping: `use` and items inside function bodies, grouped and
/// restricted `use`, raw identifiers, `let else`, async closures, anonymous consts.
const RUST_ODDITIES: &[&str] = &[
    "pub async fn local_items() {
    use self::local_items as again;
    use std::thread::sleep as nap;
    fn local_items() {
        local_items();
        nap(D);
    }
    impl S {
        fn local(&self) {
            self.local();
        }
    }
    local_items();
    again().await;
    mod inner {
        pub use super::*;
    }
}
",
    "pub use crate::{self as me, a::{self, helper as h}, *};
pub(crate) use self::me::*;
pub(in crate) use {other}::*;
",
    "pub async fn r#async(r#type: r#type) -> r#type {
    let r#fn = r#type;
    r#async(r#fn).await
}
",
    "pub async fn let_else(x: Option<u8>) {
    let Some(x) = x else {
        std::thread::sleep(D);
        return;
    };
    let c = async move |x: u8| {
        std::fs::read(\"x\").ok();
        let_else(Some(x)).await
    };
    c(x).await;
    let d = async || helper();
    d().await;
}
",
    "const _: () = {
    pub fn hidden() {
        hidden();
        std::thread::sleep(D);
    }
};

pub async fn uses_hidden() {
    hidden();
}
",
    "pub trait Again: Again {
    fn again(&self) -> &dyn Again {
        self.again().again()
    }
}

impl<T: std::ops::Deref<Target = T>> Again for T where T: Again {}

pub async fn dynamic(x: &dyn Again) {
    x.again();
    <S as Again>::again(&S::default());
}
",
    "pub async fn labelled(urls: Vec<String>) {
    let v = 'outer: loop {
        for u in urls.iter() {
            tokio::spawn(fetch(u.clone()));
            if u.is_empty() {
                break 'outer 1;
            }
        }
        std::thread::sleep(D);
    };
    let _ = v;
}
",
    "pub fn climbing() {
    super::super::super::helper();
    crate::c::d::super_helper();
    self::self_helper();
}

pub async fn climbs() {
    climbing();
}
",
];

fn rust_crate(seed: u64, root: &str) -> Vec<(String, String)> {
    let mut random = Random::new(seed.wrapping_add(0x1234_5678));
    let mut counter = 0;
    let layout = [
        (
            "src/lib.rs",
            "crate",
            "pub mod a;\npub mod b;\npub mod c;\n",
        ),
        ("src/a.rs", "crate::a", ""),
        ("src/b.rs", "crate::b", ""),
        ("src/c/mod.rs", "crate::c", "pub mod d;\n"),
        ("src/c/d.rs", "crate::c::d", ""),
    ];
    let mut files = Vec::new();
    for (path, here, declarations) in layout {
        let mut text = declarations.to_string();
        text.push_str("use std::time::Duration;\n\n");
        for _ in 0..random.between(2, 6) {
            text.push_str(&rust_item(&mut random, here, here == "crate", &mut counter));
            text.push('\n');
        }
        files.push((format!("{root}/{path}"), text));
    }
    if random.chance(15) {
        // A crate inside the crate's `src/` (a nested `src/` with a `main.rs`), and a module
        // whose `#[path]` points at another module's file.
        files.push((
            format!("{root}/src/c/inner/src/main.rs"),
            "#[path = \"../../d.rs\"]\nmod d;\nmod main;\nuse crate::main::*;\n\nasync fn main() {\n    d::helper();\n    crate::d::run().await;\n    std::thread::sleep(D);\n}\n".to_string(),
        ));
        files.push((
            format!("{root}/src/c/inner/src/lib.rs"),
            "pub use super::*;\npub mod lib;\npub async fn run() {\n    lib::run().await;\n    crate::run();\n}\n".to_string(),
        ));
    }
    files
}

// ---------------------------------------------------------------------------------------------
// Running

/// A project to lint: the directories it occupies in the linted tree and its files (paths
/// relative to that tree).
struct Project {
    /// `seed 7` or the regression's directory, for failure messages.
    label: String,
    roots: Vec<String>,
    files: Vec<(String, String)>,
}

fn generated(seed: u64) -> Project {
    let (package, krate) = (format!("p{seed}"), format!("r{seed}"));
    let mut files = python_project(seed, &package);
    files.extend(rust_crate(seed, &krate));
    Project {
        label: format!("seed {seed}"),
        roots: vec![package, krate],
        files,
    }
}

/// Every opt-in option of every rule, and the options that take names, in a config that
/// selects everything. `package` is the Python package the names point into.
fn opt_in_config(package: &str) -> String {
    format!(
        r#"select = ["ALL"]
default-limit = 4
default-timeout = 5

[rules.blocking-file-io]
include-metadata-calls = true

[rules.unbounded-gather]
include-opaque-collections = true
include-rust-fan-out = true
limiters = ["{package}.m0.Base", "LOCK", "asyncio.Semaphore"]
bounded-wrappers = ["{package}.m1.helper"]

[rules.spawn-in-loop]
limiters = ["LOCK"]
bounded-wrappers = ["helper"]

[rules.retry-without-jitter]
include-rust-retry-loops = true

[rules.dangling-task]
include-rust-spawns = true

[rules.blocking-sleep]
extend-blocking-calls = ["{package}.m0.helper", "{package}.m1.Base.method", "failure.*"]

[rules.blocking-http]
extend-blocking-calls = ["{package}.m2.run"]

[rules.connection-per-operation]
extend-connection-constructors = ["{package}.m0.Base"]

[rules.client-per-request]
extend-client-constructors = ["{package}.m1.Base"]

[[guarded-calls]]
call = "requests.get"
guards = ["LOCK", "self.x"]

[[guarded-calls]]
call = "{package}.*.helper"
guards = ["Base"]

[[guarded-calls]]
call = "crate::a::helper"
guards = ["LOCK", "tokio::sync::Semaphore"]
"#
    )
}

/// One way of running `check`: its name, the arguments after the common ones, and whether the
/// pre-filter is off.
#[derive(Clone, Copy)]
struct Configuration {
    name: &'static str,
    args: &'static [&'static str],
    no_prefilter: bool,
}

impl Configuration {
    fn describe(&self) -> String {
        let prefilter = if self.no_prefilter {
            " with LOOPGUARD_NO_PREFILTER=1"
        } else {
            ""
        };
        format!("{}{prefilter}", self.name)
    }
}

const COMMON: &[&str] = &["check", "--output-format", "json", "--no-cache", "--quiet"];

/// Without the projects' `loopguard.toml`: the default rules and `--select ALL`; with it: all
/// rules and options. Each with and without the pre-filter.
fn configurations(opt_in: bool) -> Vec<Configuration> {
    let sets: &[(&'static str, &'static [&'static str])] = if opt_in {
        &[("--select ALL, opt-in loopguard.toml", &["--select", "ALL"])]
    } else {
        &[
            ("default rules", &[]),
            ("--select ALL", &["--select", "ALL"]),
        ]
    };
    let mut configurations = Vec::new();
    for &(name, args) in sets {
        for no_prefilter in [false, true] {
            configurations.push(Configuration {
                name,
                args,
                no_prefilter,
            });
        }
    }
    configurations
}

fn run_configuration(
    directory: &Path,
    extra: &[&str],
    paths: &[&str],
    configuration: Configuration,
) -> Run {
    let mut args: Vec<&str> = COMMON.to_vec();
    args.extend(configuration.args);
    args.extend(extra);
    args.extend(paths);
    let envs: &[(&str, &str)] = if configuration.no_prefilter {
        &[("LOOPGUARD_NO_PREFILTER", "1")]
    } else {
        &[]
    };
    loopguard(directory, &args, envs, RUN_LIMIT)
}

/// `--fix --unsafe-fixes` on `directory` (a copy), then a check of what it left.
fn fix_problems(directory: &Path, paths: &[&str], configuration: Configuration) -> Vec<String> {
    let fix = ["--fix", "--unsafe-fixes"];
    let mut problems = run_configuration(directory, &fix, paths, configuration).problems();
    if problems.is_empty() {
        problems = run_configuration(directory, &[], paths, configuration)
            .problems()
            .into_iter()
            .map(|problem| format!("after --fix: {problem}"))
            .collect();
    }
    problems
}

/// The listing of a project, for a failure message.
fn listing(project: &Project) -> String {
    let mut text = String::new();
    for (path, content) in &project.files {
        let shown = match content.char_indices().nth(20_000) {
            Some((end, _)) => &content[..end],
            None => content,
        };
        let _ = writeln!(text, "===== {path}\n{shown}");
    }
    text
}

/// Narrows a failed run over all projects to the projects that fail on their own.
fn narrow(
    directory: &Path,
    projects: &[Project],
    configuration: Configuration,
    fix: bool,
) -> String {
    let mut report = String::new();
    for project in projects {
        for root in &project.roots {
            let problems = if fix {
                let copy = tempfile::tempdir().unwrap();
                copy_tree(&directory.join(root), &copy.path().join(root));
                fix_problems(copy.path(), &[root.as_str()], configuration)
            } else {
                run_configuration(directory, &[], &[root.as_str()], configuration).problems()
            };
            if !problems.is_empty() {
                let _ = writeln!(
                    report,
                    "{}, {root}, {}{}:\n{}\n{}",
                    project.label,
                    configuration.describe(),
                    if fix { ", --fix --unsafe-fixes" } else { "" },
                    problems.join("\n"),
                    listing(project)
                );
            }
        }
    }
    if report.is_empty() {
        report.push_str("no project fails on its own: the failure needs several of them\n");
    }
    report
}

fn describe_findings(findings: &[support::Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("{}:{}: {} {}", f.file, f.row, f.code, f.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Lints `projects`, written into one directory, in every configuration; the failures, each
/// narrowed to its project.
fn check_projects(projects: &[Project]) -> Vec<String> {
    let directory = tempfile::tempdir().unwrap();
    for project in projects {
        write_files(directory.path(), &project.files);
        if let Some(dump) = std::env::var_os("LOOPGUARD_GENERATIVE_DUMP") {
            write_files(Path::new(&dump), &project.files);
        }
    }
    let labels = projects
        .iter()
        .map(|project| project.label.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut failures = Vec::new();
    for opt_in in [false, true] {
        if opt_in {
            for project in projects {
                for root in &project.roots {
                    let config = opt_in_config(&project.roots[0]);
                    std::fs::write(directory.path().join(root).join("loopguard.toml"), config)
                        .unwrap();
                }
            }
        }
        let mut outputs = Vec::new();
        for configuration in configurations(opt_in) {
            let run = run_configuration(directory.path(), &[], &[], configuration);
            let problems = run.problems();
            if !problems.is_empty() {
                failures.push(format!(
                    "{labels}, {}: {}\n{}",
                    configuration.describe(),
                    problems.join("\n"),
                    narrow(directory.path(), projects, configuration, false)
                ));
                continue;
            }
            let findings = run.findings().unwrap();
            let unparsed: Vec<support::Finding> = findings
                .iter()
                .filter(|finding| finding.code == "LG001")
                .cloned()
                .collect();
            assert!(
                unparsed.is_empty(),
                "the generator wrote code that does not parse ({labels}):\n{}",
                describe_findings(&unparsed)
            );
            outputs.push((configuration, findings));
        }
        // The pre-filter skips files, never findings (`tests/prefilter.rs`).
        for pair in outputs.chunks(2) {
            if let [(with, a), (_, b)] = pair {
                if a != b {
                    let only = |x: &[support::Finding], y: &[support::Finding]| {
                        let only: Vec<support::Finding> =
                            x.iter().filter(|f| !y.contains(f)).cloned().collect();
                        describe_findings(&only)
                    };
                    failures.push(format!(
                        "{labels}, {}: LOOPGUARD_NO_PREFILTER=1 changes the findings\nonly with the pre-filter:\n{}\nonly without it:\n{}",
                        with.name,
                        only(a, b),
                        only(b, a)
                    ));
                }
            }
        }
    }
    // The default output, which shows each finding's source line.
    let text = |paths: &[&str]| {
        let mut args = vec!["check", "--no-cache", "--select", "ALL"];
        args.extend(paths);
        loopguard(directory.path(), &args, &[], RUN_LIMIT).exit_problems()
    };
    if !text(&[]).is_empty() {
        for project in projects {
            for root in &project.roots {
                let problems = text(&[root.as_str()]);
                if !problems.is_empty() {
                    failures.push(format!(
                        "{}, {root}, text output: {}\n{}",
                        project.label,
                        problems.join("\n"),
                        listing(project)
                    ));
                }
            }
        }
    }
    // The result cache: a cold run and a warm one (with the opt-in configs) find what the
    // uncached runs found.
    let cached = Configuration {
        name: "--select ALL, opt-in loopguard.toml, cached",
        args: &["--select", "ALL"],
        no_prefilter: false,
    };
    let uncached = run_configuration(directory.path(), &[], &[], configurations(true)[0]);
    for temperature in ["cold", "warm"] {
        let mut args: Vec<&str> = COMMON
            .iter()
            .filter(|arg| **arg != "--no-cache")
            .copied()
            .collect();
        args.extend(cached.args);
        let run = loopguard(directory.path(), &args, &[], RUN_LIMIT);
        let problems = run.problems();
        if !problems.is_empty() {
            failures.push(format!(
                "{labels}, {} ({temperature}): {}",
                cached.describe(),
                problems.join("\n")
            ));
        } else if run.findings() != uncached.findings() {
            failures.push(format!(
                "{labels}, {} ({temperature}): the findings differ from an uncached run",
                cached.describe()
            ));
        }
    }
    let _ = std::fs::remove_dir_all(directory.path().join(".loopguard_cache"));
    // With the opt-in configs in place: fixes on copies, with and without the pre-filter.
    for configuration in configurations(true) {
        let copy = tempfile::tempdir().unwrap();
        copy_tree(directory.path(), copy.path());
        let problems = fix_problems(copy.path(), &[], configuration);
        if !problems.is_empty() {
            failures.push(format!(
                "{labels}, {}, --fix --unsafe-fixes: {}\n{}",
                configuration.describe(),
                problems.join("\n"),
                narrow(directory.path(), projects, configuration, true)
            ));
        }
    }
    failures
}

#[test]
fn generated_cycles_and_self_references_never_crash() {
    let seeds: u64 = std::env::var("LOOPGUARD_GENERATIVE_SEEDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(DEFAULT_SEEDS);
    let batches: Vec<std::ops::Range<u64>> = (0..seeds.div_ceil(BATCH))
        .map(|n| n * BATCH..((n + 1) * BATCH).min(seeds))
        .collect();
    // Two batches at a time: a run over projects this small is mostly one thread's work.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = batches
            .chunks(batches.len().div_ceil(2).max(1))
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .flat_map(|seeds| {
                            let projects: Vec<Project> = seeds.clone().map(generated).collect();
                            check_projects(&projects)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().unwrap())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        tail(&failures.join("\n\n"), 200_000)
    );
}

// ---------------------------------------------------------------------------------------------
// Regressions

fn regressions_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions")
}

fn read_tree(root: &Path, directory: &Path, files: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            read_tree(root, &path, files);
        } else {
            let relative = path.strip_prefix(root).unwrap().to_str().unwrap();
            files.push((
                relative.to_string(),
                std::fs::read_to_string(&path).unwrap(),
            ));
        }
    }
}

/// Every case this test found (`tests/regressions/<case>/`, each a project of its own), linted
/// in every configuration as the generated projects are.
#[test]
fn regressions_are_linted_without_internal_errors() {
    let root = regressions_root();
    let mut projects: Vec<Project> = std::fs::read_dir(&root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .map(|path| {
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            let mut files = Vec::new();
            read_tree(&root, &path, &mut files);
            files.sort();
            Project {
                label: format!("tests/regressions/{name}"),
                roots: vec![name],
                files,
            }
        })
        .collect();
    projects.sort_by(|a, b| a.label.cmp(&b.label));
    assert!(!projects.is_empty());
    let failures = check_projects(&projects);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The file of the issue (a parameter annotated with its own name, `type: type[int]`, made its
/// annotation resolve in the parameter's own scope until the stack overflowed) is linted like
/// any other: nothing to report in it, and the findings beside such parameters are all there.
#[test]
fn a_parameter_annotated_with_its_own_name_is_linted_normally() {
    let directory = regressions_root().join("self_annotated_parameter");
    // LG301 and LG208 are opt-in: `default,pedantic` is every rule, spelled by group.
    for select in ["default,pedantic", "ALL"] {
        let run = loopguard(
            &directory,
            &[
                "check",
                "--output-format",
                "json",
                "--no-cache",
                "--select",
                select,
            ],
            &[],
            RUN_LIMIT,
        );
        assert!(run.problems().is_empty(), "{}", run.problems().join("\n"));
        let found: Vec<(String, u64, String)> = run
            .findings()
            .unwrap()
            .into_iter()
            .map(|finding| (finding.file, finding.row, finding.code))
            .collect();
        let expected = [
            (14, "LG201"), // time.sleep in `handler(type: type[int], ...)`
            (15, "LG202"), // requests.get
            (25, "LG301"), // asyncio.get_event_loop() in `caller(load: load)`
            (30, "LG208"), // load() reaches open()
        ]
        .map(|(row, code)| ("variants.py".to_string(), row, code.to_string()));
        assert_eq!(found, expected, "--select {select}");
    }
}
