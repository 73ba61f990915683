//! Where what a run makes for a later stage of itself waits: the project phase's summaries,
//! and the texts of the files with findings until the findings are printed.

use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::registry::Language;
use crate::source::SourceText;

/// A run's store: in memory up to a budget, then in an unlinked temporary file, written as
/// each file is linted and read back when a later stage asks. Kept in memory, the summaries
/// were a sixth of a large project's peak (79 MB on the crates.io registry, whose summaries are
/// made from 82 k files) and, allocated among the parse trees of the files being linted, they
/// kept the pages of those freed trees from being reused or given back: the project phase then
/// grew the process by what its own tables took. The texts of the files with findings were
/// another 30 MB there (1,712 files with every rule on), held from their lint to the end of
/// the run. The operating system's page cache holds the file instead, which it may drop.
/// The budget spares a small project the writes and reads, which cost LG208 on the combined
/// Python corpus 4% of its CPU time for 15 MB of summaries.
///
/// When no temporary file can be made or written (a full or read-only temporary directory),
/// or on platforms without positioned reads and writes, everything is kept in memory.
pub struct RunStore {
    /// How many bytes are kept in memory before the file is used.
    budget: u64,
    in_memory: AtomicU64,
    file: OnceLock<Option<Arc<StoreFile>>>,
    end: AtomicU64,
}

/// The store's temporary file.
#[derive(Debug)]
pub(crate) struct StoreFile {
    file: std::fs::File,
    /// The text read back last, by its offset: findings are printed file by file, and each
    /// asks for its file's text.
    last_text: Mutex<Option<(u64, Arc<SourceText>)>>,
}

/// Bytes kept by a [`RunStore`].
#[derive(Debug, Clone)]
pub(crate) enum Kept {
    Memory(Arc<[u8]>),
    /// In the store's file.
    Stored(Stored),
}

/// Where bytes are in the store's file.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    file: Arc<StoreFile>,
    offset: u64,
    len: u32,
}

/// A file's text kept by a [`RunStore`] for its report.
#[derive(Debug)]
pub struct KeptText(KeptTextIn);

#[derive(Debug)]
enum KeptTextIn {
    Memory(Arc<SourceText>),
    /// In the store's file, as UTF-8.
    Stored {
        bytes: Stored,
        declared_encoding: Option<String>,
    },
}

impl Default for RunStore {
    fn default() -> Self {
        RunStore::with_budget(RunStore::MEMORY_BUDGET)
    }
}

impl RunStore {
    /// The default budget: more than the summaries of the combined Python corpus (11 k files).
    pub const MEMORY_BUDGET: u64 = 16 << 20;

    /// A store that keeps `budget` bytes in memory and the rest in a file.
    pub fn with_budget(budget: u64) -> Self {
        RunStore {
            budget,
            in_memory: AtomicU64::new(0),
            file: OnceLock::new(),
            end: AtomicU64::new(0),
        }
    }

    /// A store that keeps everything in memory: for the few files the project phase itself
    /// summarises, and for tests.
    pub fn memory() -> Self {
        RunStore::with_budget(u64::MAX)
    }

    /// Keeps bytes: in memory within the budget, else in the store's file (made at the first
    /// that does not fit), else in memory after all.
    pub(crate) fn keep(&self, bytes: Vec<u8>) -> Kept {
        match self.spill(&bytes) {
            Some(stored) => Kept::Stored(stored),
            None => Kept::Memory(bytes.into()),
        }
    }

    /// Keeps a text as [`RunStore::keep`] keeps bytes.
    pub fn keep_text(&self, source: SourceText) -> KeptText {
        match self.spill(source.text.as_bytes()) {
            Some(bytes) => KeptText(KeptTextIn::Stored {
                bytes,
                declared_encoding: source.declared_encoding,
            }),
            None => KeptText::from(Arc::new(source)),
        }
    }

    /// Writes `bytes` to the store's file once the budget is spent; `None` when they are counted
    /// in memory instead, or the file cannot take them.
    fn spill(&self, bytes: &[u8]) -> Option<Stored> {
        let within_budget = self
            .in_memory
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |kept| {
                kept.checked_add(bytes.len() as u64)
                    .filter(|kept| *kept <= self.budget)
            })
            .is_ok();
        if within_budget {
            return None;
        }
        self.write(bytes)
    }

    #[cfg(unix)]
    fn write(&self, bytes: &[u8]) -> Option<Stored> {
        use std::os::unix::fs::FileExt;
        let file = self.file.get_or_init(|| {
            tempfile::tempfile().ok().map(|file| {
                Arc::new(StoreFile {
                    file,
                    last_text: Mutex::new(None),
                })
            })
        });
        let file = file.as_ref()?;
        let len = u32::try_from(bytes.len()).ok()?;
        let offset = self.end.fetch_add(u64::from(len), Ordering::Relaxed);
        file.file.write_all_at(bytes, offset).ok()?;
        Some(Stored {
            file: Arc::clone(file),
            offset,
            len,
        })
    }

    #[cfg(not(unix))]
    fn write(&self, _bytes: &[u8]) -> Option<Stored> {
        None
    }
}

impl Kept {
    /// The bytes; empty when the store's file cannot be read back.
    pub(crate) fn bytes(&self) -> Cow<'_, [u8]> {
        self.read(0..self.len())
    }

    pub(crate) fn len(&self) -> u32 {
        match self {
            Kept::Memory(bytes) => bytes.len() as u32,
            Kept::Stored(stored) => stored.len,
        }
    }

    /// The bytes in `range` (empty when the range is not in them, or the store's file cannot be
    /// read back).
    pub(crate) fn read(&self, range: Range<u32>) -> Cow<'_, [u8]> {
        if range.start > range.end || range.end > self.len() {
            return Cow::Borrowed(&[]);
        }
        match self {
            Kept::Memory(bytes) => Cow::Borrowed(&bytes[range.start as usize..range.end as usize]),
            Kept::Stored(stored) => stored.read(range).map_or(Cow::Borrowed(&[]), Cow::Owned),
        }
    }
}

impl Stored {
    /// The bytes in `range`, which lies within these; `None` when the file cannot be read.
    #[cfg(unix)]
    fn read(&self, range: Range<u32>) -> Option<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let mut bytes = vec![0; range.len()];
        self.file
            .file
            .read_exact_at(&mut bytes, self.offset + u64::from(range.start))
            .ok()?;
        Some(bytes)
    }

    #[cfg(not(unix))]
    fn read(&self, _range: Range<u32>) -> Option<Vec<u8>> {
        None
    }
}

impl From<Arc<SourceText>> for KeptText {
    fn from(source: Arc<SourceText>) -> Self {
        KeptText(KeptTextIn::Memory(source))
    }
}

impl KeptText {
    /// The text; `None` when the store's file cannot be read back.
    pub fn get(&self) -> Option<Arc<SourceText>> {
        let (stored, declared_encoding) = match &self.0 {
            KeptTextIn::Memory(source) => return Some(Arc::clone(source)),
            KeptTextIn::Stored {
                bytes,
                declared_encoding,
            } => (bytes, declared_encoding),
        };
        let mut last = stored
            .file
            .last_text
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((offset, text)) = last.as_ref() {
            if *offset == stored.offset {
                return Some(Arc::clone(text));
            }
        }
        let text = String::from_utf8(stored.read(0..stored.len)?).ok()?;
        let source = Arc::new(SourceText::new(text, declared_encoding.clone()));
        *last = Some((stored.offset, Arc::clone(&source)));
        Some(source)
    }

    /// The text, or when the store cannot give it back, the file at `path` as it is now.
    pub fn get_or_read(&self, path: &Path, language: Language) -> Option<Arc<SourceText>> {
        self.get().or_else(|| {
            crate::source::read_source(path, language)
                .ok()
                .map(Arc::new)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_beyond_the_budget_read_back_as_they_were_kept() {
        let store = RunStore::with_budget(8);
        let small = store.keep_text(SourceText::new("x = 1\n".to_string(), None));
        let large = store.keep_text(SourceText::new(
            "# été\nimport time\n".to_string(),
            Some("latin-1".to_string()),
        ));
        let other = store.keep_text(SourceText::new("y = 2\n".to_string(), None));
        assert!(matches!(small.0, KeptTextIn::Memory(_)));
        #[cfg(unix)]
        assert!(matches!(large.0, KeptTextIn::Stored { .. }));
        let read = large.get().unwrap();
        assert_eq!(read.text, "# été\nimport time\n");
        assert_eq!(read.declared_encoding.as_deref(), Some("latin-1"));
        assert_eq!(read.location(ruff_text_size::TextSize::from(8)).row, 2);
        // Asked again, the same text; after another one, read back again, equal.
        assert!(Arc::ptr_eq(&read, &large.get().unwrap()));
        assert_eq!(other.get().unwrap().text, "y = 2\n");
        let again = large.get().unwrap();
        assert_eq!(again.text, read.text);
        assert_eq!(small.get().unwrap().text, "x = 1\n");
    }
}
