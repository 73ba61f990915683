//! The second walk: resolves every load of a name to the bindings that may reach it, and records
//! it as a reference of each.
//!
//! Within a scope this is a may-reach analysis over structured control flow, in one pass: a
//! binding replaces what reached its name; the branches of an `if`, a `match` or a `try` are
//! walked from the state before them and joined after; a loop's body starts from the state before
//! the loop plus every binding the loop makes (what the previous iteration left); `return`,
//! `raise`, `break` and `continue` end their branch. Names of enclosing scopes are read as they
//! stand where comprehensions and class bodies are written (both run there), and as any of their
//! bindings from function and lambda bodies, which run when they are called.

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use rustc_hash::FxHashMap;

use super::index::{
    bindings_within, comprehension_parts, pattern_capture, BindingId, Declaration, Index,
    Reference, ReferenceId, Resolution, ScopeId, ScopeKind, StatementId, StatementNode,
};

/// More bindings than this reaching one load are not told apart: the load may read any binding
/// of the name in its scope. Keeps each join and each load constant-time.
const MAX_REACHING: usize = 16;

pub(super) fn resolve<'a>(index: &mut Index<'a>, module: &'a ast::ModModule) {
    let edges = Vec::with_capacity(index.references.capacity());
    let mut flow = Flow {
        index,
        active: vec![Active {
            scope: ScopeId::MODULE,
            frames: vec![Frame::default()],
        }],
        statement: None,
        in_annotation: false,
        edges,
    };
    flow.visit_body(&module.body);
    let Flow { index, edges, .. } = flow;
    // Each binding's references, grouped by binding in walk order (a counting sort).
    let mut starts = vec![0u32; index.bindings.len() + 1];
    for (binding, _) in &edges {
        starts[binding.index() + 1] += 1;
    }
    for position in 1..starts.len() {
        starts[position] += starts[position - 1];
    }
    let mut next = starts.clone();
    let mut grouped = vec![ReferenceId(0); edges.len()];
    for (binding, reference) in edges {
        let slot = &mut next[binding.index()];
        grouped[*slot as usize] = reference;
        *slot += 1;
    }
    index.reference_starts = starts;
    index.references_by_binding = grouped;
}

/// What reaches one name at a point of the flow.
#[derive(Debug, Clone, PartialEq)]
enum Reach {
    /// One binding: what follows most bindings, kept without allocating.
    One(BindingId),
    /// These bindings, sorted; none when nothing binds the name on any path here.
    Some(Vec<BindingId>),
    /// More than [`MAX_REACHING`] bindings.
    Many,
}

impl Reach {
    fn none() -> Self {
        Reach::Some(Vec::new())
    }

    /// The bindings, unless there are too many to tell.
    fn bindings(&self) -> Option<&[BindingId]> {
        match self {
            Reach::One(id) => Some(std::slice::from_ref(id)),
            Reach::Some(ids) => Some(ids),
            Reach::Many => None,
        }
    }

    fn union(&mut self, other: &Reach) {
        let (Some(mine), Some(theirs)) = (self.bindings(), other.bindings()) else {
            *self = Reach::Many;
            return;
        };
        if theirs.iter().all(|id| mine.contains(id)) {
            return;
        }
        let mut merged = mine.to_vec();
        for id in theirs {
            if let Err(position) = merged.binary_search(id) {
                merged.insert(position, *id);
            }
        }
        *self = if merged.len() > MAX_REACHING {
            Reach::Many
        } else {
            Reach::Some(merged)
        };
    }
}

/// The changes to what reaches each name since the frame was pushed (at a branch).
#[derive(Debug, Default)]
struct Frame<'a> {
    changed: FxHashMap<&'a str, Reach>,
    /// The branch has returned, raised, broken out or continued: it does not reach the join.
    ended: bool,
}

/// A scope whose code is being walked.
struct Active<'a> {
    scope: ScopeId,
    frames: Vec<Frame<'a>>,
}

/// What reaches a name no path has bound.
const UNBOUND: &Reach = &Reach::Some(Vec::new());

impl<'a> Active<'a> {
    fn reach(&self, name: &str) -> &Reach {
        self.frames
            .iter()
            .rev()
            .filter(|frame| !frame.changed.is_empty())
            .find_map(|frame| frame.changed.get(name))
            .unwrap_or(UNBOUND)
    }

    fn top(&mut self) -> &mut Frame<'a> {
        self.frames
            .last_mut()
            .expect("a scope is walked with at least its own frame")
    }
}

struct Flow<'i, 'a> {
    index: &'i mut Index<'a>,
    active: Vec<Active<'a>>,
    statement: Option<StatementId>,
    /// Visiting a parameter or return annotation: evaluated when the `def` runs, or later when
    /// postponed, so it may name anything its scope binds.
    in_annotation: bool,
    /// (binding, reference) for every load that a binding may reach.
    edges: Vec<(BindingId, ReferenceId)>,
}

impl<'i, 'a> Flow<'i, 'a> {
    fn current(&mut self) -> &mut Active<'a> {
        self.active
            .last_mut()
            .expect("the module scope is never left")
    }

    fn enter(&mut self, node: TextRange) {
        let found = self.index.scope_of_node(node);
        debug_assert!(found.is_some(), "the first walk made no scope at {node:?}");
        let scope =
            found.unwrap_or_else(|| self.active.last().map_or(ScopeId::MODULE, |s| s.scope));
        // The scope's own frame ends up holding each of its names: sized once.
        let names = self.index.scope(scope).name_count();
        self.active.push(Active {
            scope,
            frames: vec![Frame {
                changed: FxHashMap::with_capacity_and_hasher(names, Default::default()),
                ended: false,
            }],
        });
    }

    fn exit(&mut self) {
        self.active.pop();
    }

    fn end_branch(&mut self) {
        self.current().top().ended = true;
    }

    /// Walks `f` as one branch of the current scope's flow and hands back its changes.
    fn branch(&mut self, f: impl FnOnce(&mut Self)) -> Frame<'a> {
        self.branch_from(Frame::default(), f)
    }

    /// A branch that starts with `start`'s changes.
    fn branch_from(&mut self, start: Frame<'a>, f: impl FnOnce(&mut Self)) -> Frame<'a> {
        self.current().frames.push(start);
        f(self);
        self.current().frames.pop().expect("the frame pushed above")
    }

    /// Continues the flow from whichever of `branches` did not end.
    fn join(&mut self, branches: Vec<Frame<'a>>) {
        let live: Vec<&Frame<'a>> = branches.iter().filter(|branch| !branch.ended).collect();
        let active = self.current();
        if live.is_empty() {
            active.top().ended = true;
            return;
        }
        let mut names: Vec<&'a str> = live
            .iter()
            .flat_map(|branch| branch.changed.keys().copied())
            .collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            let before = active.reach(name).clone();
            let mut reach = Reach::none();
            for branch in &live {
                reach.union(branch.changed.get(name).unwrap_or(&before));
            }
            active.top().changed.insert(name, reach);
        }
    }

    /// Adds to the current state the bindings the current scope makes within `range`: at the
    /// head of a loop, what earlier iterations bound; in an `except`, what the `try` body bound
    /// before it raised.
    fn may_have_run(&mut self, range: TextRange) {
        let scope = self.active.last().map_or(ScopeId::MODULE, |s| s.scope);
        let ids: Vec<BindingId> = bindings_within(self.index, scope, range).to_vec();
        for id in ids {
            let name = self.index.binding(id).name;
            let active = self.current();
            let mut reach = active.reach(name).clone();
            reach.union(&Reach::One(id));
            active.top().changed.insert(name, reach);
        }
    }

    /// The binding made at a name replaces what reached it, in the flow of the scope that owns
    /// it, when that flow is running here: not when a function assigns a `global`, which
    /// happens when the function is called.
    fn bind(&mut self, name: &ast::Identifier) {
        self.bind_at(name.range);
    }

    fn bind_at(&mut self, range: TextRange) {
        let Some(id) = self.index.binding_at(range.start()) else {
            return;
        };
        let binding = self.index.binding(id);
        let (scope, name) = (binding.scope, binding.name);
        for active in self.active.iter_mut().rev() {
            if active.scope == scope {
                active.top().changed.insert(name, Reach::One(id));
                return;
            }
            if self.index.scope(active.scope).kind.is_deferred() {
                return;
            }
        }
    }

    fn bind_target(&mut self, target: &'a Expr) {
        match target {
            Expr::Name(name) => self.bind_at(name.range),
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for element in elts {
                    self.bind_target(element);
                }
            }
            Expr::Starred(starred) => self.bind_target(&starred.value),
            other => self.visit_expr(other),
        }
    }

    fn load(&mut self, name: &'a ast::ExprName) {
        let Some(statement) = self.statement else {
            return;
        };
        let id = name.id.as_str();
        let resolution = resolve_name(self.index, &self.active, self.in_annotation, id);
        let reference = ReferenceId(self.index.references.len() as u32);
        let scope = self.active.last().map_or(ScopeId::MODULE, |s| s.scope);
        self.index.references.push(Reference {
            range: name.range,
            scope,
            statement,
        });
        let resolution = match resolution {
            Found::Flow(ids) => {
                let start = self.index.reaching.len() as u32;
                for binding in ids {
                    self.edges.push((*binding, reference));
                }
                self.index.reaching.extend_from_slice(ids);
                Resolution::Flow {
                    start,
                    len: ids.len() as u32,
                }
            }
            Found::AnyIn(scope) => {
                self.index
                    .references_to_any
                    .entry((scope, id))
                    .or_default()
                    .push(reference);
                Resolution::AnyIn(scope)
            }
            Found::Unbound => Resolution::Unbound,
        };
        self.index
            .loads
            .insert(name.range.start(), (resolution, reference));
    }

    fn function(&mut self, function: &'a ast::StmtFunctionDef) {
        for decorator in &function.decorator_list {
            self.visit_decorator(decorator);
        }
        let parameters = &function.parameters;
        for parameter in parameters.iter_non_variadic_params() {
            if let Some(default) = &parameter.default {
                self.visit_expr(default);
            }
        }
        self.in_annotation = true;
        if let Some(type_params) = &function.type_params {
            self.visit_type_params(type_params);
        }
        for parameter in parameters.iter() {
            if let Some(annotation) = parameter.annotation() {
                self.visit_expr(annotation);
            }
        }
        if let Some(returns) = &function.returns {
            self.visit_expr(returns);
        }
        self.in_annotation = false;
        self.bind(&function.name);
        self.enter(function.range);
        for parameter in parameters.iter() {
            self.bind(parameter.name());
        }
        self.visit_body(&function.body);
        self.exit();
    }

    fn class(&mut self, class: &'a ast::StmtClassDef) {
        for decorator in &class.decorator_list {
            self.visit_decorator(decorator);
        }
        if let Some(type_params) = &class.type_params {
            self.in_annotation = true;
            self.visit_type_params(type_params);
            self.in_annotation = false;
        }
        if let Some(arguments) = &class.arguments {
            self.visit_arguments(arguments);
        }
        self.enter(class.range);
        self.visit_body(&class.body);
        self.exit();
        self.bind(&class.name);
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
        self.visit_expr(&first.iter);
        self.enter(node);
        for (position, generator) in generators.iter().enumerate() {
            if position > 0 {
                self.visit_expr(&generator.iter);
            }
            self.bind_target(&generator.target);
            for condition in &generator.ifs {
                self.visit_expr(condition);
            }
        }
        for element in elements.into_iter().flatten() {
            self.visit_expr(element);
        }
        self.exit();
    }

    /// A loop: the body (and a `while` test) see what the loop binds in earlier iterations;
    /// after it, the state is that of the loop's head, then the `else` clause maybe.
    fn loop_statement(
        &mut self,
        range: TextRange,
        body: impl FnOnce(&mut Self),
        orelse: &'a [Stmt],
    ) {
        self.may_have_run(range);
        // The head already holds everything the body may leave behind.
        self.branch(body);
        if !orelse.is_empty() {
            let clause = self.branch(|flow| flow.visit_body(orelse));
            self.join(vec![clause, Frame::default()]);
        }
    }

    fn try_statement(&mut self, try_stmt: &'a ast::StmtTry) {
        let success = self.branch(|flow| {
            flow.visit_body(&try_stmt.body);
            flow.visit_body(&try_stmt.orelse);
        });
        let mut branches = vec![success];
        // An exception may come from anywhere in the body: a handler sees what the body bound.
        let raised = self.branch(|flow| {
            let body = match (try_stmt.body.first(), try_stmt.body.last()) {
                (Some(first), Some(last)) => TextRange::new(first.start(), last.end()),
                _ => TextRange::empty(try_stmt.start()),
            };
            flow.may_have_run(body);
        });
        for handler in &try_stmt.handlers {
            let ast::ExceptHandler::ExceptHandler(handler) = handler;
            let start = Frame {
                changed: raised.changed.clone(),
                ended: false,
            };
            let outcome = self.branch_from(start, |flow| {
                if let Some(type_) = &handler.type_ {
                    flow.visit_expr(type_);
                }
                if let Some(name) = &handler.name {
                    flow.bind(name);
                }
                flow.visit_body(&handler.body);
            });
            branches.push(outcome);
        }
        if !try_stmt.finalbody.is_empty() {
            // `finally` also runs when the exception propagates or the body returns.
            branches.push(raised);
        }
        self.join(branches);
        self.visit_body(&try_stmt.finalbody);
    }
}

/// Python's scoping rules: the name is local to the innermost scope that binds it, unless
/// declared `global` or `nonlocal`; class bodies are not visible from the scopes nested in
/// them; a name a module or class body has not bound yet is looked up further out.
fn resolve_name<'f>(
    index: &Index,
    active: &'f [Active],
    in_annotation: bool,
    name: &str,
) -> Found<'f> {
    let Some(innermost) = active.last() else {
        return Found::Unbound;
    };
    let own = innermost.scope;
    match index.scope(own).declaration(name) {
        Some(Declaration::Global) => {
            return if index.scope(ScopeId::MODULE).binds(name) {
                Found::AnyIn(ScopeId::MODULE)
            } else {
                Found::Unbound
            };
        }
        Some(Declaration::Nonlocal) => {
            return index
                .nonlocal_target(own, name)
                .map_or(Found::Unbound, Found::AnyIn);
        }
        None => {}
    }
    let mut deferred = in_annotation;
    let flows = active;
    let mut active = flows.len();
    let mut scope = Some(own);
    while let Some(id) = scope {
        active = active.saturating_sub(1);
        let current = index.scope(id);
        let visible = id == own || current.kind != ScopeKind::Class;
        if visible && current.binds(name) {
            if deferred {
                return Found::AnyIn(id);
            }
            let Some(flow) = flows.get(active).filter(|a| a.scope == id) else {
                return Found::AnyIn(id);
            };
            match flow.reach(name).bindings() {
                None => return Found::AnyIn(id),
                Some(ids) if !ids.is_empty() => return Found::Flow(ids),
                // A function's local that no path has bound yet.
                Some(_) if !matches!(current.kind, ScopeKind::Module | ScopeKind::Class) => {
                    return Found::Flow(&[]);
                }
                Some(_) => {}
            }
        }
        deferred |= current.kind.is_deferred();
        scope = current.parent;
    }
    Found::Unbound
}

/// What a name resolves to, before it is stored.
enum Found<'f> {
    Flow(&'f [BindingId]),
    AnyIn(ScopeId),
    Unbound,
}

impl<'a> Visitor<'a> for Flow<'_, 'a> {
    fn visit_stmt(&mut self, statement: &'a Stmt) {
        let id = StatementId(self.index.statements.len() as u32);
        self.index.statements.push(StatementNode {
            statement,
            parent: self.statement,
        });
        let enclosing = self.statement.replace(id);
        match statement {
            Stmt::FunctionDef(function) => self.function(function),
            Stmt::ClassDef(class) => self.class(class),
            Stmt::Import(import) => {
                for alias in &import.names {
                    self.bind(alias.asname.as_ref().unwrap_or(&alias.name));
                }
            }
            Stmt::ImportFrom(import) => {
                for alias in &import.names {
                    self.bind(alias.asname.as_ref().unwrap_or(&alias.name));
                }
            }
            Stmt::Assign(assign) => {
                self.visit_expr(&assign.value);
                for target in &assign.targets {
                    self.bind_target(target);
                }
            }
            Stmt::AnnAssign(assign) => {
                self.visit_expr(&assign.annotation);
                if let Some(value) = &assign.value {
                    self.visit_expr(value);
                }
                self.bind_target(&assign.target);
            }
            Stmt::AugAssign(assign) => {
                self.visit_expr(&assign.value);
                match assign.target.as_ref() {
                    // Reads the old value, then binds the new one.
                    Expr::Name(name) => {
                        self.load(name);
                        self.bind_at(name.range);
                    }
                    other => self.visit_expr(other),
                }
            }
            Stmt::Delete(delete) => {
                for target in &delete.targets {
                    match target {
                        Expr::Name(name) => {
                            self.load(name);
                            self.bind_at(name.range);
                        }
                        other => self.visit_expr(other),
                    }
                }
            }
            Stmt::TypeAlias(alias) => {
                self.visit_expr(&alias.value);
                self.bind_target(&alias.name);
            }
            Stmt::For(for_stmt) => {
                self.visit_expr(&for_stmt.iter);
                self.loop_statement(
                    statement.range(),
                    |flow| {
                        flow.bind_target(&for_stmt.target);
                        flow.visit_body(&for_stmt.body);
                    },
                    &for_stmt.orelse,
                );
            }
            Stmt::While(while_stmt) => self.loop_statement(
                statement.range(),
                |flow| {
                    flow.visit_expr(&while_stmt.test);
                    flow.visit_body(&while_stmt.body);
                },
                &while_stmt.orelse,
            ),
            Stmt::If(if_stmt) => {
                self.visit_expr(&if_stmt.test);
                let mut branches = vec![self.branch(|flow| flow.visit_body(&if_stmt.body))];
                for clause in &if_stmt.elif_else_clauses {
                    branches.push(self.branch(|flow| {
                        if let Some(test) = &clause.test {
                            flow.visit_expr(test);
                        }
                        flow.visit_body(&clause.body);
                    }));
                }
                if if_stmt
                    .elif_else_clauses
                    .last()
                    .is_none_or(|clause| clause.test.is_some())
                {
                    branches.push(Frame::default());
                }
                self.join(branches);
            }
            Stmt::With(with) => {
                for item in &with.items {
                    self.visit_expr(&item.context_expr);
                    if let Some(target) = &item.optional_vars {
                        self.bind_target(target);
                    }
                }
                self.visit_body(&with.body);
            }
            Stmt::Match(match_stmt) => {
                self.visit_expr(&match_stmt.subject);
                let mut branches: Vec<Frame<'a>> = match_stmt
                    .cases
                    .iter()
                    .map(|case| {
                        self.branch(|flow| {
                            flow.visit_pattern(&case.pattern);
                            if let Some(guard) = &case.guard {
                                flow.visit_expr(guard);
                            }
                            flow.visit_body(&case.body);
                        })
                    })
                    .collect();
                branches.push(Frame::default());
                self.join(branches);
            }
            Stmt::Try(try_stmt) => self.try_statement(try_stmt),
            Stmt::Return(_) | Stmt::Raise(_) => {
                walk_stmt(self, statement);
                self.end_branch();
            }
            Stmt::Break(_) | Stmt::Continue(_) => self.end_branch(),
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
            Expr::Name(name) => match name.ctx {
                ast::ExprContext::Store => self.bind_at(name.range),
                _ => self.load(name),
            },
            Expr::Named(named) => {
                self.visit_expr(&named.value);
                self.bind_target(&named.target);
            }
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    for parameter in parameters.iter_non_variadic_params() {
                        if let Some(default) = &parameter.default {
                            self.visit_expr(default);
                        }
                    }
                }
                self.enter(lambda.range);
                if let Some(parameters) = &lambda.parameters {
                    for parameter in parameters.iter() {
                        self.bind(parameter.name());
                    }
                }
                self.visit_expr(&lambda.body);
                self.exit();
            }
            _ => walk_expr(self, expr),
        }
    }

    fn visit_pattern(&mut self, pattern: &'a ast::Pattern) {
        ruff_python_ast::visitor::walk_pattern(self, pattern);
        if let Some(name) = pattern_capture(pattern) {
            self.bind(name);
        }
    }
}
