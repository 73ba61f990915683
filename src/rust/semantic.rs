//! Semantic facts about a Rust file that rules share: `use` items resolved to full paths (scoped
//! to the module or block that holds them), the types the file states for locals, parameters and
//! struct fields, and async and loop context.
//!
//! The checker drives this model while it walks the tree once; rules only ask questions. The
//! model keeps no references into the tree, so macro bodies parsed on the fly can be walked too;
//! a question about the whole body of a loop or function is asked of the body's node when the
//! walk leaves it (see `Checker::report_unless`), by its [`ScopeId`].

use std::borrow::Cow;

use rustc_hash::{FxHashMap, FxHashSet};
use syn::{Expr, Item, Pat, Type, UseTree};

use super::data::data;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    /// The file or an inline `mod`; `inherits_parent` when it has `use super::*`.
    Module {
        inherits_parent: bool,
    },
    /// `poll_method`: a `poll`/`poll_*` method (a hand-written `Future`/`Stream`), whose loops
    /// step a state machine rather than iterate items.
    Function {
        is_async: bool,
        poll_method: bool,
    },
    Closure {
        is_async: bool,
        runs: ClosureRuns,
    },
    AsyncBlock,
    /// `error_branch`: the branch that handles an error (`Err(e) =>`, `if let Err(..)`,
    /// `if r.is_err()`).
    Block {
        error_branch: bool,
    },
    LoopBody(LoopKind),
}

/// When and how often a closure runs, as the expression that contains it uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosureRuns {
    /// Handed to another function (`thread::spawn`, `spawn_blocking`, a stored callback): it may
    /// run later or on another thread, so it does not share the enclosing context.
    Elsewhere,
    /// Before the enclosing code continues (invoked on the spot or passed to a synchronous
    /// combinator), so it shares the enclosing async context.
    Inline,
    /// Inline, once per element (an iterator adaptor), like a loop body; `fixed_items` when the
    /// code fixes the elements (`(0..4).map(..)`, `[a, b].iter().map(..)`): no fan-out.
    PerItem { fixed_items: bool },
}

impl ClosureRuns {
    fn inline(self) -> bool {
        !matches!(self, ClosureRuns::Elsewhere)
    }
}

/// What drives a loop's iterations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    /// A `for` loop: one iteration per element of a collection; `fixed_iterations` when the code
    /// fixes how many (`for _ in 0..4`, `for x in [a, b]`): no fan-out.
    For { fixed_iterations: bool },
    /// A `while` or `loop`, which may be retrying or polling rather than iterating items;
    /// `error_branch` when a `while`'s condition tests for an error (`while let Err(e) = ..`),
    /// so that its body handles one; `waits_for_events` when its condition or body suspends
    /// (`while let Some(m) = rx.recv().await`, `listener.accept().await`, `interval.tick().await`):
    /// each iteration is one event, not one element of a collection.
    Repeat {
        error_branch: bool,
        waits_for_events: bool,
    },
}

/// A scope the walk is in, named by its depth: it names that scope until the walk leaves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScopeId(usize);

#[derive(Debug)]
struct Scope {
    kind: ScopeKind,
    /// `use` items and `extern crate`: local name → full path.
    uses: FxHashMap<String, String>,
    /// Paths of glob imports (`use tokio::time::*`).
    globs: Vec<String>,
    /// Items defined here (functions, types, modules): they shadow external names.
    items: FxHashSet<String>,
    /// Functions defined here that only start a task (see [`SpawnWrapper`]).
    spawn_wrappers: FxHashMap<String, SpawnWrapper>,
    /// `let` bindings and parameters made so far, with the type the file states for the last
    /// binding of each name, if any. A map, not a list: a look-up that misses would scan every
    /// binding of the scope, quadratic in a long function body.
    locals: FxHashMap<String, Option<LocalType>>,
    /// Locals whose value is data-sized: read by an `.await` (a query, a response, a message),
    /// a directory listing, or an element of such a collection (see `is_data_sized`).
    data_sized: FxHashSet<String>,
    /// A loop body or per-item closure that walks a data-sized collection.
    walks_data: bool,
    /// Guards in force here: the arguments of a guard's `.call(...)` being walked, permits
    /// held by `let` bindings of this block, and rate limiters waited on earlier in it.
    guards: Vec<Guard>,
}

/// A guard in force: the names its guard object can be spelled by (see
/// [`SemanticModel::spellings`]), and the binding that holds it, if a binding does.
#[derive(Debug)]
struct Guard {
    spellings: Vec<String>,
    binding: Option<String>,
}

impl Scope {
    fn new(kind: ScopeKind) -> Self {
        Scope {
            kind,
            uses: FxHashMap::default(),
            globs: Vec::new(),
            items: FxHashSet::default(),
            spawn_wrappers: FxHashMap::default(),
            locals: FxHashMap::default(),
            data_sized: FxHashSet::default(),
            walks_data: false,
            guards: Vec::new(),
        }
    }
}

/// A function of the file whose body only starts a task with one of its parameters, besides
/// logging (`fn spawn_task(f: F) -> JoinHandle<..> { tokio::spawn(f) }`): a call of it starts
/// that task, so the rules about spawns see the call as the spawn it makes.
#[derive(Debug, Clone)]
pub struct SpawnWrapper {
    /// The spawn it makes (`tokio::spawn`), one of the `task-spawns` of the data file.
    pub spawn: String,
    /// Which of its arguments is the future it spawns.
    pub future: usize,
}

/// The items of a scope whose declaration waits for all of its `use` items (see
/// [`SemanticModel::declare_name`]): the functions that may start a task and the field types
/// of structs. Owned when the items they come from are dropped before the scope is walked (a
/// large file read in pieces), and then no more than declaring them needs.
#[derive(Default)]
pub(super) struct TypedItems<'i> {
    forwarding_functions: Vec<Cow<'i, syn::ItemFn>>,
    /// Each struct with named fields: its name, and each field's name and type.
    structs: Vec<(String, FieldTypes<'i>)>,
}

/// The named fields of a struct, each with the type it states.
type FieldTypes<'i> = Vec<(String, Cow<'i, Type>)>;

impl TypedItems<'_> {
    pub(super) fn into_owned(self) -> TypedItems<'static> {
        TypedItems {
            forwarding_functions: self
                .forwarding_functions
                .into_iter()
                .map(|function| Cow::Owned(function.into_owned()))
                .collect(),
            structs: self
                .structs
                .into_iter()
                .map(|(name, fields)| {
                    let fields = fields
                        .into_iter()
                        .map(|(field, ty)| (field, Cow::Owned(ty.into_owned())))
                        .collect();
                    (name, fields)
                })
                .collect(),
        }
    }

    pub(super) fn extend(&mut self, other: TypedItems<'static>) {
        self.forwarding_functions.extend(other.forwarding_functions);
        self.structs.extend(other.structs);
    }
}

/// The type the file states for a local.
#[derive(Debug, Clone)]
enum LocalType {
    /// A type outside the project, by its full path (`std::fs::File`): what the lists name.
    External(String),
    /// A type of the project (`Fds` for `use crate::fds::Fds`), by its path from the module the
    /// local is in: the project phase follows method calls on it to the type's `impl` blocks.
    Project(ProjectPath),
}

enum Lookup {
    Path(String),
    /// A local variable or an item of this file: not something the lists can name.
    Local,
    Unbound,
}

pub struct SemanticModel {
    scopes: Vec<Scope>,
    /// The `Self` type name of each enclosing `impl` block (`None` when it is not a plain path).
    impl_types: Vec<Option<String>>,
    /// Field types of the file's structs, by struct name; `None` when two structs share a name.
    struct_fields: FxHashMap<String, Option<FxHashMap<String, String>>>,
}

impl Default for SemanticModel {
    fn default() -> Self {
        Self::new()
    }
}

impl SemanticModel {
    pub fn new() -> Self {
        SemanticModel {
            scopes: Vec::new(),
            impl_types: Vec::new(),
            struct_fields: FxHashMap::default(),
        }
    }

    // ---- driven by the checker -------------------------------------------------------------

    pub(super) fn push_scope(&mut self, kind: ScopeKind) {
        self.scopes.push(Scope::new(kind));
    }

    pub(super) fn pop_scope(&mut self) {
        self.scopes.pop();
    }

    /// Records the `use` items and item names of a module or block, which are in scope for
    /// the whole of it whatever their position.
    pub(super) fn declare_items<'i>(&mut self, items: impl Iterator<Item = &'i Item>) {
        let mut typed = TypedItems::default();
        for item in items {
            self.declare_name(item, &mut typed);
        }
        self.declare_typed(typed);
    }

    /// Records one item's name, or what a `use` item brings into scope, in the current scope;
    /// an item whose declaration reads the scope's `use` items (a struct's field types, a
    /// function that starts a task) is put in `typed`, for [`Self::declare_typed`] once every
    /// item of the scope has been named.
    pub(super) fn declare_name<'i>(&mut self, item: &'i Item, typed: &mut TypedItems<'i>) {
        let Some(scope) = self.scopes.last_mut() else {
            return;
        };
        match item {
            Item::Use(item_use) => {
                let absolute = item_use.leading_colon.is_some();
                collect_use(&item_use.tree, &mut Vec::new(), absolute, scope);
            }
            Item::ExternCrate(extern_crate) if extern_crate.ident != "self" => {
                let local = extern_crate
                    .rename
                    .as_ref()
                    .map_or(&extern_crate.ident, |(_, rename)| rename);
                scope
                    .uses
                    .insert(local.to_string(), extern_crate.ident.to_string());
            }
            _ => {
                if let Some(name) = item_name(item) {
                    scope.items.insert(name);
                }
            }
        }
        match item {
            Item::Fn(function)
                if super::facts::forwarding_call(&function.sig, &function.block).is_some() =>
            {
                typed.forwarding_functions.push(Cow::Borrowed(function));
            }
            Item::Struct(item_struct) => {
                if let syn::Fields::Named(fields) = &item_struct.fields {
                    let fields = fields
                        .named
                        .iter()
                        .filter_map(|field| {
                            Some((field.ident.as_ref()?.to_string(), Cow::Borrowed(&field.ty)))
                        })
                        .collect();
                    typed.structs.push((item_struct.ident.to_string(), fields));
                }
            }
            _ => {}
        }
    }

    /// Declares the items [`Self::declare_name`] set aside, now that the scope's `use` items
    /// are all known.
    pub(super) fn declare_typed(&mut self, typed: TypedItems) {
        if let Some(scope) = self.scopes.last_mut() {
            if let ScopeKind::Module { inherits_parent } = &mut scope.kind {
                *inherits_parent = scope.globs.iter().any(|glob| glob == "super");
            }
        }
        let wrappers: Vec<(String, SpawnWrapper)> = typed
            .forwarding_functions
            .iter()
            .filter_map(|function| {
                Some((
                    function.sig.ident.to_string(),
                    self.wrapped_spawn(&function.sig, &function.block)?,
                ))
            })
            .collect();
        if let Some(scope) = self.scopes.last_mut() {
            scope.spawn_wrappers.extend(wrappers);
        }
        for (name, fields) in typed.structs {
            let types: FxHashMap<String, String> = fields
                .into_iter()
                .filter_map(|(field, ty)| Some((field, self.type_name(&ty)?)))
                .collect();
            match self.struct_fields.get_mut(&name) {
                Some(existing) => *existing = None,
                None => {
                    self.struct_fields.insert(name, Some(types));
                }
            }
        }
    }

    /// The spawn a function's body makes with one of its parameters, if that is all it does
    /// (see [`SpawnWrapper`]). The spawn is resolved where the function is declared: a call on
    /// a parameter by the type its signature states (`handle: &Handle`), any other by the file's
    /// `use` items (`Handle::current().spawn(f)`).
    fn wrapped_spawn(&self, signature: &syn::Signature, body: &syn::Block) -> Option<SpawnWrapper> {
        let forwarding = super::facts::forwarding_call(signature, body)?;
        let spawn = match forwarding.call {
            Expr::Call(call) => match call.func.as_ref() {
                Expr::Path(path) if path.qself.is_none() => self.resolve_path(&path.path)?,
                _ => return None,
            },
            Expr::MethodCall(call) => {
                let parameter_type = signature.inputs.iter().find_map(|input| match input {
                    syn::FnArg::Typed(typed) => {
                        match (typed.pat.as_ref(), call.receiver.as_ref()) {
                            (Pat::Ident(name), Expr::Path(receiver))
                                if receiver.path.is_ident(&name.ident) =>
                            {
                                self.type_name(&typed.ty)
                            }
                            _ => None,
                        }
                    }
                    syn::FnArg::Receiver(_) => None,
                });
                match parameter_type {
                    Some(receiver) => format!("{receiver}::{}", call.method),
                    None => self.method_target(&call.receiver, &call.method.to_string())?,
                }
            }
            _ => return None,
        };
        data().task_spawns.contains(&spawn).then_some(SpawnWrapper {
            spawn,
            future: forwarding.parameter,
        })
    }

    pub(super) fn push_impl(&mut self, self_type: &Type) {
        let name = match self_type {
            Type::Path(path) if path.qself.is_none() => path
                .path
                .segments
                .last()
                .map(|segment| segment.ident.to_string()),
            _ => None,
        };
        self.impl_types.push(name);
    }

    pub(super) fn pop_impl(&mut self) {
        self.impl_types.pop();
    }

    /// Puts a guard in force in the current scope until [`Self::end_guard`]: the checker walks
    /// the arguments of `guard.call(...)` between the two.
    pub(super) fn begin_guard(&mut self, spellings: Vec<String>) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.guards.push(Guard {
                spellings,
                binding: None,
            });
        }
    }

    pub(super) fn end_guard(&mut self) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.guards.pop();
        }
    }

    /// A guard in force for the rest of the current block: a permit held by `binding`, or (no
    /// binding) a rate limiter already waited on.
    pub(super) fn hold_guard(&mut self, spellings: Vec<String>, binding: Option<String>) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.guards.push(Guard { spellings, binding });
        }
    }

    /// `drop(binding)`: the permit it held is released. Only a drop in the block that holds the
    /// permit counts; one in a nested branch may not run.
    pub(super) fn release_guard(&mut self, binding: &str) {
        if let Some(scope) = self.scopes.last_mut() {
            scope
                .guards
                .retain(|guard| guard.binding.as_deref() != Some(binding));
        }
    }

    /// Binds the names a pattern introduces; `types` are what the bound value is known to be
    /// (one type, or one per element of a tuple pattern).
    pub(super) fn bind(&mut self, pattern: &Pat, types: Option<Vec<String>>) {
        let types = types.map(|types| types.into_iter().map(LocalType::External).collect());
        self.bind_types(pattern, types);
    }

    /// Binds a parameter with the type its signature states.
    pub(super) fn bind_parameter(&mut self, parameter: &syn::PatType) {
        let stated = self.stated_type(&parameter.ty).map(|stated| vec![stated]);
        self.bind_types(&parameter.pat, stated);
    }

    /// Binds the names of `let pattern = value`, with the type of the value where the file
    /// states it (`File::open(p)?`, `Fds::new()`).
    pub(super) fn bind_value(&mut self, pattern: &Pat, value: Option<&Expr>) {
        let types = value.and_then(|value| match self.value_types(value) {
            Some(types) => Some(types.into_iter().map(LocalType::External).collect()),
            None => self
                .project_type_of(value)
                .map(|path| vec![LocalType::Project(path)]),
        });
        self.bind_types(pattern, types);
    }

    fn stated_type(&self, ty: &Type) -> Option<LocalType> {
        match self.type_name(ty) {
            Some(type_name) => Some(LocalType::External(type_name)),
            None => self.project_type(ty).map(LocalType::Project),
        }
    }

    fn bind_types(&mut self, pattern: &Pat, types: Option<Vec<LocalType>>) {
        match pattern {
            Pat::Ident(ident) => {
                let single = types
                    .filter(|types| types.len() == 1)
                    .and_then(|mut types| types.pop());
                self.bind_name(ident.ident.to_string(), single);
                if let Some((_, subpattern)) = &ident.subpat {
                    self.bind_types(subpattern, None);
                }
            }
            Pat::Type(typed) => {
                let stated = self.stated_type(&typed.ty).map(|stated| vec![stated]);
                self.bind_types(&typed.pat, stated.or(types));
            }
            Pat::Tuple(tuple) => {
                let types = types.filter(|types| types.len() == tuple.elems.len());
                for (index, element) in tuple.elems.iter().enumerate() {
                    let element_type = types.as_ref().map(|types| vec![types[index].clone()]);
                    self.bind_types(element, element_type);
                }
            }
            Pat::Reference(reference) => self.bind_types(&reference.pat, types),
            Pat::Paren(paren) => self.bind_types(&paren.pat, types),
            _ => self.bind_unknown(pattern),
        }
    }

    /// Binds every name in a pattern without a type (`Some(x)`, `Point { x, y }`, `[a, b]`).
    pub(super) fn bind_unknown(&mut self, pattern: &Pat) {
        match pattern {
            Pat::Ident(ident) => {
                self.bind_name(ident.ident.to_string(), None);
                if let Some((_, subpattern)) = &ident.subpat {
                    self.bind_unknown(subpattern);
                }
            }
            Pat::Type(typed) => self.bind_unknown(&typed.pat),
            Pat::Tuple(tuple) => tuple.elems.iter().for_each(|p| self.bind_unknown(p)),
            Pat::TupleStruct(tuple) => tuple.elems.iter().for_each(|p| self.bind_unknown(p)),
            Pat::Struct(structure) => structure
                .fields
                .iter()
                .for_each(|field| self.bind_unknown(&field.pat)),
            Pat::Slice(slice) => slice.elems.iter().for_each(|p| self.bind_unknown(p)),
            Pat::Or(or) => {
                if let Some(first) = or.cases.first() {
                    self.bind_unknown(first);
                }
            }
            Pat::Reference(reference) => self.bind_unknown(&reference.pat),
            Pat::Paren(paren) => self.bind_unknown(&paren.pat),
            _ => {}
        }
    }

    fn bind_name(&mut self, name: String, type_name: Option<LocalType>) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.data_sized.remove(&name);
            scope.locals.insert(name, type_name);
        }
    }

    /// Marks the names a pattern just bound as holding data-sized values.
    pub(super) fn mark_data_sized(&mut self, pattern: &Pat) {
        let mut names = Vec::new();
        pattern_names(pattern, &mut names);
        if let Some(scope) = self.scopes.last_mut() {
            scope.data_sized.extend(names);
        }
    }

    /// Marks the loop body or per-item closure just entered as walking a data-sized collection.
    pub(super) fn mark_walks_data(&mut self) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.walks_data = true;
        }
    }

    // ---- questions rules ask ---------------------------------------------------------------

    /// Whether a collection's size comes from the input: it is read by an `.await` (rows of a
    /// query, a response body, a stream), it is a directory listing (`read_dir`), or it is
    /// reached from a local holding such a value (`rows.iter()`, `&body.items`, an element of a
    /// data-sized collection). Parameters, fields and plain calls' results are of unknown size:
    /// the fan-out rules leave them to `include-opaque-collections` (issue #21, item 3).
    pub fn is_data_sized(&self, expr: &Expr) -> bool {
        if suspends(expr) {
            return true;
        }
        let mut root = expr;
        loop {
            root = match root {
                Expr::MethodCall(call) => {
                    if call.method == "read_dir" {
                        return true;
                    }
                    &call.receiver
                }
                Expr::Field(field) => &field.base,
                Expr::Reference(reference) => &reference.expr,
                Expr::Paren(paren) => &paren.expr,
                Expr::Try(attempt) => &attempt.expr,
                Expr::Index(index) => &index.expr,
                Expr::Call(call) => {
                    return matches!(call.func.as_ref(), Expr::Path(path)
                        if path.path.segments.last().is_some_and(|last| last.ident == "read_dir"));
                }
                _ => break,
            };
        }
        let Expr::Path(path) = root else {
            return false;
        };
        let Some(name) = path.path.get_ident().map(ToString::to_string) else {
            return false;
        };
        for scope in self.scopes.iter().rev() {
            if scope.locals.contains_key(&name) {
                return scope.data_sized.contains(&name);
            }
            if matches!(scope.kind, ScopeKind::Function { .. }) {
                break;
            }
        }
        false
    }

    /// In a loop body or per-item closure that walks a data-sized collection.
    pub fn loop_walks_data(&self) -> bool {
        self.current_loop_scope()
            .is_some_and(|scope| scope.walks_data)
    }

    /// In the body of an `async fn`, an `async` block or closure, or a closure that runs inline
    /// in one; not in a nested `fn` or a closure handed to another function (`spawn_blocking`,
    /// `thread::spawn`, a stored callback).
    pub fn in_async_context(&self) -> bool {
        for scope in self.scopes.iter().rev() {
            match scope.kind {
                ScopeKind::Block { .. } | ScopeKind::LoopBody(_) => continue,
                ScopeKind::AsyncBlock => return true,
                ScopeKind::Function { is_async, .. } => return is_async,
                ScopeKind::Closure { is_async: true, .. } => return true,
                ScopeKind::Closure { runs, .. } => {
                    if !runs.inline() {
                        return false;
                    }
                }
                ScopeKind::Module { .. } => return false,
            }
        }
        false
    }

    /// In the body of a sync `fn` itself, or a closure that runs inline there; not in an async
    /// block or a closure handed to another function (`thread::spawn`, `spawn_blocking`).
    pub fn in_sync_function_body(&self) -> bool {
        for scope in self.scopes.iter().rev() {
            match scope.kind {
                ScopeKind::Block { .. } | ScopeKind::LoopBody(_) => continue,
                ScopeKind::Closure {
                    is_async: false,
                    runs,
                } if runs.inline() => continue,
                ScopeKind::Function { is_async, .. } => return !is_async,
                _ => return false,
            }
        }
        false
    }

    /// What a path names in the project, relative to the current module: `crate::` paths,
    /// `self::`/`super::` paths, the module's own items and `use` items that lead to one of
    /// these. `None` for locals, items of a block, and other crates.
    pub fn project_path(&self, segments: &[String]) -> Option<ProjectPath> {
        let (first, rest) = segments.split_first()?;
        match first.as_str() {
            "crate" => return Some(ProjectPath::Crate(rest.join("::"))),
            "self" | "super" => return Some(relative_path(segments, 0)),
            _ => {}
        }
        let mut locals_visible = segments.len() == 1;
        let mut modules_crossed = 0;
        for scope in self.scopes.iter().rev() {
            if locals_visible && scope.locals.contains_key(first) {
                return None;
            }
            if let Some(path) = scope.uses.get(first) {
                let mut full: Vec<String> = path.split("::").map(str::to_string).collect();
                full.extend(rest.iter().cloned());
                return match full[0].as_str() {
                    "crate" => Some(ProjectPath::Crate(full[1..].join("::"))),
                    "self" | "super" => Some(relative_path(&full, modules_crossed)),
                    // `use self::helpers::load` is stored as `helpers::load`.
                    head if scope.items.contains(head) => {
                        Some(relative_path(&full, modules_crossed))
                    }
                    _ => None,
                };
            }
            if scope.items.contains(first) {
                return matches!(scope.kind, ScopeKind::Module { .. })
                    .then(|| relative_path(segments, modules_crossed));
            }
            match scope.kind {
                ScopeKind::Function { .. } => locals_visible = false,
                ScopeKind::Module {
                    inherits_parent: true,
                } => {
                    locals_visible = false;
                    modules_crossed += 1;
                }
                ScopeKind::Module { .. } => break,
                _ => {}
            }
        }
        None
    }

    /// Whether `.await` may be written here: directly in an async body, not in a closure.
    pub fn can_await(&self) -> bool {
        for scope in self.scopes.iter().rev() {
            match scope.kind {
                ScopeKind::Block { .. } | ScopeKind::LoopBody(_) => continue,
                ScopeKind::AsyncBlock => return true,
                ScopeKind::Function { is_async, .. } | ScopeKind::Closure { is_async, .. } => {
                    return is_async
                }
                ScopeKind::Module { .. } => return false,
            }
        }
        false
    }

    /// In a `for`/`while`/`loop` body or an iterator adaptor's closure, within the current
    /// function.
    pub fn in_loop(&self) -> bool {
        for scope in self.scopes.iter().rev() {
            match scope.kind {
                ScopeKind::LoopBody(_)
                | ScopeKind::Closure {
                    runs: ClosureRuns::PerItem { .. },
                    ..
                } => return true,
                ScopeKind::Block { .. } | ScopeKind::AsyncBlock => continue,
                ScopeKind::Closure {
                    runs: ClosureRuns::Inline,
                    ..
                } => continue,
                _ => return false,
            }
        }
        false
    }

    /// The scope `in_loop` finds: the innermost loop body or per-item closure of this function.
    fn current_loop_scope(&self) -> Option<&Scope> {
        self.loop_scope().map(|ScopeId(index)| &self.scopes[index])
    }

    /// The innermost loop body or per-item closure of this function (see `in_loop`), when in
    /// one: questions about its whole body are asked once the walk leaves it (see
    /// `Checker::report_unless`).
    pub fn loop_scope(&self) -> Option<ScopeId> {
        for (index, scope) in self.scopes.iter().enumerate().rev() {
            match scope.kind {
                ScopeKind::LoopBody(_)
                | ScopeKind::Closure {
                    runs: ClosureRuns::PerItem { .. },
                    ..
                } => return Some(ScopeId(index)),
                ScopeKind::Block { .. } | ScopeKind::AsyncBlock => continue,
                ScopeKind::Closure {
                    runs: ClosureRuns::Inline,
                    ..
                } => continue,
                _ => return None,
            }
        }
        None
    }

    /// Whether the innermost loop runs a number of times the code fixes (`for _ in 0..4`,
    /// `for x in [a, b]`), so work started per iteration is bounded.
    pub fn loop_is_fixed(&self) -> bool {
        self.current_loop_scope().is_some_and(|scope| {
            matches!(
                scope.kind,
                ScopeKind::LoopBody(LoopKind::For {
                    fixed_iterations: true
                }) | ScopeKind::Closure {
                    runs: ClosureRuns::PerItem { fixed_items: true },
                    ..
                }
            )
        })
    }

    /// In a `loop`/`while` whose iterations wait for events (see [`LoopKind::Repeat`]): a task
    /// spawned per iteration is one per connection, message or tick, not one per element.
    pub fn in_event_driven_loop(&self) -> bool {
        self.current_loop_scope().is_some_and(|scope| {
            matches!(
                scope.kind,
                ScopeKind::LoopBody(LoopKind::Repeat {
                    waits_for_events: true,
                    ..
                })
            )
        })
    }

    /// In a `for` loop or an iterator adaptor's closure (one iteration per element), rather than
    /// a `loop`/`while` that may be retrying or polling.
    pub fn in_per_element_loop(&self) -> bool {
        self.current_loop_scope().is_some_and(|scope| {
            matches!(
                scope.kind,
                ScopeKind::LoopBody(LoopKind::For { .. }) | ScopeKind::Closure { .. }
            )
        })
    }

    /// In the error branch of a match or `if` that is itself inside a loop of this function, or
    /// in the body of a `while` that tests for an error: the shape of a retry.
    pub fn in_error_branch_of_loop(&self) -> bool {
        let mut in_error_branch = false;
        for scope in self.scopes.iter().rev() {
            match scope.kind {
                ScopeKind::LoopBody(kind) => {
                    return in_error_branch
                        || matches!(
                            kind,
                            LoopKind::Repeat {
                                error_branch: true,
                                ..
                            }
                        )
                }
                ScopeKind::Block { error_branch } => in_error_branch |= error_branch,
                ScopeKind::AsyncBlock => {}
                _ => return false,
            }
        }
        false
    }

    /// In a `poll`/`poll_*` method (a hand-written `Future`/`Stream`): its loops drive a state
    /// machine, so work started in them is per state change, not per item.
    pub fn in_poll_method(&self) -> bool {
        self.scopes.iter().rev().find_map(|scope| match scope.kind {
            ScopeKind::Function { poll_method, .. } => Some(poll_method),
            _ => None,
        }) == Some(true)
    }

    /// The spellings of each guard in force here, innermost first: those of this function's
    /// blocks, closures and async blocks (a closure or async block created under a guard runs
    /// under it, or is handed the permit), not those outside the enclosing `fn`.
    pub fn guards_in_force(&self) -> impl Iterator<Item = &[String]> {
        let function = self
            .scopes
            .iter()
            .rposition(|scope| {
                matches!(
                    scope.kind,
                    ScopeKind::Function { .. } | ScopeKind::Module { .. }
                )
            })
            .unwrap_or(0);
        self.scopes[function..]
            .iter()
            .rev()
            .flat_map(|scope| scope.guards.iter().rev())
            .map(|guard| guard.spellings.as_slice())
    }

    /// The names a guard object can be spelled by in `[[guarded-calls]]` `guards`: as written
    /// (`self.breaker`, `limits::API`) and by its last segment (`breaker`, `API`), seeing
    /// through `&`, `*`, parentheses and `.clone()`/`.as_ref()`; the full path of a path
    /// (`crate::` paths excepted); and the type the file states for it
    /// (`tokio::sync::Semaphore`).
    pub fn spellings(&self, expr: &Expr) -> Vec<String> {
        let expr = strip_pass_through(expr);
        let mut names = Vec::new();
        let written = match expr {
            Expr::Path(path) if path.qself.is_none() => {
                if let Some(resolved) = self.resolve_path(&path.path) {
                    names.push(resolved);
                }
                Some(segment_names(&path.path).join("::"))
            }
            Expr::Field(_) => dotted_fields(expr),
            Expr::Call(call) => match strip_pass_through(&call.func) {
                Expr::Path(path) if path.qself.is_none() => {
                    Some(segment_names(&path.path).join("::"))
                }
                _ => None,
            },
            _ => None,
        };
        if let Some(written) = written {
            let last = written
                .rsplit(['.', ':'])
                .next()
                .unwrap_or(&written)
                .to_string();
            if last != written {
                names.push(last);
            }
            names.push(written);
        }
        if let Some(type_name) = self.type_of(expr) {
            names.push(type_name);
        }
        names
    }

    /// The innermost enclosing function (see [`Self::loop_scope`]).
    pub fn function_scope(&self) -> Option<ScopeId> {
        self.scopes
            .iter()
            .rposition(|scope| matches!(scope.kind, ScopeKind::Function { .. }))
            .map(ScopeId)
    }

    /// The innermost scope: the one the walk leaves next.
    pub(super) fn current_scope(&self) -> Option<ScopeId> {
        self.scopes.len().checked_sub(1).map(ScopeId)
    }

    /// What a called path calls: its full path after `use` resolution, or for a function of the
    /// file that only starts a task, the spawn it makes (see [`SpawnWrapper`]).
    pub fn call_target(&self, path: &syn::Path) -> Option<String> {
        self.resolve_path(path).or_else(|| {
            self.spawn_wrapper(path)
                .map(|wrapper| wrapper.spawn.clone())
        })
    }

    /// The function of the file a called path names, when it only starts a task.
    pub fn spawn_wrapper(&self, path: &syn::Path) -> Option<&SpawnWrapper> {
        let name = path.get_ident()?.to_string();
        for scope in self.scopes.iter().rev() {
            if scope.locals.contains_key(&name) {
                return None;
            }
            if let Some(wrapper) = scope.spawn_wrappers.get(&name) {
                return Some(wrapper);
            }
            if scope.items.contains(&name)
                || matches!(
                    scope.kind,
                    ScopeKind::Module {
                        inherits_parent: false
                    }
                )
            {
                return None;
            }
        }
        None
    }

    /// The full path a path refers to after `use` resolution (`thread::sleep` →
    /// `std::thread::sleep`); `None` for locals, the file's own items and `crate::` paths.
    pub fn resolve_path(&self, path: &syn::Path) -> Option<String> {
        self.resolve_segments(&segment_names(path), path.leading_colon.is_some())
    }

    fn resolve_segments(&self, segments: &[String], absolute: bool) -> Option<String> {
        if absolute {
            return Some(data().canonical(segments.join("::")));
        }
        let (first, rest) = segments.split_first()?;
        match first.as_str() {
            "crate" | "super" | "Self" => return None,
            "self" => return self.resolve_segments(rest, false),
            _ => {}
        }
        match self.lookup(first, segments.len() == 1) {
            Lookup::Path(path) if rest.is_empty() => Some(data().canonical(path)),
            Lookup::Path(path) => Some(data().canonical(format!("{path}::{}", rest.join("::")))),
            Lookup::Local => None,
            Lookup::Unbound if rest.is_empty() => None,
            // An extern crate named directly (`std::thread::sleep`, `tokio::spawn`).
            Lookup::Unbound => Some(data().canonical(segments.join("::"))),
        }
    }

    fn lookup(&self, name: &str, is_value: bool) -> Lookup {
        let mut locals_visible = is_value;
        for scope in self.scopes.iter().rev() {
            if locals_visible && scope.locals.contains_key(name) {
                return Lookup::Local;
            }
            if let Some(path) = scope.uses.get(name) {
                return match path
                    .split_once("::")
                    .map_or(path.as_str(), |(head, _)| head)
                {
                    "crate" | "super" | "self" => Lookup::Local,
                    _ => Lookup::Path(path.clone()),
                };
            }
            if scope.items.contains(name) {
                return Lookup::Local;
            }
            for glob in &scope.globs {
                let candidate = data().canonical(format!("{glob}::{name}"));
                if data().known_paths.contains(&candidate) {
                    return Lookup::Path(candidate);
                }
            }
            match scope.kind {
                // A nested `fn` sees the items of enclosing blocks, not their locals.
                ScopeKind::Function { .. } => locals_visible = false,
                ScopeKind::Module {
                    inherits_parent: true,
                } => locals_visible = false,
                ScopeKind::Module { .. } => break,
                _ => {}
            }
        }
        Lookup::Unbound
    }

    /// How the `use` items in scope let this code write `path`: a name imported as it or an
    /// alias of it (`bounded` for `use loopguard_shim::join_all_bounded as bounded;`), or a
    /// path through an imported module (`shim::join_all_bounded` for `use loopguard_shim as
    /// shim;`), the shortest first; only names that resolve to `path` here count.
    pub fn name_for(&self, path: &str) -> Option<String> {
        let wanted = data().canonical(path.to_string());
        let mut candidates: Vec<String> = self
            .scopes
            .iter()
            .flat_map(|scope| scope.uses.iter())
            .filter_map(|(local, full)| {
                if full == path {
                    return Some(local.clone());
                }
                let rest = path.strip_prefix(full.as_str())?.strip_prefix("::")?;
                Some(format!("{local}::{rest}"))
            })
            .collect();
        candidates.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        candidates.into_iter().find(|candidate| {
            let segments: Vec<String> = candidate.split("::").map(str::to_string).collect();
            self.resolve_segments(&segments, false).as_deref() == Some(wanted.as_str())
        })
    }

    /// Inside an inline `mod`, which the file's top-level `use` items do not reach.
    pub fn in_nested_module(&self) -> bool {
        self.scopes
            .iter()
            .filter(|scope| matches!(scope.kind, ScopeKind::Module { .. }))
            .nth(1)
            .is_some()
    }

    /// Whether a top-level `use` of `name` would neither clash with the file's own items and
    /// imports nor be shadowed here.
    pub fn is_free_in_file(&self, name: &str) -> bool {
        let Some(file) = self.scopes.first() else {
            return false;
        };
        !file.uses.contains_key(name)
            && !file.items.contains(name)
            && matches!(self.lookup(name, true), Lookup::Unbound)
    }

    /// The type a type expression names, seeing through references and smart pointers
    /// (`&Arc<Mutex<T>>` → `std::sync::Mutex`).
    pub fn type_name(&self, ty: &Type) -> Option<String> {
        match ty {
            Type::Reference(reference) => self.type_name(&reference.elem),
            Type::Paren(paren) => self.type_name(&paren.elem),
            Type::Group(group) => self.type_name(&group.elem),
            Type::Path(path) if path.qself.is_none() => {
                let last = path.path.segments.last()?;
                let resolved = self.resolve_path(&path.path);
                let transparent = data()
                    .transparent_types
                    .contains(resolved.as_deref().unwrap_or(&last.ident.to_string()));
                if transparent {
                    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
                        return None;
                    };
                    return arguments.args.iter().find_map(|argument| match argument {
                        syn::GenericArgument::Type(inner) => self.type_name(inner),
                        _ => None,
                    });
                }
                resolved
            }
            _ => None,
        }
    }

    /// What a method call calls: `<Type>::<method>` on a receiver whose type the file states,
    /// or `<Trait>::<method>` for a method of a non-prelude trait that is in scope (the code
    /// can only call it by importing the trait).
    pub fn method_target(&self, receiver: &Expr, method: &str) -> Option<String> {
        if let Some(receiver) = self.type_of(receiver) {
            return Some(format!("{receiver}::{method}"));
        }
        let path = data().trait_methods.get(method)?;
        let name = path.rsplit("::").next()?;
        (self.resolve_segments(&[name.to_string()], false).as_deref() == Some(path.as_str()))
            .then(|| format!("{path}::{method}"))
    }

    /// The target of the call that makes the value of an expression written in place
    /// (`File::open(p)` in `File::open(p)?.read_to_end(..)`), seeing through `?`, references,
    /// the pass-through methods and the wrapping constructors of transparent types
    /// (`BufReader::new(File::open(p)?)`).
    pub fn making_call(&self, expr: &Expr) -> Option<String> {
        let mut expr = expr;
        // Each step goes one node down the tree, which is finite.
        loop {
            expr = match expr {
                Expr::Try(tried) => &tried.expr,
                Expr::Paren(paren) => &paren.expr,
                Expr::Reference(reference) => &reference.expr,
                Expr::MethodCall(call)
                    if data()
                        .pass_through_methods
                        .contains(&call.method.to_string()) =>
                {
                    &call.receiver
                }
                Expr::MethodCall(call) => {
                    return self.method_target(&call.receiver, &call.method.to_string())
                }
                Expr::Call(call) => {
                    let Expr::Path(function) = call.func.as_ref() else {
                        return None;
                    };
                    let target = self.resolve_path(&function.path)?;
                    let wraps = target.rsplit_once("::").is_some_and(|(owner, name)| {
                        data().transparent_types.contains(owner)
                            && data().wrapping_constructors.contains(name)
                    });
                    if !wraps {
                        return Some(target);
                    }
                    call.args.first()?
                }
                _ => return None,
            };
        }
    }

    /// The type of the value an expression evaluates to, when the file states it.
    pub fn type_of(&self, expr: &Expr) -> Option<String> {
        let mut types = self.value_types(expr)?;
        (types.len() == 1).then(|| types.pop()).flatten()
    }

    /// The types of a value: one, or one per element when a call returns a tuple.
    pub fn value_types(&self, expr: &Expr) -> Option<Vec<String>> {
        self.value_types_within(expr, MAX_TYPED_CHAIN)
    }

    /// [`Self::value_types`] looking at most `links` receivers deep: the checker asks for the
    /// receiver of every call of a chain, so an unbounded descent is quadratic in its length.
    fn value_types_within(&self, expr: &Expr, links: usize) -> Option<Vec<String>> {
        let links = links.checked_sub(1)?;
        match expr {
            Expr::Path(path) if path.qself.is_none() => {
                let ident = path.path.get_ident()?.to_string();
                self.local_type(&ident).map(|type_name| vec![type_name])
            }
            Expr::Field(field) => {
                let syn::Member::Named(member) = &field.member else {
                    return None;
                };
                if !is_self(&field.base) {
                    return None;
                }
                let struct_name = self.impl_types.last()?.as_ref()?;
                let fields = self.struct_fields.get(struct_name)?.as_ref()?;
                fields
                    .get(&member.to_string())
                    .map(|type_name| vec![type_name.clone()])
            }
            Expr::Call(call) => {
                let Expr::Path(function) = call.func.as_ref() else {
                    return None;
                };
                let target = self.resolve_path(&function.path)?;
                if let Some(types) = data().returns.get(&target) {
                    return Some(types.clone());
                }
                let (owner, function_name) = target.rsplit_once("::")?;
                let owner_is_type = owner
                    .rsplit("::")
                    .next()
                    .is_some_and(|name| name.starts_with(|c: char| c.is_ascii_uppercase()));
                if !owner_is_type {
                    return None;
                }
                if data().transparent_types.contains(owner) {
                    return data()
                        .wrapping_constructors
                        .contains(function_name)
                        .then(|| self.value_types_within(call.args.first()?, links))
                        .flatten();
                }
                // An associated function of a type is taken to construct it (`Runtime::new()`,
                // `File::open(p)`), unless it is a builder entry point.
                (function_name != "builder").then(|| vec![owner.to_string()])
            }
            Expr::MethodCall(call) => {
                let method = call.method.to_string();
                if data().pass_through_methods.contains(&method) {
                    return self.value_types_within(&call.receiver, links);
                }
                let mut receivers = self.value_types_within(&call.receiver, links)?;
                let receiver = (receivers.len() == 1).then(|| receivers.pop()).flatten()?;
                if let Some(types) = data().returns.get(&format!("{receiver}::{method}")) {
                    return Some(types.clone());
                }
                data()
                    .builder_types
                    .contains(&receiver)
                    .then(|| vec![receiver])
            }
            Expr::Try(expr) => self.value_types_within(&expr.expr, links),
            Expr::Paren(expr) => self.value_types_within(&expr.expr, links),
            Expr::Group(expr) => self.value_types_within(&expr.expr, links),
            Expr::Reference(expr) => self.value_types_within(&expr.expr, links),
            Expr::Cast(cast) => self.type_name(&cast.ty).map(|type_name| vec![type_name]),
            _ => None,
        }
    }

    fn local_type(&self, name: &str) -> Option<String> {
        match self.local(name)? {
            LocalType::External(type_name) => Some(type_name.clone()),
            LocalType::Project(_) => None,
        }
    }

    /// The type the file states for the local `name` visible here.
    fn local(&self, name: &str) -> Option<&LocalType> {
        for scope in self.scopes.iter().rev() {
            if let Some(stated) = scope.locals.get(name) {
                return stated.as_ref();
            }
            if matches!(
                scope.kind,
                ScopeKind::Function { .. } | ScopeKind::Module { .. }
            ) {
                return None;
            }
        }
        None
    }

    /// The project type a type expression names (`&Fds`, `Arc<crate::fds::Fds>`), seeing
    /// through references and the transparent smart pointers like [`Self::type_name`].
    pub fn project_type(&self, ty: &Type) -> Option<ProjectPath> {
        let mut ty = ty;
        // Each step goes one node down the type, which is finite.
        loop {
            ty = match ty {
                Type::Reference(reference) => &reference.elem,
                Type::Paren(paren) => &paren.elem,
                Type::Group(group) => &group.elem,
                Type::Path(path) if path.qself.is_none() => {
                    let last = path.path.segments.last()?;
                    let resolved = self.resolve_path(&path.path);
                    let transparent = data()
                        .transparent_types
                        .contains(resolved.as_deref().unwrap_or(&last.ident.to_string()));
                    if !transparent {
                        return match resolved {
                            Some(_) => None,
                            None => self.project_path(&segment_names(&path.path)),
                        };
                    }
                    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
                        return None;
                    };
                    arguments.args.iter().find_map(|argument| match argument {
                        syn::GenericArgument::Type(inner) => Some(inner),
                        _ => None,
                    })?
                }
                _ => return None,
            };
        }
    }

    /// The project type of the value an expression evaluates to, when the file states it: a
    /// local of a project type, a struct literal, or an associated function of a project type
    /// (`Fds::new()`, `Fds::open(p)?`, taken to construct it like [`Self::value_types`] does),
    /// seeing through references, `?` and the pass-through methods.
    pub fn project_type_of(&self, expr: &Expr) -> Option<ProjectPath> {
        let mut expr = expr;
        // At most MAX_TYPED_CHAIN steps, each one node down: the checker asks for the receiver
        // of every call of a chain.
        for _ in 0..MAX_TYPED_CHAIN {
            expr = match expr {
                Expr::Path(path) if path.qself.is_none() => {
                    let ident = path.path.get_ident()?.to_string();
                    return match self.local(&ident)? {
                        LocalType::Project(path) => Some(path.clone()),
                        LocalType::External(_) => None,
                    };
                }
                Expr::Struct(literal) if literal.qself.is_none() => {
                    return self.project_path(&segment_names(&literal.path));
                }
                Expr::Call(call) => {
                    let Expr::Path(function) = call.func.as_ref() else {
                        return None;
                    };
                    if function.qself.is_some() || self.resolve_path(&function.path).is_some() {
                        return None;
                    }
                    let segments = segment_names(&function.path);
                    let (function_name, owner) = segments.split_last()?;
                    let owner_is_type = owner
                        .last()
                        .is_some_and(|name| name.starts_with(|c: char| c.is_ascii_uppercase()));
                    if !owner_is_type || function_name == "builder" || owner.last()? == "Self" {
                        return None;
                    }
                    return self.project_path(owner);
                }
                Expr::MethodCall(call)
                    if data()
                        .pass_through_methods
                        .contains(&call.method.to_string()) =>
                {
                    &call.receiver
                }
                Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Deref(_)) => &unary.expr,
                Expr::Try(tried) => &tried.expr,
                Expr::Paren(paren) => &paren.expr,
                Expr::Group(group) => &group.expr,
                Expr::Reference(reference) => &reference.expr,
                _ => return None,
            };
        }
        None
    }
}

/// A path into the project (see [`SemanticModel::project_path`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectPath {
    /// `crate::a::f` without the `crate`.
    Crate(String),
    /// `ups` modules above the current one (`super` is one), then `path`.
    Relative { ups: usize, path: String },
}

/// `self::a::f`, `super::super::g` or `a::f` seen `ups` modules below where it was written.
fn relative_path(segments: &[String], ups: usize) -> ProjectPath {
    let mut ups = ups;
    let mut rest = segments;
    while let Some((first, tail)) = rest.split_first() {
        match first.as_str() {
            "self" => {}
            "super" => ups += 1,
            _ => break,
        }
        rest = tail;
    }
    ProjectPath::Relative {
        ups,
        path: rest.join("::"),
    }
}

/// How many receivers deep a value's type is followed (`a.b().c()…`): builder chains are far
/// shorter, and a generated chain of 100,000 calls stays linear.
const MAX_TYPED_CHAIN: usize = 64;

/// `x` in `&x`, `*x`, `(x)`, `x.clone()`, `x.as_ref()`.
fn strip_pass_through(expr: &Expr) -> &Expr {
    match expr {
        Expr::Reference(reference) => strip_pass_through(&reference.expr),
        Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Deref(_)) => {
            strip_pass_through(&unary.expr)
        }
        Expr::Paren(paren) => strip_pass_through(&paren.expr),
        Expr::Group(group) => strip_pass_through(&group.expr),
        Expr::MethodCall(call)
            if call.args.is_empty()
                && data()
                    .pass_through_methods
                    .contains(&call.method.to_string()) =>
        {
            strip_pass_through(&call.receiver)
        }
        _ => expr,
    }
}

/// `self.inner.breaker` for a chain of named fields on a plain name.
fn dotted_fields(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Field(field) => {
            let syn::Member::Named(member) = &field.member else {
                return None;
            };
            Some(format!("{}.{member}", dotted_fields(&field.base)?))
        }
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident().map(ToString::to_string),
        Expr::Paren(paren) => dotted_fields(&paren.expr),
        _ => None,
    }
}

/// The names of a path's segments as written (`thread::sleep` → `["thread", "sleep"]`).
pub fn segment_names(path: &syn::Path) -> Vec<String> {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect()
}

pub fn is_self(expr: &Expr) -> bool {
    matches!(expr, Expr::Path(path) if path.qself.is_none() && path.path.is_ident("self"))
}

fn item_name(item: &Item) -> Option<String> {
    let ident = match item {
        Item::Fn(item) => &item.sig.ident,
        Item::Struct(item) => &item.ident,
        Item::Enum(item) => &item.ident,
        Item::Union(item) => &item.ident,
        Item::Mod(item) => &item.ident,
        Item::Const(item) => &item.ident,
        Item::Static(item) => &item.ident,
        Item::Trait(item) => &item.ident,
        Item::Type(item) => &item.ident,
        Item::Macro(item) => item.ident.as_ref()?,
        _ => return None,
    };
    Some(ident.to_string())
}

/// Walks a `use` tree: `use std::fs::{self, File as F}` binds `fs` → `std::fs` and
/// `F` → `std::fs::File`.
fn collect_use(tree: &UseTree, prefix: &mut Vec<String>, absolute: bool, scope: &mut Scope) {
    let full = |prefix: &[String], last: Option<&syn::Ident>| {
        let mut segments: Vec<String> = prefix
            .iter()
            .skip_while(|segment| !absolute && *segment == "self")
            .cloned()
            .collect();
        segments.extend(last.map(ToString::to_string));
        segments.join("::")
    };
    match tree {
        UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            collect_use(&path.tree, prefix, absolute, scope);
            prefix.pop();
        }
        UseTree::Name(name) if name.ident == "self" => {
            if let Some(last) = prefix.last() {
                scope.uses.insert(last.clone(), full(prefix, None));
            }
        }
        UseTree::Name(name) => {
            scope
                .uses
                .insert(name.ident.to_string(), full(prefix, Some(&name.ident)));
        }
        UseTree::Rename(rename) if rename.rename == "_" => {}
        UseTree::Rename(rename) => {
            let path = if rename.ident == "self" {
                full(prefix, None)
            } else {
                full(prefix, Some(&rename.ident))
            };
            scope.uses.insert(rename.rename.to_string(), path);
        }
        UseTree::Glob(_) => scope.globs.push(full(prefix, None)),
        UseTree::Group(group) => {
            for tree in &group.items {
                collect_use(tree, prefix, absolute, scope);
            }
        }
    }
}

/// Finds the first suspension point of a body: `.await` or a suspending macro (`select!`,
/// `join!`), not looking into closures, `async` blocks or nested items (their suspension points
/// are not this body's).
struct SuspensionFinder {
    found: Option<proc_macro2::Span>,
    /// The macro bodies being searched (see [`super::macros::MAX_NESTED_BODIES`]).
    macro_depth: usize,
}

impl<'ast> syn::visit::Visit<'ast> for SuspensionFinder {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        if self.found.is_none() {
            syn::visit::visit_expr(self, expr);
        }
    }

    fn visit_expr_await(&mut self, await_expr: &'ast syn::ExprAwait) {
        self.visit_expr(&await_expr.base);
        self.found
            .get_or_insert_with(|| syn::spanned::Spanned::span(await_expr));
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast Item) {}

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if self.found.is_some() {
            return;
        }
        if super::macros::name(mac).is_some_and(|name| super::macros::is_suspension(&name)) {
            self.found = Some(syn::spanned::Spanned::span(mac));
            return;
        }
        // `select!` bodies, the only ones of their kind, were found above.
        super::macros::walk_body(self, mac);
    }
}

impl super::macros::WalksMacroBodies for SuspensionFinder {
    fn macro_depth(&mut self) -> &mut usize {
        &mut self.macro_depth
    }
}

/// The first `.await` (or suspending macro: `select!`, `join!`) in a statement list, not looking
/// into closures, `async` blocks or nested items (their suspension points are not this body's).
pub fn first_suspension_point(statements: &[syn::Stmt]) -> Option<proc_macro2::Span> {
    let mut finder = SuspensionFinder {
        found: None,
        macro_depth: 0,
    };
    for statement in statements {
        syn::visit::Visit::visit_stmt(&mut finder, statement);
        if finder.found.is_some() {
            break;
        }
    }
    finder.found
}

/// Whether an expression suspends (a `while let .. = rx.recv().await` condition), as
/// [`first_suspension_point`] finds it.
pub fn suspends(expr: &Expr) -> bool {
    suspension_point(expr).is_some()
}

/// The first suspension point of an expression, as [`first_suspension_point`] finds it.
pub fn suspension_point(expr: &Expr) -> Option<proc_macro2::Span> {
    let mut finder = SuspensionFinder {
        found: None,
        macro_depth: 0,
    };
    syn::visit::Visit::visit_expr(&mut finder, expr);
    finder.found
}

/// The names a pattern binds.
fn pattern_names(pattern: &Pat, names: &mut Vec<String>) {
    match pattern {
        Pat::Ident(ident) => {
            names.push(ident.ident.to_string());
            if let Some((_, subpattern)) = &ident.subpat {
                pattern_names(subpattern, names);
            }
        }
        Pat::Type(typed) => pattern_names(&typed.pat, names),
        Pat::Tuple(tuple) => tuple.elems.iter().for_each(|p| pattern_names(p, names)),
        Pat::TupleStruct(tuple) => tuple.elems.iter().for_each(|p| pattern_names(p, names)),
        Pat::Struct(structure) => structure
            .fields
            .iter()
            .for_each(|field| pattern_names(&field.pat, names)),
        Pat::Slice(slice) => slice.elems.iter().for_each(|p| pattern_names(p, names)),
        Pat::Or(or) => {
            if let Some(first) = or.cases.first() {
                pattern_names(first, names);
            }
        }
        Pat::Reference(reference) => pattern_names(&reference.pat, names),
        Pat::Paren(paren) => pattern_names(&paren.pat, names),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(items: &str) -> SemanticModel {
        let file: syn::File = syn::parse_str(items).unwrap();
        let mut model = SemanticModel::new();
        model.push_scope(ScopeKind::Module {
            inherits_parent: false,
        });
        model.declare_items(file.items.iter());
        model
    }

    fn resolve(model: &SemanticModel, path: &str) -> Option<String> {
        model.resolve_path(&syn::parse_str(path).unwrap())
    }

    #[test]
    fn use_items_resolve_groups_self_renames_and_globs() {
        let model = model(
            "use std::{fs::{self, File as F}, thread::sleep as nap}; use tokio::time::*; \
             use crate::local::helper; extern crate serde_json as json; fn own() {}",
        );
        assert_eq!(
            resolve(&model, "fs::read").as_deref(),
            Some("std::fs::read")
        );
        assert_eq!(
            resolve(&model, "F::open").as_deref(),
            Some("std::fs::File::open")
        );
        assert_eq!(
            resolve(&model, "nap").as_deref(),
            Some("std::thread::sleep")
        );
        assert_eq!(
            resolve(&model, "json::to_string").as_deref(),
            Some("serde_json::to_string")
        );
        assert_eq!(
            resolve(&model, "::std::thread::sleep").as_deref(),
            Some("std::thread::sleep")
        );
        assert_eq!(
            resolve(&model, "futures_util::future::join_all").as_deref(),
            Some("futures::future::join_all")
        );
        assert_eq!(resolve(&model, "helper"), None);
        assert_eq!(resolve(&model, "own"), None);
        assert_eq!(resolve(&model, "crate::fs::read"), None);
        assert_eq!(resolve(&model, "unknown_single"), None);
    }

    #[test]
    fn functions_that_only_spawn_a_parameter_are_spawns() {
        let model = model(
            "use tokio::runtime::Handle; \
             fn spawn_task<F>(f: F) -> JoinHandle<F::Output> { tokio::spawn(f) } \
             fn on(handle: &Handle, name: &str, f: F) { tracing::info!(name); handle.spawn(f.in_current_span()) } \
             fn limited(f: F) { let _p = SEM.try_acquire(); tokio::spawn(f) } \
             async fn later(f: F) { tokio::spawn(f); } \
             fn blocks(f: F) { Handle::current().block_on(f) } \
             fn fixed() { tokio::spawn(work()) }",
        );
        let wrapper = |name: &str| {
            model
                .spawn_wrapper(&syn::parse_str(name).unwrap())
                .map(|wrapper| (wrapper.spawn.as_str(), wrapper.future))
        };
        assert_eq!(wrapper("spawn_task"), Some(("tokio::spawn", 0)));
        assert_eq!(wrapper("on"), Some(("tokio::runtime::Handle::spawn", 2)));
        for name in ["limited", "later", "blocks", "fixed", "unknown"] {
            assert_eq!(wrapper(name), None, "{name}");
        }
    }

    #[test]
    fn glob_imports_bring_in_only_known_names() {
        let model = model("use std::thread::*;");
        assert_eq!(
            resolve(&model, "sleep").as_deref(),
            Some("std::thread::sleep")
        );
        assert_eq!(resolve(&model, "park"), None);
    }

    #[test]
    fn inner_modules_see_parent_imports_only_through_use_super_glob() {
        let mut model = model("use std::thread;");
        model.push_scope(ScopeKind::Module {
            inherits_parent: false,
        });
        model.declare_items(std::iter::empty());
        assert_eq!(
            resolve(&model, "thread::sleep").as_deref(),
            Some("thread::sleep")
        );
        model.pop_scope();
        model.push_scope(ScopeKind::Module {
            inherits_parent: false,
        });
        let glob: syn::File = syn::parse_str("use super::*;").unwrap();
        model.declare_items(glob.items.iter());
        assert_eq!(
            resolve(&model, "thread::sleep").as_deref(),
            Some("std::thread::sleep")
        );
    }

    #[test]
    fn locals_shadow_imports_and_carry_their_types() {
        let mut model = model("use std::sync::mpsc; use std::thread;");
        model.push_scope(ScopeKind::Function {
            is_async: true,
            poll_method: false,
        });
        let pattern: syn::Pat = syn::parse_quote!((tx, rx));
        let init: Expr = syn::parse_quote!(mpsc::channel::<u8>());
        let types = model.value_types(&init);
        model.bind(&pattern, types);
        let receiver: Expr = syn::parse_quote!(rx);
        assert_eq!(
            model.type_of(&receiver).as_deref(),
            Some("std::sync::mpsc::Receiver")
        );
        model.bind_unknown(&syn::parse_quote!(thread));
        assert_eq!(resolve(&model, "thread"), None);
        assert_eq!(
            resolve(&model, "thread::sleep").as_deref(),
            Some("std::thread::sleep")
        );
    }

    #[test]
    fn async_and_loop_context_follow_closures_and_blocks() {
        let mut model = model("");
        model.push_scope(ScopeKind::Function {
            is_async: true,
            poll_method: false,
        });
        assert!(model.in_async_context() && model.can_await() && !model.in_loop());
        model.push_scope(ScopeKind::LoopBody(LoopKind::Repeat {
            error_branch: false,
            waits_for_events: false,
        }));
        assert!(model.in_loop());
        model.push_scope(ScopeKind::Closure {
            is_async: false,
            runs: ClosureRuns::PerItem { fixed_items: false },
        });
        assert!(model.in_async_context() && !model.can_await() && model.in_loop());
        model.push_scope(ScopeKind::Closure {
            is_async: false,
            runs: ClosureRuns::Elsewhere,
        });
        assert!(!model.in_async_context() && !model.in_loop());
        model.push_scope(ScopeKind::AsyncBlock);
        assert!(model.in_async_context() && model.can_await());
        model.push_scope(ScopeKind::Function {
            is_async: false,
            poll_method: false,
        });
        assert!(!model.in_async_context());
    }
}
