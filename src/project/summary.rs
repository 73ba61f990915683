//! What one file tells the whole-project analysis: the functions it defines, the calls of
//! blocking APIs each makes directly, and the calls it makes that may reach another project
//! function. A front end fills it in during its one walk; it depends only on the file's text,
//! so the cache keeps it with the file's results.
//!
//! Names are as the file states them: Python dotted names (a leading `.` is relative to the
//! file's package), Rust paths whose head is `crate`, `self` (the file's module) or `super`.
//! `project::modules` turns them into project-wide names once the file's module is known.

use std::borrow::Cow;
use std::ops::Range;

use ruff_text_size::{TextRange, TextSize};
use serde::{Deserialize, Serialize};

use crate::registry::Rule;
use crate::store::{Kept, RunStore};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSummary {
    pub functions: Vec<FunctionSummary>,
    /// Python classes with the base classes the file names.
    pub classes: Vec<ClassSummary>,
    /// Python module-level imports (`load` → `.utils.load`): what the module re-exports.
    pub imports: Imports,
    /// Where each function's name is written (its `def` line), by the function's index, for a
    /// suppression there (Python).
    pub def_offsets: Vec<TextSize>,
    /// Sync callables handed to the event loop to run on it (`loop.call_soon(self.reload)`):
    /// each is a root of chains, whoever registers it.
    pub callbacks: Vec<Callback>,
}

/// A callable registered to run on the event loop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Callback {
    /// The index of the registering function in [`FileSummary::functions`].
    pub function: u32,
    /// The registering API (`call_soon`, `add_done_callback`).
    pub api: String,
    /// The callable as a call target, at the registration's range.
    pub call: ProjectCall,
}

/// A Python module's `from … import …` names: `load` → `.utils.load`. One string, a line per
/// statement (`.utils\tload\tdump=save` for `from .utils import load, dump as save`), since a
/// module may import hundreds of names, few of which are ever asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Imports(String);

impl Imports {
    /// Adds `from {module} import {name} as {local}, …` (`module` with its leading dots; `local`
    /// is `name` unless renamed).
    pub fn add_statement<'n>(
        &mut self,
        module: &str,
        names: impl IntoIterator<Item = (&'n str, &'n str)>,
    ) {
        self.0.push_str(module);
        for (name, local) in names {
            self.0.push('\t');
            self.0.push_str(name);
            if local != name {
                self.0.push('=');
                self.0.push_str(local);
            }
        }
        self.0.push('\n');
    }

    /// What `local` is imported as, once per import of it: `.utils.load`.
    pub fn targets<'s>(&'s self, local: &'s str) -> impl Iterator<Item = String> + 's {
        // Most names asked for are not among a module's imports: one search says so, counting
        // only whole local names (`get` in `\tget\n` or `=get\t`, not in `\ttarget\t`).
        let bytes = self.0.as_bytes();
        let mentioned = !local.is_empty()
            && memchr::memmem::find_iter(bytes, local.as_bytes()).any(|at| {
                let before = at.checked_sub(1).map(|before| bytes[before]);
                let after = bytes.get(at + local.len()).copied();
                matches!(before, Some(b'\t' | b'=')) && matches!(after, None | Some(b'\t' | b'\n'))
            });
        let lines = if mentioned { self.0.as_str() } else { "" };
        lines.lines().flat_map(move |line| {
            let mut parts = line.split('\t');
            let module = parts.next().unwrap_or_default();
            parts.filter_map(move |part| {
                let (name, imported_as) = part.split_once('=').unwrap_or((part, part));
                (imported_as == local).then(|| match module.trim_start_matches('.') {
                    "" => format!("{module}{name}"),
                    _ => format!("{module}.{name}"),
                })
            })
        })
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionSummary {
    /// Python: `f`, `Class.method`; Rust: `self::f`, `self::Type::method`, `crate::a::Type::m`.
    pub name: String,
    pub is_async: bool,
    /// Calls an LG201–LG205/LG207 rule would flag in async context, in source order.
    pub blocking: Vec<BlockingCall>,
    /// Calls whose target may be a project function, in source order; calls that are only
    /// passed to an offloading API (`to_thread(f)`, `spawn_blocking(|| f())`) are not here.
    pub calls: Vec<ProjectCall>,
    /// An `async with` over a limiter (a semaphore) covers its body: a gathered call of it is
    /// bounded.
    pub acquires_limiter: bool,
    /// Python: a `@property` getter, which runs wherever the attribute is read.
    pub is_property: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassSummary {
    /// `Class`, `Outer.Inner`.
    pub name: String,
    pub bases: Vec<Target>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockingCall {
    pub rule: Rule,
    /// The qualified name of what is called (`time.sleep`, `std::fs::read`).
    pub name: String,
    /// Where the call starts. Offsets become lines only for the few calls a finding's notes
    /// show ([`crate::project::Locations`]), not for every call of every file.
    pub offset: TextSize,
    /// Python: the call is made only when this parameter's argument is no stream.
    pub guard: Option<Box<Guard>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectCall {
    pub target: Target,
    pub range: TextRange,
    /// Start of the statement holding the call, for suppressions on its first line.
    pub statement_start: Option<TextSize>,
    /// Python: an attribute read (`settings.data`), which runs code only when the attribute is
    /// a property: followed only to a property getter, never to a method or a plain attribute.
    pub reads_property: bool,
    /// Python: the call is made only when this parameter's argument is no stream.
    pub guard: Option<Box<Guard>>,
    /// Python: the arguments the caller shows to be streams (`io.BytesIO(data)`, `open(p)`).
    /// A boxed slice: a large project has a million calls, and most have no stream.
    pub streams: Box<[Argument]>,
}

/// A parameter of a function that a call in it is made for only when its argument is no stream
/// (`if isinstance(src, (str, os.PathLike)): open(src)`): a caller passing a stream never
/// reaches the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guard {
    pub parameter: String,
    /// Among the positional parameters, not counting a method's `self` or `cls`; `None` for a
    /// keyword-only one.
    pub position: Option<u32>,
}

/// An argument of a call: by position, or by keyword.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Argument {
    Position(u32),
    Keyword(String),
}

impl Guard {
    /// Whether `argument` is the one passed for the guarded parameter.
    pub fn is_passed(&self, argument: &Argument) -> bool {
        match argument {
            Argument::Position(position) => self.position == Some(*position),
            Argument::Keyword(name) => *name == self.parameter,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Target {
    /// A name resolved through the file's imports and paths.
    Path(String),
    /// A function or class defined in this file, by its name in the file.
    Local(String),
    /// Python `self.m()`/`cls.m()` not defined in `class` itself, or `super().m()`: a method
    /// of one of its (project) base classes. Boxed: the rarest variant would otherwise double
    /// the size of every target.
    Inherited(Box<InheritedMethod>),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InheritedMethod {
    pub class: String,
    pub method: String,
}

impl Target {
    pub fn inherited(class: String, method: String) -> Self {
        Target::Inherited(Box::new(InheritedMethod { class, method }))
    }
}

impl FileSummary {
    pub fn is_empty(&self) -> bool {
        self.functions.is_empty() && self.classes.is_empty() && self.imports.is_empty()
    }
}

/// A file's summary without its functions, with where each function's encoding lies.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SummaryOutline {
    /// Function `i` is encoded in `function_bounds[i]..function_bounds[i + 1]`.
    pub function_bounds: Box<[u32]>,
    pub rest: SummaryRest,
}

/// [`FileSummary`]'s fields after `functions`, in its order: what follows the functions in its
/// encoding.
#[derive(Debug, Default, PartialEq, Eq, Deserialize)]
pub struct SummaryRest {
    pub classes: Vec<ClassSummary>,
    pub imports: Imports,
    pub def_offsets: Vec<TextSize>,
    pub callbacks: Vec<Callback>,
}

/// A file's summary as it waits for the project phase: its encoding, a third of its decoded
/// size or less. Summaries were most of a large project's memory (1.0 M functions and 760 k
/// calls on the crates.io registry, 280 MB decoded), and the index decodes for good only the
/// functions async code reaches, and the classes, imports and callbacks of their files and of
/// the files a call is resolved through. The cache writes the encoding as it is.
#[derive(Debug, Clone)]
pub struct PackedSummary {
    encoded: Kept,
    /// What the index asks of every file before deciding to decode it.
    functions: u32,
    classes: u32,
    callbacks: u32,
    imports: bool,
}

impl PartialEq for PackedSummary {
    fn eq(&self, other: &Self) -> bool {
        self.encoded.bytes() == other.encoded.bytes()
    }
}

impl Eq for PackedSummary {}

impl PackedSummary {
    /// A summary packed in memory.
    pub fn pack(summary: &FileSummary) -> Self {
        Self::pack_into(summary, &RunStore::memory())
    }

    /// A summary packed into `store`.
    pub fn pack_into(summary: &FileSummary, store: &RunStore) -> Self {
        let encoded = postcard::to_allocvec(summary)
            .expect("a summary is plain data of known lengths, which postcard always encodes");
        Self::with_encoding(summary, store.keep(encoded))
    }

    /// A summary from its encoding (a cache file's), if it decodes.
    pub fn from_encoded(encoded: &[u8]) -> Option<Self> {
        let summary = crate::cache::decode(encoded)?;
        Some(Self::with_encoding(&summary, Kept::Memory(encoded.into())))
    }

    fn with_encoding(summary: &FileSummary, encoded: Kept) -> Self {
        PackedSummary {
            encoded,
            functions: summary.functions.len() as u32,
            classes: summary.classes.len() as u32,
            callbacks: summary.callbacks.len() as u32,
            imports: !summary.imports.is_empty(),
        }
    }

    pub fn unpack(&self) -> FileSummary {
        // Made by `pack` or checked by `from_encoded`: it decodes.
        crate::cache::decode(&self.encoded.bytes()).unwrap_or_default()
    }

    /// Where each function's encoding starts, and the rest of the summary: what lets a function
    /// be decoded alone ([`Self::unpack_function`]). The index asks about the functions async
    /// code reaches, often one of a file's hundreds; decoding whole files for them held 50 MB
    /// more at the peak of the PyPI crash-hunt corpus with every rule (592 MB, was 642).
    pub fn unpack_outline(&self) -> SummaryOutline {
        // postcard writes a struct as its fields in order and a list as its length and its
        // items, so a summary's encoding is the functions' count, each function, then the
        // fields of `SummaryRest`.
        let outline = || {
            let encoded = self.encoded.bytes();
            let encoded = &encoded[..];
            let (count, mut rest) = postcard::take_from_bytes::<usize>(encoded).ok()?;
            let mut function_bounds = Vec::with_capacity(count.min(self.functions as usize) + 1);
            for _ in 0..count {
                function_bounds.push((encoded.len() - rest.len()) as u32);
                rest = postcard::take_from_bytes::<FunctionSummary>(rest).ok()?.1;
            }
            function_bounds.push((encoded.len() - rest.len()) as u32);
            Some(SummaryOutline {
                function_bounds: function_bounds.into_boxed_slice(),
                rest: crate::cache::decode(rest)?,
            })
        };
        // Made by `pack` or checked by `from_encoded`: it decodes.
        outline().unwrap_or_default()
    }

    /// The function encoded in `bounds` (from [`SummaryOutline::function_bounds`]): only its
    /// bytes are read.
    pub fn unpack_function(&self, bounds: Range<u32>) -> FunctionSummary {
        crate::cache::decode(&self.encoded.read(bounds)).unwrap_or_default()
    }

    pub fn encoded(&self) -> Cow<'_, [u8]> {
        self.encoded.bytes()
    }

    pub fn function_count(&self) -> usize {
        self.functions as usize
    }

    pub fn class_count(&self) -> usize {
        self.classes as usize
    }

    pub fn has_callbacks(&self) -> bool {
        self.callbacks > 0
    }

    pub fn has_imports(&self) -> bool {
        self.imports
    }
}

#[cfg(test)]
mod tests {
    use ruff_text_size::{TextRange, TextSize};

    use super::{
        Argument, BlockingCall, Callback, ClassSummary, FileSummary, FunctionSummary, Imports,
        Kept, PackedSummary, ProjectCall, Rule, RunStore, Target,
    };

    #[test]
    fn a_packed_summary_unpacks_to_itself_and_answers_without_unpacking() {
        let mut summary = FileSummary::default();
        summary.imports.add_statement(".utils", [("load", "load")]);
        summary.functions.push(FunctionSummary {
            name: "Client.load".to_string(),
            is_async: true,
            blocking: Vec::new(),
            calls: Vec::new(),
            acquires_limiter: false,
            is_property: false,
        });
        let packed = PackedSummary::pack(&summary);
        assert_eq!(packed.unpack(), summary);
        assert_eq!((packed.function_count(), packed.class_count()), (1, 0));
        assert!(packed.has_imports() && !packed.has_callbacks());
        let encoded = packed.encoded();
        assert_eq!(PackedSummary::from_encoded(&encoded), Some(packed.clone()));
        let truncated = &encoded[..encoded.len() - 1];
        assert_eq!(PackedSummary::from_encoded(truncated), None);
        let mut trailing = packed.encoded().to_vec();
        trailing.push(0);
        assert_eq!(PackedSummary::from_encoded(&trailing), None);
    }

    #[test]
    fn a_packed_summary_decodes_one_function_at_a_time() {
        let function = |name: &str, offset: u32| FunctionSummary {
            name: name.to_string(),
            blocking: vec![BlockingCall {
                rule: Rule::BlockingHttp,
                name: "requests.get".to_string(),
                offset: TextSize::from(offset),
                guard: None,
            }],
            ..FunctionSummary::default()
        };
        let call = ProjectCall {
            target: Target::inherited("Client".to_string(), "load".to_string()),
            range: TextRange::new(TextSize::from(3), TextSize::from(9)),
            statement_start: Some(TextSize::from(2)),
            reads_property: false,
            guard: None,
            streams: Box::new([Argument::Keyword("src".to_string())]),
        };
        let mut summary = FileSummary {
            functions: vec![function("f", 1), function("Client.load", 20)],
            classes: vec![ClassSummary {
                name: "Client".to_string(),
                bases: vec![Target::Path(".base.Base".to_string())],
            }],
            def_offsets: vec![TextSize::from(4), TextSize::from(40)],
            callbacks: vec![Callback {
                function: 1,
                api: "call_soon".to_string(),
                call,
            }],
            ..FileSummary::default()
        };
        summary.imports.add_statement(".base", [("Base", "Base")]);
        let packed = PackedSummary::pack_into(&summary, &RunStore::with_budget(0));
        let outline = packed.unpack_outline();
        let functions: Vec<FunctionSummary> = outline
            .function_bounds
            .windows(2)
            .map(|bounds| packed.unpack_function(bounds[0]..bounds[1]))
            .collect();
        assert_eq!(functions, summary.functions);
        let rest = outline.rest;
        assert_eq!(
            (rest.classes, rest.imports, rest.def_offsets, rest.callbacks),
            (
                summary.classes,
                summary.imports,
                summary.def_offsets,
                summary.callbacks
            )
        );
    }

    #[test]
    fn summaries_kept_in_a_store_read_back_as_they_were_packed() {
        // The first fits in the budget, the others go to the file.
        let store = RunStore::with_budget(20);
        let summaries: Vec<FileSummary> = ["load", "Client.save", "dump"]
            .iter()
            .map(|name| FileSummary {
                functions: vec![FunctionSummary {
                    name: name.to_string(),
                    ..FunctionSummary::default()
                }],
                ..FileSummary::default()
            })
            .collect();
        let packed: Vec<PackedSummary> = summaries
            .iter()
            .map(|summary| PackedSummary::pack_into(summary, &store))
            .collect();
        assert!(matches!(packed[0].encoded, Kept::Memory(_)));
        #[cfg(unix)]
        assert!(packed[1..]
            .iter()
            .all(|summary| matches!(summary.encoded, Kept::Stored(_))));
        for (packed, summary) in packed.iter().zip(&summaries) {
            assert_eq!(&packed.unpack(), summary);
            assert_eq!(packed, &PackedSummary::pack(summary));
        }
        assert_ne!(packed[0], packed[1]);
    }

    #[test]
    fn imports_answer_each_local_name_with_what_it_was_imported_as() {
        let mut imports = Imports::default();
        imports.add_statement(".utils", [("load", "load"), ("dump", "save")]);
        imports.add_statement(".", [("config", "config")]);
        imports.add_statement("..", [("base", "parent")]);
        imports.add_statement("pkg.io", [("load", "load")]);
        let targets = |local| imports.targets(local).collect::<Vec<_>>();
        assert_eq!(targets("load"), [".utils.load", "pkg.io.load"]);
        assert_eq!(targets("save"), [".utils.dump"]);
        assert!(targets("dump").is_empty());
        assert!(targets("oad").is_empty());
        assert!(targets("utils").is_empty());
        assert!(targets("").is_empty());
        assert_eq!(targets("config"), [".config"]);
        assert_eq!(targets("parent"), ["..base"]);
        assert!(Imports::default().is_empty());
    }
}
