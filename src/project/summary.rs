//! What one file tells the whole-project analysis: the functions it defines, the calls of
//! blocking APIs each makes directly, and the calls it makes that may reach another project
//! function. A front end fills it in during its one walk; it depends only on the file's text,
//! so the cache keeps it with the file's results.
//!
//! Names are as the file states them: Python dotted names (a leading `.` is relative to the
//! file's package), Rust paths whose head is `crate`, `self` (the file's module) or `super`.
//! `project::modules` turns them into project-wide names once the file's module is known.

use ruff_text_size::{TextRange, TextSize};

use crate::registry::Rule;
use crate::source::{Location, SourceText};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSummary {
    pub functions: Vec<FunctionSummary>,
    /// Python classes with the base classes the file names.
    pub classes: Vec<ClassSummary>,
    /// Python module-level imports (`load` → `.utils.load`): what the module re-exports.
    pub imports: Vec<(Box<str>, Box<str>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSummary {
    /// Python: `f`, `Class.method`; Rust: `self::f`, `self::Type::method`, `crate::a::Type::m`.
    pub name: String,
    pub is_async: bool,
    /// Where the name is defined.
    pub at: Position,
    /// Calls an LG201–LG205/LG207 rule would flag in async context, in source order.
    pub blocking: Vec<BlockingCall>,
    /// Calls whose target may be a project function, in source order; calls that are only
    /// passed to an offloading API (`to_thread(f)`, `spawn_blocking(|| f())`) are not here.
    pub calls: Vec<ProjectCall>,
    /// An `async with` over a limiter (a semaphore) covers its body: a gathered call of it is
    /// bounded.
    pub acquires_limiter: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassSummary {
    /// `Class`, `Outer.Inner`.
    pub name: String,
    pub bases: Vec<Target>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub offset: TextSize,
    /// Filled in by [`FileSummary::locate`] once the walk is over.
    pub location: Location,
}

impl Position {
    pub fn at(offset: TextSize) -> Self {
        Position {
            offset,
            location: Location { row: 0, column: 0 },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockingCall {
    pub rule: Rule,
    /// The qualified name of what is called (`time.sleep`, `std::fs::read`).
    pub name: String,
    pub at: Position,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectCall {
    pub target: Target,
    pub range: TextRange,
    /// Start of the statement holding the call, for suppressions on its first line.
    pub statement_start: Option<TextSize>,
    pub at: Position,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// A name resolved through the file's imports and paths.
    Path(String),
    /// A function or class defined in this file, by its name in the file.
    Local(String),
    /// Python `self.m()`/`cls.m()` not defined in `class` itself, or `super().m()`: a method
    /// of one of its (project) base classes.
    Inherited { class: String, method: String },
}

impl FileSummary {
    /// Turns the byte offsets of every position into lines and columns, and gives back the
    /// spare capacity of every list: the summary outlives the file's walk until the project
    /// phase, and the summaries of a large project are most of a run's memory.
    pub fn finish(&mut self, source: &SourceText) {
        let locate = |position: &mut Position| {
            position.location = source.location(position.offset);
        };
        for function in &mut self.functions {
            locate(&mut function.at);
            function
                .blocking
                .iter_mut()
                .for_each(|call| locate(&mut call.at));
            function
                .calls
                .iter_mut()
                .for_each(|call| locate(&mut call.at));
            function.blocking.shrink_to_fit();
            function.calls.shrink_to_fit();
        }
        self.functions.shrink_to_fit();
        self.classes.shrink_to_fit();
        self.imports.shrink_to_fit();
    }

    pub fn is_empty(&self) -> bool {
        self.functions.is_empty() && self.classes.is_empty() && self.imports.is_empty()
    }
}
