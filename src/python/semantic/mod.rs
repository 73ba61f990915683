//! Semantic facts about a Python module that rules share: scopes, bindings and their references,
//! imports resolved to qualified names, receiver types the file states, async and loop context.
//!
//! The bindings and references are computed before the checker's walk ([`index`]); the checker
//! then drives the rest of this model while it walks the tree once, and rules only ask questions.

mod flow;
mod index;
mod resolver;
#[cfg(test)]
mod tests;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

pub(crate) use index::comprehension_parts;
pub use index::{
    Binding, BindingId, BindingKind, Reference, Scope, ScopeId, ScopeKind, StatementId,
};
use index::{Index, Lookup, Resolution};
use resolver::Resolver;

/// The loop whose body (or element expression) is being visited.
#[derive(Debug, Clone, Copy)]
pub enum LoopContext<'a> {
    For(&'a ast::StmtFor),
    While(&'a ast::StmtWhile),
    Comprehension(&'a [ast::Comprehension]),
}

/// What an expression refers to, as far as the file tells.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved<'a> {
    /// Something importable: a module, function or class (`time.sleep`, `asyncio`).
    Qualified(String),
    /// An instance of a qualified type (`requests.Session`).
    Instance(String),
    /// A method looked up on an instance (`requests.Session.get`).
    Method(String),
    /// An instance of the class whose method is being visited (`self`).
    SelfInstance,
    LocalFunction(&'a ast::StmtFunctionDef),
    LocalClass(&'a ast::StmtClassDef),
}

impl Resolved<'_> {
    /// The qualified name a call of what resolved so runs, when it has one (a function, class
    /// or method; not an instance, `self` or a definition of the file).
    pub fn into_call_target(self) -> Option<String> {
        match self {
            Resolved::Qualified(name) | Resolved::Method(name) => Some(name),
            _ => None,
        }
    }
}

/// A scope the checker is in, with what it tracks while walking it.
#[derive(Debug)]
struct Visiting<'a> {
    id: ScopeId,
    kind: ScopeKind,
    function: Option<&'a ast::StmtFunctionDef>,
    /// Loop statements whose bodies are being visited within this scope, innermost last (not
    /// counting enclosing scopes).
    loops: Vec<&'a Stmt>,
    /// For comprehensions: their `for` clauses, and whether the element expression is being
    /// visited.
    generators: &'a [ast::Comprehension],
    in_element: bool,
}

pub struct SemanticModel<'a> {
    index: Index<'a>,
    scopes: Vec<Visiting<'a>>,
    statements: Vec<&'a Stmt>,
    expressions: Vec<&'a Expr>,
    /// Statement lists being visited, with the index of the current statement in each.
    blocks: Vec<(&'a [Stmt], usize)>,
}

impl<'a> SemanticModel<'a> {
    pub fn new(module: &'a ast::ModModule) -> Self {
        SemanticModel {
            index: Index::new(module),
            scopes: vec![Visiting {
                id: ScopeId::MODULE,
                kind: ScopeKind::Module,
                function: None,
                loops: Vec::new(),
                generators: &[],
                in_element: false,
            }],
            statements: Vec::new(),
            expressions: Vec::new(),
            blocks: Vec::new(),
        }
    }

    // ---- driven by the checker -------------------------------------------------------------

    fn push_scope(&mut self, node: TextRange) -> &mut Visiting<'a> {
        let current = self.scopes.last().map_or(ScopeId::MODULE, |scope| scope.id);
        let found = self.index.scope_of_node(node);
        debug_assert!(found.is_some(), "the index has no scope at {node:?}");
        let id = found.unwrap_or(current);
        let scope = self.index.scope(id);
        self.scopes.push(Visiting {
            id,
            kind: scope.kind,
            function: scope.function,
            loops: Vec::new(),
            generators: &[],
            in_element: false,
        });
        self.scopes.last_mut().expect("pushed above")
    }

    pub(super) fn push_function(&mut self, function: &'a ast::StmtFunctionDef) {
        self.push_scope(function.range);
    }

    pub(super) fn push_class(&mut self, class: &'a ast::StmtClassDef) {
        self.push_scope(class.range);
    }

    pub(super) fn push_lambda(&mut self, lambda: &'a ast::ExprLambda) {
        self.push_scope(lambda.range);
    }

    pub(super) fn push_comprehension(
        &mut self,
        node: TextRange,
        generators: &'a [ast::Comprehension],
    ) {
        self.push_scope(node).generators = generators;
    }

    pub(super) fn pop_scope(&mut self) {
        self.scopes.pop();
    }

    pub(super) fn set_in_element(&mut self, in_element: bool) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.in_element = in_element;
        }
    }

    pub(super) fn enter_loop(&mut self, statement: &'a Stmt) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.loops.push(statement);
        }
    }

    pub(super) fn exit_loop(&mut self) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.loops.pop();
        }
    }

    pub(super) fn push_statement(&mut self, statement: &'a Stmt) {
        self.statements.push(statement);
    }

    pub(super) fn pop_statement(&mut self) {
        self.statements.pop();
    }

    pub(super) fn push_block(&mut self, block: &'a [Stmt]) {
        self.blocks.push((block, 0));
    }

    pub(super) fn set_block_index(&mut self, index: usize) {
        if let Some((_, current)) = self.blocks.last_mut() {
            *current = index;
        }
    }

    pub(super) fn pop_block(&mut self) {
        self.blocks.pop();
    }

    pub(super) fn push_expression(&mut self, expression: &'a Expr) {
        self.expressions.push(expression);
    }

    pub(super) fn pop_expression(&mut self) {
        self.expressions.pop();
    }

    // ---- questions about where the walk is -------------------------------------------------

    /// Inside an `async def` (or a comprehension in one), not in a nested plain def, lambda or
    /// class body.
    pub fn in_async_context(&self) -> bool {
        for scope in self.scopes.iter().rev() {
            match scope.kind {
                ScopeKind::Comprehension => continue,
                ScopeKind::Function { is_async } => return is_async,
                ScopeKind::Lambda | ScopeKind::Class | ScopeKind::Module => return false,
            }
        }
        false
    }

    /// In the body of a `def` or `async def` itself (or a comprehension in it), not in a lambda
    /// or class body nested in it.
    pub fn in_function_body(&self) -> bool {
        self.scopes
            .iter()
            .rev()
            .find(|scope| scope.kind != ScopeKind::Comprehension)
            .is_some_and(|scope| matches!(scope.kind, ScopeKind::Function { .. }))
    }

    /// Inside a loop body or a comprehension's element expression, within the current function.
    pub fn in_loop(&self) -> bool {
        self.current_loop().is_some()
    }

    /// The innermost loop whose body or element expression is being visited, within the
    /// current function.
    pub fn current_loop(&self) -> Option<LoopContext<'a>> {
        for scope in self.scopes.iter().rev() {
            if let Some(statement) = scope.loops.last() {
                return match statement {
                    Stmt::For(for_stmt) => Some(LoopContext::For(for_stmt)),
                    Stmt::While(while_stmt) => Some(LoopContext::While(while_stmt)),
                    _ => None,
                };
            }
            match scope.kind {
                ScopeKind::Comprehension if scope.in_element => {
                    return Some(LoopContext::Comprehension(scope.generators))
                }
                ScopeKind::Comprehension => continue,
                _ => return None,
            }
        }
        None
    }

    /// In a `while` loop whose condition or body suspends (`await server.accept()`,
    /// `await queue.get()`, `await asyncio.sleep(..)`): each iteration waits for an event, so a
    /// task spawned per iteration is one per connection, message or tick, not one per element
    /// of a collection. (An `async for` may iterate rows as well as messages: not counted.)
    pub fn in_event_driven_loop(&self) -> bool {
        matches!(self.current_loop(), Some(LoopContext::While(while_stmt))
            if suspends(&while_stmt.test) || first_suspension_point(&while_stmt.body).is_some())
    }

    /// The statements being visited, outermost first; the last is the current statement.
    pub fn statement_stack(&self) -> &[&'a Stmt] {
        &self.statements
    }

    /// Code that runs when the module is imported or the class body executes.
    pub fn at_module_or_class_level(&self) -> bool {
        self.scopes
            .iter()
            .rev()
            .find(|scope| scope.kind != ScopeKind::Comprehension)
            .is_some_and(|scope| matches!(scope.kind, ScopeKind::Module | ScopeKind::Class))
    }

    pub fn in_comprehension(&self) -> bool {
        self.scopes
            .last()
            .is_some_and(|scope| scope.kind == ScopeKind::Comprehension)
    }

    /// The innermost enclosing `def`/`async def`.
    pub fn current_function(&self) -> Option<&'a ast::StmtFunctionDef> {
        self.scopes.iter().rev().find_map(|scope| scope.function)
    }

    /// Whether a binding belongs to the innermost `def` being visited (not to an enclosing
    /// function or the module, as a `global` or `nonlocal` name does).
    pub fn is_local_to_current_function(&self, binding: &Binding) -> bool {
        self.scopes
            .iter()
            .rev()
            .find(|scope| scope.function.is_some())
            .is_some_and(|scope| scope.id == binding.scope)
    }

    /// The class whose body encloses the code being visited.
    fn enclosing_class(&self) -> Option<ScopeId> {
        self.scopes
            .iter()
            .rev()
            .find(|scope| scope.kind == ScopeKind::Class)
            .map(|scope| scope.id)
    }

    pub fn current_statement(&self) -> Option<&'a Stmt> {
        self.statements.last().copied()
    }

    /// The statements after the current one in the same block.
    pub fn following_statements(&self) -> &'a [Stmt] {
        match self.blocks.last() {
            Some((block, index)) => block.get(index + 1..).unwrap_or_default(),
            None => &[],
        }
    }

    /// The expression that directly contains the one being visited.
    pub fn parent_expression(&self) -> Option<&'a Expr> {
        self.expressions.iter().rev().nth(1).copied()
    }

    // ---- bindings and references -----------------------------------------------------------

    pub fn binding(&self, id: BindingId) -> &Binding<'a> {
        self.index.binding(id)
    }

    pub fn scope(&self, id: ScopeId) -> &Scope<'a> {
        self.index.scope(id)
    }

    /// The binding an assignment target (or a parameter, or any name in store position) makes.
    pub fn bound_by(&self, target: &ast::ExprName) -> Option<BindingId> {
        self.index.binding_at(target.start())
    }

    /// The binding a name reads: of the bindings that may reach it, the nearest one before it.
    pub fn resolve_name(&self, name: &ast::ExprName) -> Option<BindingId> {
        match self.index.lookup(name) {
            Lookup::Binding(id) => Some(id),
            Lookup::Unbound | Lookup::NotInFile => None,
        }
    }

    /// Every binding that may reach a load of a name: along its scope's control flow, or any
    /// binding of the scope it reads when it is read at a time the file does not show (from a
    /// nested function, or a `global`).
    pub fn reaching(&self, name: &ast::ExprName) -> &[BindingId] {
        self.index
            .resolution(name.start())
            .map_or(&[], |resolution| {
                self.index.reaching_bindings(name.id.as_str(), resolution)
            })
    }

    /// Whether `expr` is a name that may read `binding`.
    pub fn refers_to(&self, expr: &Expr, binding: BindingId) -> bool {
        let Expr::Name(name) = expr else {
            return false;
        };
        match self.index.resolution(name.start()) {
            Some(Resolution::Flow { start, len }) => {
                self.index.flow_bindings(start, len).contains(&binding)
            }
            Some(Resolution::AnyIn(scope)) => {
                let target = self.index.binding(binding);
                target.scope == scope && target.name == name.id.as_str()
            }
            Some(Resolution::Unbound) | None => false,
        }
    }

    /// Every load that may read `binding`, in its own scope and in scopes nested in it.
    pub fn references(&self, binding: BindingId) -> impl Iterator<Item = &Reference> + '_ {
        self.index.references(binding)
    }

    /// The value a name reads, when the file shows it: what the binding that reaches it
    /// assigned (`x = v`, `x: T = v`, `(x := v)`, `with v as x`); for a name read from a
    /// nested function or a `global`, only when its scope assigns it once.
    pub fn assigned_value(&self, name: &ast::ExprName) -> Option<&'a Expr> {
        let binding = self.index.binding(self.resolve_name(name)?);
        if let Some(Resolution::AnyIn(scope)) = self.index.resolution(name.start()) {
            if self.index.scope(scope).bindings_of(binding.name).len() != 1 {
                return None;
            }
        }
        binding.value()
    }

    pub fn statement(&self, id: StatementId) -> &'a Stmt {
        self.index.statement(id)
    }

    /// The statements around a statement, innermost first, up to the module.
    pub fn enclosing_statements(&self, id: StatementId) -> impl Iterator<Item = &'a Stmt> + '_ {
        self.index.enclosing_statements(id)
    }

    /// Whether code in scope `inner` runs where it is written in scope `outer`: `inner` is
    /// `outer`, or a comprehension in it (not a function, lambda or class body).
    pub fn runs_inline(&self, inner: ScopeId, outer: ScopeId) -> bool {
        self.index.runs_inline(inner, outer)
    }

    // ---- what expressions refer to ---------------------------------------------------------

    /// The local name under which the module binds `module` with a plain `import`, if any.
    /// With several (`import asyncio` and `import asyncio as aio`), the module's own name wins,
    /// then the alphabetically first alias, so that fixes do not depend on hash order.
    pub fn module_import_name(&self, module: &str) -> Option<&'a str> {
        self.index
            .scope(ScopeId::MODULE)
            .names()
            .filter_map(|(name, bindings)| {
                let last = self.index.binding(*bindings.last()?);
                matches!(&last.kind, BindingKind::Import(qualified) if qualified == module)
                    .then_some(name)
            })
            .min_by_key(|name| (*name != module, *name))
    }

    /// Whether any import in the module refers to `module` or something inside it.
    pub fn imports_module(&self, module: &str) -> bool {
        self.index
            .scope(ScopeId::MODULE)
            .names()
            .flat_map(|(_, bindings)| bindings)
            .any(|binding| {
                matches!(&self.index.binding(*binding).kind, BindingKind::Import(qualified)
                    if qualified == module || qualified.strip_prefix(module).is_some_and(|rest| rest.starts_with('.')))
            })
    }

    /// The qualified name an expression refers to (`t.sleep` → `time.sleep`), if importable.
    pub fn qualified_name(&self, expr: &Expr) -> Option<String> {
        match self.resolve(expr)? {
            Resolved::Qualified(name) => Some(name),
            _ => None,
        }
    }

    /// The qualified name of what a call invokes: a function (`time.sleep`), a class
    /// (`threading.Thread`), or a method on a receiver of known type (`requests.Session.get`).
    pub fn call_target(&self, call: &ast::ExprCall) -> Option<String> {
        self.resolve(&call.func)?.into_call_target()
    }

    /// The type of the value an expression evaluates to, when the file states it.
    pub fn type_of(&self, expr: &Expr) -> Option<String> {
        match self.resolve(expr)? {
            Resolved::Instance(type_name) => Some(type_name),
            _ => None,
        }
    }

    /// The `def` a call invokes when it is a function of this file (`fetch(x)`, `self.fetch(x)`).
    pub fn local_function(&self, call: &ast::ExprCall) -> Option<&'a ast::StmtFunctionDef> {
        match self.resolve(&call.func)? {
            Resolved::LocalFunction(function) => Some(function),
            _ => None,
        }
    }

    /// What an expression refers to. Its names are read where they are written, so this holds
    /// for an expression anywhere in the module; only `self` is taken to be an instance of the
    /// class enclosing the code being visited.
    pub fn resolve(&self, expr: &Expr) -> Option<Resolved<'a>> {
        Resolver::new(self).expr(expr, 0)
    }
}

/// Finds the first suspension point: an `await`, `async for` or `async with`, not looking into
/// nested functions, lambdas or classes (their suspension points are not this code's).
struct SuspensionFinder {
    found: Option<ruff_text_size::TextRange>,
}

impl<'a> ruff_python_ast::visitor::Visitor<'a> for SuspensionFinder {
    fn visit_stmt(&mut self, statement: &'a Stmt) {
        if self.found.is_some() {
            return;
        }
        match statement {
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
            Stmt::For(for_stmt) if for_stmt.is_async => self.found = Some(statement.range()),
            Stmt::With(with_stmt) if with_stmt.is_async => self.found = Some(statement.range()),
            _ => ruff_python_ast::visitor::walk_stmt(self, statement),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.found.is_some() {
            return;
        }
        match expr {
            Expr::Lambda(_) => {}
            Expr::Await(_) => self.found = Some(expr.range()),
            _ => ruff_python_ast::visitor::walk_expr(self, expr),
        }
    }

    fn visit_comprehension(&mut self, comprehension: &'a ast::Comprehension) {
        if comprehension.is_async {
            self.found = Some(comprehension.range());
            return;
        }
        ruff_python_ast::visitor::walk_comprehension(self, comprehension);
    }
}

/// The first `await`, `async for` or `async with` in a statement list, not looking into nested
/// functions, lambdas or classes (their suspension points are not this function's).
pub fn first_suspension_point(body: &[Stmt]) -> Option<ruff_text_size::TextRange> {
    let mut finder = SuspensionFinder { found: None };
    ruff_python_ast::visitor::Visitor::visit_body(&mut finder, body);
    finder.found
}

/// Whether an expression suspends (`while (message := await queue.get()) is not None`).
pub fn suspends(expr: &Expr) -> bool {
    let mut finder = SuspensionFinder { found: None };
    ruff_python_ast::visitor::Visitor::visit_expr(&mut finder, expr);
    finder.found.is_some()
}
