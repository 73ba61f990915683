//! The result cache in `.loopguard_cache/`: what linting a file produced (diagnostics,
//! suppressions, line count, project summary), kept under the file's path with the [`Context`]
//! it was linted in and a SHA-256 of that context and the file's content.
//!
//! A file whose size and modification time match its entry, and that was last modified before
//! the run that wrote the entry started, is not even read (git's "racily clean" rule: a file
//! changed within the same clock tick as the entry was written is always hashed again). A corrupt,
//! truncated, foreign or older cache file is ignored and rewritten; `--no-cache` bypasses it;
//! `--fix` never uses it. `docs/cache.md` describes the file and why it is encoded as it is.

use std::borrow::Cow;
use std::hash::BuildHasher;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use serde_bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::config::{FixSettings, GuardedCall, OptionValue, Settings};
use crate::lint::Linted;
use crate::project::summary::PackedSummary;
use crate::project::Outcome;
use crate::registry::{Language, Rule, RuleSet};

pub const DIRECTORY: &str = ".loopguard_cache";
const FILE_NAME: &str = "results.bin";
/// The format: bumped whenever the layout or a cached type changes (`the_encoding_is_pinned`
/// fails until it is). postcard's encoding names no fields, so a file of another format could
/// otherwise decode into other values; with another magic it is a miss for every file.
const MAGIC: &[u8] = b"loopguard-cache-15\n";

pub type Digest256 = [u8; 32];

/// The size and modification time of a file, as the cache last saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// What a file's result depends on besides its content and its path (the path is what the
/// entry is kept under). Settings that only choose the files (`exclude`, `extend-exclude`) or
/// what is done with the findings (`baseline`, the output format, `--exit-zero`), and where the
/// config file or the working directory is, are not here: they change no file's findings.
#[derive(Serialize)]
struct Context<'a> {
    /// Another loopguard may find other things in the same file.
    version: &'static str,
    /// Which front end lints the file.
    language: Language,
    /// The rules that run on the file: `select`, `ignore` and `per-file-ignores` as they come
    /// out for it.
    rules: RuleSet,
    /// Every rule option (`extend-blocking-calls`, `limiters`, `include-opaque-collections`,
    /// ...): they change what the rules match.
    options: &'a std::collections::BTreeMap<(Rule, &'static str), OptionValue>,
    /// `test-code`: whether findings in test code are kept.
    test_code: &'a std::collections::BTreeMap<Rule, crate::test_code::TestCodePolicy>,
    /// `single-task-scripts`: whether such scripts count as code that runs under no load.
    single_task_scripts: crate::test_code::TestCodePolicy,
    /// `[[guarded-calls]]`: what LG801 flags.
    guarded_calls: &'a [GuardedCall],
    /// The bound and the timeout that messages and fixes suggest.
    default_limit: u32,
    default_timeout: f64,
    /// `fixable`, `extend-safe-fixes`, `extend-unsafe-fixes`: the findings are cached with their
    /// fixes as these leave them.
    fixes: &'a FixSettings,
    /// `LOOPGUARD_NO_PREFILTER`: a file the pre-filter skips has no LG001 when it does not
    /// parse.
    prefilter: bool,
}

/// The [`Context`] of a file with these settings and rules, hashed.
fn context(settings: &Settings, rules: RuleSet, language: Language) -> Digest256 {
    let context = Context {
        version: env!("CARGO_PKG_VERSION"),
        language,
        rules,
        options: &settings.options,
        test_code: &settings.test_code,
        single_task_scripts: settings.single_task_scripts,
        guarded_calls: &settings.guarded_calls,
        default_limit: settings.default_limit,
        default_timeout: settings.default_timeout,
        fixes: &settings.fixes,
        prefilter: crate::prefilter::enabled(),
    };
    postcard::to_io(&context, Sha256::new())
        .expect("a context holds no path and no sequence of unknown length")
        .finalize()
        .into()
}

/// What linting one file produced.
#[derive(Debug, Clone)]
pub struct Entry {
    pub stamp: Stamp,
    /// The hashed [`Context`] of the file.
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
    /// This run's, to be written as it is.
    Packed(PackedSummary),
    /// Where its encoding lies in the loaded cache file.
    Encoded(Range<usize>),
}

impl From<Option<PackedSummary>> for CachedSummary {
    fn from(summary: Option<PackedSummary>) -> Self {
        summary.map_or(CachedSummary::None, CachedSummary::Packed)
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

    /// The hashed [`Context`] of a file, computed once per run for each combination of
    /// settings, rules and language.
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
            .or_insert_with(|| (Arc::clone(settings), context(settings, rules, language)))
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

    /// A cached summary, if it decodes.
    pub fn summary(&self, summary: &CachedSummary) -> Option<PackedSummary> {
        match summary {
            CachedSummary::None => None,
            CachedSummary::Packed(summary) => Some(summary.clone()),
            CachedSummary::Encoded(range) => {
                PackedSummary::from_encoded(self.loaded.bytes.get(range.clone())?)
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
        let bytes = encode_file(started_ns, &entries, &loaded.bytes, project)
            .map_err(std::io::Error::other)?;
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

/// The cache file after [`MAGIC`]. Opening it decodes this much: the index, and the project
/// outcome (small); each entry is decoded when its file is looked up, and its summary only when
/// the project phase needs it.
#[derive(Serialize, Deserialize)]
struct Layout<'a, P> {
    /// When the run that wrote the file started.
    written_from_ns: u128,
    /// Each entry's file path and the length of its encoding, in the order of `entries`.
    #[serde(borrow)]
    index: Vec<(&'a Bytes, usize)>,
    /// The encoded entries, one after another: kept as bytes so that opening the file does not
    /// decode them.
    #[serde(borrow)]
    entries: &'a Bytes,
    /// The project phase's outcome and the fingerprint of the tree it was computed for.
    project: Option<P>,
}

/// One file's entry as encoded; `L` is how its findings are held.
#[derive(Serialize, Deserialize)]
struct Stored<'a, L> {
    stamp: Stamp,
    context: Digest256,
    key: Digest256,
    lines: usize,
    linted: L,
    /// The summary's own encoding, so that decoding the entry leaves it encoded.
    #[serde(borrow)]
    summary: Option<&'a Bytes>,
}

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
) -> postcard::Result<Vec<u8>> {
    let mut encoded = Vec::with_capacity(64 * entries.len());
    let mut index = Vec::with_capacity(entries.len());
    for (path, entry) in entries {
        let start = encoded.len();
        let written = match entry {
            Written::Entry(entry) => encode_entry(entry, loaded, &mut encoded),
            Written::Loaded(bytes) => {
                encoded.extend_from_slice(bytes);
                Ok(())
            }
        };
        // An entry does not encode when a note names a path that is not UTF-8: left out, it is
        // a miss next time.
        match written {
            Ok(()) => index.push((Bytes::new(path), encoded.len() - start)),
            Err(_) => encoded.truncate(start),
        }
    }
    let mut layout = Layout {
        written_from_ns: started_ns,
        index,
        entries: Bytes::new(&encoded),
        project,
    };
    let mut out = MAGIC.to_vec();
    if postcard::to_io(&layout, &mut out).is_err() {
        // The project outcome's notes name such a path: the next run computes it again.
        out.truncate(MAGIC.len());
        layout.project = None;
        postcard::to_io(&layout, &mut out)?;
    }
    Ok(out)
}

fn encode_entry(entry: &Entry, loaded: &[u8], out: &mut Vec<u8>) -> postcard::Result<()> {
    let summary = match &entry.summary {
        CachedSummary::None => None,
        CachedSummary::Packed(summary) => Some(summary.encoded()),
        CachedSummary::Encoded(range) => Some(Cow::Borrowed(&loaded[range.clone()])),
    };
    let stored = Stored {
        stamp: entry.stamp,
        context: entry.context,
        key: entry.key,
        lines: entry.lines,
        linted: &entry.linted,
        summary: summary.as_deref().map(Bytes::new),
    };
    postcard::to_io(&stored, out).map(drop)
}

/// A `T` encoded in exactly `bytes`: bytes left over mean a damaged file.
pub(crate) fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Option<T> {
    match postcard::take_from_bytes(bytes) {
        Ok((value, [])) => Some(value),
        _ => None,
    }
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
    let layout: Layout<(Digest256, Outcome)> = decode(bytes.strip_prefix(MAGIC)?)?;
    let offset = |part: &[u8]| part.as_ptr() as usize - bytes.as_ptr() as usize;
    let mut start = offset(layout.entries);
    let end = start + layout.entries.len();
    let mut records = HashTable::with_capacity(layout.index.len());
    for (path, length) in layout.index {
        let entry = start
            ..start
                .checked_add(length)
                .filter(|entry_end| *entry_end <= end)?;
        start = entry.end;
        let record = Record {
            path: offset(path)..offset(path) + path.len(),
            entry,
        };
        records.insert_unique(path_hash(path), record, |record: &Record| {
            path_hash(&bytes[record.path.clone()])
        });
    }
    let (written_from_ns, project) = (layout.written_from_ns, layout.project);
    (start == end).then_some(Loaded {
        bytes,
        written_from_ns,
        records,
        project,
    })
}

/// The entry encoded at `range` of the loaded `bytes`; `None` if it does not decode.
fn decode_entry(bytes: &[u8], range: Range<usize>) -> Option<Entry> {
    let stored: Stored<Linted> = decode(bytes.get(range)?)?;
    let summary = match stored.summary {
        None => CachedSummary::None,
        Some(encoded) => {
            let start = encoded.as_ptr() as usize - bytes.as_ptr() as usize;
            CachedSummary::Encoded(start..start + encoded.len())
        }
    };
    Some(Entry {
        stamp: stored.stamp,
        context: stored.context,
        key: stored.key,
        lines: stored.lines,
        linted: stored.linted,
        summary,
    })
}

#[cfg(test)]
mod tests {
    use ruff_text_size::{TextRange, TextSize};

    use super::*;
    use crate::config::{CliOverrides, ConfigFile};
    use crate::diagnostic::{Diagnostic, Edit, Fix, NoteFile, RootCause};
    use crate::project::summary::{
        Argument, BlockingCall, Callback, ClassSummary, FileSummary, FunctionSummary, Guard,
        Imports, ProjectCall, Target,
    };
    use crate::project::FileOutcome;
    use crate::source::{Location, SourceText};
    use crate::suppress::Suppression;

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
        Linted {
            diagnostics: vec![diagnostic],
            suppressions: sample_suppressions(),
            test_code: crate::test_code::TestCode {
                whole_file: false,
                ranges: vec![TextRange::new(TextSize::from(20), TextSize::from(40))],
                single_task_script: false,
            },
        }
    }

    /// A suppression with a reason, an unknown name, and one of its two rules used.
    fn sample_suppressions() -> Vec<Suppression> {
        let text = "import time\ntime.sleep(1)  # loopguard: allow(LG201, blocking-http, LG999) -- reason\n";
        let source = SourceText::new(text.to_string(), None);
        let comment = TextRange::new(
            TextSize::try_from(text.find('#').unwrap()).unwrap(),
            TextSize::try_from(text.len() - 1).unwrap(),
        );
        let mut suppressions = crate::suppress::collect(&source, &[comment], Language::Python);
        let mut sleep = vec![Diagnostic::new(
            Rule::BlockingSleep,
            "sleeps",
            TextRange::new(TextSize::from(12), TextSize::from(25)),
        )];
        crate::suppress::apply(&mut sleep, &mut suppressions, &source);
        assert!(sleep.is_empty() && suppressions[0].is_used());
        suppressions
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
            summary: Some(PackedSummary::pack(&sample_summary())).into(),
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
                    guard: Some(Box::new(Guard {
                        parameter: "src".to_string(),
                        position: Some(0),
                    })),
                }],
                calls: vec![ProjectCall {
                    target: Target::inherited("Client".to_string(), "read".to_string()),
                    range: TextRange::new(TextSize::from(5), TextSize::from(9)),
                    statement_start: Some(TextSize::from(4)),
                    reads_property: true,
                    guard: None,
                    streams: Box::new([
                        Argument::Position(1),
                        Argument::Keyword("src".to_string()),
                    ]),
                }],
                acquires_limiter: true,
                is_property: true,
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
            def_offsets: vec![TextSize::from(1)],
            callbacks: vec![Callback {
                function: 0,
                api: "call_soon".to_string(),
                call: ProjectCall {
                    target: Target::Path("pkg.cache.reload".to_string()),
                    range: TextRange::new(TextSize::from(10), TextSize::from(30)),
                    statement_start: None,
                    reads_property: false,
                    guard: None,
                    streams: Box::default(),
                },
            }],
        }
    }

    /// An LG208 finding whose chain goes through another file, and a bounded fan-out.
    fn sample_outcome() -> Outcome {
        let mut finding = Diagnostic::new(
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
        finding.root_cause = Some(RootCause {
            call: "open".to_string(),
            rule: Rule::BlockingFileIo,
            file: NoteFile {
                path: PathBuf::from("pkg/config.py"),
                location: Location { row: 4, column: 9 },
            },
        });
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

    /// A file of two entries, the first with findings and a summary, and a project outcome.
    fn sample_file() -> Vec<u8> {
        let (first, second) = (entry(sample()), entry(Linted::default()));
        let entries = [
            (&b"a/b.py"[..], Written::Entry(&first)),
            (&b"c.rs"[..], Written::Entry(&second)),
        ];
        encode_file(99, &entries, &[], Some(&([3; 32], sample_outcome()))).unwrap()
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
        let bytes = sample_file();
        let loaded = decode_file(FileBytes::Owned(bytes.clone())).unwrap();
        assert_eq!(loaded.written_from_ns, 99);
        assert_eq!(loaded.records.len(), 2);
        assert_eq!(loaded.project, Some(([3; 32], sample_outcome())));
        assert!(loaded.entry(Path::new("a/c.py")).is_none());
        let restored = loaded.entry(Path::new("a/b.py")).unwrap();
        assert_eq!(restored.stamp, entry(sample()).stamp);
        assert_eq!((restored.context, restored.key), ([1; 32], [2; 32]));
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
            cache
                .summary(&restored.summary)
                .map(|summary| summary.unpack()),
            Some(sample_summary())
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
        let project = loaded.project.as_ref();
        assert_eq!(
            encode_file(99, &again, &loaded.bytes, project).unwrap(),
            bytes
        );
        // So are the summaries still encoded in a loaded entry written anew.
        let second = entry(Linted::default());
        let rewritten = [
            (&b"a/b.py"[..], Written::Entry(&restored)),
            (&b"c.rs"[..], Written::Entry(&second)),
        ];
        assert_eq!(
            encode_file(99, &rewritten, &loaded.bytes, project).unwrap(),
            bytes
        );
    }

    /// A damaged entry is a miss, and the file is linted again; the others still answer. Here
    /// its finding names a rule this build does not know.
    #[test]
    fn an_entry_that_does_not_decode_is_a_miss() {
        let mut bytes = sample_file();
        let loaded = decode_file(FileBytes::Owned(bytes.clone())).unwrap();
        let record = loaded
            .records
            .iter()
            .find(|record| loaded.path(record) == b"a/b.py")
            .unwrap()
            .clone();
        let code = record.entry.start
            + bytes[record.entry.clone()]
                .windows(5)
                .position(|window| window == b"LG201")
                .unwrap();
        bytes[code..code + 5].copy_from_slice(b"LG999");
        let damaged = decode_file(FileBytes::Owned(bytes)).unwrap();
        assert!(damaged.entry(Path::new("a/b.py")).is_none());
        assert!(damaged.entry(Path::new("c.rs")).is_some());
    }

    #[test]
    fn corrupt_truncated_or_foreign_files_are_ignored() {
        let bytes = sample_file();
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

    /// A file an older loopguard wrote, whatever follows its magic, is ignored as a whole.
    #[test]
    fn a_file_of_another_format_is_ignored() {
        let current = sample_file();
        let mut older = b"loopguard-cache-7\n".to_vec();
        older.extend_from_slice(&current[MAGIC.len()..]);
        assert!(decode_file(FileBytes::Owned(older)).is_none());
        assert!(decode_file(FileBytes::Owned(current)).is_some());
    }

    /// Through the file system: a damaged cache file opens as an empty cache, and saving
    /// replaces it.
    #[test]
    fn a_damaged_cache_file_opens_empty_and_is_replaced() {
        let root = tempfile::tempdir().unwrap();
        let cache = Cache::open(root.path());
        cache.store(PathBuf::from("a.py"), entry(sample()));
        cache.save().unwrap();
        let file = root.path().join(DIRECTORY).join(FILE_NAME);
        let written = std::fs::read(&file).unwrap();
        assert!(Cache::open(root.path()).entry(Path::new("a.py")).is_some());
        std::fs::write(&file, &written[..written.len() / 2]).unwrap();
        let cache = Cache::open(root.path());
        assert!(cache.entry(Path::new("a.py")).is_none());
        cache.store(PathBuf::from("b.py"), entry(Linted::default()));
        cache.save().unwrap();
        let reopened = Cache::open(root.path());
        assert!(reopened.entry(Path::new("a.py")).is_none());
        assert!(reopened.entry(Path::new("b.py")).is_some());
    }

    /// Any change to a cached type or to the layout changes this digest: bump the format in
    /// [`MAGIC`] then, so that older files are ignored rather than misread, and update it.
    #[test]
    fn the_encoding_is_pinned() {
        let digest: String = Sha256::digest(sample_file())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert_eq!(
            digest, "cb7edfde4bc0237460c913e3512b80d59f0543bb9ef28368b43ffee81e51acf6",
            "the cache's encoding changed: bump the format in MAGIC, then update this digest"
        );
    }

    const FILE: &str = "/project/app/handlers.py";

    /// The hashed context of [`FILE`] under a config file at `config_path`, in `cwd`.
    fn context_at(config: &str, config_path: &str, cwd: &str) -> Digest256 {
        let config = ConfigFile::parse(Path::new(config_path), config)
            .unwrap()
            .unwrap();
        let settings = Settings::new(Some(&config), &CliOverrides::default(), Path::new(cwd));
        context(
            &settings,
            settings.rules_for(Path::new(FILE), Language::Python),
            Language::Python,
        )
    }

    fn context_of(config: &str) -> Digest256 {
        context_at(config, "/project/loopguard.toml", "/project")
    }

    #[test]
    fn each_setting_that_changes_findings_changes_the_context() {
        let configs = [
            "",
            "select = [\"LG2\"]\n",
            "ignore = [\"LG201\"]\n",
            "[per-file-ignores]\n\"app/*.py\" = [\"LG205\"]\n",
            "default-limit = 8\n",
            "default-timeout = 2.5\n",
            "[[guarded-calls]]\ncall = \"openai.chat.create\"\nguards = [\"breaker\"]\n",
            "[[guarded-calls]]\ncall = \"openai.chat.create\"\nguards = [\"limiter\"]\n",
            "unfixable = [\"LG201\"]\n",
            "extend-safe-fixes = [\"LG201\"]\n",
            "extend-unsafe-fixes = [\"LG201\"]\n",
            "[rules.blocking-sleep]\nextend-blocking-calls = [\"mylib.nap\"]\n",
            "[rules.blocking-sleep]\nextend-blocking-calls = [\"mylib.doze\"]\n",
            "[rules.unbounded-gather]\nlimiters = [\"mylib.Limiter\"]\n",
            "[rules.unbounded-gather]\ninclude-opaque-collections = true\n",
            "[rules.unbounded-gather]\ninclude-opaque-collections = false\n",
            "test-code = \"check\"\n",
            "test-code = \"skip\"\n",
            "[rules.blocking-sleep]\ntest-code = \"check\"\n",
        ];
        let mut seen = FxHashMap::default();
        for config in configs {
            if let Some(other) = seen.insert(context_of(config), config) {
                panic!("the same context for {other:?} and {config:?}");
            }
        }
        let settings = Settings::new(None, &CliOverrides::default(), Path::new("/project"));
        assert_ne!(
            context(
                &settings,
                settings.rules_in(Language::Python),
                Language::Python
            ),
            context(&settings, settings.rules_in(Language::Rust), Language::Rust)
        );
    }

    #[test]
    fn what_changes_no_findings_leaves_the_context_alone() {
        let options = "[rules.blocking-sleep]\nextend-blocking-calls = [\"mylib.nap\"]\n[rules.unbounded-gather]\ninclude-opaque-collections = true\n";
        let context = context_of(options);
        for config in [
            "exclude = [\"gen\"]\n",
            "extend-exclude = [\"gen\"]\n",
            "baseline = \"baseline.json\"\n",
            // Ignores for other files.
            "[per-file-ignores]\n\"tests/*.py\" = [\"LG201\"]\n",
        ] {
            assert_eq!(
                context_of(&format!("{config}{options}")),
                context,
                "{config}"
            );
        }
        // The same rules, selected otherwise.
        assert_eq!(
            context_of("select = [\"LG201\"]\n"),
            context_of("select = [\"blocking-sleep\"]\n")
        );
        // The same options in another order.
        let reordered = "[rules.unbounded-gather]\ninclude-opaque-collections = true\n[rules.blocking-sleep]\nextend-blocking-calls = [\"mylib.nap\"]\n";
        assert_eq!(context_of(reordered), context);
        // Another place for the config file and the working directory.
        assert_eq!(
            context_at(options, "/elsewhere/loopguard.toml", "/tmp"),
            context
        );
    }
}
