//! The project index: every file's summary merged under project-wide names, each call resolved
//! to the function it reaches (or dropped when the code does not say), and for every sync
//! function the shortest chain of calls to a direct blocking call.

use std::path::Path;

use rustc_hash::FxHashMap;

use super::modules::ModulePath;
use super::summary::{BlockingCall, FileSummary, FunctionSummary, ProjectCall, Target};

/// One file as the index sees it.
pub struct IndexedFile<'a> {
    pub path: &'a Path,
    pub module: ModulePath,
    pub summary: &'a FileSummary,
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

/// Names live in one namespace per language and Rust crate.
type Key = (u32, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ClassId {
    file: u32,
    class: u32,
}

/// Resolution follows re-exports and base classes; this bounds cycles among them.
const MAX_RESOLUTION_DEPTH: u8 = 16;

pub struct Index<'a> {
    files: Vec<IndexedFile<'a>>,
    namespaces: Vec<u32>,
    functions: Vec<(u32, u32)>,
    names: Vec<String>,
    by_name: FxHashMap<Key, Definition<FunctionId>>,
    classes: FxHashMap<Key, Definition<ClassId>>,
    aliases: FxHashMap<Key, Definition<String>>,
    /// For each function, its calls resolved: (callee, index of the call in its summary).
    edges: Vec<Vec<(FunctionId, u32)>>,
}

/// How a sync function blocks: the next function on its shortest chain (with the call that
/// reaches it), or its own first blocking call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Calls { callee: FunctionId, call: u32 },
    Blocks { call: u32 },
}

/// For every sync function that blocks, directly or through project calls.
pub struct Solution {
    steps: Vec<Option<Step>>,
}

impl<'a> Index<'a> {
    pub fn build(files: Vec<IndexedFile<'a>>) -> Self {
        let mut crates: FxHashMap<&Path, u32> = FxHashMap::default();
        let namespaces: Vec<u32> = files
            .iter()
            .map(|file| match &file.module {
                ModulePath::Python { .. } => 0,
                ModulePath::Rust { root, .. } => {
                    let next = crates.len() as u32 + 1;
                    *crates.entry(root.as_path()).or_insert(next)
                }
            })
            .collect();
        let mut index = Index {
            files: Vec::new(),
            namespaces,
            functions: Vec::new(),
            names: Vec::new(),
            by_name: FxHashMap::default(),
            classes: FxHashMap::default(),
            aliases: FxHashMap::default(),
            edges: Vec::new(),
        };
        for (file_index, file) in files.iter().enumerate() {
            let namespace = index.namespaces[file_index];
            for (function_index, function) in file.summary.functions.iter().enumerate() {
                let id = FunctionId(index.functions.len() as u32);
                index
                    .functions
                    .push((file_index as u32, function_index as u32));
                let name = file
                    .module
                    .member(&function.name)
                    .unwrap_or_else(|| function.name.clone());
                insert(&mut index.by_name, (namespace, name.clone()), id);
                index.names.push(name);
            }
            for (class_index, class) in file.summary.classes.iter().enumerate() {
                if let Some(name) = file.module.member(&class.name) {
                    let id = ClassId {
                        file: file_index as u32,
                        class: class_index as u32,
                    };
                    insert(&mut index.classes, (namespace, name), id);
                }
            }
            for (local, target) in &file.summary.imports {
                if let (Some(name), Some(target)) =
                    (file.module.member(local), file.module.absolute(target))
                {
                    insert(&mut index.aliases, (namespace, name), target);
                }
            }
        }
        index.files = files;
        index.edges = (0..index.functions.len())
            .map(|id| {
                let id = FunctionId(id as u32);
                let file = index.file_of(id);
                index
                    .function(id)
                    .calls
                    .iter()
                    .enumerate()
                    .filter_map(|(call, project_call)| {
                        let callee = index.resolve(file, &project_call.target)?;
                        Some((callee, call as u32))
                    })
                    .collect()
            })
            .collect();
        index
    }

    pub fn function(&self, id: FunctionId) -> &FunctionSummary {
        let (file, function) = self.functions[id.0 as usize];
        &self.files[file as usize].summary.functions[function as usize]
    }

    pub fn file_of(&self, id: FunctionId) -> usize {
        self.functions[id.0 as usize].0 as usize
    }

    pub fn path_of(&self, id: FunctionId) -> &'a Path {
        self.files[self.file_of(id)].path
    }

    /// The project-wide name (`pkg.config.load`, `a::b::Type::f`).
    pub fn name(&self, id: FunctionId) -> &str {
        &self.names[id.0 as usize]
    }

    pub fn is_rust(&self, id: FunctionId) -> bool {
        matches!(self.files[self.file_of(id)].module, ModulePath::Rust { .. })
    }

    pub fn function_ids(&self) -> impl Iterator<Item = FunctionId> {
        (0..self.functions.len() as u32).map(FunctionId)
    }

    /// The calls of `id` whose target is a project function, with the call's index.
    pub fn calls_of(&self, id: FunctionId) -> &[(FunctionId, u32)] {
        &self.edges[id.0 as usize]
    }

    pub fn call(&self, id: FunctionId, call: u32) -> &ProjectCall {
        &self.function(id).calls[call as usize]
    }

    pub fn blocking_call(&self, id: FunctionId, call: u32) -> &BlockingCall {
        &self.function(id).blocking[call as usize]
    }

    fn resolve(&self, file: usize, target: &Target) -> Option<FunctionId> {
        let module = &self.files[file].module;
        let namespace = self.namespaces[file];
        match target {
            Target::Path(name) => {
                let name = module.absolute(name)?;
                match module {
                    ModulePath::Python { .. } => self.python_callable(namespace, &name, 0),
                    ModulePath::Rust { .. } => unique(self.by_name.get(&(namespace, name))?),
                }
            }
            Target::Local(name) => self.python_callable(namespace, &module.member(name)?, 0),
            Target::Inherited { class, method } => {
                let class = unique(self.classes.get(&(namespace, module.member(class)?))?)?;
                self.inherited_method(class, method, 0)
            }
        }
    }

    /// What calling the Python name `name` runs: a function, a class's `__init__`, or a method
    /// of a class, following re-exports (`from .config import load` in `__init__.py`).
    fn python_callable(&self, namespace: u32, name: &str, depth: u8) -> Option<FunctionId> {
        if depth > MAX_RESOLUTION_DEPTH {
            return None;
        }
        let key = (namespace, name.to_string());
        if let Some(function) = self.by_name.get(&key) {
            return unique(function);
        }
        if let Some(class) = self.classes.get(&key) {
            return self.method(unique(class)?, "__init__", depth + 1);
        }
        if let Some(alias) = self.aliases.get(&key) {
            return self.python_callable(namespace, unique_ref(alias)?, depth + 1);
        }
        let (owner, method) = name.rsplit_once('.')?;
        let class = self.python_class(namespace, owner, depth + 1)?;
        self.method(class, method, depth + 1)
    }

    fn python_class(&self, namespace: u32, name: &str, depth: u8) -> Option<ClassId> {
        if depth > MAX_RESOLUTION_DEPTH {
            return None;
        }
        let key = (namespace, name.to_string());
        if let Some(class) = self.classes.get(&key) {
            return unique(class);
        }
        let alias = unique_ref(self.aliases.get(&key)?)?;
        self.python_class(namespace, alias, depth + 1)
    }

    /// A method of `class`, its own or, failing that, inherited.
    fn method(&self, class: ClassId, method: &str, depth: u8) -> Option<FunctionId> {
        let file = class.file as usize;
        let summary = &self.files[file].summary.classes[class.class as usize];
        let own = self.files[file]
            .module
            .member(&format!("{}.{method}", summary.name))?;
        match self.by_name.get(&(self.namespaces[file], own)) {
            Some(function) => unique(function),
            None => self.inherited_method(class, method, depth + 1),
        }
    }

    /// A method one of `class`'s project base classes defines: followed only when every base
    /// that has it agrees on which function it is.
    fn inherited_method(&self, class: ClassId, method: &str, depth: u8) -> Option<FunctionId> {
        if depth > MAX_RESOLUTION_DEPTH {
            return None;
        }
        let file = class.file as usize;
        let module = &self.files[file].module;
        let namespace = self.namespaces[file];
        let summary = &self.files[file].summary.classes[class.class as usize];
        let mut found = None;
        for base in &summary.bases {
            let base_name = match base {
                Target::Path(name) => module.absolute(name),
                Target::Local(name) => module.member(name),
                Target::Inherited { .. } => None,
            };
            let Some(base) =
                base_name.and_then(|name| self.python_class(namespace, &name, depth + 1))
            else {
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

    /// For every sync function, the shortest chain to a direct blocking call: a breadth-first
    /// search from the functions that block directly, backwards along the calls between sync
    /// functions. Each function is reached once, so cycles and recursion end; of several
    /// equally short chains the one through the callee with the smallest name wins.
    pub fn solve(&self) -> Solution {
        let count = self.functions.len();
        let mut callers: Vec<Vec<(FunctionId, u32)>> = vec![Vec::new(); count];
        for caller in self.function_ids() {
            if self.function(caller).is_async {
                continue;
            }
            for &(callee, call) in self.calls_of(caller) {
                if !self.function(callee).is_async {
                    callers[callee.0 as usize].push((caller, call));
                }
            }
        }
        let mut steps: Vec<Option<Step>> = vec![None; count];
        let mut frontier: Vec<FunctionId> = self
            .function_ids()
            .filter(|id| {
                let function = self.function(*id);
                !function.is_async && !function.blocking.is_empty()
            })
            .collect();
        for id in &frontier {
            steps[id.0 as usize] = Some(Step::Blocks { call: 0 });
        }
        while !frontier.is_empty() {
            self.sort_by_name(&mut frontier);
            let mut next = Vec::new();
            for &callee in &frontier {
                for &(caller, call) in &callers[callee.0 as usize] {
                    if steps[caller.0 as usize].is_none() {
                        steps[caller.0 as usize] = Some(Step::Calls { callee, call });
                        next.push(caller);
                    }
                }
            }
            frontier = next;
        }
        Solution { steps }
    }

    fn sort_by_name(&self, ids: &mut [FunctionId]) {
        ids.sort_by(|a, b| {
            (self.name(*a), self.path_of(*a), a).cmp(&(self.name(*b), self.path_of(*b), b))
        });
    }
}

impl Solution {
    pub fn step(&self, id: FunctionId) -> Option<Step> {
        self.steps[id.0 as usize]
    }
}

fn insert<K: std::hash::Hash + Eq, T>(map: &mut FxHashMap<K, Definition<T>>, key: K, value: T) {
    map.entry(key)
        .and_modify(|existing| *existing = Definition::Ambiguous)
        .or_insert(Definition::Unique(value));
}

fn unique<T: Copy>(definition: &Definition<T>) -> Option<T> {
    match definition {
        Definition::Unique(value) => Some(*value),
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
    use crate::project::summary::Position;
    use crate::registry::Rule;

    fn function(name: &str, is_async: bool, calls: &[&str], blocks: bool) -> FunctionSummary {
        let at = Position::at(TextSize::default());
        FunctionSummary {
            name: name.to_string(),
            is_async,
            at,
            blocking: blocks
                .then(|| BlockingCall {
                    rule: Rule::BlockingSleep,
                    name: "time.sleep".to_string(),
                    at,
                })
                .into_iter()
                .collect(),
            calls: calls
                .iter()
                .map(|callee| ProjectCall {
                    target: Target::Local(callee.to_string()),
                    range: TextRange::default(),
                    statement_start: None,
                    at,
                })
                .collect(),
            acquires_limiter: false,
        }
    }

    fn solve(functions: Vec<FunctionSummary>) -> Vec<(String, Option<String>)> {
        let summary = FileSummary {
            functions,
            ..FileSummary::default()
        };
        let index = Index::build(vec![IndexedFile {
            path: Path::new("m.py"),
            module: ModulePath::Python {
                name: "m".to_string(),
                is_package: false,
            },
            summary: &summary,
        }]);
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

    fn step_of<'s>(solved: &'s [(String, Option<String>)], name: &str) -> Option<&'s str> {
        solved
            .iter()
            .find(|(function, _)| function == name)
            .and_then(|(_, step)| step.as_deref())
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
