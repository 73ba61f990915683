//! The project index: every file's summary merged under project-wide names, each call resolved
//! to the function it reaches (or dropped when the code does not say), and for every sync
//! function the shortest chain of calls to a direct blocking call.

use std::borrow::Cow;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::modules::{module_prefixes, ModulePath};
use super::summary::{
    BlockingCall, Callback, ClassSummary, FunctionSummary, Guard, PackedSummary, ProjectCall,
    SummaryOutline, SummaryRest, Target,
};

/// One file as the index sees it.
pub struct IndexedFile {
    /// Shared with the discovered file.
    pub path: Arc<Path>,
    /// Shared with the project's table of modules.
    pub module: Arc<ModulePath>,
    packed: PackedSummary,
    /// What questions decoded of the summary beyond its functions' names and traits (which
    /// indexing reads from a decoding dropped right after): most files' is never asked for,
    /// so it is boxed rather than reserved in every file.
    decoded: OnceLock<Box<Decoded>>,
}

/// A file's summary as questions decode it: everything but the functions at the first
/// question, and each function when one is asked about (async code reaches a tenth of a large
/// project's functions, often one of a file's hundreds).
struct Decoded {
    outline: SummaryOutline,
    functions: Box<[OnceLock<Box<FunctionSummary>>]>,
}

impl IndexedFile {
    pub fn new(path: Arc<Path>, module: Arc<ModulePath>, summary: PackedSummary) -> Self {
        IndexedFile {
            path,
            module,
            packed: summary,
            decoded: OnceLock::new(),
        }
    }

    fn decoded(&self) -> &Decoded {
        self.decoded.get_or_init(|| {
            let outline = self.packed.unpack_outline();
            let count = outline.function_bounds.len().saturating_sub(1);
            Box::new(Decoded {
                functions: (0..count).map(|_| OnceLock::new()).collect(),
                outline,
            })
        })
    }

    /// The summary's classes, imports and callbacks.
    fn rest(&self) -> &SummaryRest {
        &self.decoded().outline.rest
    }

    fn function(&self, index: u32) -> &FunctionSummary {
        let decoded = self.decoded();
        decoded.functions[index as usize].get_or_init(|| Box::new(self.decode_function(index)))
    }

    /// The function as [`IndexedFile::function`] has it, without keeping a decoding made for
    /// the caller alone.
    fn function_once(&self, index: u32) -> Cow<'_, FunctionSummary> {
        match self.decoded().functions[index as usize].get() {
            Some(function) => Cow::Borrowed(function),
            None => Cow::Owned(self.decode_function(index)),
        }
    }

    fn decode_function(&self, index: u32) -> FunctionSummary {
        let bounds = &self.decoded().outline.function_bounds[index as usize..];
        self.packed.unpack_function(bounds[0]..bounds[1])
    }
}

/// A function of the project: `file` and `function` index its summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionId(u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Definition<T> {
    Unique(T),
    /// Two files (or two branches of one) define the name: calls of it are not followed.
    Ambiguous,
}

/// The type of a Rust method's name (`Fds` for `net::Fds::send`): a segment that starts with a
/// capital before the last one.
pub fn rust_method_owner(name: &str) -> Option<&str> {
    let (owner, _) = name.rsplit_once("::")?;
    let owner = owner.rsplit("::").next()?;
    owner
        .starts_with(|c: char| c.is_ascii_uppercase())
        .then_some(owner)
}

/// Resolution follows re-exports and base classes; this bounds cycles among them.
const MAX_RESOLUTION_DEPTH: u8 = 16;

/// Names of one language and crate (Python is one namespace; each Rust crate is one).
#[derive(Default)]
struct Namespace {
    names: Names,
    /// The files of each Python module that imports names (usually one): an alias
    /// (`pkg.mod.load` for `from .config import load` in `pkg/mod.py`) is looked up in its
    /// module's imports when a call needs it, since few of the many imports are ever asked for.
    importing_modules: FxHashMap<String, Vec<u32>>,
    /// The project's modules ([`Index::expect`]), each with its slot in `waiting`: how many
    /// of its files are not indexed yet. A name that lies in none of those modules is not
    /// defined by any file still to come, so a lookup of it that fails is final and not
    /// recorded as missing.
    expected: FxHashMap<String, usize>,
    waiting: Vec<u32>,
    /// All files of the namespace not indexed yet.
    waiting_files: usize,
    /// The first segment of each Python module of the namespace, indexed or only expected
    /// (`app` for `app.api.handlers`): every name the namespace defines or imports starts with
    /// one, so a name that starts otherwise (`aiohttp.ClientSession` in a project without
    /// aiohttp) is looked up no further.
    top_levels: FxHashSet<String>,
    /// Whether a name may be defined whatever its first segment: in a Rust crate, or with a
    /// Python module that has no name (then its members' names are theirs alone).
    any_top_level: bool,
    /// Between a module and its members: `.` or `::`.
    separator: &'static str,
}

impl Namespace {
    fn note_module(&mut self, module: &ModulePath) {
        if matches!(module, ModulePath::Rust { .. }) {
            self.any_top_level = true;
            return;
        }
        for name in module.names() {
            let first = name.split('.').next().unwrap_or_default();
            if first.is_empty() {
                self.any_top_level = true;
            } else if !self.top_levels.contains(first) {
                self.top_levels.insert(first.to_string());
            }
        }
    }

    /// Whether no module of the namespace is where `name` (a Python name) could be defined.
    fn never_defines(&self, name: &str) -> bool {
        !self.any_top_level
            && !self
                .top_levels
                .contains(name.split('.').next().unwrap_or_default())
    }

    /// Whether a file not indexed yet may define `name`. A Rust method (`a::Fds::send`) may be
    /// in an `impl` block in any module of the crate.
    fn may_come(&self, name: &str) -> bool {
        self.waiting_files > 0
            && (module_prefixes(name, self.separator).any(|module| {
                self.expected
                    .get(module)
                    .is_some_and(|slot| self.waiting[*slot] > 0)
            }) || (self.separator == "::" && rust_method_owner(name).is_some()))
    }

    /// The slot of an expected module.
    fn slot(&self, module: &str) -> Option<usize> {
        self.expected.get(module).copied()
    }

    /// Counts a file of the module in `slot` as indexed.
    fn arrived(&mut self, slot: usize) {
        if self.waiting[slot] > 0 {
            self.waiting[slot] -= 1;
            self.waiting_files -= 1;
        }
    }
}

impl<T> Definition<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Definition<U> {
        match self {
            Definition::Unique(value) => Definition::Unique(f(value)),
            Definition::Ambiguous => Definition::Ambiguous,
        }
    }
}

/// What a project-wide name names: a function, a class, or (in odd code) both; one look-up
/// answers for both, as most names resolution asks for are neither. Eight bytes, with the key
/// 24 a name: the tables hold a name for every function and class of the project.
#[derive(Clone, Copy, Default)]
struct Entry {
    function: Slot,
    class: Slot,
}

impl Entry {
    fn function(id: FunctionId) -> Entry {
        Entry {
            function: Slot::unique(id.0),
            ..Entry::default()
        }
    }

    fn class(id: ClassId) -> Entry {
        Entry {
            class: Slot::unique(id.0),
            ..Entry::default()
        }
    }

    /// The definitions of a name in two tables (or twice in one).
    fn merge(self, other: Entry) -> Entry {
        Entry {
            function: self.function.merge(other.function),
            class: self.class.merge(other.class),
        }
    }
}

/// A name's definition of one kind: none (0), ambiguous ([`Slot::AMBIGUOUS`]) or the id plus
/// one.
#[derive(Clone, Copy, Default)]
struct Slot(u32);

impl Slot {
    const AMBIGUOUS: u32 = u32::MAX;

    fn unique(id: u32) -> Slot {
        Slot(id + 1)
    }

    /// Two definitions of a name: one if the other is none, else ambiguous.
    fn merge(self, other: Slot) -> Slot {
        match (self.0, other.0) {
            (0, _) => other,
            (_, 0) => self,
            _ => Slot(Slot::AMBIGUOUS),
        }
    }

    fn definition(self) -> Option<Definition<u32>> {
        match self.0 {
            0 => None,
            Slot::AMBIGUOUS => Some(Definition::Ambiguous),
            id => Some(Definition::Unique(id - 1)),
        }
    }
}

/// A namespace's names: a table per round of indexing that brought new names (nearly all come
/// in the first), each sorted by key. Hash tables of the same names took 1.7 times the memory
/// (the load factor and a control byte per bucket), and were filled from per-thread lists of
/// the new names that lived beside them; a sorted table is those lists, sorted in place.
#[derive(Default)]
struct Names {
    tables: Vec<NameTable>,
}

/// Names sorted by key, a name once with what it names.
struct NameTable {
    entries: Vec<(NameKey, Entry)>,
    /// Where the keys whose top bits are `b` start in `entries`, for each `b` (and the end):
    /// keys are hashes, spread evenly, so a look-up compares a handful of keys next to each
    /// other rather than binary-searching a million.
    starts: Box<[u32]>,
    /// How many of a key's top bits pick its bucket.
    bits: u32,
}

/// A name as the tables key it: 128 bits of SipHash-1-3 instead of its text. The tables hold a
/// key for every function and class of the project (1.2 M on the crash hunt's crates.io
/// registry), and the text of each was most of their memory; they are only asked for exact
/// names, and two distinct names agreeing on 128 bits of a keyed hash does not occur in
/// practice (about 10^-26 for a million names). Two words rather than a `u128`, whose 16-byte
/// alignment padded every entry to 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct NameKey([u64; 2]);

impl NameKey {
    fn of(name: &str) -> Self {
        use siphasher::sip128::{Hasher128, SipHasher13};
        use std::hash::Hasher as _;
        let mut hasher = SipHasher13::new();
        hasher.write(name.as_bytes());
        let hash = hasher.finish128();
        NameKey([hash.h1, hash.h2])
    }

    /// The key's top `bits` bits.
    fn bucket(self, bits: u32) -> usize {
        match bits {
            0 => 0,
            bits => (self.0[0] >> (64 - bits)) as usize,
        }
    }
}

impl Names {
    fn get(&self, name: &str) -> Option<Entry> {
        let key = NameKey::of(name);
        self.tables
            .iter()
            .filter_map(|table| table.get(key))
            .reduce(Entry::merge)
    }

    fn function(&self, name: &str) -> Option<Definition<FunctionId>> {
        Some(self.get(name)?.function.definition()?.map(FunctionId))
    }

    fn class(&self, name: &str) -> Option<Definition<ClassId>> {
        Some(self.get(name)?.class.definition()?.map(ClassId))
    }
}

impl NameTable {
    /// The table of `entries`, each one definition (a name met twice is ambiguous).
    fn new(mut entries: Vec<(NameKey, Entry)>) -> Self {
        entries.par_sort_unstable_by_key(|(key, _)| *key);
        entries.dedup_by(|(key, entry), (kept_key, kept)| {
            let same = key == kept_key;
            if same {
                *kept = kept.merge(*entry);
            }
            same
        });
        // About four names a bucket.
        let bits = (entries.len() / 4).max(1).ilog2();
        let mut starts = vec![0u32; (1 << bits) + 1];
        for (key, _) in &entries {
            starts[key.bucket(bits) + 1] += 1;
        }
        for bucket in 1..starts.len() {
            starts[bucket] += starts[bucket - 1];
        }
        NameTable {
            entries,
            starts: starts.into_boxed_slice(),
            bits,
        }
    }

    fn get(&self, key: NameKey) -> Option<Entry> {
        let bucket = key.bucket(self.bits);
        let (start, end) = (self.starts[bucket], self.starts[bucket + 1]);
        self.entries[start as usize..end as usize]
            .iter()
            .find(|(candidate, _)| *candidate == key)
            .map(|(_, entry)| *entry)
    }
}

/// A file to route: its namespace, the file, the ids its first function and class get, and
/// where its functions' traits go.
type Routed<'f> = (usize, &'f IndexedFile, (usize, usize), &'f mut [Traits]);

/// The project-wide names of a file's functions and classes, given the ids they get; writes
/// the traits of its functions: both read from one decoding of its summary.
fn route(
    file: &IndexedFile,
    (first_id, first_class): (usize, usize),
    traits: &mut [Traits],
) -> Vec<(NameKey, Entry)> {
    let summary = file.packed.unpack();
    let mut names = Vec::with_capacity(summary.functions.len() + summary.classes.len());
    for ((offset, function), traits) in summary.functions.iter().enumerate().zip(traits) {
        let id = FunctionId((first_id + offset) as u32);
        *traits = Traits {
            is_async: function.is_async,
            blocks: !function.blocking.is_empty(),
        };
        let mut members = file.module.members(&function.name).peekable();
        if members.peek().is_none() {
            names.push((NameKey::of(&function.name), Entry::function(id)));
        }
        names.extend(members.map(|name| (NameKey::of(&name), Entry::function(id))));
    }
    for (class, summary) in summary.classes.iter().enumerate() {
        let id = ClassId((first_class + class) as u32);
        names.extend(
            file.module
                .members(&summary.name)
                .map(|name| (NameKey::of(&name), Entry::class(id))),
        );
    }
    names
}

/// A class of the project: [`Index::classes`] says where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ClassId(u32);

#[derive(Default)]
pub struct Index {
    files: Vec<IndexedFile>,
    namespace_ids: FxHashMap<Option<Arc<Path>>, usize>,
    namespace_of: Vec<usize>,
    namespaces: Vec<Namespace>,
    functions: Vec<(u32, u32)>,
    /// Each class's file and index in its summary, by [`ClassId`].
    classes: Vec<(u32, u32)>,
    /// The calls of each function reachable from async code, resolved: (callee, index of the
    /// call in its summary). Functions no coroutine reaches (most) are never resolved.
    edges: FxHashMap<FunctionId, Box<[(FunctionId, u32)]>>,
    /// Of each function's resolved calls, those that pass streams (Python, rare): what
    /// [`Index::calls_passing_streams`] asks about, known without decoding every function again.
    stream_calls: FxHashMap<FunctionId, Box<[u32]>>,
    reachable: Vec<bool>,
    /// What the passes over all functions ask of each, kept beside the ids rather than behind
    /// each function's file and summary.
    traits: Vec<Traits>,
    /// Names that calls reach and no indexed file defines (yet): (the calling function,
    /// namespace, project-wide name).
    missing: Vec<(FunctionId, usize, String)>,
    /// Where the names the last resolution added start in `missing`.
    fresh_missing: usize,
    /// Sync functions registered to run on the event loop: (registering function, callback,
    /// index of the registration in its file's summary).
    callbacks: Vec<(FunctionId, FunctionId, u32)>,
    /// Registrations whose callback no indexed file defines yet: (file, registering function,
    /// index), resolved again as files come.
    unresolved_callbacks: Vec<(usize, FunctionId, u32)>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Traits {
    is_async: bool,
    /// It makes a blocking call itself.
    blocks: bool,
}

/// A function with its resolved calls, those of them that pass streams, and the names its calls
/// looked for in vain.
type Resolved = (
    FunctionId,
    Vec<(FunctionId, u32)>,
    Vec<u32>,
    Vec<(usize, String)>,
);

/// How a sync function blocks: the next function on its shortest chain (with the call that
/// reaches it), or its own first blocking call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Calls { callee: FunctionId, call: u32 },
    Blocks { call: u32 },
}

/// For every sync function async code reaches, whether and how it blocks.
pub struct Solution {
    steps: Vec<Option<Step>>,
    /// Calls (caller, call) that pass a stream where their callee blocks only for other
    /// arguments.
    skipped: FxHashSet<(FunctionId, u32)>,
}

impl Index {
    /// Indexes `files`, then resolves the calls of every function reachable from an async
    /// function of a file for which `is_root` holds.
    pub fn build(files: Vec<IndexedFile>, is_root: impl Fn(usize) -> bool) -> Self {
        let mut index = Index::default();
        index.add(files, is_root);
        index
    }

    /// Makes known the modules of every file of the project, indexed later or never: calls
    /// that miss are recorded (for [`Index::missing_names`] and later rounds) only when one of
    /// these modules, not indexed yet, may define them.
    pub fn expect<'m>(&mut self, modules: impl IntoIterator<Item = &'m ModulePath>) {
        for module in modules {
            let namespace = self.namespace_for(module);
            let namespace = &mut self.namespaces[namespace];
            namespace.note_module(module);
            for name in module.names() {
                let next = namespace.waiting.len();
                let slot = *namespace.expected.entry(name.to_string()).or_insert(next);
                if slot == next {
                    namespace.waiting.push(0);
                }
                namespace.waiting[slot] += 1;
                namespace.waiting_files += 1;
            }
        }
    }

    /// Adds files (`is_root` is asked with the positions they get), then resolves again the
    /// calls that did not resolve before and follows what they now reach.
    pub fn add(&mut self, files: Vec<IndexedFile>, is_root: impl Fn(usize) -> bool) {
        let first_new_function = self.functions.len();
        let namespaces: Vec<usize> = files
            .iter()
            .map(|file| self.namespace_for(&file.module))
            .collect();
        // The ids the new files' functions get, file after file.
        let mut first_ids = Vec::with_capacity(files.len());
        let (mut next_id, mut next_class) = (self.functions.len(), self.classes.len());
        for file in &files {
            first_ids.push((next_id, next_class));
            next_id += file.packed.function_count();
            next_class += file.packed.class_count();
        }
        // Formatting the project-wide names is most of the work of adding a file, and no file's
        // names depend on another's: each namespace's new names are made in parallel (in runs
        // of at most 64 files, so that no thread is left alone with a long run at the end) and
        // become its table for this round, the namespaces in parallel too.
        let first_file = self.files.len();
        self.traits.resize(next_id, Traits::default());
        let mut traits = &mut self.traits[first_new_function..];
        let mut routed: Vec<Routed> = Vec::with_capacity(files.len());
        for ((file, namespace), first_ids) in files.iter().zip(&namespaces).zip(&first_ids) {
            let (own, rest) =
                std::mem::take(&mut traits).split_at_mut(file.packed.function_count());
            routed.push((*namespace, file, *first_ids, own));
            traits = rest;
        }
        routed.sort_by_key(|(namespace, ..)| *namespace);
        let tables: Vec<(usize, NameTable)> = routed
            .chunk_by_mut(|a, b| a.0 == b.0)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|files| {
                let names: Vec<(NameKey, Entry)> = files
                    .par_iter_mut()
                    .with_max_len(64)
                    .flat_map_iter(|(_, file, first_ids, traits)| route(file, *first_ids, traits))
                    .collect();
                (files[0].0, NameTable::new(names))
            })
            .collect();
        drop(routed);
        // The modules of the new files, per namespace: what the calls that missed may now find.
        let retrying = !self.missing.is_empty();
        let mut new_modules: Vec<FxHashSet<String>> =
            vec![FxHashSet::default(); self.namespaces.len()];
        // What each file and function brings to the tables kept beside the ids, worked out in
        // parallel; the loop below only appends.
        let namespaces_now = &self.namespaces;
        let slots: Vec<Vec<usize>> = files
            .par_iter()
            .zip(&namespaces)
            .map(|(file, namespace)| {
                let namespace = &namespaces_now[*namespace];
                file.module
                    .names()
                    .filter_map(|name| namespace.slot(name))
                    .collect()
            })
            .collect();
        // Grown once to their size: doubling left the smaller copies' pages behind.
        self.functions.reserve(next_id - self.functions.len());
        self.classes.reserve(next_class - self.classes.len());
        for (position, file) in files.iter().enumerate() {
            let file_index = (first_file + position) as u32;
            self.functions.extend(
                (0..file.packed.function_count() as u32).map(|function| (file_index, function)),
            );
            self.classes
                .extend((0..file.packed.class_count() as u32).map(|class| (file_index, class)));
        }
        self.namespace_of.reserve(files.len());
        let python = files
            .iter()
            .zip(&namespaces)
            .find(|(file, _)| matches!(*file.module, ModulePath::Python { .. }));
        if let Some((_, namespace)) = python {
            // Grown once rather than by doubling as the importing modules come.
            self.namespaces[*namespace]
                .importing_modules
                .reserve(files.len());
        }
        for (position, ((file, namespace_id), slot)) in
            files.iter().zip(namespaces).zip(slots).enumerate()
        {
            let file_index = first_file + position;
            self.namespace_of.push(namespace_id);
            let namespace = &mut self.namespaces[namespace_id];
            namespace.note_module(&file.module);
            for slot in slot {
                namespace.arrived(slot);
            }
            if retrying {
                new_modules[namespace_id].extend(file.module.names().map(str::to_string));
            }
            if matches!(*file.module, ModulePath::Python { .. }) && file.packed.has_imports() {
                for name in file.module.names() {
                    namespace
                        .importing_modules
                        .entry(name.to_string())
                        .or_default()
                        .push(file_index as u32);
                }
            }
        }
        // The first round's files become the index's as they are, rather than beside a copy.
        if self.files.is_empty() {
            self.files = files;
        } else {
            self.files.extend(files);
        }
        for (namespace, table) in tables {
            self.namespaces[namespace].names.tables.push(table);
        }
        let count = self.functions.len();
        self.reachable.resize(count, false);
        let mut pending = self.take_retries(&new_modules);
        for id in (first_new_function..count).map(|id| FunctionId(id as u32)) {
            if self.is_async(id) && is_root(self.file_of(id)) {
                self.reachable[id.0 as usize] = true;
                pending.push(id);
            }
        }
        // A callback runs on the loop whoever registers it: it is a root like a coroutine.
        for (position, (first_id, _)) in first_ids.iter().enumerate() {
            let file = first_file + position;
            if !is_root(file) {
                continue;
            }
            if !self.files[file].packed.has_callbacks() {
                continue;
            }
            for (index, callback) in self.files[file].rest().callbacks.iter().enumerate() {
                let registrar = FunctionId((first_id + callback.function as usize) as u32);
                self.unresolved_callbacks
                    .push((file, registrar, index as u32));
            }
        }
        let mut callback_misses = Vec::new();
        for (file, registrar, index) in std::mem::take(&mut self.unresolved_callbacks) {
            let target = &self.callback(registrar, index).call.target;
            let mut missing = Vec::new();
            match self.resolve(file, target, &mut missing) {
                Some(callee) if !self.is_async(callee) => {
                    self.callbacks.push((registrar, callee, index));
                    if !self.reachable[callee.0 as usize] {
                        self.reachable[callee.0 as usize] = true;
                        pending.push(callee);
                    }
                }
                Some(_) => {}
                None => {
                    callback_misses.extend(
                        missing
                            .into_iter()
                            .map(|(namespace, name)| (registrar, namespace, name)),
                    );
                    self.unresolved_callbacks.push((file, registrar, index));
                }
            }
        }
        self.resolve_reachable(pending);
        // After the resolution, which counts only what it adds as missing: a file still to be
        // analysed may define the callback.
        self.missing.extend(callback_misses);
    }

    /// The namespace of a file in `module` (Python is one; each Rust crate is one), added when
    /// it is the first file of it.
    fn namespace_for(&mut self, module: &ModulePath) -> usize {
        let key = match module {
            ModulePath::Python { .. } => None,
            ModulePath::Rust { root, .. } => Some(Arc::clone(root)),
        };
        let next = self.namespace_ids.len();
        let id = *self.namespace_ids.entry(key).or_insert(next);
        if id == self.namespaces.len() {
            self.namespaces.push(Namespace {
                separator: module.separator(),
                ..Namespace::default()
            });
        }
        id
    }

    /// The functions with a call of a name that the `new_modules` (per namespace) may define,
    /// forgetting the names they missed: they are resolved again. The other calls that missed
    /// stay unresolved, as no new file is where their names would be.
    fn take_retries(&mut self, new_modules: &[FxHashSet<String>]) -> Vec<FunctionId> {
        let mut retried: FxHashSet<FunctionId> = FxHashSet::default();
        for (function, namespace, name) in &self.missing {
            let separator = self.namespaces[*namespace].separator;
            // A Rust method may be in an `impl` block of any new module of its crate.
            let method_anywhere = separator == "::"
                && !new_modules[*namespace].is_empty()
                && rust_method_owner(name).is_some();
            if method_anywhere
                || module_prefixes(name, separator)
                    .any(|module| new_modules[*namespace].contains(module))
            {
                retried.insert(*function);
            }
        }
        self.missing
            .retain(|(function, _, _)| !retried.contains(function));
        let mut retried: Vec<FunctionId> = retried.into_iter().collect();
        retried.sort_unstable();
        retried
    }

    /// Resolves the calls of `pending` and of every sync function they newly reach.
    fn resolve_reachable(&mut self, mut pending: Vec<FunctionId>) {
        self.fresh_missing = self.missing.len();
        while !pending.is_empty() {
            // A function's calls resolve against the index alone, so each round of newly
            // reached functions resolves in parallel; only marking what they reach is serial.
            // Each thread remembers the methods it looked up: the classes of a project share
            // their bases, whose methods would otherwise be looked up again for every subclass.
            let resolved: Vec<Resolved> = pending
                .par_iter()
                .map_init(Methods::default, |methods, &id| {
                    let file = self.file_of(id);
                    let mut missing = Vec::new();
                    // Each function is resolved once a round (again only when a later round
                    // may resolve more of it): its decoding is not kept for the few questions
                    // after resolution, which would hold a large project's reachable functions
                    // (100 k on the registry cache) in memory at once.
                    let function = self.function_once(id);
                    let edges: Vec<(FunctionId, u32)> = function
                        .calls
                        .iter()
                        .enumerate()
                        .filter_map(|(call, project_call)| {
                            let target = &project_call.target;
                            let callee = self.resolve_with(file, target, &mut missing, methods)?;
                            // Reading a method or a plain attribute runs nothing.
                            if project_call.reads_property && !self.function(callee).is_property {
                                return None;
                            }
                            Some((callee, call as u32))
                        })
                        .collect();
                    let streams = edges
                        .iter()
                        .map(|(_, call)| *call)
                        .filter(|call| !function.calls[*call as usize].streams.is_empty())
                        .collect();
                    (id, edges, streams, missing)
                })
                .collect();
            pending = Vec::new();
            for (id, edges, streams, missing) in resolved {
                self.missing.extend(
                    missing
                        .into_iter()
                        .map(|(namespace, name)| (id, namespace, name)),
                );
                for &(callee, _) in &edges {
                    let index = callee.0 as usize;
                    if !self.reachable[index] && !self.is_async(callee) {
                        self.reachable[index] = true;
                        pending.push(callee);
                    }
                }
                self.edges.insert(id, edges.into_boxed_slice());
                if streams.is_empty() {
                    self.stream_calls.remove(&id);
                } else {
                    self.stream_calls.insert(id, streams.into_boxed_slice());
                }
            }
        }
    }

    /// A class's file and summary.
    fn class(&self, class: ClassId) -> (&IndexedFile, &ClassSummary) {
        let (file, index) = self.classes[class.0 as usize];
        let file = &self.files[file as usize];
        (file, &file.rest().classes[index as usize])
    }

    pub fn function(&self, id: FunctionId) -> &FunctionSummary {
        let (file, function) = self.functions[id.0 as usize];
        self.files[file as usize].function(function)
    }

    /// [`Index::function`] for a question asked once: a decoding made for it is not kept.
    fn function_once(&self, id: FunctionId) -> Cow<'_, FunctionSummary> {
        let (file, function) = self.functions[id.0 as usize];
        self.files[file as usize].function_once(function)
    }

    pub fn is_async(&self, id: FunctionId) -> bool {
        self.traits[id.0 as usize].is_async
    }

    pub fn file_of(&self, id: FunctionId) -> usize {
        self.functions[id.0 as usize].0 as usize
    }

    pub fn path_of(&self, id: FunctionId) -> &Path {
        &self.files[self.file_of(id)].path
    }

    pub fn is_rust(&self, id: FunctionId) -> bool {
        matches!(
            *self.files[self.file_of(id)].module,
            ModulePath::Rust { .. }
        )
    }

    /// The project-wide name (`pkg.config.load`, `a::b::Type::f`).
    pub fn name(&self, id: FunctionId) -> String {
        let file = &self.files[self.file_of(id)];
        file.module.member_of(&self.function(id).name)
    }

    pub fn function_ids(&self) -> impl Iterator<Item = FunctionId> {
        (0..self.functions.len() as u32).map(FunctionId)
    }

    /// The calls of `id` whose target is a project function, with the call's index (resolved
    /// only for the functions async code reaches).
    pub fn calls_of(&self, id: FunctionId) -> &[(FunctionId, u32)] {
        self.edges.get(&id).map_or(&[], |edges| edges)
    }

    pub fn call(&self, id: FunctionId, call: u32) -> &ProjectCall {
        &self.function(id).calls[call as usize]
    }

    /// The sync functions registered to run on the event loop: (registering function,
    /// callback, registration for [`Index::callback`]).
    pub fn callbacks(&self) -> &[(FunctionId, FunctionId, u32)] {
        &self.callbacks
    }

    /// A registration of a callback, by the registering function and its index.
    pub fn callback(&self, registrar: FunctionId, index: u32) -> &Callback {
        &self.files[self.file_of(registrar)].rest().callbacks[index as usize]
    }

    pub fn blocking_call(&self, id: FunctionId, call: u32) -> &BlockingCall {
        &self.function(id).blocking[call as usize]
    }

    /// The names that calls from async code (directly or through sync functions) reach and no
    /// indexed file defines, each with the file of the call: where a file that was not
    /// analysed may hold the rest of a chain.
    pub fn missing_names(&self) -> impl Iterator<Item = (usize, &str)> {
        self.missing[self.fresh_missing..]
            .iter()
            .map(|(_, namespace, name)| (*namespace, name.as_str()))
    }

    /// The namespace of an indexed file, for [`Index::missing_names`].
    pub fn namespace_of_file(&self, file: usize) -> usize {
        self.namespace_of[file]
    }

    /// The function `target`, called in indexed file `file`, runs; names looked for in vain
    /// go to `missing` (with their namespace), for [`Index::missing_names`]' purpose.
    pub fn resolve(
        &self,
        file: usize,
        target: &Target,
        missing: &mut Vec<(usize, String)>,
    ) -> Option<FunctionId> {
        self.resolve_with(file, target, missing, &mut Methods::default())
    }

    /// [`Index::resolve`], with the methods already looked up in this state of the index.
    fn resolve_with(
        &self,
        file: usize,
        target: &Target,
        missing: &mut Vec<(usize, String)>,
        methods: &mut Methods,
    ) -> Option<FunctionId> {
        let module: &ModulePath = &self.files[file].module;
        let namespace = self.namespace_of[file];
        let mut lookup = Lookup {
            index: self,
            namespace: &self.namespaces[namespace],
            missing: Vec::new(),
            methods,
            deepest: 0,
        };
        let found = match target {
            Target::Path(name) => {
                let absolute = module.absolute(name)?;
                match module {
                    // In a namespace package, `import helpers` run as a script finds the
                    // script's own directory first (it is `sys.path[0]`).
                    ModulePath::Python {
                        script_package: Some(package),
                        ..
                    } if !name.starts_with('.') => lookup
                        .callable(&format!("{package}.{name}"), 0)
                        .or_else(|| lookup.callable(&absolute, 0)),
                    ModulePath::Python { .. } => lookup.callable(&absolute, 0),
                    ModulePath::Rust { .. } => {
                        let found = lookup.namespace.names.function(&absolute).and_then(unique);
                        if found.is_none() {
                            lookup.miss(&absolute);
                        }
                        found
                    }
                }
            }
            Target::Local(name) => lookup.callable(&module.member(name)?, 0),
            Target::Inherited(inherited) => {
                let class = module.member(&inherited.class)?;
                let class = unique(lookup.namespace.names.class(&class)?)?;
                lookup.inherited_method(class, &inherited.method, 0)
            }
        };
        if found.is_none() {
            missing.extend(lookup.missing.into_iter().map(|name| (namespace, name)));
        }
        found
    }

    /// For every sync function async code reaches, the shortest chain to a direct blocking
    /// call. A call passing a stream (`File(io.BytesIO(data))`) to a function that blocks only
    /// when that argument is no stream is no link.
    pub fn solve(&self) -> Solution {
        let steps = self.shortest_chains(&FxHashSet::default());
        let skipped = self.calls_passing_streams(&steps);
        let steps = match skipped.is_empty() {
            true => steps,
            false => self.shortest_chains(&skipped),
        };
        Solution { steps, skipped }
    }

    /// A breadth-first search from the functions that block directly, backwards along the
    /// calls between sync functions, except the `skipped` ones (caller, call). Each function is
    /// reached once, so cycles and recursion end; of several equally short chains the one
    /// through the callee with the smallest name wins.
    fn shortest_chains(&self, skipped: &FxHashSet<(FunctionId, u32)>) -> Vec<Option<Step>> {
        let count = self.functions.len();
        // Keyed rather than one list per function: async code reaches few of them.
        let mut callers: FxHashMap<FunctionId, Vec<(FunctionId, u32)>> = FxHashMap::default();
        let reached = || {
            self.function_ids()
                .filter(|id| self.reachable[id.0 as usize])
        };
        for caller in reached() {
            if self.is_async(caller) {
                continue;
            }
            for &(callee, call) in self.calls_of(caller) {
                if !self.is_async(callee) && !skipped.contains(&(caller, call)) {
                    callers.entry(callee).or_default().push((caller, call));
                }
            }
        }
        let mut steps: Vec<Option<Step>> = vec![None; count];
        let mut frontier: Vec<FunctionId> = reached()
            .filter(|id| {
                let traits = self.traits[id.0 as usize];
                !traits.is_async && traits.blocks
            })
            .collect();
        for id in &frontier {
            steps[id.0 as usize] = Some(Step::Blocks { call: 0 });
        }
        while !frontier.is_empty() {
            self.sort_by_name(&mut frontier);
            let mut next = Vec::new();
            for &callee in &frontier {
                for &(caller, call) in callers.get(&callee).into_iter().flatten() {
                    if steps[caller.0 as usize].is_none() {
                        steps[caller.0 as usize] = Some(Step::Calls { callee, call });
                        next.push(caller);
                    }
                }
            }
            frontier = next;
        }
        steps
    }

    /// The calls (caller, call) that pass a stream for the parameter their callee blocks only
    /// without: each of the callee's calls that may block (as `steps` has it) is made only when
    /// that parameter's argument is no stream.
    fn calls_passing_streams(&self, steps: &[Option<Step>]) -> FxHashSet<(FunctionId, u32)> {
        let mut skipped = FxHashSet::default();
        for (&caller, calls) in &self.stream_calls {
            for &(callee, call) in self.calls_of(caller) {
                if calls.binary_search(&call).is_err() || steps[callee.0 as usize].is_none() {
                    continue;
                }
                let streams = &self.call(caller, call).streams;
                let guard = self.common_guard(callee, steps);
                if guard.is_some_and(|guard| streams.iter().any(|stream| guard.is_passed(stream))) {
                    skipped.insert((caller, call));
                }
            }
        }
        skipped
    }

    /// The parameter that every call of `id` that may block is guarded by, if one is.
    fn common_guard(&self, id: FunctionId, steps: &[Option<Step>]) -> Option<&Guard> {
        let function = self.function(id);
        let blocking = function.blocking.iter().map(|call| call.guard.as_deref());
        let calls = self
            .calls_of(id)
            .iter()
            .filter(|(callee, _)| !self.is_async(*callee) && steps[callee.0 as usize].is_some())
            .map(|&(_, call)| function.calls[call as usize].guard.as_deref());
        let mut guards = blocking.chain(calls);
        let first = guards.next()??;
        guards.all(|guard| guard == Some(first)).then_some(first)
    }

    fn sort_by_name(&self, ids: &mut [FunctionId]) {
        ids.sort_by_cached_key(|id| (self.name(*id), self.path_of(*id), *id));
    }
}

/// One resolution in one namespace, collecting the names it looked for in vain.
struct Lookup<'i> {
    index: &'i Index,
    namespace: &'i Namespace,
    missing: Vec<String>,
    methods: &'i mut Methods,
    /// The deepest level the resolution went to: a remembered method is only reused where it
    /// would not have reached [`MAX_RESOLUTION_DEPTH`].
    deepest: u8,
}

/// Methods looked up by class and name, for one state of the index: what [`Lookup::method`]
/// found, how many levels deeper it went, and the names it looked for in vain on the way.
#[derive(Default)]
struct Methods {
    by_class: FxHashMap<ClassId, Vec<(String, KnownMethod)>>,
}

struct KnownMethod {
    found: Option<FunctionId>,
    reach: u8,
    missing: Vec<String>,
    /// The depth of a look-up that went past [`MAX_RESOLUTION_DEPTH`]: what it found holds only
    /// at that same depth. Remembering it too keeps a hierarchy where every class has several
    /// bases (each path to the top cut at the limit) from being walked once per path, which is
    /// exponential in its depth.
    cut_at: Option<u8>,
}

impl KnownMethod {
    /// Whether looking the method up at `depth` would give this answer.
    fn holds_at(&self, depth: u8) -> bool {
        match self.cut_at {
            None => depth + self.reach <= MAX_RESOLUTION_DEPTH,
            Some(cut_at) => cut_at == depth,
        }
    }
}

impl Lookup<'_> {
    /// A name looked for in vain, recorded when a file still to come may define it.
    fn miss(&mut self, name: &str) {
        if self.namespace.may_come(name) {
            self.missing.push(name.to_string());
        }
    }

    /// What calling the Python name `name` runs: a function, a class's `__init__`, or a method
    /// of a class, following re-exports (`from .config import load` in `__init__.py`).
    fn callable(&mut self, name: &str, depth: u8) -> Option<FunctionId> {
        self.deepest = self.deepest.max(depth);
        if depth > MAX_RESOLUTION_DEPTH || self.namespace.never_defines(name) {
            return None;
        }
        if let Some(entry) = self.namespace.names.get(name) {
            if let Some(function) = entry.function.definition() {
                return unique(function).map(FunctionId);
            }
            if let Some(class) = entry.class.definition() {
                return self.method(ClassId(unique(class)?), "__init__", depth + 1);
            }
        }
        if let Some(alias) = self.alias(name) {
            return self.callable(unique_ref(&alias)?, depth + 1);
        }
        self.miss(name);
        let (owner, method) = name.rsplit_once('.')?;
        let class = self.class(owner, depth + 1)?;
        self.method(class, method, depth + 1)
    }

    fn class(&mut self, name: &str, depth: u8) -> Option<ClassId> {
        self.deepest = self.deepest.max(depth);
        if depth > MAX_RESOLUTION_DEPTH || self.namespace.never_defines(name) {
            return None;
        }
        if let Some(class) = self.namespace.names.class(name) {
            return unique(class);
        }
        match self.alias(name) {
            Some(alias) => self.class(unique_ref(&alias)?, depth + 1),
            None => {
                self.miss(name);
                None
            }
        }
    }

    /// What the Python name `name` stands for when a module imported it under that name
    /// (`from .config import load` makes `pkg.mod.load` stand for `pkg.config.load`): ambiguous
    /// when it is imported more than once (by two files of the same module, or twice in one).
    fn alias(&self, name: &str) -> Option<Definition<String>> {
        // An imported name has no dot: the module is everything before the last one.
        let (module, local) = name.rsplit_once('.').unwrap_or(("", name));
        let mut found = None;
        for &file in self.namespace.importing_modules.get(module)? {
            let file = &self.index.files[file as usize];
            let targets = file
                .rest()
                .imports
                .targets(local)
                .filter_map(|target| file.module.absolute(&target).map(Cow::into_owned));
            for target in targets {
                found = Some(match found {
                    None => Definition::Unique(target),
                    Some(_) => Definition::Ambiguous,
                });
            }
        }
        found
    }

    /// A method of `class`, its own or, failing that, inherited; remembered, as many classes
    /// share a base.
    fn method(&mut self, class: ClassId, method: &str, depth: u8) -> Option<FunctionId> {
        let known = self.methods.by_class.get(&class).and_then(|methods| {
            methods
                .iter()
                .find(|(name, known)| name == method && known.holds_at(depth))
        });
        if let Some((_, known)) = known {
            self.missing.extend(known.missing.iter().cloned());
            self.deepest = self.deepest.max(depth + known.reach);
            return known.found;
        }
        let (outer_deepest, missing_from) = (self.deepest, self.missing.len());
        self.deepest = depth;
        let found = self.look_up_method(class, method, depth);
        let reach = self.deepest - depth;
        let known = KnownMethod {
            found,
            reach,
            missing: self.missing[missing_from..].to_vec(),
            cut_at: (self.deepest > MAX_RESOLUTION_DEPTH).then_some(depth),
        };
        let methods = self.methods.by_class.entry(class).or_default();
        methods.push((method.to_string(), known));
        self.deepest = self.deepest.max(outer_deepest);
        found
    }

    fn look_up_method(&mut self, class: ClassId, method: &str, depth: u8) -> Option<FunctionId> {
        let (file, summary) = self.index.class(class);
        let own = file.module.member(&format!("{}.{method}", summary.name))?;
        match self.namespace.names.function(&own) {
            Some(function) => unique(function),
            None => self.inherited_method(class, method, depth + 1),
        }
    }

    /// A method one of `class`'s project base classes defines: followed only when every base
    /// that has it agrees on which function it is.
    fn inherited_method(&mut self, class: ClassId, method: &str, depth: u8) -> Option<FunctionId> {
        self.deepest = self.deepest.max(depth);
        if depth > MAX_RESOLUTION_DEPTH {
            return None;
        }
        let (file, summary) = self.index.class(class);
        let mut found = None;
        for base in &summary.bases {
            let base_name = match base {
                Target::Path(name) => file.module.absolute(name),
                Target::Local(name) => file.module.member(name).map(Cow::Owned),
                Target::Inherited(_) => None,
            };
            let Some(base) = base_name.and_then(|name| self.class(&name, depth + 1)) else {
                continue;
            };
            if let Some(function) = self.method(base, method, depth + 1) {
                if found.is_some_and(|other| other != function) {
                    return None;
                }
                found = Some(function);
            }
        }
        found
    }
}

impl Solution {
    pub fn step(&self, id: FunctionId) -> Option<Step> {
        self.steps[id.0 as usize]
    }

    /// How `callee` blocks when `caller` makes its call `call` of it.
    pub fn step_from(&self, caller: FunctionId, call: u32, callee: FunctionId) -> Option<Step> {
        match self.skipped.contains(&(caller, call)) {
            true => None,
            false => self.step(callee),
        }
    }
}

fn unique<T>(definition: Definition<T>) -> Option<T> {
    match definition {
        Definition::Unique(value) => Some(value),
        Definition::Ambiguous => None,
    }
}

fn unique_ref<T>(definition: &Definition<T>) -> Option<&T> {
    match definition {
        Definition::Unique(value) => Some(value),
        Definition::Ambiguous => None,
    }
}

#[cfg(test)]
mod tests {
    use ruff_text_size::{TextRange, TextSize};

    use super::*;
    use crate::project::summary::{ClassSummary, FileSummary};
    use crate::registry::Rule;

    fn function(name: &str, is_async: bool, calls: &[&str], blocks: bool) -> FunctionSummary {
        FunctionSummary {
            name: name.to_string(),
            is_async,
            blocking: blocks
                .then(|| BlockingCall {
                    rule: Rule::BlockingSleep,
                    name: "time.sleep".to_string(),
                    offset: TextSize::default(),
                    guard: None,
                })
                .into_iter()
                .collect(),
            calls: calls
                .iter()
                .map(|callee| ProjectCall {
                    target: Target::Local(callee.to_string()),
                    range: TextRange::default(),
                    statement_start: None,
                    reads_property: false,
                    guard: None,
                    streams: Box::default(),
                })
                .collect(),
            acquires_limiter: false,
            is_property: false,
        }
    }

    /// Solves `functions` with an async `root` that calls each of them.
    fn solve(mut functions: Vec<FunctionSummary>) -> Vec<(String, Option<String>)> {
        let names: Vec<String> = functions.iter().map(|f| f.name.clone()).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        functions.push(function("root", true, &names, false));
        let summary = FileSummary {
            functions,
            ..FileSummary::default()
        };
        let index = Index::build(vec![python_summary("m", &summary)], |_| true);
        let solution = index.solve();
        index
            .function_ids()
            .map(|id| {
                let step = solution.step(id).map(|step| match step {
                    Step::Calls { callee, .. } => index.function(callee).name.clone(),
                    Step::Blocks { .. } => "time.sleep".to_string(),
                });
                (index.function(id).name.clone(), step)
            })
            .collect()
    }

    fn python_file(module: &str, functions: Vec<FunctionSummary>) -> IndexedFile {
        let summary = FileSummary {
            functions,
            ..FileSummary::default()
        };
        python_summary(module, &summary)
    }

    fn python_summary(module: &str, summary: &FileSummary) -> IndexedFile {
        IndexedFile::new(
            Path::new(&format!("{}.py", module.replace('.', "/"))).into(),
            Arc::new(ModulePath::Python {
                name: module.to_string(),
                is_package: false,
                script_package: None,
                regular: None,
            }),
            PackedSummary::pack(summary),
        )
    }

    #[test]
    fn calls_resolve_across_top_level_packages_and_not_into_packages_the_project_lacks() {
        let mut handler = function("handler", true, &[], false);
        for target in [
            "lib.io.read",
            "requests.get",
            "lib.io.absent",
            "lib.later.load",
        ] {
            handler.calls.push(ProjectCall {
                target: Target::Path(target.to_string()),
                range: TextRange::default(),
                statement_start: None,
                reads_property: false,
                guard: None,
                streams: Box::default(),
            });
        }
        let mut index = Index::default();
        let modules = [
            ModulePath::Python {
                name: "app.main".to_string(),
                is_package: false,
                script_package: None,
                regular: None,
            },
            ModulePath::Python {
                name: "lib.io".to_string(),
                is_package: false,
                script_package: None,
                regular: None,
            },
            ModulePath::Python {
                name: "lib.later".to_string(),
                is_package: false,
                script_package: None,
                regular: None,
            },
        ];
        index.expect(&modules);
        let files = vec![
            python_file("app.main", vec![handler]),
            python_file("lib.io", vec![function("read", false, &[], true)]),
        ];
        index.add(files, |_| true);
        let calls: Vec<String> = index
            .calls_of(FunctionId(0))
            .iter()
            .map(|(callee, _)| index.name(*callee))
            .collect();
        assert_eq!(calls, ["lib.io.read"]);
        // Only `lib.later`, not indexed yet, may still define a name (`load`, or a class
        // `later` of `lib`'s whose method it is): `lib.io` is indexed, and `requests` is no
        // package of the project at all.
        let missing: Vec<&str> = index.missing_names().map(|(_, name)| name).collect();
        assert_eq!(missing, ["lib.later.load", "lib.later"]);
        let solution = index.solve();
        assert!(solution.step(FunctionId(1)).is_some());
    }

    #[test]
    fn name_tables_find_every_name_and_merge_definitions_across_rounds() {
        // Enough names for many buckets, a name defined twice in one round, a function and a
        // class sharing a name, and a name defined again in a later round.
        let mut first: Vec<(NameKey, Entry)> = (0..5000)
            .map(|id| {
                (
                    NameKey::of(&format!("m::f{id}")),
                    Entry::function(FunctionId(id)),
                )
            })
            .collect();
        first.push((NameKey::of("m::f7"), Entry::function(FunctionId(9000))));
        first.push((NameKey::of("m::f8"), Entry::class(ClassId(3))));
        let mut names = Names::default();
        names.tables.push(NameTable::new(first));
        names.tables.push(NameTable::new(vec![
            (NameKey::of("m::f9"), Entry::function(FunctionId(9001))),
            (NameKey::of("m::g"), Entry::class(ClassId(4))),
        ]));
        for id in (0..5000).filter(|id| ![7, 9].contains(id)) {
            let name = format!("m::f{id}");
            assert_eq!(
                names.function(&name),
                Some(Definition::Unique(FunctionId(id)))
            );
        }
        assert_eq!(names.function("m::f7"), Some(Definition::Ambiguous));
        assert_eq!(names.function("m::f9"), Some(Definition::Ambiguous));
        assert_eq!(names.class("m::f8"), Some(Definition::Unique(ClassId(3))));
        assert_eq!(
            names.function("m::f8"),
            Some(Definition::Unique(FunctionId(8)))
        );
        assert_eq!(names.class("m::g"), Some(Definition::Unique(ClassId(4))));
        assert_eq!(names.function("m::g"), None);
        assert!(names.get("m::f5000").is_none() && names.get("").is_none());
        assert!(Names::default().get("m::f1").is_none());
    }

    #[test]
    fn remembered_methods_keep_the_depth_limit() {
        let classes = (0..10)
            .map(|level| ClassSummary {
                name: format!("C{level}"),
                bases: (level > 0)
                    .then(|| Target::Local(format!("C{}", level - 1)))
                    .into_iter()
                    .collect(),
            })
            .collect();
        let summary = FileSummary {
            functions: vec![function("C0.m", false, &[], true)],
            classes,
            ..FileSummary::default()
        };
        let file = python_summary("m", &summary);
        let index = Index::build(vec![file], |_| true);
        let inherited = |level: usize| Target::inherited(format!("C{level}"), "m".to_string());
        let mut methods = Methods::default();
        let mut resolve =
            |level| index.resolve_with(0, &inherited(level), &mut Vec::new(), &mut methods);
        // `C5` remembers the methods of `C4` to `C0`; `C9` is still too deep to reach `C0`.
        assert_eq!(resolve(5), Some(FunctionId(0)));
        assert_eq!(resolve(9), None);
        assert_eq!(resolve(8), Some(FunctionId(0)));
        assert_eq!(index.resolve(0, &inherited(9), &mut Vec::new()), None);
    }

    /// Every class of a layer inherits from every class of the layer above: the paths to the
    /// top are as many as the width to the power of the depth, yet each class is looked up once
    /// per depth.
    #[test]
    fn diamond_hierarchies_are_looked_up_once_per_class_and_depth() {
        let (width, depth) = (12, 12);
        let name = |level: usize, n: usize| format!("L{level}_{n}");
        let mut classes = vec![ClassSummary {
            name: "Top".to_string(),
            bases: Vec::new(),
        }];
        for level in 0..depth {
            for n in 0..width {
                let bases = match level {
                    0 => vec![Target::Local("Top".to_string())],
                    _ => (0..width)
                        .map(|base| Target::Local(name(level - 1, base)))
                        .collect(),
                };
                classes.push(ClassSummary {
                    name: name(level, n),
                    bases,
                });
            }
        }
        let summary = FileSummary {
            functions: vec![function("Top.m", false, &[], true)],
            classes,
            ..FileSummary::default()
        };
        let file = python_summary("m", &summary);
        let index = Index::build(vec![file], |_| true);
        let inherited =
            |level: usize, method: &str| Target::inherited(name(level, 0), method.to_string());
        let resolve = |target| index.resolve(0, &target, &mut Vec::new());
        // Four levels up each way (two steps per level) is within the limit; twelve is not.
        assert_eq!(resolve(inherited(3, "m")), Some(FunctionId(0)));
        assert_eq!(resolve(inherited(depth - 1, "m")), None);
        assert_eq!(resolve(inherited(depth - 1, "missing")), None);
    }

    fn step_of<'s>(solved: &'s [(String, Option<String>)], name: &str) -> Option<&'s str> {
        solved
            .iter()
            .find(|(function, _)| function == name)
            .and_then(|(_, step)| step.as_deref())
    }

    #[test]
    fn resolution_keeps_no_decoded_function_and_solving_decodes_only_what_it_names() {
        let summary = FileSummary {
            functions: vec![
                function("handler", true, &["helper", "idle"], false),
                function("helper", false, &["sleepy"], false),
                function("sleepy", false, &[], true),
                function("idle", false, &[], false),
            ],
            ..FileSummary::default()
        };
        let index = Index::build(vec![python_summary("m", &summary)], |_| true);
        let kept = |index: &Index| -> Vec<u32> {
            let decoded = index.files[0].decoded.get().expect("asked about");
            (0..decoded.functions.len() as u32)
                .filter(|at| decoded.functions[*at as usize].get().is_some())
                .collect()
        };
        // Every function was resolved, and each decoding was dropped right after.
        assert_eq!(index.edges.len(), 4);
        assert_eq!(kept(&index), Vec::<u32>::new());
        let solution = index.solve();
        // The chain's links are sorted by name; the idle function is not asked about again.
        assert!(!kept(&index).contains(&3), "{:?}", kept(&index));
        let helper = FunctionId(1);
        assert_eq!(
            solution.step(helper),
            Some(Step::Calls {
                callee: FunctionId(2),
                call: 0
            })
        );
    }

    #[test]
    fn cycles_and_recursion_terminate() {
        let solved = solve(vec![
            function("ping", false, &["pong"], false),
            function("pong", false, &["ping"], true),
            function("even", false, &["odd"], false),
            function("odd", false, &["even"], false),
            function("walk", false, &["walk"], false),
        ]);
        assert_eq!(step_of(&solved, "ping"), Some("pong"));
        assert_eq!(step_of(&solved, "pong"), Some("time.sleep"));
        assert_eq!(step_of(&solved, "even"), None);
        assert_eq!(step_of(&solved, "odd"), None);
        assert_eq!(step_of(&solved, "walk"), None);
    }

    #[test]
    fn the_shortest_chain_wins_and_ties_go_to_the_first_name() {
        let functions = || {
            vec![
                function("top", false, &["zeta", "long", "alpha"], false),
                function("long", false, &["longer"], false),
                function("longer", false, &[], true),
                function("zeta", false, &[], true),
                function("alpha", false, &[], true),
            ]
        };
        let solved = solve(functions());
        assert_eq!(step_of(&solved, "top"), Some("alpha"));
        let mut reversed = functions();
        reversed.reverse();
        assert_eq!(step_of(&solve(reversed), "top"), Some("alpha"));
    }

    #[test]
    fn async_functions_are_not_links_and_duplicates_are_not_followed() {
        let solved = solve(vec![
            function("handler", true, &["helper"], false),
            function("helper", false, &["coroutine", "twice"], false),
            function("coroutine", true, &[], true),
            function("twice", false, &[], true),
            function("twice", false, &[], false),
        ]);
        assert_eq!(step_of(&solved, "helper"), None);
    }
}
