//! The module's scopes, bindings and references, computed once before the checker's walk: which
//! assignment a name reads, and where the value an assignment binds is read.
//!
//! The model follows ruff_python_semantic (scopes and bindings by id, each binding with the
//! statement that made it and the loads that read it), with two differences. The checker walks
//! the tree once and rules ask about code before and after the node being visited, so everything
//! is computed up front, in two walks of the module: [`collect`] finds the scopes and bindings,
//! then `flow::resolve` resolves every load. And a load resolves to every binding that may reach
//! it along the control flow of its scope (`if`/`else` branches, loops, `try`), not only to the
//! latest one in source order: a fact that asks "is this value ever closed" must see a
//! `close()` reached from either branch that bound the name.

use ruff_python_ast::visitor::{walk_expr, walk_pattern, walk_stmt, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};
use rustc_hash::FxHashMap;

use super::resolver::canonical;
use crate::python::top_level_package;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScopeId(pub(super) u32);

impl ScopeId {
    pub const MODULE: ScopeId = ScopeId(0);

    fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BindingId(pub(super) u32);

impl BindingId {
    pub(super) fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementId(pub(super) u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ReferenceId(pub(super) u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Class,
    Function { is_async: bool },
    Lambda,
    Comprehension,
}

impl ScopeKind {
    /// A function or lambda body runs when it is called, not where it is written.
    pub(super) fn is_deferred(self) -> bool {
        matches!(self, ScopeKind::Function { .. } | ScopeKind::Lambda)
    }
}

#[derive(Debug)]
pub struct Scope<'a> {
    pub kind: ScopeKind,
    pub parent: Option<ScopeId>,
    /// The `def` whose body this is.
    pub function: Option<&'a ast::StmtFunctionDef>,
    /// For a class body: what the class assigns to its attributes.
    pub(super) class: Option<ClassFacts<'a>>,
    /// Each name's bindings in this scope, in source order.
    names: FxHashMap<&'a str, Vec<BindingId>>,
    /// All bindings of this scope in source order.
    by_position: Vec<BindingId>,
    /// `global x` / `nonlocal x`: the name is another scope's.
    declarations: FxHashMap<&'a str, Declaration>,
}

impl<'a> Scope<'a> {
    fn new(kind: ScopeKind, parent: Option<ScopeId>) -> Self {
        Scope {
            kind,
            parent,
            function: None,
            class: None,
            names: FxHashMap::default(),
            by_position: Vec::new(),
            declarations: FxHashMap::default(),
        }
    }

    /// The name's bindings in this scope, in source order.
    pub fn bindings_of(&self, name: &str) -> &[BindingId] {
        self.names.get(name).map_or(&[], Vec::as_slice)
    }

    pub(super) fn name_count(&self) -> usize {
        self.names.len()
    }

    pub(super) fn binds(&self, name: &str) -> bool {
        self.names.contains_key(name)
    }

    pub(super) fn declaration(&self, name: &str) -> Option<Declaration> {
        // Asked of every load; almost no scope declares anything.
        if self.declarations.is_empty() {
            return None;
        }
        self.declarations.get(name).copied()
    }

    pub(super) fn names(&self) -> impl Iterator<Item = (&'a str, &[BindingId])> + '_ {
        self.names
            .iter()
            .map(|(name, bindings)| (*name, bindings.as_slice()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Declaration {
    Global,
    Nonlocal,
}

#[derive(Debug, Clone)]
pub enum BindingKind<'a> {
    /// `import a.b as c` binds `c` to `a.b`; `from a import b` binds `b` to `a.b`.
    Import(String),
    /// `x = v`, `(x := v)`, `with v as x`.
    Value(&'a Expr),
    /// `x: T` or `x: T = v`: the annotation is read in the same scope, before the binding.
    Annotated {
        annotation: &'a Expr,
        value: Option<&'a Expr>,
    },
    /// `x += v`: the value the name had, combined with `v`.
    Augmented(&'a Expr),
    /// A parameter's annotation, read in the scope that encloses the `def`.
    Parameter(&'a Expr),
    /// The first parameter of a method: an instance of the enclosing class.
    SelfParameter,
    Function(&'a ast::StmtFunctionDef),
    Class(&'a ast::StmtClassDef),
    /// `del x`: the name is unbound again.
    Deletion,
    /// Bound in a way that says nothing about the value (loop targets, unpacking, `except as`,
    /// unannotated parameters, `match` captures).
    Unknown,
}

#[derive(Debug)]
pub struct Binding<'a> {
    pub name: &'a str,
    pub scope: ScopeId,
    pub kind: BindingKind<'a>,
    /// The name where it is bound: a target, an alias, a parameter, a `def`'s name.
    pub range: TextRange,
    /// The statement that binds it; for a comprehension variable, a lambda parameter or an
    /// assignment expression, the statement they are part of.
    pub statement: &'a Stmt,
}

impl<'a> Binding<'a> {
    /// The value assigned, when the binding is an assignment of one.
    pub fn value(&self) -> Option<&'a Expr> {
        match self.kind {
            BindingKind::Value(value) => Some(value),
            BindingKind::Annotated { value, .. } => value,
            _ => None,
        }
    }
}

/// A load of a name (or the old value an augmented assignment or `del` reads).
#[derive(Debug, Clone, Copy)]
pub struct Reference {
    pub range: TextRange,
    /// The scope the load is in.
    pub scope: ScopeId,
    /// The innermost statement the load is in.
    pub statement: StatementId,
}

/// What a load reads.
#[derive(Debug, Clone, Copy)]
pub(super) enum Resolution {
    /// These bindings may reach it (a range of [`Index::reaching`]); none when the name is
    /// local to the load's function but unbound on every path to it.
    Flow { start: u32, len: u32 },
    /// Any binding of the name in this scope: a free variable of a function or lambda (called at
    /// a time the file does not show), a `global` or `nonlocal` name, an annotation of a
    /// parameter, or a load more bindings reach than are tracked.
    AnyIn(ScopeId),
    /// Bound nowhere in the file: a builtin, or unknown.
    Unbound,
}

/// The one binding a name is taken to read, for questions with one answer (its type, its value).
pub(super) enum Lookup {
    Binding(BindingId),
    /// Local to its function, but unbound on every path to the load (or deleted).
    Unbound,
    /// Bound nowhere in the file: a builtin, or unknown.
    NotInFile,
}

#[derive(Debug)]
pub(super) struct StatementNode<'a> {
    pub(super) statement: &'a Stmt,
    pub(super) parent: Option<StatementId>,
}

/// Attributes a class assigns (`self.x = ...` in its methods, `x: T` or `x = ...` in its body).
#[derive(Debug)]
pub(super) struct ClassFacts<'a> {
    pub(super) attributes: FxHashMap<&'a str, Vec<&'a Expr>>,
    pub(super) annotations: FxHashMap<&'a str, &'a Expr>,
}

/// Scopes, bindings and references of one module.
#[derive(Debug)]
pub struct Index<'a> {
    pub(super) scopes: Vec<Scope<'a>>,
    pub(super) bindings: Vec<Binding<'a>>,
    /// The scope a `def`, `class`, lambda or comprehension opens, by the node's range.
    pub(super) scope_by_node: FxHashMap<TextRange, ScopeId>,
    /// The binding made at a name, by where the name starts.
    pub(super) binding_by_name: FxHashMap<TextSize, BindingId>,
    /// The modules `from m import *` at module level names, in order (`.m` relative).
    pub(super) star_imports: Vec<String>,
    // Filled in by `flow::resolve`.
    pub(super) statements: Vec<StatementNode<'a>>,
    pub(super) references: Vec<Reference>,
    /// Each load's resolution and reference, by where the name starts.
    pub(super) loads: FxHashMap<TextSize, (Resolution, ReferenceId)>,
    /// The bindings of every [`Resolution::Flow`], back to back.
    pub(super) reaching: Vec<BindingId>,
    /// Each binding's references: `references_by_binding[starts[b]..starts[b + 1]]`.
    pub(super) reference_starts: Vec<u32>,
    pub(super) references_by_binding: Vec<ReferenceId>,
    /// References that may read any binding of a name in a scope ([`Resolution::AnyIn`]).
    pub(super) references_to_any: FxHashMap<(ScopeId, &'a str), Vec<ReferenceId>>,
}

impl<'a> Index<'a> {
    pub fn new(module: &'a ast::ModModule) -> Self {
        let mut index = collect(module);
        super::flow::resolve(&mut index, module);
        index
    }

    pub fn scope(&self, id: ScopeId) -> &Scope<'a> {
        &self.scopes[id.index()]
    }

    pub fn binding(&self, id: BindingId) -> &Binding<'a> {
        &self.bindings[id.index()]
    }

    pub(super) fn scope_of_node(&self, range: TextRange) -> Option<ScopeId> {
        self.scope_by_node.get(&range).copied()
    }

    /// The binding made at the name starting at `at` (an assignment target, a parameter, ...).
    pub(super) fn binding_at(&self, at: TextSize) -> Option<BindingId> {
        self.binding_by_name.get(&at).copied()
    }

    pub(super) fn resolution(&self, at: TextSize) -> Option<Resolution> {
        self.loads.get(&at).map(|(resolution, _)| *resolution)
    }

    /// A target names the binding it makes; a load, of the bindings that may reach it, the
    /// nearest one before it (in a loop, the first, when it comes after), or the last binding of
    /// the scope it reads at any time.
    pub(super) fn lookup(&self, name: &ast::ExprName) -> Lookup {
        if name.ctx.is_store() {
            return self
                .binding_at(name.start())
                .map_or(Lookup::NotInFile, Lookup::Binding);
        }
        let Some(resolution) = self.resolution(name.start()) else {
            return Lookup::NotInFile;
        };
        let position = |id: &&BindingId| self.binding(**id).range.start();
        let chosen = match resolution {
            Resolution::Flow { start, len } => {
                let reaching = self.flow_bindings(start, len);
                reaching
                    .iter()
                    .filter(|id| position(id) < name.start())
                    .max_by_key(position)
                    .or_else(|| reaching.iter().min_by_key(position))
            }
            Resolution::AnyIn(scope) => self.scope(scope).bindings_of(name.id.as_str()).last(),
            Resolution::Unbound => return Lookup::NotInFile,
        };
        match chosen {
            Some(id) if !matches!(self.binding(*id).kind, BindingKind::Deletion) => {
                Lookup::Binding(*id)
            }
            _ => Lookup::Unbound,
        }
    }

    pub(super) fn flow_bindings(&self, start: u32, len: u32) -> &[BindingId] {
        &self.reaching[start as usize..(start + len) as usize]
    }

    /// The bindings that may reach a load.
    pub(super) fn reaching_bindings(&self, name: &str, resolution: Resolution) -> &[BindingId] {
        match resolution {
            Resolution::Flow { start, len } => self.flow_bindings(start, len),
            Resolution::AnyIn(scope) => self.scope(scope).bindings_of(name),
            Resolution::Unbound => &[],
        }
    }

    /// Every load that may read `id`: in its own scope and in nested scopes.
    pub fn references(&self, id: BindingId) -> impl Iterator<Item = &Reference> + '_ {
        let binding = self.binding(id);
        let own = match self.reference_starts.get(id.index()..=id.index() + 1) {
            Some([start, end]) => &self.references_by_binding[*start as usize..*end as usize],
            _ => &[],
        };
        let shared = self
            .references_to_any
            .get(&(binding.scope, binding.name))
            .map_or(&[][..], Vec::as_slice);
        own.iter()
            .chain(shared)
            .map(|reference| &self.references[reference.0 as usize])
    }

    pub fn statement(&self, id: StatementId) -> &'a Stmt {
        self.statements[id.0 as usize].statement
    }

    /// The statements that enclose a statement, innermost first, up to the module: each step
    /// goes to a strictly enclosing statement, so the walk ends.
    pub fn enclosing_statements(&self, id: StatementId) -> impl Iterator<Item = &'a Stmt> + '_ {
        std::iter::successors(self.statements[id.0 as usize].parent, |parent| {
            self.statements[parent.0 as usize].parent
        })
        .map(|id| self.statements[id.0 as usize].statement)
    }

    /// Whether code in `inner` runs as part of `outer`'s code, where it is written: `inner` is
    /// `outer` or nested in it only through comprehensions (not a function, lambda or class
    /// body, which run at another time or keep their own names).
    pub fn runs_inline(&self, inner: ScopeId, outer: ScopeId) -> bool {
        let mut scope = inner;
        while scope != outer {
            let current = self.scope(scope);
            if current.kind != ScopeKind::Comprehension {
                return false;
            }
            let Some(parent) = current.parent else {
                return false;
            };
            scope = parent;
        }
        true
    }

    /// The function scope a `nonlocal` name of `scope` refers to.
    pub(super) fn nonlocal_target(&self, scope: ScopeId, name: &str) -> Option<ScopeId> {
        let mut current = self.scope(scope).parent;
        while let Some(id) = current {
            let candidate = self.scope(id);
            if matches!(candidate.kind, ScopeKind::Function { .. })
                && candidate.binds(name)
                && candidate.declaration(name).is_none()
            {
                return Some(id);
            }
            current = candidate.parent;
        }
        None
    }
}

/// The first walk: scopes, and the bindings each makes. Bindings of names declared `global` go
/// to the module, of names declared `nonlocal` to the enclosing function that binds them.
fn collect(module: &ast::ModModule) -> Index<'_> {
    // Real code binds about ten names per KB (homeassistant): sized for sixteen, most files
    // never grow these.
    let expected_bindings = module.range.len().to_usize() / 64;
    let mut collector = Collector {
        index: Index {
            scopes: vec![Scope::new(ScopeKind::Module, None)],
            bindings: Vec::with_capacity(expected_bindings),
            scope_by_node: FxHashMap::default(),
            binding_by_name: FxHashMap::with_capacity_and_hasher(
                expected_bindings,
                Default::default(),
            ),
            star_imports: Vec::new(),
            statements: Vec::new(),
            references: Vec::new(),
            loads: FxHashMap::default(),
            reaching: Vec::new(),
            reference_starts: Vec::new(),
            references_by_binding: Vec::new(),
            references_to_any: FxHashMap::default(),
        },
        stack: vec![ScopeId::MODULE],
        statement: None,
        nonlocal: Vec::new(),
        loads: 0,
    };
    collector.visit_body(&module.body);
    let Collector {
        mut index,
        nonlocal,
        loads,
        ..
    } = collector;
    // The second walk records every load: sized once rather than grown.
    index.loads.reserve(loads);
    index.references.reserve(loads);
    index.reaching.reserve(loads);
    // The function a `nonlocal` name belongs to may bind it after the nested `def`.
    for id in nonlocal {
        let binding = &index.bindings[id.index()];
        let scope = index
            .nonlocal_target(binding.scope, binding.name)
            .unwrap_or(binding.scope);
        index.bindings[id.index()].scope = scope;
        let name = index.bindings[id.index()].name;
        let target = &mut index.scopes[scope.index()];
        target.names.entry(name).or_default().push(id);
        target.by_position.push(id);
    }
    let bindings = &index.bindings;
    let position = |id: &BindingId| bindings[id.index()].range.start();
    for scope in &mut index.scopes {
        scope.by_position.sort_by_key(position);
        for ids in scope.names.values_mut() {
            ids.sort_by_key(position);
        }
    }
    index
}

struct Collector<'a> {
    index: Index<'a>,
    stack: Vec<ScopeId>,
    statement: Option<&'a Stmt>,
    /// Bindings of `nonlocal` names, placed once every scope is known.
    nonlocal: Vec<BindingId>,
    /// How many names are read.
    loads: usize,
}

impl<'a> Collector<'a> {
    fn current(&self) -> ScopeId {
        self.stack.last().copied().unwrap_or(ScopeId::MODULE)
    }

    fn push_scope(&mut self, kind: ScopeKind, node: TextRange) -> ScopeId {
        let id = ScopeId(self.index.scopes.len() as u32);
        self.index
            .scopes
            .push(Scope::new(kind, Some(self.current())));
        self.index.scope_by_node.insert(node, id);
        self.stack.push(id);
        id
    }

    fn pop_scope(&mut self) {
        self.stack.pop();
    }

    fn bind(&mut self, name: &'a str, range: TextRange, kind: BindingKind<'a>) {
        self.bind_in(self.current(), name, range, kind);
    }

    fn bind_in(&mut self, scope: ScopeId, name: &'a str, range: TextRange, kind: BindingKind<'a>) {
        let Some(statement) = self.statement else {
            return;
        };
        let id = BindingId(self.index.bindings.len() as u32);
        let declaration = self.index.scopes[scope.index()].declaration(name);
        let scope = match declaration {
            Some(Declaration::Global) => ScopeId::MODULE,
            _ => scope,
        };
        self.index.bindings.push(Binding {
            name,
            scope,
            kind,
            range,
            statement,
        });
        self.index.binding_by_name.insert(range.start(), id);
        if declaration == Some(Declaration::Nonlocal) {
            self.nonlocal.push(id);
            return;
        }
        let target = &mut self.index.scopes[scope.index()];
        target.names.entry(name).or_default().push(id);
        target.by_position.push(id);
    }

    /// Binds the names of an assignment target; only a plain name is bound to the value.
    fn bind_target(&mut self, target: &'a Expr, value: Option<&'a Expr>) {
        match target {
            Expr::Name(name) => {
                let kind = value.map_or(BindingKind::Unknown, BindingKind::Value);
                self.bind(name.id.as_str(), name.range, kind);
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for element in elts {
                    self.bind_target(element, None);
                }
            }
            Expr::Starred(starred) => self.bind_target(&starred.value, None),
            // `self.x = ...`, `d[k] = ...`: loads, not bindings.
            other => self.visit_expr(other),
        }
    }

    fn function(&mut self, function: &'a ast::StmtFunctionDef) {
        for decorator in &function.decorator_list {
            self.visit_decorator(decorator);
        }
        if let Some(type_params) = &function.type_params {
            self.visit_type_params(type_params);
        }
        let parameters = &function.parameters;
        for parameter in parameters.iter_non_variadic_params() {
            if let Some(default) = &parameter.default {
                self.visit_expr(default);
            }
        }
        for parameter in parameters.iter() {
            if let Some(annotation) = parameter.annotation() {
                self.visit_annotation(annotation);
            }
        }
        if let Some(returns) = &function.returns {
            self.visit_annotation(returns);
        }
        self.bind(
            function.name.as_str(),
            function.name.range,
            BindingKind::Function(function),
        );
        let is_method = self.index.scopes[self.current().index()].kind == ScopeKind::Class;
        let scope = self.push_scope(
            ScopeKind::Function {
                is_async: function.is_async,
            },
            function.range,
        );
        self.index.scopes[scope.index()].function = Some(function);
        let is_static = function.decorator_list.iter().any(|decorator| {
            matches!(&decorator.expression, Expr::Name(name) if name.id.as_str() == "staticmethod")
        });
        for (index, parameter) in parameters
            .posonlyargs
            .iter()
            .chain(&parameters.args)
            .chain(&parameters.kwonlyargs)
            .enumerate()
        {
            let kind = if index == 0 && is_method && !is_static {
                BindingKind::SelfParameter
            } else {
                match parameter.parameter.annotation.as_deref() {
                    Some(annotation) => BindingKind::Parameter(annotation),
                    None => BindingKind::Unknown,
                }
            };
            let name = &parameter.parameter.name;
            self.bind(name.as_str(), name.range, kind);
        }
        for variadic in [&parameters.vararg, &parameters.kwarg]
            .into_iter()
            .flatten()
        {
            self.bind(
                variadic.name.as_str(),
                variadic.name.range,
                BindingKind::Unknown,
            );
        }
        self.visit_body(&function.body);
        self.pop_scope();
    }

    fn class(&mut self, class: &'a ast::StmtClassDef) {
        for decorator in &class.decorator_list {
            self.visit_decorator(decorator);
        }
        if let Some(type_params) = &class.type_params {
            self.visit_type_params(type_params);
        }
        if let Some(arguments) = &class.arguments {
            self.visit_arguments(arguments);
        }
        let scope = self.push_scope(ScopeKind::Class, class.range);
        self.index.scopes[scope.index()].class = Some(class_facts(class));
        self.visit_body(&class.body);
        self.pop_scope();
        self.bind(
            class.name.as_str(),
            class.name.range,
            BindingKind::Class(class),
        );
    }

    fn comprehension(
        &mut self,
        node: TextRange,
        generators: &'a [ast::Comprehension],
        elements: [Option<&'a Expr>; 2],
    ) {
        let Some((first, _)) = generators.split_first() else {
            return;
        };
        // The first iterable is evaluated in the enclosing scope.
        self.visit_expr(&first.iter);
        self.push_scope(ScopeKind::Comprehension, node);
        for (position, generator) in generators.iter().enumerate() {
            if position > 0 {
                self.visit_expr(&generator.iter);
            }
            self.bind_target(&generator.target, None);
            for condition in &generator.ifs {
                self.visit_expr(condition);
            }
        }
        for element in elements.into_iter().flatten() {
            self.visit_expr(element);
        }
        self.pop_scope();
    }

    fn imports(&mut self, statement: &'a Stmt) {
        match statement {
            Stmt::Import(import) => {
                for alias in &import.names {
                    let module = alias.name.as_str();
                    match &alias.asname {
                        Some(asname) => self.bind(
                            asname.as_str(),
                            asname.range,
                            BindingKind::Import(canonical(module.to_string())),
                        ),
                        None => {
                            let top = top_level_package(module);
                            self.bind(
                                // `import a.b` binds `a`; the source slice outlives the scope.
                                &alias.name.as_str()[..top.len()],
                                alias.name.range,
                                BindingKind::Import(top.to_string()),
                            );
                        }
                    }
                }
            }
            Stmt::ImportFrom(import) => {
                let dots = ".".repeat(import.level as usize);
                let module = import.module.as_ref().map_or("", |module| module.as_str());
                for alias in &import.names {
                    if alias.name.as_str() == "*" {
                        if self.current() == ScopeId::MODULE {
                            self.index
                                .star_imports
                                .push(canonical(format!("{dots}{module}")));
                        }
                        continue;
                    }
                    let separator = if module.is_empty() { "" } else { "." };
                    let qualified =
                        canonical(format!("{dots}{module}{separator}{}", alias.name.as_str()));
                    let local = alias.asname.as_ref().unwrap_or(&alias.name);
                    self.bind(local.as_str(), local.range, BindingKind::Import(qualified));
                }
            }
            _ => {}
        }
    }
}

impl<'a> Visitor<'a> for Collector<'a> {
    fn visit_stmt(&mut self, statement: &'a Stmt) {
        let enclosing = self.statement.replace(statement);
        match statement {
            Stmt::FunctionDef(function) => self.function(function),
            Stmt::ClassDef(class) => self.class(class),
            Stmt::Import(_) | Stmt::ImportFrom(_) => self.imports(statement),
            Stmt::Assign(assign) => {
                self.visit_expr(&assign.value);
                for target in &assign.targets {
                    self.bind_target(target, Some(&assign.value));
                }
            }
            Stmt::AnnAssign(assign) => {
                self.visit_annotation(&assign.annotation);
                if let Some(value) = &assign.value {
                    self.visit_expr(value);
                }
                match assign.target.as_ref() {
                    Expr::Name(name) => self.bind(
                        name.id.as_str(),
                        name.range,
                        BindingKind::Annotated {
                            annotation: &assign.annotation,
                            value: assign.value.as_deref(),
                        },
                    ),
                    other => self.visit_expr(other),
                }
            }
            Stmt::AugAssign(assign) => {
                self.visit_expr(&assign.value);
                match assign.target.as_ref() {
                    Expr::Name(name) => self.bind(
                        name.id.as_str(),
                        name.range,
                        BindingKind::Augmented(&assign.value),
                    ),
                    other => self.visit_expr(other),
                }
            }
            Stmt::Delete(delete) => {
                for target in &delete.targets {
                    match target {
                        Expr::Name(name) => {
                            self.bind(name.id.as_str(), name.range, BindingKind::Deletion);
                        }
                        other => self.visit_expr(other),
                    }
                }
            }
            Stmt::For(for_stmt) => {
                self.visit_expr(&for_stmt.iter);
                self.bind_target(&for_stmt.target, None);
                self.visit_body(&for_stmt.body);
                self.visit_body(&for_stmt.orelse);
            }
            Stmt::With(with) => {
                for item in &with.items {
                    self.visit_expr(&item.context_expr);
                    if let Some(target) = &item.optional_vars {
                        self.bind_target(target, Some(&item.context_expr));
                    }
                }
                self.visit_body(&with.body);
            }
            Stmt::Global(global) => {
                let current = self.current();
                let scope = &mut self.index.scopes[current.index()];
                for name in &global.names {
                    scope
                        .declarations
                        .insert(name.as_str(), Declaration::Global);
                }
            }
            Stmt::Nonlocal(nonlocal) => {
                let current = self.current();
                let scope = &mut self.index.scopes[current.index()];
                for name in &nonlocal.names {
                    scope
                        .declarations
                        .insert(name.as_str(), Declaration::Nonlocal);
                }
            }
            Stmt::TypeAlias(alias) => {
                self.visit_expr(&alias.value);
                self.bind_target(&alias.name, None);
            }
            _ => walk_stmt(self, statement),
        }
        self.statement = enclosing;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Some((generators, elements)) = comprehension_parts(expr) {
            self.comprehension(expr.range(), generators, elements);
            return;
        }
        match expr {
            Expr::Name(_) => self.loads += 1,
            Expr::Named(named) => {
                self.visit_expr(&named.value);
                if let Expr::Name(name) = named.target.as_ref() {
                    // An assignment expression in a comprehension binds in the enclosing scope.
                    let scope = self
                        .stack
                        .iter()
                        .rev()
                        .copied()
                        .find(|scope| {
                            self.index.scopes[scope.index()].kind != ScopeKind::Comprehension
                        })
                        .unwrap_or(ScopeId::MODULE);
                    self.bind_in(
                        scope,
                        name.id.as_str(),
                        name.range,
                        BindingKind::Value(&named.value),
                    );
                }
            }
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    for parameter in parameters.iter_non_variadic_params() {
                        if let Some(default) = &parameter.default {
                            self.visit_expr(default);
                        }
                    }
                }
                self.push_scope(ScopeKind::Lambda, lambda.range);
                if let Some(parameters) = &lambda.parameters {
                    for parameter in parameters.iter() {
                        let name = parameter.name();
                        self.bind(name.as_str(), name.range, BindingKind::Unknown);
                    }
                }
                self.visit_expr(&lambda.body);
                self.pop_scope();
            }
            _ => walk_expr(self, expr),
        }
    }

    fn visit_except_handler(&mut self, handler: &'a ast::ExceptHandler) {
        let ast::ExceptHandler::ExceptHandler(handler) = handler;
        if let Some(type_) = &handler.type_ {
            self.visit_expr(type_);
        }
        if let Some(name) = &handler.name {
            self.bind(name.as_str(), name.range, BindingKind::Unknown);
        }
        self.visit_body(&handler.body);
    }

    fn visit_pattern(&mut self, pattern: &'a ast::Pattern) {
        walk_pattern(self, pattern);
        if let Some(name) = pattern_capture(pattern) {
            self.bind(name.as_str(), name.range, BindingKind::Unknown);
        }
    }
}

/// A comprehension's `for` clauses and what it evaluates once per item (a dict comprehension's
/// key, then its value).
pub(crate) fn comprehension_parts(
    expr: &Expr,
) -> Option<(&[ast::Comprehension], [Option<&Expr>; 2])> {
    match expr {
        Expr::ListComp(ast::ExprListComp {
            elt, generators, ..
        })
        | Expr::SetComp(ast::ExprSetComp {
            elt, generators, ..
        })
        | Expr::Generator(ast::ExprGenerator {
            elt, generators, ..
        }) => Some((generators, [Some(elt), None])),
        Expr::DictComp(ast::ExprDictComp {
            key,
            value,
            generators,
            ..
        }) => Some((generators, [key.as_deref(), Some(value)])),
        _ => None,
    }
}

/// The name a `match` pattern captures itself (`case x`, `case [*rest]`, `case {**rest}`,
/// `case P() as x`); the names of its sub-patterns are theirs.
pub(super) fn pattern_capture(pattern: &ast::Pattern) -> Option<&ast::Identifier> {
    match pattern {
        ast::Pattern::MatchAs(ast::PatternMatchAs { name, .. })
        | ast::Pattern::MatchStar(ast::PatternMatchStar { name, .. })
        | ast::Pattern::MatchMapping(ast::PatternMatchMapping { rest: name, .. }) => name.as_ref(),
        _ => None,
    }
}

fn class_facts(class: &ast::StmtClassDef) -> ClassFacts<'_> {
    let mut facts = ClassFacts {
        attributes: FxHashMap::default(),
        annotations: FxHashMap::default(),
    };
    for statement in &class.body {
        match statement {
            Stmt::AnnAssign(assign) => {
                if let Expr::Name(name) = assign.target.as_ref() {
                    facts
                        .annotations
                        .insert(name.id.as_str(), &assign.annotation);
                    if let Some(value) = &assign.value {
                        facts
                            .attributes
                            .entry(name.id.as_str())
                            .or_default()
                            .push(value);
                    }
                }
            }
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    if let Expr::Name(name) = target {
                        facts
                            .attributes
                            .entry(name.id.as_str())
                            .or_default()
                            .push(&assign.value);
                    }
                }
            }
            Stmt::FunctionDef(method) => {
                let Some(receiver) = method
                    .parameters
                    .posonlyargs
                    .iter()
                    .chain(&method.parameters.args)
                    .next()
                else {
                    continue;
                };
                collect_self_assignments(
                    &method.body,
                    receiver.parameter.name.as_str(),
                    &mut facts,
                );
            }
            _ => {}
        }
    }
    facts
}

fn collect_self_assignments<'a>(body: &'a [Stmt], receiver: &str, facts: &mut ClassFacts<'a>) {
    let self_attribute = |target: &'a Expr| match target {
        Expr::Attribute(attribute) => match attribute.value.as_ref() {
            Expr::Name(name) if name.id.as_str() == receiver => Some(attribute.attr.as_str()),
            _ => None,
        },
        _ => None,
    };
    for statement in body {
        match statement {
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    if let Some(attr) = self_attribute(target) {
                        facts
                            .attributes
                            .entry(attr)
                            .or_default()
                            .push(&assign.value);
                    }
                }
            }
            Stmt::AnnAssign(assign) => {
                if let Some(attr) = self_attribute(&assign.target) {
                    facts.annotations.insert(attr, &assign.annotation);
                    if let Some(value) = &assign.value {
                        facts.attributes.entry(attr).or_default().push(value);
                    }
                }
            }
            Stmt::If(if_stmt) => {
                collect_self_assignments(&if_stmt.body, receiver, facts);
                for clause in &if_stmt.elif_else_clauses {
                    collect_self_assignments(&clause.body, receiver, facts);
                }
            }
            Stmt::Try(try_stmt) => {
                collect_self_assignments(&try_stmt.body, receiver, facts);
                for handler in &try_stmt.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    collect_self_assignments(&handler.body, receiver, facts);
                }
                collect_self_assignments(&try_stmt.orelse, receiver, facts);
                collect_self_assignments(&try_stmt.finalbody, receiver, facts);
            }
            Stmt::With(with_stmt) => collect_self_assignments(&with_stmt.body, receiver, facts),
            _ => {}
        }
    }
}

/// The bindings of `scope` made within `range`, in source order.
pub(super) fn bindings_within<'i>(
    index: &'i Index,
    scope: ScopeId,
    range: TextRange,
) -> &'i [BindingId] {
    let all = &index.scope(scope).by_position;
    let position = |id: &BindingId| index.binding(*id).range.start();
    let start = all.partition_point(|id| position(id) < range.start());
    let end = all.partition_point(|id| position(id) < range.end());
    &all[start..end]
}

impl Ranged for Reference {
    fn range(&self) -> TextRange {
        self.range
    }
}
