//! Finding the files to lint: walk the given paths honouring `.gitignore`/`.ignore` (the
//! `ignore` crate, as ruff does), the default excludes and each directory's config `exclude`.
//! A file named on the command line is always linted.

use std::borrow::Cow;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rustc_hash::FxHashMap;

use crate::config::{config_file_in, CliOverrides, ConfigError, ConfigFile, Settings};
use crate::registry::Language;
use crate::source::{decode, read_source, SourceText, Unlintable};

#[derive(Debug, Clone)]
pub struct DiscoveredFile {
    pub path: Arc<Path>,
    pub language: Language,
    pub settings: Arc<Settings>,
    /// The file's contents when they are not the ones on disk: an editor's unsaved buffer
    /// (`loopguard server`) or standard input (`check --stdin-filename`).
    pub unsaved: Option<Arc<Vec<u8>>>,
}

impl DiscoveredFile {
    /// The file's text: its unsaved contents when it has any, otherwise what the disk holds.
    pub fn read(&self) -> Result<SourceText, Unlintable> {
        match &self.unsaved {
            Some(bytes) => decode(bytes.to_vec(), self.language),
            None => read_source(&self.path, self.language),
        }
    }
}

pub fn language_of(path: &Path, explicit: bool) -> Option<Language> {
    match path.extension()?.to_str()? {
        "py" => Some(Language::Python),
        "rs" => Some(Language::Rust),
        // Stubs describe types, not behaviour; linted only when named explicitly.
        "pyi" if explicit => Some(Language::Python),
        _ => None,
    }
}

/// Where each directory's settings come from.
pub enum ConfigSource {
    /// `--isolated`: built-in defaults and command-line options only.
    Isolated,
    /// `--config FILE`: one file for everything.
    Explicit(Box<ConfigFile>),
    /// The closest config file above each linted file.
    Hierarchical,
}

/// Resolves and caches the settings for each directory.
pub struct SettingsResolver {
    source: ConfigSource,
    cli: CliOverrides,
    cwd: PathBuf,
    // Keyed by the path's bytes: hashing and comparing a `Path` walks its components, which
    // was a tenth of a warm run.
    by_directory: Mutex<FxHashMap<OsString, Arc<Settings>>>,
    /// [`Self::nearest`]'s memo, keyed by absolute directory.
    by_ancestor: Mutex<FxHashMap<OsString, Arc<Settings>>>,
    by_config: Mutex<FxHashMap<Option<PathBuf>, Arc<Settings>>>,
    /// The settings of an isolated or explicitly configured run, the same everywhere.
    only: OnceLock<Arc<Settings>>,
}

impl SettingsResolver {
    pub fn new(source: ConfigSource, cli: CliOverrides, cwd: PathBuf) -> Self {
        SettingsResolver {
            source,
            cli,
            cwd,
            by_directory: Mutex::new(FxHashMap::default()),
            by_ancestor: Mutex::new(FxHashMap::default()),
            by_config: Mutex::new(FxHashMap::default()),
            only: OnceLock::new(),
        }
    }

    pub fn for_directory(&self, directory: &Path) -> Result<Arc<Settings>, ConfigError> {
        // One config for every directory: nothing to look up per directory.
        match &self.source {
            ConfigSource::Isolated => return Ok(self.settings_for(None)),
            ConfigSource::Explicit(config) => return Ok(self.settings_for(Some(config))),
            ConfigSource::Hierarchical => {}
        }
        if let Some(settings) = lock(&self.by_directory).get(directory.as_os_str()) {
            return Ok(Arc::clone(settings));
        }
        let settings = self.nearest(&absolute(&self.cwd, directory))?;
        lock(&self.by_directory).insert(directory.as_os_str().to_owned(), Arc::clone(&settings));
        Ok(settings)
    }

    /// The settings of the closest config file in or above the absolute `directory`. Memoised
    /// per directory, so each directory is searched for config files once, not once per
    /// descendant.
    fn nearest(&self, directory: &Path) -> Result<Arc<Settings>, ConfigError> {
        if let Some(settings) = lock(&self.by_ancestor).get(directory.as_os_str()) {
            return Ok(Arc::clone(settings));
        }
        let settings = match config_file_in(directory)? {
            Some(config) => self.settings_for(Some(&config)),
            None => match directory.parent() {
                Some(parent) => self.nearest(parent)?,
                None => self.settings_for(None),
            },
        };
        lock(&self.by_ancestor).insert(directory.as_os_str().to_owned(), Arc::clone(&settings));
        Ok(settings)
    }

    /// One `Settings` per config file, shared by every directory it governs.
    fn settings_for(&self, config: Option<&ConfigFile>) -> Arc<Settings> {
        if !matches!(self.source, ConfigSource::Hierarchical) {
            // Asked for every file and directory: no lock, no key to build.
            return Arc::clone(
                self.only
                    .get_or_init(|| Arc::new(Settings::new(config, &self.cli, &self.cwd))),
            );
        }
        let key = config.map(|config| config.path.clone());
        let mut by_config = lock(&self.by_config);
        let settings = by_config
            .entry(key)
            .or_insert_with(|| Arc::new(Settings::new(config, &self.cli, &self.cwd)));
        Arc::clone(settings)
    }

    pub fn for_file(&self, file: &Path) -> Result<Arc<Settings>, ConfigError> {
        let directory = file
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty());
        self.for_directory(directory.unwrap_or(Path::new(".")))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave a half-written cache entry behind.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `path` (taken relative to `cwd` when it is not absolute) made absolute without `.`
/// components, then relative to `base`: `Ok(relative)` when it lies inside `base`, otherwise
/// `Err(absolute)`. Borrowed from `path` when it needs no change (asked for every file and
/// directory discovery meets: building paths component by component was a tenth of a warm run).
pub fn relative_to<'p>(
    path: &'p Path,
    cwd: &Path,
    base: &Path,
) -> Result<Cow<'p, Path>, Cow<'p, Path>> {
    let absolute: Cow<'p, Path> = if path.is_absolute() && !has_current_directory(path) {
        Cow::Borrowed(path)
    } else {
        Cow::Owned(
            absolute(cwd, path)
                .components()
                .filter(|component| !matches!(component, Component::CurDir))
                .collect(),
        )
    };
    let relative = match &absolute {
        Cow::Borrowed(path) => under(path, base).map(Cow::Borrowed),
        Cow::Owned(path) => path
            .strip_prefix(base)
            .ok()
            .map(|relative| Cow::Owned(relative.to_path_buf())),
    };
    relative.ok_or(absolute)
}

/// `path` relative to `base`, if it lies inside. The walker's paths are `base` and names
/// joined by the separator, so a comparison of text answers for most; the rest (and every path
/// outside, such as `/a/bc` for `/a/b`) are compared component by component.
fn under<'p>(path: &'p Path, base: &Path) -> Option<&'p Path> {
    let by_text = path.to_str().zip(base.to_str()).and_then(|(text, base)| {
        let separator = std::path::MAIN_SEPARATOR;
        if base.ends_with(separator) || text.contains("//") {
            return None;
        }
        match text.strip_prefix(base)? {
            "" => Some(Path::new("")),
            rest => rest.strip_prefix(separator).map(Path::new),
        }
    });
    by_text.or_else(|| path.strip_prefix(base).ok())
}

/// Whether `path` has a `.` component (`a/./b`, `a/.`, `./a`).
fn has_current_directory(path: &Path) -> bool {
    let bytes = path.as_os_str().as_encoded_bytes();
    bytes == b"."
        || bytes.starts_with(b"./")
        || bytes.ends_with(b"/.")
        || memchr::memmem::find(bytes, b"/./").is_some()
}

fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    }
}

/// What discovery found: files to lint, and paths it could not walk into.
#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<DiscoveredFile>,
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Bytes that sort as `Path`'s `Ord` sorts paths: component by component (the kind of each, then
/// its bytes), a path before the longer paths it begins. Comparing `Path`s parses their
/// components on every comparison, which made sorting a large tree most of a warm run.
fn path_order_key(path: &Path) -> Vec<u8> {
    let mut key = Vec::with_capacity(path.as_os_str().len() + 8);
    for component in path.components() {
        // In the order of `Component`'s variants, which is how `Ord` ranks different kinds.
        let kind: u8 = match component {
            Component::Prefix(_) => 1,
            Component::RootDir => 2,
            Component::CurDir => 3,
            Component::ParentDir => 4,
            Component::Normal(_) => 5,
        };
        key.push(kind);
        key.extend_from_slice(component.as_os_str().as_encoded_bytes());
        // Below every byte a component can hold: `a` sorts before `a-b` and `a.b`.
        key.push(0);
    }
    key
}

/// All files to lint under `paths`, sorted by path, read on `jobs` threads (one per core by
/// default); an error in any config stops discovery.
pub fn discover(
    paths: &[PathBuf],
    resolver: &Arc<SettingsResolver>,
    jobs: Option<usize>,
) -> Result<Discovery, ConfigError> {
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    let error: Arc<Mutex<Option<ConfigError>>> = Arc::new(Mutex::new(None));
    for path in paths {
        if !path.is_dir() {
            // Named explicitly: linted even if excluded or ignored. A missing or unreadable
            // path is passed on so that it is reported as LG003 rather than dropped.
            let language =
                language_of(path, true).or_else(|| (!path.exists()).then_some(Language::Python));
            if let Some(language) = language {
                files.push(DiscoveredFile {
                    path: path.as_path().into(),
                    language,
                    settings: resolver.for_file(path)?,
                    unsaved: None,
                });
            }
            continue;
        }
        let filter_resolver = Arc::clone(resolver);
        let filter_error = Arc::clone(&error);
        let root = path.clone();
        let found: Mutex<Vec<DiscoveredFile>> = Mutex::new(Vec::new());
        let failed: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());
        // Reading directories in parallel; the results are sorted below, so the order in
        // which the threads find files does not matter.
        ignore::WalkBuilder::new(path)
            .hidden(false)
            .require_git(false)
            .follow_links(false)
            .threads(jobs.unwrap_or(0))
            .filter_entry(move |entry| {
                if entry.depth() == 0 && entry.path() == root {
                    return true;
                }
                // Most of a tree is files of other kinds: dropped here, before the walker
                // queues them up for the visitor.
                if entry.file_type().is_some_and(|kind| kind.is_file())
                    && language_of(entry.path(), false).is_none()
                {
                    return false;
                }
                // Whether an entry is excluded is up to the config that governs its directory.
                let directory = entry.path().parent().unwrap_or(Path::new("."));
                match filter_resolver.for_directory(directory) {
                    Ok(settings) => !settings.is_excluded(entry.path()),
                    Err(config_error) => {
                        lock(&filter_error).get_or_insert(config_error);
                        false
                    }
                }
            })
            .build_parallel()
            .run(|| {
                Box::new(|entry| {
                    let entry = match entry {
                        Ok(entry) => entry,
                        Err(walk_error) => {
                            lock(&failed).push((
                                error_path(&walk_error).unwrap_or_else(|| path.clone()),
                                walk_error.to_string(),
                            ));
                            return ignore::WalkState::Continue;
                        }
                    };
                    if !entry.file_type().is_some_and(|kind| kind.is_file()) {
                        return ignore::WalkState::Continue;
                    }
                    let Some(language) = language_of(entry.path(), false) else {
                        return ignore::WalkState::Continue;
                    };
                    match resolver.for_file(entry.path()) {
                        Ok(settings) => lock(&found).push(DiscoveredFile {
                            path: entry.into_path().into(),
                            language,
                            settings,
                            unsaved: None,
                        }),
                        Err(config_error) => {
                            lock(&error).get_or_insert(config_error);
                            return ignore::WalkState::Quit;
                        }
                    }
                    ignore::WalkState::Continue
                })
            });
        files.extend(
            found
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        unreadable.extend(
            failed
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if let Some(config_error) = lock(&error).take() {
            return Err(config_error);
        }
    }
    files.sort_by_cached_key(|file| path_order_key(&file.path));
    files.dedup_by(|a, b| a.path == b.path);
    unreadable.sort();
    Ok(Discovery { files, unreadable })
}

fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_taken_by_components_whatever_their_spelling() {
        let cwd = Path::new("/work/project");
        let base = Path::new("/work/project");
        let relative = |path: &str| {
            relative_to(Path::new(path), cwd, base)
                .map(Cow::into_owned)
                .map_err(Cow::into_owned)
        };
        let inside = |path: &str| relative(path).ok();
        assert_eq!(
            inside("/work/project/src/app.py"),
            Some(PathBuf::from("src/app.py"))
        );
        assert_eq!(inside("src/app.py"), Some(PathBuf::from("src/app.py")));
        assert_eq!(inside("./src/./app.py"), Some(PathBuf::from("src/app.py")));
        assert_eq!(
            inside("/work/project//src/app.py"),
            Some(PathBuf::from("src/app.py"))
        );
        assert_eq!(inside("/work/project"), Some(PathBuf::new()));
        assert_eq!(inside("/work/project2/app.py"), None);
        assert_eq!(
            relative("/work/other/app.py").err(),
            Some(PathBuf::from("/work/other/app.py"))
        );
        let trailing = relative_to(
            Path::new("/work/project/a.py"),
            cwd,
            Path::new("/work/project/"),
        );
        assert_eq!(
            trailing.ok().map(Cow::into_owned),
            Some(PathBuf::from("a.py"))
        );
    }

    #[test]
    fn the_order_key_sorts_paths_as_path_ord_does() {
        let paths: Vec<PathBuf> = [
            "a/b", "a-b", "a.b", "a", "a/b/c", "./x", "../y", "/abs/p", "/abs", "a/b-c", "a/b.c",
            "a/bc", "a/b/", "a//b/c", "ab", "A", "b/a", "../..", ".", "a/./b", "é/x", "e/x",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let mut by_ord = paths.clone();
        by_ord.sort();
        let mut by_key = paths;
        by_key.sort_by_cached_key(|path| path_order_key(path));
        assert_eq!(by_key, by_ord);
    }
}
