//! The result cache in `.loopguard_cache/`: what linting a file produced (diagnostics,
//! suppressions, line count), keyed by a SHA-256 of the file's content, its path, the loopguard
//! version, the effective settings and the rules enabled for it.
//!
//! A file whose size and modification time match its entry, and that was last modified before
//! the run that wrote the entry started, is not even read (git's "racily clean" rule: a file
//! changed within the same clock tick as the entry was written is always hashed again). A corrupt,
//! truncated or foreign cache file is ignored and rewritten; `--no-cache` bypasses it; `--fix`
//! never uses it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use ruff_text_size::{TextRange, TextSize};
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

use crate::config::Settings;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Note};
use crate::lint::Linted;
use crate::project::summary::{
    BlockingCall, ClassSummary, FileSummary, FunctionSummary, Position, ProjectCall, Target,
};
use crate::registry::{Language, Rule, RuleSet};
use crate::source::Location;
use crate::suppress::{Suppression, SuppressionKind};

pub const DIRECTORY: &str = ".loopguard_cache";
const FILE_NAME: &str = "results.bin";
const MAGIC: &[u8] = b"loopguard-cache-3\n";

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
    /// Version, settings, rules, language and path: what else the result depends on.
    pub context: Digest256,
    /// `context` and the file's bytes.
    pub key: Digest256,
    pub lines: usize,
    pub linted: Linted,
    /// The file's project summary (it depends on the content alone), so that a warm run still
    /// has the whole project index.
    pub summary: Option<Arc<FileSummary>>,
}

pub struct Cache {
    file: PathBuf,
    /// When the run that wrote the loaded entries started (nanoseconds since the epoch).
    written_from_ns: u128,
    started_ns: u128,
    entries: FxHashMap<PathBuf, Entry>,
    updated: Mutex<Vec<(PathBuf, Entry)>>,
    settings_digests: Mutex<FxHashMap<usize, (Arc<Settings>, Digest256)>>,
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos())
}

impl Cache {
    /// The cache under `root`; empty when there is none or it cannot be read.
    pub fn open(root: &Path) -> Cache {
        let file = root.join(DIRECTORY).join(FILE_NAME);
        let (written_from_ns, entries) = std::fs::read(&file)
            .ok()
            .and_then(|bytes| decode_file(&bytes))
            .unwrap_or_default();
        Cache {
            file,
            written_from_ns,
            started_ns: now_ns(),
            entries,
            updated: Mutex::new(Vec::new()),
            settings_digests: Mutex::new(FxHashMap::default()),
        }
    }

    /// What the result of linting a file depends on besides its content.
    pub fn context(
        &self,
        settings: &Arc<Settings>,
        rules: RuleSet,
        language: Language,
        path: &Path,
    ) -> Digest256 {
        let settings_digest = {
            let mut digests = lock(&self.settings_digests);
            // Keyed by address; the `Arc` kept alongside keeps the address from being reused.
            let address = Arc::as_ptr(settings) as usize;
            digests
                .entry(address)
                .or_insert_with(|| {
                    let digest: Digest256 =
                        Sha256::digest(format!("{settings:?}").as_bytes()).into();
                    (Arc::clone(settings), digest)
                })
                .1
        };
        let mut hasher = Sha256::new();
        hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
        hasher.update([0]);
        hasher.update(settings_digest);
        for rule in rules.iter() {
            hasher.update(rule.code().as_bytes());
        }
        hasher.update([0, language as u8]);
        hasher.update(path.as_os_str().as_encoded_bytes());
        hasher.finalize().into()
    }

    pub fn key(context: &Digest256, content: &[u8]) -> Digest256 {
        let mut hasher = Sha256::new();
        hasher.update(context);
        hasher.update(content);
        hasher.finalize().into()
    }

    /// The entry for `path` if its stamp and context match and it was written after the file
    /// last changed: the file need not be read.
    pub fn fresh(&self, path: &Path, stamp: Stamp, context: &Digest256) -> Option<&Entry> {
        self.entries.get(path).filter(|entry| {
            entry.stamp == stamp
                && entry.context == *context
                && stamp.modified_ns < self.written_from_ns
        })
    }

    /// The entry for `path` if it was made from exactly this content and context.
    pub fn matching(&self, path: &Path, key: &Digest256) -> Option<&Entry> {
        self.entries.get(path).filter(|entry| entry.key == *key)
    }

    pub fn store(&self, path: PathBuf, entry: Entry) {
        lock(&self.updated).push((path, entry));
    }

    /// Writes the cache back (atomically), with a `.gitignore` that keeps it out of git.
    pub fn save(self) -> std::io::Result<()> {
        let Cache {
            file,
            started_ns,
            mut entries,
            updated,
            ..
        } = self;
        let updated = updated
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if updated.is_empty() {
            return Ok(());
        }
        entries.extend(updated);
        let directory = file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(directory)?;
        let gitignore = directory.join(".gitignore");
        if !gitignore.exists() {
            std::fs::write(&gitignore, "# Automatically created by loopguard.\n*\n")?;
        }
        let bytes = encode_file(started_ns, &entries);
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

// The file format: MAGIC, the writing run's start time, the entry count, then the entries; all
// integers little-endian u64 (u128 for times), strings as a length and UTF-8 bytes.

fn encode_file(started_ns: u128, entries: &FxHashMap<PathBuf, Entry>) -> Vec<u8> {
    let mut out = Writer(Vec::with_capacity(64 * entries.len()));
    out.0.extend_from_slice(MAGIC);
    out.u128(started_ns);
    out.usize(entries.len());
    let mut sorted: Vec<_> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    for (path, entry) in sorted {
        out.bytes(path.as_os_str().as_encoded_bytes());
        out.u64(entry.stamp.size);
        out.u128(entry.stamp.modified_ns);
        out.0.extend_from_slice(&entry.context);
        out.0.extend_from_slice(&entry.key);
        out.usize(entry.lines);
        out.option(entry.summary.as_deref(), Writer::summary);
        out.linted(&entry.linted);
    }
    out.0
}

fn decode_file(bytes: &[u8]) -> Option<(u128, FxHashMap<PathBuf, Entry>)> {
    let mut input = Reader(bytes.strip_prefix(MAGIC)?);
    let written_from_ns = input.u128()?;
    let count = input.usize()?;
    let mut entries = FxHashMap::default();
    entries.reserve(count.min(1 << 20));
    for _ in 0..count {
        let path = PathBuf::from(input.string()?);
        let stamp = Stamp {
            size: input.u64()?,
            modified_ns: input.u128()?,
        };
        let entry = Entry {
            stamp,
            context: input.digest()?,
            key: input.digest()?,
            lines: input.usize()?,
            summary: input.option(Reader::summary)?.map(Arc::new),
            linted: input.linted()?,
        };
        entries.insert(path, entry);
    }
    input.0.is_empty().then_some((written_from_ns, entries))
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

    fn position(&mut self, position: &Position) {
        self.u32(u32::from(position.offset));
        self.usize(position.location.row);
        self.usize(position.location.column);
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
            self.position(&function.at);
            self.bool(function.acquires_limiter);
            self.usize(function.blocking.len());
            for call in &function.blocking {
                self.rule(call.rule);
                self.string(&call.name);
                self.position(&call.at);
            }
            self.usize(function.calls.len());
            for call in &function.calls {
                self.target(&call.target);
                self.range(call.range);
                self.option(call.statement_start, |out, start| out.u32(u32::from(start)));
                self.position(&call.at);
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
        self.usize(summary.imports.len());
        for (local, target) in &summary.imports {
            self.string(local);
            self.string(target);
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

impl Reader<'_> {
    fn take(&mut self, count: usize) -> Option<&[u8]> {
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

    fn position(&mut self) -> Option<Position> {
        Some(Position {
            offset: TextSize::from(self.u32()?),
            location: Location {
                row: self.usize()?,
                column: self.usize()?,
            },
        })
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
                let at = self.position()?;
                let acquires_limiter = self.bool()?;
                let blocking = (0..self.count()?)
                    .map(|_| {
                        Some(BlockingCall {
                            rule: self.rule()?,
                            name: self.string()?,
                            at: self.position()?,
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
                            at: self.position()?,
                        })
                    })
                    .collect::<Option<Vec<_>>>()?;
                Some(FunctionSummary {
                    name,
                    is_async,
                    at,
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
        let imports = (0..self.count()?)
            .map(|_| Some((self.string()?, self.string()?)))
            .collect::<Option<Vec<_>>>()?;
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
                    file: None,
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
            summary: Some(Arc::new(sample_summary())),
        }
    }

    fn sample_summary() -> FileSummary {
        let at = Position {
            offset: TextSize::from(3),
            location: Location { row: 2, column: 4 },
        };
        FileSummary {
            functions: vec![FunctionSummary {
                name: "Client.load".to_string(),
                is_async: false,
                at,
                blocking: vec![BlockingCall {
                    rule: Rule::BlockingFileIo,
                    name: "builtins.open".to_string(),
                    at,
                }],
                calls: vec![ProjectCall {
                    target: Target::Inherited {
                        class: "Client".to_string(),
                        method: "read".to_string(),
                    },
                    range: TextRange::new(TextSize::from(5), TextSize::from(9)),
                    statement_start: Some(TextSize::from(4)),
                    at,
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
            imports: vec![("load".to_string(), ".config.load".to_string())],
        }
    }

    #[test]
    fn entries_round_trip() {
        let mut entries = FxHashMap::default();
        entries.insert(PathBuf::from("a/b.py"), entry(sample()));
        entries.insert(PathBuf::from("c.rs"), entry(Linted::default()));
        let bytes = encode_file(99, &entries);
        let (written_from, decoded) = decode_file(&bytes).unwrap();
        assert_eq!(written_from, 99);
        assert_eq!(decoded.len(), 2);
        let restored = &decoded[Path::new("a/b.py")];
        assert_eq!(restored.lines, 7);
        assert_eq!(restored.summary.as_deref(), Some(&sample_summary()));
        assert_eq!(restored.linted.diagnostics, sample().diagnostics);
        assert_eq!(
            format!("{:?}", restored.linted.suppressions),
            format!("{:?}", sample().suppressions)
        );
    }

    #[test]
    fn corrupt_truncated_or_foreign_files_are_ignored() {
        let mut entries = FxHashMap::default();
        entries.insert(PathBuf::from("a.py"), entry(sample()));
        let bytes = encode_file(1, &entries);
        for cut in 0..bytes.len() {
            assert!(decode_file(&bytes[..cut]).is_none(), "truncated at {cut}");
        }
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(decode_file(&trailing).is_none());
        assert!(decode_file(b"something else entirely").is_none());
        let mut flipped = bytes;
        let last = flipped.len() - 1;
        flipped[last] = 7;
        assert!(decode_file(&flipped).is_none());
    }
}
