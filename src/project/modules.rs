//! Where a file sits in its project: its Python module name or its Rust crate and module path,
//! and how the names a file states (`.utils.load`, `super::io::read`) become project-wide ones.

use std::borrow::Cow;
use std::ffi::OsString;
use std::path::Path;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

/// The module a file defines.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ModulePath {
    /// `pkg.sub.mod`; `is_package` for an `__init__.py` (relative imports start from it, not
    /// from its parent). `script_package` is set for a module of a namespace package (a
    /// directory without `__init__.py` below an import root): the package of the directory
    /// that Python puts first on `sys.path` when a script there runs, whose modules a bare
    /// `import helpers` finds before any other.
    /// `regular` is the name such a module has where the directory of its `script_package`
    /// is on `sys.path` instead (`app.db` for `backend/app/db.py`), when that name is inside a
    /// regular package: both names are the module's.
    Python {
        name: String,
        is_package: bool,
        script_package: Option<String>,
        regular: Option<String>,
    },
    /// The crate's `src` directory (or the file itself when it is not under one), one
    /// allocation shared by the crate's files, and the module's path in it: `a::b` for
    /// `crate::a::b`, empty for the crate root.
    Rust { root: Arc<Path>, path: Box<str> },
}

/// Whether `directory` is a Python package: it has an `__init__.py`.
pub fn is_package(directory: &Path) -> bool {
    directory.join("__init__.py").is_file()
}

/// Whether `directory` holds a Rust crate root (`lib.rs` or `main.rs`): a `src` directory that
/// does is where the crate's module paths start.
pub fn holds_crate_root(directory: &Path) -> bool {
    directory.join("lib.rs").is_file() || directory.join("main.rs").is_file()
}

/// Whether `directory` is where a Python project's imports start (besides the linted root):
/// a `src/` layout root, or a directory with the project's packaging metadata.
pub fn is_import_root(directory: &Path) -> bool {
    directory.file_name().is_some_and(|name| name == "src")
        || ["pyproject.toml", "setup.py", "setup.cfg"]
            .iter()
            .any(|marker| directory.join(marker).is_file())
}

/// Whether `name` can be a segment of a dotted import (`my-app`, `1.0` and `.venv` cannot).
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first == '_' || first.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// The directories whose `__init__.py` is among `paths`: packages, known without asking the
/// file system again. A directory whose `__init__.py` was not discovered (excluded from the
/// lint, say) is still asked.
pub fn discovered_packages<'p>(paths: impl Iterator<Item = &'p Path>) -> FxHashSet<&'p [u8]> {
    paths
        .filter(|path| path.ends_with("__init__.py"))
        .filter_map(Path::parent)
        .map(|directory| directory.as_os_str().as_encoded_bytes())
        .collect()
}

/// Answers "is this directory a package" once per directory.
pub struct ModuleFinder<'k> {
    /// The packages discovery found (keyed by the path's bytes, as below).
    discovered: &'k FxHashSet<&'k [u8]>,
    /// Keyed by the path's bytes: hashing and comparing a `Path` walks its components.
    packages: FxHashMap<OsString, bool>,
    /// [`is_import_root`] of each directory asked about, keyed like `packages`.
    import_roots: FxHashMap<OsString, bool>,
    /// Each `src` directory asked about, when it holds a crate root (keyed like `packages`).
    crate_sources: FxHashMap<OsString, Option<Arc<Path>>>,
}

/// A file's module. For a module of a Python namespace package, also the namespace portions
/// its name passes through (the dotted names of the directories without `__init__.py`: `app`
/// for `app/db.py`), which a regular package or module of the same name elsewhere shadows
/// ([`follow_precedence`]), and the regular name it then keeps.
pub struct FileModule {
    pub module: ModulePath,
    portions: Vec<String>,
    regular: Option<ModulePath>,
}

impl From<ModulePath> for FileModule {
    fn from(module: ModulePath) -> Self {
        FileModule {
            module,
            portions: Vec::new(),
            regular: None,
        }
    }
}

impl<'k> ModuleFinder<'k> {
    pub fn new(discovered: &'k FxHashSet<&'k [u8]>) -> ModuleFinder<'k> {
        ModuleFinder {
            discovered,
            packages: FxHashMap::default(),
            import_roots: FxHashMap::default(),
            crate_sources: FxHashMap::default(),
        }
    }

    /// `directory`, shared, when it is a `src` directory that holds a crate root (`lib.rs` or
    /// `main.rs`).
    fn crate_source(&mut self, directory: &Path) -> Option<Arc<Path>> {
        if directory.file_name().is_none_or(|name| name != "src") {
            return None;
        }
        if let Some(known) = self.crate_sources.get(directory.as_os_str()) {
            return known.clone();
        }
        let source = holds_crate_root(directory).then(|| Arc::from(directory));
        self.crate_sources
            .insert(directory.as_os_str().to_owned(), source.clone());
        source
    }

    /// The Rust module of `path`: under the nearest enclosing `src` directory that holds a
    /// crate root (`lib.rs` or `main.rs`), the file layout gives the path (`src/a/b.rs` and
    /// `src/a/b/mod.rs` are `crate::a::b`; `lib.rs`, `main.rs` are `crate`). A file outside
    /// any such directory is a crate of its own.
    pub fn rust_module(&mut self, path: &Path) -> ModulePath {
        for directory in path.ancestors().skip(1) {
            let Some(root) = self.crate_source(directory) else {
                continue;
            };
            let relative = path.strip_prefix(directory).unwrap_or(path);
            let mut segments: Vec<Cow<str>> = relative
                .components()
                .map(|component| component.as_os_str().to_string_lossy())
                .collect();
            if let Some(file) = segments.pop() {
                let stem = file.strip_suffix(".rs").unwrap_or(&file);
                let is_root = segments.is_empty() && (stem == "lib" || stem == "main");
                if stem != "mod" && !is_root {
                    segments.push(Cow::Owned(stem.to_string()));
                }
            }
            return ModulePath::Rust {
                root,
                path: segments.join("::").into(),
            };
        }
        ModulePath::Rust {
            root: Arc::from(path),
            path: Box::default(),
        }
    }

    fn is_import_root(&mut self, directory: &Path) -> bool {
        if let Some(known) = self.import_roots.get(directory.as_os_str()) {
            return *known;
        }
        let root = is_import_root(directory);
        self.import_roots
            .insert(directory.as_os_str().to_owned(), root);
        root
    }

    fn is_package(&mut self, directory: &Path) -> bool {
        let bytes = directory.as_os_str().as_encoded_bytes();
        if self.discovered.contains(bytes) {
            return true;
        }
        if let Some(known) = self.packages.get(directory.as_os_str()) {
            return *known;
        }
        let package = is_package(directory);
        self.packages
            .insert(directory.as_os_str().to_owned(), package);
        package
    }

    /// The Python module of `path`, whose path below the linted root is `relative` (`None`
    /// outside it). Below the innermost import root (the linted root, a `src/` directory, a
    /// directory with `pyproject.toml`, `setup.py` or `setup.cfg`) every directory is a
    /// package, with or without `__init__.py` (PEP 420): `app/db.py` is `app.db`. Elsewhere,
    /// and where a directory on the way is no identifier, the name is the regular one
    /// ([`ModuleFinder::regular_module`]).
    pub fn python_module(&mut self, path: &Path, relative: Option<&Path>) -> FileModule {
        let regular = self.regular_module(path);
        let namespace = relative.and_then(|relative| self.namespace_module(path, relative));
        match (namespace, &regular) {
            (
                Some((name, script_package, portions)),
                ModulePath::Python {
                    name: regular_name,
                    is_package,
                    ..
                },
            ) => {
                // A bare module beside a script (`tools/redis.py` as `redis`) is only found
                // by that script: under its regular name alone it would capture every
                // `import redis` of the project.
                let in_package = *is_package || regular_name.contains('.');
                FileModule {
                    module: ModulePath::Python {
                        name,
                        is_package: *is_package,
                        script_package: Some(script_package),
                        regular: in_package.then(|| regular_name.clone()),
                    },
                    portions,
                    regular: Some(regular),
                }
            }
            _ => regular.into(),
        }
    }

    /// The name of `path` below its innermost import root when a directory on the way has no
    /// `__init__.py`, with the package of the file's directory and the namespace portions.
    fn namespace_module(
        &mut self,
        path: &Path,
        relative: &Path,
    ) -> Option<(String, String, Vec<String>)> {
        let segments: Vec<&str> = relative
            .parent()?
            .components()
            .map(|component| component.as_os_str().to_str())
            .collect::<Option<_>>()?;
        // The directories of `segments`, outermost first.
        let mut directories: Vec<&Path> = path.ancestors().skip(1).take(segments.len()).collect();
        directories.reverse();
        if directories.len() != segments.len() {
            return None;
        }
        let start = (0..segments.len())
            .rev()
            .find(|at| self.is_import_root(directories[*at]))
            .map_or(0, |at| at + 1);
        let packages = &segments[start..];
        if !packages.iter().all(|segment| is_identifier(segment)) {
            return None;
        }
        let portions: Vec<String> = (start..segments.len())
            .filter(|at| !self.is_package(directories[*at]))
            .map(|at| segments[start..=at].join("."))
            .collect();
        if portions.is_empty() {
            return None;
        }
        let stem = path.file_stem()?.to_str()?;
        let mut name = packages.join(".");
        if stem != "__init__" {
            name.push('.');
            name.push_str(stem);
        }
        // The directory a script of the regular reading runs from: the innermost portion.
        let script_package = portions.last()?.clone();
        Some((name, script_package, portions))
    }

    /// The Python module name of `path` as a script beside it sees it: its stem, preceded by
    /// every enclosing directory that is a package (has an `__init__.py`). The first directory
    /// that is not a package (a `src/` layout root, the project root) is not part of the name.
    fn regular_module(&mut self, path: &Path) -> ModulePath {
        let stem = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        let is_package = stem == "__init__";
        let mut parts = Vec::new();
        if !is_package {
            parts.push(stem);
        }
        let mut directory = path.parent();
        while let Some(current) = directory {
            if !self.is_package(current) {
                break;
            }
            let Some(name) = current.file_name() else {
                break;
            };
            parts.push(name.to_string_lossy().into_owned());
            directory = current.parent();
        }
        parts.reverse();
        ModulePath::Python {
            name: parts.join("."),
            is_package,
            script_package: None,
            regular: None,
        }
    }
}

/// Python's precedence between a namespace package and a regular one: a directory without
/// `__init__.py` is a namespace portion only when no regular package or module of that name
/// exists on any import root (the import system takes the first regular one it meets on
/// `sys.path` and falls back to namespace portions). A module whose name passes through a
/// shadowed portion keeps its regular name.
pub fn follow_precedence(files: &mut [FileModule]) {
    let defined: FxHashSet<String> = files
        .iter()
        .filter_map(|file| match &file.module {
            ModulePath::Python { name, .. } => Some(name.clone()),
            ModulePath::Rust { .. } => None,
        })
        .collect();
    for file in files {
        if file
            .portions
            .iter()
            .any(|portion| defined.contains(portion))
        {
            if let Some(regular) = file.regular.take() {
                file.module = regular;
            }
            file.portions.clear();
        }
    }
}

/// The modules `name` may lie in, innermost first, down to the empty name: `a.b.c`, `a.b`,
/// `a`, ``.
pub fn module_prefixes<'n>(name: &'n str, separator: &'n str) -> impl Iterator<Item = &'n str> {
    std::iter::successors(Some(name), move |prefix| {
        (!prefix.is_empty()).then(|| before_last(prefix, separator))
    })
}

/// `text` up to its last `separator` (`""` without one). Resolution asks this of most names it
/// looks up: a `memrchr` for the separator's last byte is much cheaper than the two-way search
/// `rsplit_once` does for a string pattern.
fn before_last<'n>(text: &'n str, separator: &str) -> &'n str {
    let separator = separator.as_bytes();
    let Some(&last) = separator.last() else {
        return "";
    };
    let bytes = text.as_bytes();
    let mut end = bytes.len();
    while let Some(at) = memchr::memrchr(last, &bytes[..end]) {
        let start = (at + 1).checked_sub(separator.len());
        if let Some(start) = start.filter(|start| &bytes[*start..=at] == separator) {
            return &text[..start];
        }
        end = at;
    }
    ""
}

impl ModulePath {
    /// A name the file states, made project-wide: Python `.x.y` against the file's package,
    /// `x.y` unchanged; Rust `self::`/`super::`/`crate::` heads against the module. `None` when
    /// a relative name climbs above the top of the package or crate.
    pub fn absolute<'n>(&self, name: &'n str) -> Option<Cow<'n, str>> {
        match self {
            ModulePath::Python {
                name: module,
                is_package,
                ..
            } => {
                let dots = name.len() - name.trim_start_matches('.').len();
                if dots == 0 {
                    return Some(Cow::Borrowed(name));
                }
                let mut package: Vec<&str> = module.split('.').filter(|s| !s.is_empty()).collect();
                if !is_package {
                    package.pop()?;
                }
                for _ in 1..dots {
                    package.pop()?;
                }
                let rest = &name[dots..];
                if !rest.is_empty() {
                    package.push(rest);
                }
                Some(Cow::Owned(package.join(".")))
            }
            ModulePath::Rust { path, .. } => {
                let own = || path.split("::").filter(|segment| !segment.is_empty());
                let mut segments = name.split("::");
                let mut module: Vec<&str> = match segments.next()? {
                    "crate" => Vec::new(),
                    "self" => own().collect(),
                    "super" => {
                        let mut parent: Vec<&str> = own().collect();
                        parent.pop()?;
                        parent
                    }
                    _ => return None,
                };
                let mut rest = segments.peekable();
                while rest.peek() == Some(&"super") {
                    rest.next();
                    module.pop()?;
                }
                module.extend(rest);
                Some(Cow::Owned(module.join("::")))
            }
        }
    }

    /// The project-wide name of something this file defines under `name` (a Python in-file
    /// name, or a Rust path relative to the module).
    pub fn member(&self, name: &str) -> Option<String> {
        match self {
            ModulePath::Python { name: module, .. } if module.is_empty() => Some(name.to_string()),
            ModulePath::Python { name: module, .. } => {
                // Exactly sized: the index keeps one such name per function of the project.
                let mut member = String::with_capacity(module.len() + 1 + name.len());
                member.push_str(module);
                member.push('.');
                member.push_str(name);
                Some(member)
            }
            ModulePath::Rust { .. } => self.absolute(name).map(Cow::into_owned),
        }
    }

    /// The module's project-wide name (`pkg.sub`, `a::b`).
    pub fn joined(&self) -> &str {
        match self {
            ModulePath::Python { name, .. } => name,
            ModulePath::Rust { path, .. } => path,
        }
    }

    /// The module's names: [`ModulePath::joined`], and a Python module's regular name besides
    /// its namespace-package one.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let regular = match self {
            ModulePath::Python { regular, .. } => regular.as_deref(),
            ModulePath::Rust { .. } => None,
        };
        std::iter::once(self.joined()).chain(regular)
    }

    /// The project-wide names of something this file defines under `name`: [`ModulePath::member`]
    /// under each of the module's [`ModulePath::names`].
    pub fn members(&self, name: &str) -> impl Iterator<Item = String> {
        let regular = match self {
            ModulePath::Python {
                regular: Some(regular),
                ..
            } => Some(format!("{regular}.{name}")),
            _ => None,
        };
        self.member(name).into_iter().chain(regular)
    }

    /// What separates a module from its members in names.
    pub fn separator(&self) -> &'static str {
        match self {
            ModulePath::Python { .. } => ".",
            ModulePath::Rust { .. } => "::",
        }
    }

    /// [`ModulePath::member`], or `name` as it is when no path reaches it (a Rust
    /// `<impl>::f`, a function nested in another).
    pub fn member_of(&self, name: &str) -> String {
        self.member(name).unwrap_or_else(|| name.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
    }

    fn python(name: &str, is_package: bool) -> ModulePath {
        ModulePath::Python {
            name: name.to_string(),
            is_package,
            script_package: None,
            regular: None,
        }
    }

    #[test]
    fn python_modules_follow_packages_and_skip_a_src_root() {
        let root = tempfile::tempdir().unwrap();
        let base = root.path();
        for file in [
            "src/app/__init__.py",
            "src/app/api/__init__.py",
            "src/app/api/handlers.py",
            "scripts/tool.py",
        ] {
            touch(&base.join(file));
        }
        let nothing_discovered = FxHashSet::default();
        let mut finder = ModuleFinder::new(&nothing_discovered);
        assert_eq!(
            finder
                .python_module(&base.join("src/app/api/handlers.py"), None)
                .module,
            python("app.api.handlers", false)
        );
        assert_eq!(
            finder
                .python_module(&base.join("src/app/api/__init__.py"), None)
                .module,
            python("app.api", true)
        );
        assert_eq!(
            finder
                .python_module(&base.join("scripts/tool.py"), None)
                .module,
            python("tool", false)
        );
        // A discovered `__init__.py` makes its directory a package without the file system
        // being asked: here it is not on disk at all.
        let init = base.join("scripts/__init__.py");
        let discovered = discovered_packages([init.as_path()].into_iter());
        assert_eq!(
            ModuleFinder::new(&discovered)
                .python_module(&base.join("scripts/tool.py"), None)
                .module,
            python("scripts.tool", false)
        );
    }

    /// The modules of `files` (created below a temporary root) as the project phase names
    /// them, by path.
    fn modules_below_root(files: &[&str]) -> Vec<(String, ModulePath)> {
        let root = tempfile::tempdir().unwrap();
        for file in files {
            touch(&root.path().join(file));
        }
        let nothing_discovered = FxHashSet::default();
        let mut finder = ModuleFinder::new(&nothing_discovered);
        let mut modules: Vec<FileModule> = files
            .iter()
            .map(|file| finder.python_module(&root.path().join(file), Some(Path::new(file))))
            .collect();
        follow_precedence(&mut modules);
        files
            .iter()
            .map(|file| file.to_string())
            .zip(modules.into_iter().map(|module| module.module))
            .collect()
    }

    fn name_of(modules: &[(String, ModulePath)], file: &str) -> (String, Option<String>) {
        match &modules.iter().find(|(path, _)| path == file).unwrap().1 {
            ModulePath::Python {
                name,
                script_package,
                ..
            } => (name.clone(), script_package.clone()),
            ModulePath::Rust { .. } => unreachable!(),
        }
    }

    #[test]
    fn directories_below_an_import_root_are_namespace_packages() {
        let modules = modules_below_root(&[
            "app/main.py",
            "app/api/routes.py",
            "pkg/__init__.py",
            "pkg/sub/mod.py",
            "tool.py",
            "svc/src/core/engine.py",
            "my-tools/run.py",
            "backend/app/__init__.py",
            "backend/app/db.py",
        ]);
        let named = |file: &str, name: &str, package: &str| {
            assert_eq!(
                name_of(&modules, file),
                (name.to_string(), Some(package.to_string())),
                "{file}"
            );
        };
        named("app/main.py", "app.main", "app");
        named("app/api/routes.py", "app.api.routes", "app.api");
        // A directory without `__init__.py` inside a regular package is a portion too.
        named("pkg/sub/mod.py", "pkg.sub.mod", "pkg.sub");
        named("backend/app/db.py", "backend.app.db", "backend");
        // Where `backend/` is on `sys.path` (a script there), `app.db` is the module too; a
        // bare module beside a script has no second name.
        let regular = |file: &str| match &modules.iter().find(|(path, _)| path == file).unwrap().1 {
            ModulePath::Python { regular, .. } => regular.clone(),
            ModulePath::Rust { .. } => unreachable!(),
        };
        assert_eq!(regular("backend/app/db.py").as_deref(), Some("app.db"));
        assert_eq!(regular("app/main.py"), None);
        // `src/` is an import root of its own.
        named("svc/src/core/engine.py", "core.engine", "core");
        // Regular modules, and a directory that is no identifier, keep their regular names.
        assert_eq!(
            name_of(&modules, "pkg/__init__.py"),
            ("pkg".to_string(), None)
        );
        assert_eq!(name_of(&modules, "tool.py"), ("tool".to_string(), None));
        assert_eq!(
            name_of(&modules, "my-tools/run.py"),
            ("run".to_string(), None)
        );
    }

    #[test]
    fn a_regular_package_or_module_shadows_a_namespace_portion_of_its_name() {
        let modules = modules_below_root(&[
            "app/db.py",
            "src/app/__init__.py",
            "src/app/db.py",
            "jobs/worker.py",
            "jobs.py",
            "tasks/run.py",
            "lib/tasks.py",
        ]);
        // `src/app/__init__.py` makes `app` a regular package: `app.db` is its `db.py`, and the
        // namespace directory `app/` is never searched.
        assert_eq!(
            name_of(&modules, "src/app/db.py"),
            ("app.db".to_string(), None)
        );
        assert_eq!(name_of(&modules, "app/db.py"), ("db".to_string(), None));
        // A module beside a directory of the same name wins too.
        assert_eq!(
            name_of(&modules, "jobs/worker.py"),
            ("worker".to_string(), None)
        );
        // `lib/tasks.py` is `lib.tasks`, not `tasks`: it shadows nothing.
        assert_eq!(
            name_of(&modules, "tasks/run.py"),
            ("tasks.run".to_string(), Some("tasks".to_string()))
        );
    }

    #[test]
    fn prefixes_end_at_each_separator() {
        let prefixes = |name, separator| module_prefixes(name, separator).collect::<Vec<_>>();
        assert_eq!(prefixes("a.b.c", "."), ["a.b.c", "a.b", "a", ""]);
        assert_eq!(
            prefixes("a::b::C::f", "::"),
            ["a::b::C::f", "a::b::C", "a::b", "a", ""]
        );
        assert_eq!(prefixes("a:b::c", "::"), ["a:b::c", "a:b", ""]);
        assert_eq!(prefixes("f", "::"), ["f", ""]);
        assert_eq!(prefixes("", "."), [""]);
    }

    #[test]
    fn python_relative_names_resolve_against_the_package() {
        let module = python("app.api.handlers", false);
        assert_eq!(
            module.absolute(".utils.load").unwrap(),
            "app.api.utils.load"
        );
        assert_eq!(module.absolute("..config.read").unwrap(), "app.config.read");
        assert_eq!(module.absolute("..").unwrap(), "app");
        assert_eq!(module.absolute("os.path.join").unwrap(), "os.path.join");
        assert_eq!(module.absolute("....too.far"), None);
        let package = python("app.api", true);
        assert_eq!(
            package.absolute(".handlers.run").unwrap(),
            "app.api.handlers.run"
        );
        assert_eq!(
            module.member("Client.get").unwrap(),
            "app.api.handlers.Client.get"
        );
    }

    #[test]
    fn rust_modules_follow_the_file_layout_under_src() {
        let root = tempfile::tempdir().unwrap();
        let base = root.path();
        for file in ["src/lib.rs", "src/a/mod.rs", "src/a/b.rs", "tests/it.rs"] {
            touch(&base.join(file));
        }
        let discovered = FxHashSet::default();
        let mut finder = ModuleFinder::new(&discovered);
        let mut module = |file: &str| match finder.rust_module(&base.join(file)) {
            ModulePath::Rust { root, path } => (root.to_path_buf(), path.to_string()),
            ModulePath::Python { .. } => unreachable!(),
        };
        let src = base.join("src");
        assert_eq!(module("src/lib.rs"), (src.clone(), String::new()));
        assert_eq!(module("src/a/mod.rs"), (src.clone(), "a".to_string()));
        assert_eq!(module("src/a/b.rs"), (src, "a::b".to_string()));
        assert_eq!(
            module("tests/it.rs"),
            (base.join("tests/it.rs"), String::new())
        );
        // The crate's files share their root.
        let (ModulePath::Rust { root: lib, .. }, ModulePath::Rust { root: b, .. }) = (
            finder.rust_module(&base.join("src/lib.rs")),
            finder.rust_module(&base.join("src/a/b.rs")),
        ) else {
            unreachable!()
        };
        assert!(Arc::ptr_eq(&lib, &b));
    }

    #[test]
    fn rust_paths_resolve_against_the_module() {
        let module = ModulePath::Rust {
            root: Arc::from(Path::new("src")),
            path: "a::b".into(),
        };
        assert_eq!(module.absolute("crate::io::read").unwrap(), "io::read");
        assert_eq!(module.absolute("self::inner::f").unwrap(), "a::b::inner::f");
        assert_eq!(module.absolute("super::c::g").unwrap(), "a::c::g");
        assert_eq!(module.absolute("super::super::top").unwrap(), "top");
        assert_eq!(
            module.absolute("self::super::sibling").unwrap(),
            "a::sibling"
        );
        assert_eq!(module.absolute("super::super::super::x"), None);
        assert_eq!(module.absolute("std::fs::read"), None);
    }
}
