//! The result cache in `.loopguard_cache/`: what linting a file produced (diagnostics,
//! suppressions, line count), keyed by a SHA-256 of the file's content, its path, the loopguard
//! version, the effective settings and the rules enabled for it.
//!
//! A file whose size and modification time match its entry, and that was last modified before
//! the run that wrote the entry started, is not even read (git's "racily clean" rule: a file
//! changed within the same clock tick as the entry was written is always hashed again). A corrupt,
//! truncated or foreign cache file is ignored and rewritten; `--no-cache` bypasses it; `--fix`
//! never uses it.

use std::hash::BuildHasher;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use hashbrown::HashTable;
use ruff_text_size::{TextRange, TextSize};
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};
use sha2::{Digest, Sha256};

use crate::config::Settings;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Note, NoteFile};
use crate::lint::Linted;
use crate::project::summary::{
    BlockingCall, ClassSummary, FileSummary, FunctionSummary, Imports, ProjectCall, Target,
};
use crate::project::{FileOutcome, Outcome};
use crate::registry::{Language, Rule, RuleSet};
use crate::source::Location;
use crate::suppress::{Suppression, SuppressionKind};

pub const DIRECTORY: &str = ".loopguard_cache";
const FILE_NAME: &str = "results.bin";
const MAGIC: &[u8] = b"loopguard-cache-7\n";

pub type Digest256 = [u8; 32];

/// The size and modification time of a file, as the cache last saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub size: u64,
    pub modified_ns: u128,
}

impl Stamp {
    pub fn of(path: &Path) -> Option<Stamp> {
        let metadata = std::fs::metadata(path).ok()?;
        let modified_ns = metadata
            .modified()
            .ok()?
            .duration_since(UNIX_EPOCH)
            .ok()?
            .as_nanos();
        Some(Stamp {
            size: metadata.len(),
            modified_ns,
        })
    }
}

/// What linting one file produced.
#[derive(Debug, Clone)]
pub struct Entry {
    pub stamp: Stamp,
    /// Version, settings, rules and language: what else the result depends on (the path is
    /// what the entry is kept under).
    pub context: Digest256,
    /// `context` and the file's bytes.
    pub key: Digest256,
    pub lines: usize,
    pub linted: Linted,
    /// The file's project summary (it depends on the content alone), so that a warm run still
    /// has the whole project index.
    pub summary: CachedSummary,
}

/// A cached file's project summary, decoded only when the project phase needs it: a warm run
/// whose project outcome is cached never does.
#[derive(Debug, Clone)]
pub enum CachedSummary {
    None,
    Decoded(Arc<FileSummary>),
    /// Where its encoding lies in the loaded cache file.
    Encoded(Range<usize>),
}

impl From<Option<Arc<FileSummary>>> for CachedSummary {
    fn from(summary: Option<Arc<FileSummary>>) -> Self {
        summary.map_or(CachedSummary::None, CachedSummary::Decoded)
    }
}

/// The loaded cache file's contents.
#[derive(Default)]
struct Loaded {
    bytes: FileBytes,
    written_from_ns: u128,
    /// Where each file's entry lies in `bytes`, found by the hash of the path's bytes. An
    /// entry is decoded when its file is looked up, on the thread that lints it: decoding them
    /// all up front, and freeing them at the end, was a tenth of a warm run.
    records: HashTable<Record>,
    project: Option<(Digest256, Outcome)>,
}

/// Where a file's path and its encoded entry lie in the loaded bytes.
#[derive(Debug, Clone)]
struct Record {
    path: Range<usize>,
    entry: Range<usize>,
}

fn path_hash(path: &[u8]) -> u64 {
    FxBuildHasher.hash_one(path)
}

impl Loaded {
    fn path(&self, record: &Record) -> &[u8] {
        &self.bytes[record.path.clone()]
    }

    fn entry(&self, path: &Path) -> Option<Entry> {
        let wanted = path.as_os_str().as_encoded_bytes();
        let record = self
            .records
            .find(path_hash(wanted), |record| self.path(record) == wanted)?;
        decode_entry(&self.bytes, record.entry.clone())
    }
}

pub struct Cache {
    file: PathBuf,
    /// The file as loaded; `written_from_ns` is when the run that wrote it started
    /// (nanoseconds since the epoch).
    loaded: Loaded,
    started_ns: u128,
    updated: Mutex<Vec<(PathBuf, Entry)>>,
    /// The project phase's outcome and the fingerprint of the tree it was computed for.
    updated_project: Mutex<Option<(Digest256, Outcome)>>,
    contexts: Mutex<Contexts>,
}

/// The context of the files with these settings (by address, the `Arc` keeping the address
/// from being reused), rules and language.
type Contexts = FxHashMap<(usize, RuleSet, Language), (Arc<Settings>, Digest256)>;

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos())
}

impl Cache {
    /// The cache under `root`; empty when there is none or it cannot be read.
    pub fn open(root: &Path) -> Cache {
        let file = root.join(DIRECTORY).join(FILE_NAME);
        let loaded = FileBytes::read(&file)
            .and_then(decode_file)
            .unwrap_or_default();
        Cache {
            file,
            loaded,
            started_ns: now_ns(),
            updated: Mutex::new(Vec::new()),
            updated_project: Mutex::new(None),
            contexts: Mutex::new(FxHashMap::default()),
        }
    }

    /// What the result of linting a file depends on besides its content and its path (which
    /// the entry is kept under): version, settings, rules and language, hashed once per run
    /// for each combination.
    pub fn context(
        &self,
        settings: &Arc<Settings>,
        rules: RuleSet,
        language: Language,
    ) -> Digest256 {
        let mut contexts = lock(&self.contexts);
        // Keyed by address; the `Arc` kept alongside keeps the address from being reused.
        let address = Arc::as_ptr(settings) as usize;
        contexts
            .entry((address, rules, language))
            .or_insert_with(|| {
                let settings_digest = Sha256::digest(format!("{settings:?}").as_bytes());
                let mut hasher = Sha256::new();
                hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
                hasher.update([0]);
                hasher.update(settings_digest);
                for rule in rules.iter() {
                    hasher.update(rule.code().as_bytes());
                }
                hasher.update([0, language as u8]);
                (Arc::clone(settings), hasher.finalize().into())
            })
            .1
    }

    pub fn key(context: &Digest256, content: &[u8]) -> Digest256 {
        let mut hasher = Sha256::new();
        hasher.update(context);
        hasher.update(content);
        hasher.finalize().into()
    }

    /// The entry kept for `path`, decoded (`None` if there is none or it does not decode).
    pub fn entry(&self, path: &Path) -> Option<Entry> {
        self.loaded.entry(path)
    }

    /// Whether `entry` stands for the file without reading it: its stamp and context match,
    /// and it was written after the file last changed.
    pub fn is_fresh(&self, entry: &Entry, stamp: Stamp, context: &Digest256) -> bool {
        entry.stamp == stamp
            && entry.context == *context
            && stamp.modified_ns < self.loaded.written_from_ns
    }

    pub fn store(&self, path: PathBuf, entry: Entry) {
        lock(&self.updated).push((path, entry));
    }

    /// A cached summary, decoded.
    pub fn summary(&self, summary: &CachedSummary) -> Option<Arc<FileSummary>> {
        match summary {
            CachedSummary::None => None,
            CachedSummary::Decoded(summary) => Some(Arc::clone(summary)),
            CachedSummary::Encoded(range) => {
                let mut input = Reader(self.loaded.bytes.get(range.clone())?);
                input.summary().map(Arc::new)
            }
        }
    }

    /// The project outcome computed for a tree with this fingerprint.
    pub fn project(&self, fingerprint: &Digest256) -> Option<&Outcome> {
        match &self.loaded.project {
            Some((cached, outcome)) if cached == fingerprint => Some(outcome),
            _ => None,
        }
    }

    pub fn store_project(&self, fingerprint: Digest256, outcome: Outcome) {
        *lock(&self.updated_project) = Some((fingerprint, outcome));
    }

    /// Writes the cache back (atomically), with a `.gitignore` that keeps it out of git.
    pub fn save(self) -> std::io::Result<()> {
        let Cache {
            file,
            started_ns,
            loaded,
            updated,
            updated_project,
            ..
        } = self;
        let updated = updated
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let updated_project = updated_project
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if updated.is_empty() && updated_project.is_none() {
            return Ok(());
        }
        // The entries of this run, and those loaded for files it did not lint again, as loaded.
        let mut entries: Vec<(&[u8], Written)> = updated
            .iter()
            .map(|(path, entry)| (path.as_os_str().as_encoded_bytes(), Written::Entry(entry)))
            .collect();
        let linted_again: FxHashSet<&[u8]> = entries.iter().map(|(path, _)| *path).collect();
        entries.extend(
            loaded
                .records
                .iter()
                .map(|record| (loaded.path(record), record))
                .filter(|(path, _)| !linted_again.contains(path))
                .map(|(path, record)| (path, Written::Loaded(&loaded.bytes[record.entry.clone()]))),
        );
        entries.sort_by(|a, b| a.0.cmp(b.0));
        let project = updated_project.as_ref().or(loaded.project.as_ref());
        let directory = file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(directory)?;
        let gitignore = directory.join(".gitignore");
        if !gitignore.exists() {
            std::fs::write(&gitignore, "# Automatically created by loopguard.\n*\n")?;
        }
        let bytes = encode_file(started_ns, &entries, &loaded.bytes, project);
        let mut temporary = tempfile::NamedTempFile::new_in(directory)?;
        std::io::Write::write_all(&mut temporary, &bytes)?;
        temporary.persist(&file).map_err(|error| error.error)?;
        Ok(())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

// The file format: MAGIC, the writing run's start time, the entry count, the index (each entry's
// file path and the length of its encoding), the encodings, then the project outcome; all
// integers little-endian u64 (u128 for times), strings as a length and UTF-8 bytes. Opening the
// file reads the index alone; an entry is decoded when its file is looked up, and its summary,
// encoded last, only when the project phase needs it.

/// An entry to write: one of this run's, or one loaded and written back as it was read.
enum Written<'a> {
    Entry(&'a Entry),
    Loaded(&'a [u8]),
}

/// The file for `entries`, sorted by path; `loaded` holds the summaries still encoded.
fn encode_file(
    started_ns: u128,
    entries: &[(&[u8], Written)],
    loaded: &[u8],
    project: Option<&(Digest256, Outcome)>,
) -> Vec<u8> {
    let mut out = Writer(Vec::with_capacity(64 * entries.len()));
    out.0.extend_from_slice(MAGIC);
    out.u128(started_ns);
    out.usize(entries.len());
    let mut bodies = Writer(Vec::with_capacity(64 * entries.len()));
    for (path, entry) in entries {
        let start = bodies.0.len();
        match entry {
            Written::Entry(entry) => bodies.entry(entry, loaded),
            Written::Loaded(bytes) => bodies.0.extend_from_slice(bytes),
        }
        out.bytes(path);
        out.usize(bodies.0.len() - start);
    }
    out.0.extend_from_slice(&bodies.0);
    out.option(project, |out, (fingerprint, outcome)| {
        out.0.extend_from_slice(fingerprint);
        out.usize(outcome.files.len());
        for file in &outcome.files {
            out.usize(file.findings.len());
            for finding in &file.findings {
                out.diagnostic(finding);
            }
            out.usize(file.bounded.len());
            for coroutine in &file.bounded {
                out.target(coroutine);
            }
        }
    });
    out.0
}

/// The cache file's bytes. Mapped rather than read where the file system allows: most of the
/// file is encoded summaries that a warm run never looks at, and copying them into fresh
/// memory was most of such a run.
enum FileBytes {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Default for FileBytes {
    fn default() -> Self {
        FileBytes::Owned(Vec::new())
    }
}

impl FileBytes {
    fn read(path: &Path) -> Option<FileBytes> {
        let file = std::fs::File::open(path).ok()?;
        // SAFETY: loopguard replaces the cache file by renaming a new one over it and never
        // writes into it, so the mapped bytes do not change while this run reads them.
        match unsafe { memmap2::Mmap::map(&file) } {
            Ok(mapped) => Some(FileBytes::Mapped(mapped)),
            Err(_) => std::fs::read(path).ok().map(FileBytes::Owned),
        }
    }
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(mapped) => mapped,
            FileBytes::Owned(bytes) => bytes,
        }
    }
}

fn decode_file(bytes: FileBytes) -> Option<Loaded> {
    let mut input = Reader(bytes.strip_prefix(MAGIC)?);
    let written_from_ns = input.u128()?;
    // Each entry takes at least its two lengths in the index.
    let count = input.usize().filter(|count| *count <= input.0.len() / 16)?;
    let offset = |part: &[u8]| part.as_ptr() as usize - bytes.as_ptr() as usize;
    let index = (0..count)
        .map(|_| {
            let path = input.bytes()?;
            Some((offset(path)..offset(path) + path.len(), input.usize()?))
        })
        .collect::<Option<Vec<_>>>()?;
    let bodies_length = index
        .iter()
        .try_fold(0usize, |total, (_, length)| total.checked_add(*length))?;
    let mut start = offset(input.take(bodies_length)?);
    let mut records = HashTable::with_capacity(count);
    for (path, length) in index {
        let hash = path_hash(&bytes[path.clone()]);
        let record = Record {
            path,
            entry: start..start + length,
        };
        start += length;
        records.insert_unique(hash, record, |record: &Record| {
            path_hash(&bytes[record.path.clone()])
        });
    }
    let project = input.option(|input| {
        let fingerprint = input.digest()?;
        let files = (0..input.count()?)
            .map(|_| {
                Some(FileOutcome {
                    findings: (0..input.count()?)
                        .map(|_| input.diagnostic())
                        .collect::<Option<_>>()?,
                    bounded: (0..input.count()?)
                        .map(|_| input.target())
                        .collect::<Option<_>>()?,
                })
            })
            .collect::<Option<_>>()?;
        Some((fingerprint, Outcome { files }))
    })?;
    if !input.0.is_empty() {
        return None;
    }
    Some(Loaded {
        bytes,
        written_from_ns,
        records,
        project,
    })
}

/// The entry encoded at `range` of the loaded `bytes`; `None` if it does not decode.
fn decode_entry(bytes: &[u8], range: Range<usize>) -> Option<Entry> {
    let mut input = Reader(bytes.get(range)?);
    let stamp = Stamp {
        size: input.u64()?,
        modified_ns: input.u128()?,
    };
    let context = input.digest()?;
    let key = input.digest()?;
    let lines = input.usize()?;
    let linted = input.linted()?;
    let summary = match input.option(Reader::bytes)? {
        None => CachedSummary::None,
        Some(encoded) => {
            let start = encoded.as_ptr() as usize - bytes.as_ptr() as usize;
            CachedSummary::Encoded(start..start + encoded.len())
        }
    };
    input.0.is_empty().then_some(Entry {
        stamp,
        context,
        key,
        lines,
        linted,
        summary,
    })
}

struct Writer(Vec<u8>);

impl Writer {
    fn u64(&mut self, value: u64) {
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    fn u128(&mut self, value: u128) {
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    fn usize(&mut self, value: usize) {
        self.u64(value as u64);
    }

    fn bool(&mut self, value: bool) {
        self.0.push(u8::from(value));
    }

    fn bytes(&mut self, value: &[u8]) {
        self.usize(value.len());
        self.0.extend_from_slice(value);
    }

    fn string(&mut self, value: &str) {
        self.bytes(value.as_bytes());
    }

    fn option<T>(&mut self, value: Option<T>, write: impl FnOnce(&mut Self, T)) {
        self.bool(value.is_some());
        if let Some(value) = value {
            write(self, value);
        }
    }

    fn range(&mut self, range: TextRange) {
        self.u64(u64::from(u32::from(range.start())));
        self.u64(u64::from(u32::from(range.end())));
    }

    fn rule(&mut self, rule: Rule) {
        self.string(rule.code());
    }

    fn u32(&mut self, value: u32) {
        self.u64(u64::from(value));
    }

    fn target(&mut self, target: &Target) {
        match target {
            Target::Path(name) => {
                self.0.push(0);
                self.string(name);
            }
            Target::Local(name) => {
                self.0.push(1);
                self.string(name);
            }
            Target::Inherited { class, method } => {
                self.0.push(2);
                self.string(class);
                self.string(method);
            }
        }
    }

    fn summary(&mut self, summary: &FileSummary) {
        self.usize(summary.functions.len());
        for function in &summary.functions {
            self.string(&function.name);
            self.bool(function.is_async);
            self.bool(function.acquires_limiter);
            self.usize(function.blocking.len());
            for call in &function.blocking {
                self.rule(call.rule);
                self.string(&call.name);
                self.u32(u32::from(call.offset));
            }
            self.usize(function.calls.len());
            for call in &function.calls {
                self.target(&call.target);
                self.range(call.range);
                self.option(call.statement_start, |out, start| out.u32(u32::from(start)));
            }
        }
        self.usize(summary.classes.len());
        for class in &summary.classes {
            self.string(&class.name);
            self.usize(class.bases.len());
            for base in &class.bases {
                self.target(base);
            }
        }
        self.string(summary.imports.as_str());
    }

    fn entry(&mut self, entry: &Entry, loaded: &[u8]) {
        self.u64(entry.stamp.size);
        self.u128(entry.stamp.modified_ns);
        self.0.extend_from_slice(&entry.context);
        self.0.extend_from_slice(&entry.key);
        self.usize(entry.lines);
        self.linted(&entry.linted);
        match &entry.summary {
            CachedSummary::None => self.bool(false),
            CachedSummary::Decoded(summary) => {
                self.bool(true);
                let mut encoded = Writer(Vec::new());
                encoded.summary(summary);
                self.bytes(&encoded.0);
            }
            CachedSummary::Encoded(range) => {
                self.bool(true);
                self.bytes(&loaded[range.clone()]);
            }
        }
    }

    fn linted(&mut self, linted: &Linted) {
        self.usize(linted.diagnostics.len());
        for diagnostic in &linted.diagnostics {
            self.diagnostic(diagnostic);
        }
        self.usize(linted.suppressions.len());
        for suppression in &linted.suppressions {
            self.suppression(suppression);
        }
    }

    fn diagnostic(&mut self, diagnostic: &Diagnostic) {
        self.rule(diagnostic.rule);
        self.string(&diagnostic.message);
        self.range(diagnostic.range);
        self.option(diagnostic.help.as_deref(), Self::string);
        self.usize(diagnostic.notes.len());
        for note in &diagnostic.notes {
            self.string(&note.message);
            self.option(note.range, Self::range);
            self.option(note.file.as_ref(), |out, file| {
                out.bytes(file.path.as_os_str().as_encoded_bytes());
                out.usize(file.location.row);
                out.usize(file.location.column);
            });
        }
        self.option(diagnostic.fix.as_ref(), |out, fix| {
            out.0.push(match fix.applicability {
                Applicability::DisplayOnly => 0,
                Applicability::Unsafe => 1,
                Applicability::Safe => 2,
            });
            out.string(&fix.message);
            out.usize(fix.edits.len());
            for edit in &fix.edits {
                out.range(edit.range);
                out.string(&edit.content);
            }
        });
        self.option(diagnostic.statement_start, |out, start| {
            out.u64(u64::from(u32::from(start)));
        });
        self.option(diagnostic.function.as_deref(), Self::string);
        self.option(diagnostic.unless_bounded.as_ref(), Self::target);
    }

    fn suppression(&mut self, suppression: &Suppression) {
        self.0.push(match suppression.kind {
            SuppressionKind::Noqa => 0,
            SuppressionKind::Allow => 1,
            SuppressionKind::AllowFile => 2,
        });
        self.option(suppression.rules.as_ref(), |out, rules| {
            out.usize(rules.len());
            for rule in rules {
                out.rule(*rule);
            }
        });
        self.usize(suppression.unknown.len());
        for name in &suppression.unknown {
            self.string(name);
        }
        self.option(suppression.reason.as_deref(), Self::string);
        self.usize(suppression.line);
        self.option(suppression.target_line, Self::usize);
        self.range(suppression.range);
        let (used, used_bare) = suppression.usage();
        self.usize(used.len());
        for flag in used {
            self.bool(*flag);
        }
        self.bool(used_bare);
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Option<&'a [u8]> {
        if self.0.len() < count {
            return None;
        }
        let (taken, rest) = self.0.split_at(count);
        self.0 = rest;
        Some(taken)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn u128(&mut self) -> Option<u128> {
        Some(u128::from_le_bytes(self.take(16)?.try_into().ok()?))
    }

    fn usize(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }

    fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.u64()?).ok()
    }

    fn bool(&mut self) -> Option<bool> {
        match self.take(1)?[0] {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn string(&mut self) -> Option<String> {
        let length = self.usize()?;
        String::from_utf8(self.take(length)?.to_vec()).ok()
    }

    fn digest(&mut self) -> Option<Digest256> {
        self.take(32)?.try_into().ok()
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let length = self.usize()?;
        self.take(length)
    }

    fn option<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.bool()? {
            read(self).map(Some)
        } else {
            Some(None)
        }
    }

    /// A count of items that each take at least one byte: never more than what is left.
    fn count(&mut self) -> Option<usize> {
        self.usize().filter(|count| *count <= self.0.len())
    }

    fn range(&mut self) -> Option<TextRange> {
        let start = TextSize::from(self.u32()?);
        let end = TextSize::from(self.u32()?);
        (start <= end).then(|| TextRange::new(start, end))
    }

    fn rule(&mut self) -> Option<Rule> {
        Rule::from_code_or_name(&self.string()?)
    }

    fn target(&mut self) -> Option<Target> {
        Some(match self.byte()? {
            0 => Target::Path(self.string()?),
            1 => Target::Local(self.string()?),
            2 => Target::Inherited {
                class: self.string()?,
                method: self.string()?,
            },
            _ => return None,
        })
    }

    fn summary(&mut self) -> Option<FileSummary> {
        let functions = (0..self.count()?)
            .map(|_| {
                let name = self.string()?;
                let is_async = self.bool()?;
                let acquires_limiter = self.bool()?;
                let blocking = (0..self.count()?)
                    .map(|_| {
                        Some(BlockingCall {
                            rule: self.rule()?,
                            name: self.string()?,
                            offset: TextSize::from(self.u32()?),
                        })
                    })
                    .collect::<Option<Vec<_>>>()?;
                let calls = (0..self.count()?)
                    .map(|_| {
                        Some(ProjectCall {
                            target: self.target()?,
                            range: self.range()?,
                            statement_start: self
                                .option(|input| input.u32().map(TextSize::from))?,
                        })
                    })
                    .collect::<Option<Vec<_>>>()?;
                Some(FunctionSummary {
                    name,
                    is_async,
                    blocking,
                    calls,
                    acquires_limiter,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let classes = (0..self.count()?)
            .map(|_| {
                let name = self.string()?;
                let bases = (0..self.count()?)
                    .map(|_| self.target())
                    .collect::<Option<Vec<_>>>()?;
                Some(ClassSummary { name, bases })
            })
            .collect::<Option<Vec<_>>>()?;
        let imports = Imports::from_encoded(self.string()?);
        Some(FileSummary {
            functions,
            classes,
            imports,
        })
    }

    fn linted(&mut self) -> Option<Linted> {
        let diagnostics = (0..self.count()?)
            .map(|_| self.diagnostic())
            .collect::<Option<Vec<_>>>()?;
        let suppressions = (0..self.count()?)
            .map(|_| self.suppression())
            .collect::<Option<Vec<_>>>()?;
        Some(Linted {
            diagnostics,
            suppressions,
        })
    }

    fn diagnostic(&mut self) -> Option<Diagnostic> {
        let rule = self.rule()?;
        let message = self.string()?;
        let range = self.range()?;
        let help = self.option(Self::string)?;
        let notes = (0..self.count()?)
            .map(|_| {
                Some(Note {
                    message: self.string()?,
                    range: self.option(Self::range)?,
                    file: self.option(|input| {
                        Some(NoteFile {
                            path: PathBuf::from(input.string()?),
                            location: Location {
                                row: input.usize()?,
                                column: input.usize()?,
                            },
                        })
                    })?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let fix = self.option(|input| {
            let applicability = match input.byte()? {
                0 => Applicability::DisplayOnly,
                1 => Applicability::Unsafe,
                2 => Applicability::Safe,
                _ => return None,
            };
            let message = input.string()?;
            let edits = (0..input.count()?)
                .map(|_| {
                    Some(Edit {
                        range: input.range()?,
                        content: input.string()?,
                    })
                })
                .collect::<Option<Vec<_>>>()?;
            Some(Fix {
                applicability,
                message,
                edits,
            })
        })?;
        let statement_start = self.option(|input| input.u32().map(TextSize::from))?;
        let function = self.option(Self::string)?;
        let unless_bounded = self.option(Self::target)?;
        Some(Diagnostic {
            rule,
            message,
            range,
            help,
            notes,
            fix,
            statement_start,
            function,
            unless_bounded,
        })
    }

    fn suppression(&mut self) -> Option<Suppression> {
        let kind = match self.byte()? {
            0 => SuppressionKind::Noqa,
            1 => SuppressionKind::Allow,
            2 => SuppressionKind::AllowFile,
            _ => return None,
        };
        let rules = self.option(|input| {
            (0..input.count()?)
                .map(|_| input.rule())
                .collect::<Option<Vec<_>>>()
        })?;
        let unknown = (0..self.count()?)
            .map(|_| self.string())
            .collect::<Option<Vec<_>>>()?;
        let reason = self.option(Self::string)?;
        let line = self.usize()?;
        let target_line = self.option(Self::usize)?;
        let range = self.range()?;
        let used = (0..self.count()?)
            .map(|_| self.bool())
            .collect::<Option<Vec<_>>>()?;
        let used_bare = self.bool()?;
        let mut suppression =
            Suppression::restored(kind, rules, unknown, reason, line, target_line, range);
        suppression.set_usage(used, used_bare);
        Some(suppression)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Linted {
        let mut diagnostic = Diagnostic::new(
            Rule::BlockingSleep,
            "message",
            TextRange::new(TextSize::from(3), TextSize::from(9)),
        )
        .with_help("help")
        .with_note(
            "note",
            Some(TextRange::new(TextSize::from(1), TextSize::from(2))),
        )
        .with_note("elsewhere", None)
        .with_fix(Some(Fix::safe(
            "fix",
            vec![Edit::replacement(
                TextRange::new(TextSize::from(3), TextSize::from(9)),
                "await asyncio.sleep(1)",
            )],
        )))
        .unless_bounded(Some(Target::Path(".net.fetch".to_string())));
        diagnostic.statement_start = Some(TextSize::from(2));
        diagnostic.function = Some("handler".to_string());
        let mut suppression = Suppression::restored(
            SuppressionKind::Allow,
            Some(vec![Rule::BlockingHttp, Rule::BlockingSleep]),
            vec!["LG999".to_string()],
            Some("reason".to_string()),
            4,
            Some(5),
            TextRange::new(TextSize::from(20), TextSize::from(40)),
        );
        suppression.set_usage(vec![false, true], false);
        Linted {
            diagnostics: vec![diagnostic],
            suppressions: vec![suppression],
        }
    }

    fn entry(linted: Linted) -> Entry {
        Entry {
            stamp: Stamp {
                size: 10,
                modified_ns: 12345,
            },
            context: [1; 32],
            key: [2; 32],
            lines: 7,
            linted,
            summary: Some(Arc::new(sample_summary())).into(),
        }
    }

    fn sample_summary() -> FileSummary {
        FileSummary {
            functions: vec![FunctionSummary {
                name: "Client.load".to_string(),
                is_async: false,
                blocking: vec![BlockingCall {
                    rule: Rule::BlockingFileIo,
                    name: "builtins.open".to_string(),
                    offset: TextSize::from(3),
                }],
                calls: vec![ProjectCall {
                    target: Target::Inherited {
                        class: "Client".to_string(),
                        method: "read".to_string(),
                    },
                    range: TextRange::new(TextSize::from(5), TextSize::from(9)),
                    statement_start: Some(TextSize::from(4)),
                }],
                acquires_limiter: true,
            }],
            classes: vec![ClassSummary {
                name: "Client".to_string(),
                bases: vec![
                    Target::Path(".base.Base".to_string()),
                    Target::Local("Mixin".to_string()),
                ],
            }],
            imports: {
                let mut imports = Imports::default();
                imports.add_statement(".config", [("load", "load"), ("dump", "save")]);
                imports
            },
        }
    }

    fn cache_of(loaded: Loaded) -> Cache {
        Cache {
            file: PathBuf::new(),
            loaded,
            started_ns: 0,
            updated: Mutex::new(Vec::new()),
            updated_project: Mutex::new(None),
            contexts: Mutex::new(FxHashMap::default()),
        }
    }

    #[test]
    fn entries_round_trip() {
        let (first, second) = (entry(sample()), entry(Linted::default()));
        let entries = [
            (&b"a/b.py"[..], Written::Entry(&first)),
            (&b"c.rs"[..], Written::Entry(&second)),
        ];
        let project = ([3; 32], sample_outcome());
        let bytes = encode_file(99, &entries, &[], Some(&project));
        let loaded = decode_file(FileBytes::Owned(bytes.clone())).unwrap();
        assert_eq!(loaded.written_from_ns, 99);
        assert_eq!(loaded.records.len(), 2);
        assert_eq!(loaded.project.as_ref(), Some(&project));
        assert!(loaded.entry(Path::new("a/c.py")).is_none());
        let restored = loaded.entry(Path::new("a/b.py")).unwrap();
        assert_eq!(restored.lines, 7);
        assert!(matches!(restored.summary, CachedSummary::Encoded(_)));
        assert_eq!(restored.linted.diagnostics, sample().diagnostics);
        assert_eq!(
            format!("{:?}", restored.linted.suppressions),
            format!("{:?}", sample().suppressions)
        );
        let other = loaded.entry(Path::new("c.rs")).unwrap();
        assert_eq!(other.linted.diagnostics, Vec::new());
        let cache = cache_of(loaded);
        assert_eq!(
            cache.summary(&restored.summary).as_deref(),
            Some(&sample_summary())
        );
        // Entries loaded and not linted again are written back as they were read.
        let loaded = &cache.loaded;
        let mut again: Vec<(&[u8], Written)> = loaded
            .records
            .iter()
            .map(|record| {
                (
                    loaded.path(record),
                    Written::Loaded(&loaded.bytes[record.entry.clone()]),
                )
            })
            .collect();
        again.sort_by(|a, b| a.0.cmp(b.0));
        assert_eq!(
            encode_file(99, &again, &loaded.bytes, loaded.project.as_ref()),
            bytes
        );
        // So are the summaries still encoded in a loaded entry written anew.
        let rewritten = [
            (&b"a/b.py"[..], Written::Entry(&restored)),
            (&b"c.rs"[..], Written::Entry(&second)),
        ];
        assert_eq!(
            encode_file(99, &rewritten, &loaded.bytes, loaded.project.as_ref()),
            bytes
        );
    }

    /// A damaged entry is a miss, and the file is linted again; the others still answer.
    #[test]
    fn an_entry_that_does_not_decode_is_a_miss() {
        let (first, second) = (entry(sample()), entry(Linted::default()));
        let entries = [
            (&b"a.py"[..], Written::Entry(&first)),
            (&b"b.py"[..], Written::Entry(&second)),
        ];
        let mut bytes = encode_file(1, &entries, &[], None);
        let loaded = decode_file(FileBytes::Owned(bytes.clone())).unwrap();
        let record = loaded
            .records
            .iter()
            .find(|record| loaded.path(record) == b"a.py")
            .unwrap()
            .clone();
        // The first diagnostic's rule code, after stamp, context, key, lines and the count.
        let rule_code_length = record.entry.start + 8 + 16 + 32 + 32 + 8 + 8;
        bytes[rule_code_length] = 0xFF;
        let damaged = decode_file(FileBytes::Owned(bytes)).unwrap();
        assert!(damaged.entry(Path::new("a.py")).is_none());
        assert!(damaged.entry(Path::new("b.py")).is_some());
    }

    /// An LG208 finding whose chain goes through another file, and a bounded fan-out.
    fn sample_outcome() -> Outcome {
        let finding = Diagnostic::new(
            Rule::TransitiveBlockingCall,
            "blocks",
            TextRange::new(TextSize::from(1), TextSize::from(4)),
        )
        .with_note_at(
            "calls `load`",
            NoteFile {
                path: PathBuf::from("pkg/config.py"),
                location: Location { row: 3, column: 5 },
            },
        );
        Outcome {
            files: vec![
                FileOutcome::default(),
                FileOutcome {
                    findings: vec![finding],
                    bounded: vec![Target::Path(".limits.polite".to_string())],
                },
            ],
        }
    }

    #[test]
    fn corrupt_truncated_or_foreign_files_are_ignored() {
        let sampled = entry(sample());
        let entries = [(&b"a.py"[..], Written::Entry(&sampled))];
        let bytes = encode_file(1, &entries, &[], Some(&([3; 32], sample_outcome())));
        for cut in 0..bytes.len() {
            assert!(
                decode_file(FileBytes::Owned(bytes[..cut].to_vec())).is_none(),
                "truncated at {cut}"
            );
        }
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(decode_file(FileBytes::Owned(trailing)).is_none());
        assert!(decode_file(FileBytes::Owned(b"something else entirely".to_vec())).is_none());
        let mut flipped = bytes;
        let last = flipped.len() - 1;
        flipped[last] = 0xFF;
        assert!(decode_file(FileBytes::Owned(flipped)).is_none());
    }
}
