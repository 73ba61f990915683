//! Semantic facts about a Python module that rules share: scopes and bindings, imports resolved
//! to qualified names, receiver types the file states, async and loop context.
//!
//! The checker drives this model while it walks the tree once; rules only ask questions.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextSize};
use rustc_hash::FxHashMap;

use super::data::data;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Class,
    Function { is_async: bool },
    Lambda,
    Comprehension,
}

#[derive(Debug, Clone)]
enum BindingKind<'a> {
    /// `import a.b as c` binds `c` to `a.b`; `from a import b` binds `b` to `a.b`.
    Import(String),
    Value(&'a Expr),
    /// `x: T = ...`: the annotation is read in the same scope, before the binding.
    Annotated(&'a Expr),
    /// A parameter's annotation, read in the scope that encloses the `def`.
    Parameter(&'a Expr),
    /// The first parameter of a method: an instance of the enclosing class.
    SelfParameter,
    Function(&'a ast::StmtFunctionDef),
    Class(&'a ast::StmtClassDef),
    /// Bound in a way that says nothing about the value (loop targets, unpacking, `except as`).
    Unknown,
}

#[derive(Debug, Clone)]
struct Binding<'a> {
    kind: BindingKind<'a>,
    start: TextSize,
}

#[derive(Debug)]
struct Scope<'a> {
    kind: ScopeKind,
    bindings: FxHashMap<&'a str, Vec<Binding<'a>>>,
    function: Option<&'a ast::StmtFunctionDef>,
    class: Option<ClassFacts<'a>>,
    /// Loop statements whose bodies are being visited within this scope, innermost last (not
    /// counting enclosing scopes).
    loops: Vec<&'a Stmt>,
    /// For comprehensions: their `for` clauses, and whether the element expression is being
    /// visited.
    generators: &'a [ast::Comprehension],
    in_element: bool,
}

impl<'a> Scope<'a> {
    fn new(kind: ScopeKind) -> Self {
        Scope {
            kind,
            bindings: FxHashMap::default(),
            function: None,
            class: None,
            loops: Vec::new(),
            generators: &[],
            in_element: false,
        }
    }

    fn bind(&mut self, name: &'a str, kind: BindingKind<'a>, start: TextSize) {
        self.bindings
            .entry(name)
            .or_default()
            .push(Binding { kind, start });
    }
}

/// Attributes a class assigns (`self.x = ...` in its methods, `x: T` or `x = ...` in its body).
#[derive(Debug)]
struct ClassFacts<'a> {
    attributes: FxHashMap<&'a str, Vec<&'a Expr>>,
    annotations: FxHashMap<&'a str, &'a Expr>,
}

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

pub struct SemanticModel<'a> {
    scopes: Vec<Scope<'a>>,
    statements: Vec<&'a Stmt>,
    expressions: Vec<&'a Expr>,
    /// Statement lists being visited, with the index of the current statement in each.
    blocks: Vec<(&'a [Stmt], usize)>,
    has_star_import: bool,
}

impl<'a> SemanticModel<'a> {
    pub fn new(module: &'a ast::ModModule) -> Self {
        let mut scope = Scope::new(ScopeKind::Module);
        let mut has_star_import = false;
        collect_bindings(&module.body, &mut scope, &mut has_star_import);
        SemanticModel {
            scopes: vec![scope],
            statements: Vec::new(),
            expressions: Vec::new(),
            blocks: Vec::new(),
            has_star_import,
        }
    }

    // ---- driven by the checker -------------------------------------------------------------

    pub(super) fn push_function(&mut self, function: &'a ast::StmtFunctionDef) {
        let mut scope = Scope::new(ScopeKind::Function {
            is_async: function.is_async,
        });
        scope.function = Some(function);
        let is_method = self
            .scopes
            .last()
            .is_some_and(|s| s.kind == ScopeKind::Class);
        let is_static = function.decorator_list.iter().any(|decorator| {
            matches!(&decorator.expression, Expr::Name(name) if name.id.as_str() == "staticmethod")
        });
        let parameters = &function.parameters;
        for (index, parameter) in parameters
            .posonlyargs
            .iter()
            .chain(&parameters.args)
            .chain(&parameters.kwonlyargs)
            .enumerate()
        {
            let name = parameter.parameter.name.as_str();
            let kind = if index == 0 && is_method && !is_static {
                BindingKind::SelfParameter
            } else {
                match parameter.parameter.annotation.as_deref() {
                    Some(annotation) => BindingKind::Parameter(annotation),
                    None => BindingKind::Unknown,
                }
            };
            scope.bind(name, kind, function.start());
        }
        for variadic in [&parameters.vararg, &parameters.kwarg]
            .into_iter()
            .flatten()
        {
            scope.bind(
                variadic.name.as_str(),
                BindingKind::Unknown,
                function.start(),
            );
        }
        let mut star = false;
        collect_bindings(&function.body, &mut scope, &mut star);
        self.scopes.push(scope);
    }

    pub(super) fn push_class(&mut self, class: &'a ast::StmtClassDef) {
        let mut scope = Scope::new(ScopeKind::Class);
        let mut star = false;
        collect_bindings(&class.body, &mut scope, &mut star);
        scope.class = Some(class_facts(class));
        self.scopes.push(scope);
    }

    pub(super) fn push_lambda(&mut self, lambda: &'a ast::ExprLambda) {
        let mut scope = Scope::new(ScopeKind::Lambda);
        if let Some(parameters) = &lambda.parameters {
            for parameter in parameters.iter() {
                scope.bind(
                    parameter.name().as_str(),
                    BindingKind::Unknown,
                    lambda.start(),
                );
            }
        }
        self.scopes.push(scope);
    }

    pub(super) fn push_comprehension(&mut self, generators: &'a [ast::Comprehension]) {
        let mut scope = Scope::new(ScopeKind::Comprehension);
        scope.generators = generators;
        for generator in generators {
            bind_target(&generator.target, &mut scope, None);
        }
        self.scopes.push(scope);
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

    // ---- questions rules ask ---------------------------------------------------------------

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

    /// The local name under which the module binds `module` with a plain `import`, if any.
    /// With several (`import asyncio` and `import asyncio as aio`), the module's own name wins,
    /// then the alphabetically first alias, so that fixes do not depend on hash order.
    pub fn module_import_name(&self, module: &str) -> Option<&'a str> {
        self.scopes[0]
            .bindings
            .iter()
            .filter_map(|(name, bindings)| {
                let last = bindings.last()?;
                matches!(&last.kind, BindingKind::Import(qualified) if qualified == module)
                    .then_some(*name)
            })
            .min_by_key(|name| (*name != module, *name))
    }

    /// Whether any import in the module refers to `module` or something inside it.
    pub fn imports_module(&self, module: &str) -> bool {
        self.scopes[0].bindings.values().flatten().any(|binding| {
            matches!(&binding.kind, BindingKind::Import(qualified)
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

    /// The value a name was last assigned in the innermost function, if it is bound there.
    pub fn value_in_current_function(&self, name: &ast::ExprName) -> Option<&'a Expr> {
        let scope = self
            .scopes
            .iter()
            .rev()
            .find(|scope| scope.function.is_some())?;
        let binding = scope
            .bindings
            .get(name.id.as_str())?
            .iter()
            .rev()
            .find(|binding| binding.start < name.start())?;
        match binding.kind {
            BindingKind::Value(value) => Some(value),
            _ => None,
        }
    }

    /// The value a module-level name is bound to, when that is its only binding and no
    /// enclosing function or class rebinds it (`CORE = {"a", "b"}`).
    pub fn module_constant(&self, name: &ast::ExprName) -> Option<&'a Expr> {
        let id = name.id.as_str();
        if self.scopes[1..]
            .iter()
            .any(|scope| scope.bindings.contains_key(id))
        {
            return None;
        }
        match self.scopes[0].bindings.get(id)?.as_slice() {
            [Binding {
                kind: BindingKind::Value(value),
                ..
            }] => Some(value),
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

    pub fn resolve(&self, expr: &Expr) -> Option<Resolved<'a>> {
        Resolver::new(self).expr(expr, self.here(), 0)
    }

    /// The type an annotation names: `T`, `Optional[T]`, `T | None`; `"T"` is not followed.
    /// Evaluated where the code being visited is.
    pub fn annotation_type(&self, annotation: &Expr) -> Option<String> {
        Resolver::new(self).annotation_type(annotation, self.here(), 0)
    }

    /// Names read by the code being visited: the innermost scope, each at its own position.
    fn here(&self) -> Site {
        Site {
            scope: self.scopes.len() - 1,
            position: Position::AtUse,
        }
    }
}

/// Resolution follows `a = b` aliases, values, annotations and `self` attributes; the chain of
/// such steps is at most this long (it bounds cycles that the scoping rules do not break, such as
/// `self.x = self.x`).
const MAX_ALIAS_DEPTH: u8 = 8;

/// One resolution takes at most this many steps in all: with several assignments per `self`
/// attribute the steps branch, and the depth alone would bound them only exponentially.
const MAX_RESOLUTION_STEPS: u32 = 512;

/// Where a name is looked up: the scopes visible there and which of their bindings count.
#[derive(Debug, Clone, Copy)]
struct Site {
    /// The innermost visible scope (an index into the model's scope stack); a class scope is
    /// visible only when it is this one.
    scope: usize,
    position: Position,
}

#[derive(Debug, Clone, Copy)]
enum Position {
    /// Code as written: in the innermost scope the last binding before the name (or the first
    /// one, for a name used before it is bound, as in a loop); the last binding further out.
    AtUse,
    /// The expression that creates a binding: only bindings made before it count in the
    /// innermost scope (`x = x.y` reads the previous `x`), and without one the name is looked
    /// up further out (`open = open` at module level is the builtin).
    Before(TextSize),
    /// An annotation of a parameter, read in the scope that encloses the `def`: any binding
    /// there, the last one (postponed annotations may name what is defined later).
    Anywhere,
}

/// The bounded recursion behind [`SemanticModel::resolve`]: every step goes one level deeper
/// (at most [`MAX_ALIAS_DEPTH`]) and spends one of [`MAX_RESOLUTION_STEPS`].
struct Resolver<'m, 'a> {
    model: &'m SemanticModel<'a>,
    steps_left: std::cell::Cell<u32>,
}

impl<'m, 'a> Resolver<'m, 'a> {
    fn new(model: &'m SemanticModel<'a>) -> Self {
        Resolver {
            model,
            steps_left: std::cell::Cell::new(MAX_RESOLUTION_STEPS),
        }
    }

    /// Spends a step at `depth`; `None` once either budget is used up.
    fn step(&self, depth: u8) -> Option<()> {
        let left = self.steps_left.get().checked_sub(1)?;
        self.steps_left.set(left);
        (depth <= MAX_ALIAS_DEPTH).then_some(())
    }

    fn expr(&self, expr: &Expr, site: Site, depth: u8) -> Option<Resolved<'a>> {
        self.step(depth)?;
        match expr {
            Expr::Name(name) => self.name(name.id.as_str(), name.start(), site, depth),
            Expr::Attribute(attribute) => {
                let attr = attribute.attr.as_str();
                match self.expr(&attribute.value, site, depth + 1)? {
                    Resolved::Qualified(base) => {
                        Some(Resolved::Qualified(canonical(format!("{base}.{attr}"))))
                    }
                    Resolved::Instance(type_name) => {
                        Some(Resolved::Method(format!("{type_name}.{attr}")))
                    }
                    Resolved::SelfInstance => self.self_attribute(attr, depth),
                    Resolved::LocalClass(class) => {
                        find_method(&class.body, attr).map(Resolved::LocalFunction)
                    }
                    Resolved::Method(_) | Resolved::LocalFunction(_) => None,
                }
            }
            Expr::Call(call) => match self.expr(&call.func, site, depth + 1)? {
                Resolved::Qualified(callee) => Some(Resolved::Instance(
                    data().returns.get(&callee).cloned().unwrap_or(callee),
                )),
                Resolved::Method(method) => {
                    data().returns.get(&method).cloned().map(Resolved::Instance)
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn name(&self, name: &str, at: TextSize, site: Site, depth: u8) -> Option<Resolved<'a>> {
        let scopes = &self.model.scopes[..=site.scope];
        for (index, scope) in scopes.iter().enumerate().rev() {
            let innermost = index == site.scope;
            // Class bodies are not enclosing scopes for the functions defined in them.
            if scope.kind == ScopeKind::Class && !innermost {
                continue;
            }
            let Some(bindings) = scope.bindings.get(name) else {
                continue;
            };
            let binding = match (innermost, site.position) {
                (true, Position::AtUse) => bindings
                    .iter()
                    .rev()
                    .find(|binding| binding.start < at)
                    .or_else(|| bindings.first()),
                (true, Position::Before(limit)) => {
                    match bindings.iter().rev().find(|binding| binding.start < limit) {
                        Some(binding) => Some(binding),
                        None => continue,
                    }
                }
                _ => bindings.last(),
            }?;
            return self.binding(binding, index, depth);
        }
        (!self.model.has_star_import && is_builtin(name))
            .then(|| Resolved::Qualified(format!("builtins.{name}")))
    }

    /// What a binding of the scope at `scope` refers to, its value and annotation read where
    /// Python evaluates them.
    fn binding(&self, binding: &Binding<'a>, scope: usize, depth: u8) -> Option<Resolved<'a>> {
        let before_binding = Site {
            scope,
            position: Position::Before(binding.start),
        };
        match &binding.kind {
            BindingKind::Import(qualified) => Some(Resolved::Qualified(qualified.clone())),
            BindingKind::Value(value) => self.value(value, before_binding, depth + 1),
            BindingKind::Annotated(annotation) => self
                .annotation_type(annotation, before_binding, depth + 1)
                .map(Resolved::Instance),
            // `def f(type: type[int])`: the annotation is evaluated where the `def` is, not
            // in the function, whose `type` it would otherwise name.
            BindingKind::Parameter(annotation) => {
                let enclosing = Site {
                    scope: scope.checked_sub(1)?,
                    position: Position::Anywhere,
                };
                self.annotation_type(annotation, enclosing, depth + 1)
                    .map(Resolved::Instance)
            }
            BindingKind::SelfParameter => Some(Resolved::SelfInstance),
            BindingKind::Function(function) => Some(Resolved::LocalFunction(function)),
            BindingKind::Class(class) => Some(Resolved::LocalClass(class)),
            BindingKind::Unknown => None,
        }
    }

    fn value(&self, value: &Expr, site: Site, depth: u8) -> Option<Resolved<'a>> {
        match value {
            // `sleep = time.sleep` is an alias; `s = requests.Session()` an instance.
            Expr::Name(_) | Expr::Attribute(_) | Expr::Call(_) => self.expr(value, site, depth),
            Expr::Await(await_expr) => match self.expr(&await_expr.value, site, depth)? {
                instance @ Resolved::Instance(_) => Some(instance),
                _ => None,
            },
            _ => None,
        }
    }

    /// `self.<attr>` in a method: what the class's annotation of it names, or what every
    /// assignment to it agrees on, or its method. Read where the code being visited is (the
    /// methods that assign it are not on the scope stack).
    fn self_attribute(&self, attr: &str, depth: u8) -> Option<Resolved<'a>> {
        let model = self.model;
        let class_scope = model
            .scopes
            .iter()
            .rev()
            .find(|scope| scope.kind == ScopeKind::Class)?;
        let facts = class_scope.class.as_ref()?;
        if let Some(annotation) = facts.annotations.get(attr) {
            return self
                .annotation_type(annotation, model.here(), depth + 1)
                .map(Resolved::Instance);
        }
        if let Some(values) = facts.attributes.get(attr) {
            // Only trust an attribute whose every assignment says the same thing.
            let mut resolved = values
                .iter()
                .map(|value| self.value(value, model.here(), depth + 1));
            let first = resolved.next()??;
            return resolved
                .all(|other| other.as_ref() == Some(&first))
                .then_some(first);
        }
        if let Some(bindings) = class_scope.bindings.get(attr) {
            if let Some(BindingKind::Function(function)) = bindings.last().map(|b| &b.kind) {
                return Some(Resolved::LocalFunction(function));
            }
        }
        None
    }

    fn qualified_name(&self, expr: &Expr, site: Site, depth: u8) -> Option<String> {
        match self.expr(expr, site, depth)? {
            Resolved::Qualified(name) => Some(name),
            _ => None,
        }
    }

    fn annotation_type(&self, annotation: &Expr, site: Site, depth: u8) -> Option<String> {
        self.step(depth)?;
        match annotation {
            Expr::Name(_) | Expr::Attribute(_) => self.qualified_name(annotation, site, depth + 1),
            Expr::Subscript(subscript) => {
                let outer = self.qualified_name(&subscript.value, site, depth + 1)?;
                if outer == "typing.Optional" {
                    self.annotation_type(&subscript.slice, site, depth + 1)
                } else {
                    Some(outer)
                }
            }
            Expr::BinOp(binop) if binop.op == ast::Operator::BitOr => {
                let is_none = |expr: &Expr| expr.is_none_literal_expr();
                match (is_none(&binop.left), is_none(&binop.right)) {
                    (false, true) => self.annotation_type(&binop.left, site, depth + 1),
                    (true, false) => self.annotation_type(&binop.right, site, depth + 1),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

fn find_method<'a>(body: &'a [Stmt], name: &str) -> Option<&'a ast::StmtFunctionDef> {
    body.iter().find_map(|statement| match statement {
        Stmt::FunctionDef(function) if function.name.as_str() == name => Some(function),
        _ => None,
    })
}

/// Rewrites a submodule that its package re-exports (`asyncio.tasks.gather` → `asyncio.gather`).
fn canonical(name: String) -> String {
    for (submodule, package) in &data().module_aliases {
        if let Some(rest) = name.strip_prefix(submodule.as_str()) {
            if rest.is_empty() || rest.starts_with('.') {
                return format!("{package}{rest}");
            }
        }
    }
    name
}

fn is_builtin(name: &str) -> bool {
    matches!(
        name,
        "open"
            | "input"
            | "print"
            | "len"
            | "range"
            | "list"
            | "dict"
            | "set"
            | "tuple"
            | "str"
            | "int"
            | "float"
            | "bool"
            | "bytes"
            | "iter"
            | "next"
            | "map"
            | "filter"
            | "zip"
            | "enumerate"
            | "sorted"
            | "reversed"
            | "sum"
            | "min"
            | "max"
            | "any"
            | "all"
            | "isinstance"
            | "getattr"
            | "setattr"
            | "hasattr"
            | "super"
            | "type"
            | "object"
            | "exec"
            | "eval"
            | "compile"
            | "__import__"
            | "breakpoint"
    )
}

/// Binds the names a statement list introduces, without entering nested defs and classes.
fn collect_bindings<'a>(body: &'a [Stmt], scope: &mut Scope<'a>, has_star_import: &mut bool) {
    for statement in body {
        match statement {
            Stmt::Import(import) => {
                for alias in &import.names {
                    let module = alias.name.as_str();
                    match &alias.asname {
                        Some(asname) => scope.bind(
                            asname.as_str(),
                            BindingKind::Import(canonical(module.to_string())),
                            statement.start(),
                        ),
                        None => {
                            let top = module.split('.').next().unwrap_or(module);
                            scope.bind(
                                // `import a.b` binds `a`; the source slice outlives the scope.
                                &alias.name.as_str()[..top.len()],
                                BindingKind::Import(top.to_string()),
                                statement.start(),
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
                        *has_star_import = true;
                        continue;
                    }
                    let separator = if module.is_empty() { "" } else { "." };
                    let qualified =
                        canonical(format!("{dots}{module}{separator}{}", alias.name.as_str()));
                    let local = alias.asname.as_ref().unwrap_or(&alias.name);
                    scope.bind(
                        local.as_str(),
                        BindingKind::Import(qualified),
                        statement.start(),
                    );
                }
            }
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    bind_target(target, scope, Some(&assign.value));
                }
            }
            Stmt::AnnAssign(assign) => {
                if let Expr::Name(name) = assign.target.as_ref() {
                    scope.bind(
                        name.id.as_str(),
                        BindingKind::Annotated(&assign.annotation),
                        statement.start(),
                    );
                }
            }
            Stmt::FunctionDef(function) => {
                scope.bind(
                    function.name.as_str(),
                    BindingKind::Function(function),
                    statement.start(),
                );
            }
            Stmt::ClassDef(class) => {
                scope.bind(
                    class.name.as_str(),
                    BindingKind::Class(class),
                    statement.start(),
                );
            }
            Stmt::For(for_stmt) => {
                bind_target(&for_stmt.target, scope, None);
                collect_bindings(&for_stmt.body, scope, has_star_import);
                collect_bindings(&for_stmt.orelse, scope, has_star_import);
            }
            Stmt::While(while_stmt) => {
                collect_bindings(&while_stmt.body, scope, has_star_import);
                collect_bindings(&while_stmt.orelse, scope, has_star_import);
            }
            Stmt::If(if_stmt) => {
                collect_bindings(&if_stmt.body, scope, has_star_import);
                for clause in &if_stmt.elif_else_clauses {
                    collect_bindings(&clause.body, scope, has_star_import);
                }
            }
            Stmt::With(with_stmt) => {
                for item in &with_stmt.items {
                    if let Some(target) = &item.optional_vars {
                        bind_target(target, scope, Some(&item.context_expr));
                    }
                }
                collect_bindings(&with_stmt.body, scope, has_star_import);
            }
            Stmt::Try(try_stmt) => {
                collect_bindings(&try_stmt.body, scope, has_star_import);
                for handler in &try_stmt.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    if let Some(name) = &handler.name {
                        scope.bind(name.as_str(), BindingKind::Unknown, handler.start());
                    }
                    collect_bindings(&handler.body, scope, has_star_import);
                }
                collect_bindings(&try_stmt.orelse, scope, has_star_import);
                collect_bindings(&try_stmt.finalbody, scope, has_star_import);
            }
            Stmt::Match(match_stmt) => {
                for case in &match_stmt.cases {
                    collect_bindings(&case.body, scope, has_star_import);
                }
            }
            _ => {}
        }
    }
}

fn bind_target<'a>(target: &'a Expr, scope: &mut Scope<'a>, value: Option<&'a Expr>) {
    match target {
        Expr::Name(name) => {
            let kind = value.map_or(BindingKind::Unknown, BindingKind::Value);
            scope.bind(name.id.as_str(), kind, target.start());
        }
        Expr::Tuple(tuple) => {
            for element in &tuple.elts {
                bind_target(element, scope, None);
            }
        }
        Expr::List(list) => {
            for element in &list.elts {
                bind_target(element, scope, None);
            }
        }
        Expr::Starred(starred) => bind_target(&starred.value, scope, None),
        _ => {}
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

/// The first `await`, `async for` or `async with` in a statement list, not looking into nested
/// functions, lambdas or classes (their suspension points are not this function's).
pub fn first_suspension_point(body: &[Stmt]) -> Option<ruff_text_size::TextRange> {
    use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};

    struct Finder {
        found: Option<ruff_text_size::TextRange>,
    }

    impl<'a> Visitor<'a> for Finder {
        fn visit_stmt(&mut self, statement: &'a Stmt) {
            if self.found.is_some() {
                return;
            }
            match statement {
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                Stmt::For(for_stmt) if for_stmt.is_async => self.found = Some(statement.range()),
                Stmt::With(with_stmt) if with_stmt.is_async => self.found = Some(statement.range()),
                _ => walk_stmt(self, statement),
            }
        }

        fn visit_expr(&mut self, expr: &'a Expr) {
            if self.found.is_some() {
                return;
            }
            match expr {
                Expr::Lambda(_) => {}
                Expr::Await(_) => self.found = Some(expr.range()),
                _ => walk_expr(self, expr),
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

    let mut finder = Finder { found: None };
    finder.visit_body(body);
    finder.found
}
