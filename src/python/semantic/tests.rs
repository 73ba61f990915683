//! The model's answers on small modules: which bindings reach a load, and which loads are a
//! binding's references.

use ruff_python_ast::visitor::{walk_expr, Visitor};
use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::{Ranged, TextSize};

use super::{BindingKind, ScopeId, ScopeKind, SemanticModel};
use crate::python::parse::ParsedModule;

/// Runs `check` on the model of `source`, indented with four spaces per level in the literal.
fn with_model(source: &str, check: impl FnOnce(&SemanticModel, &Names)) {
    let parsed = ParsedModule::parse(source);
    assert!(parsed.syntax_error().is_none(), "{source}");
    let mut names = Names {
        source,
        found: Vec::new(),
    };
    names.visit_body(&parsed.module().body);
    check(&SemanticModel::new(parsed.module()), &names);
}

/// Every name of the module, to look one up by the text that starts with it.
struct Names<'s, 'a> {
    source: &'s str,
    found: Vec<&'a ast::ExprName>,
}

impl<'a> Visitor<'a> for Names<'_, 'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Name(name) = expr {
            self.found.push(name);
        }
        walk_expr(self, expr);
    }
}

impl<'a> Names<'_, 'a> {
    /// The name at the start of the only occurrence of `text`.
    fn at(&self, text: &str) -> &'a ast::ExprName {
        let start = self.source.find(text).expect(text);
        assert_eq!(self.source.rfind(text), Some(start), "{text} is not unique");
        let start = TextSize::try_from(start).unwrap();
        self.found
            .iter()
            .find(|name| name.start() == start)
            .copied()
            .unwrap_or_else(|| panic!("no name starts `{text}`"))
    }

    fn line(&self, offset: TextSize) -> usize {
        self.source[..offset.to_usize()].matches('\n').count() + 1
    }
}

/// The lines of the bindings that may reach the load starting `text`.
fn reaching_lines(semantic: &SemanticModel, names: &Names, text: &str) -> Vec<usize> {
    let mut lines: Vec<usize> = semantic
        .reaching(names.at(text))
        .iter()
        .map(|id| names.line(semantic.binding(*id).range.start()))
        .collect();
    lines.sort_unstable();
    lines
}

/// The lines of the loads that are references of the binding made by the target starting `text`.
fn reference_lines(semantic: &SemanticModel, names: &Names, text: &str) -> Vec<usize> {
    let binding = semantic.bound_by(names.at(text)).expect(text);
    semantic
        .references(binding)
        .map(|reference| names.line(reference.start()))
        .collect()
}

#[test]
fn both_branches_reach_after_an_if() {
    let source = "def f(c):\n    s = A()\n    if c:\n        s = B()\n    s.close()\n";
    with_model(source, |semantic, names| {
        assert_eq!(reaching_lines(semantic, names, "s.close"), [2, 4]);
    });
}

#[test]
fn a_branch_that_returns_does_not_reach() {
    let source =
        "def f(c):\n    s = A()\n    if c:\n        s = B()\n        return s\n    s.close()\n";
    with_model(source, |semantic, names| {
        assert_eq!(reaching_lines(semantic, names, "s.close"), [2]);
        assert_eq!(reaching_lines(semantic, names, "s\n    s.close"), [4]);
    });
}

#[test]
fn a_rebinding_replaces_and_reads_the_previous_binding() {
    let source = "def f(xs):\n    r = []\n    r = g(r)\n    h(r, 1)\n";
    with_model(source, |semantic, names| {
        assert_eq!(reaching_lines(semantic, names, "r)\n    h"), [2]);
        assert_eq!(reaching_lines(semantic, names, "r, 1"), [3]);
        assert_eq!(reference_lines(semantic, names, "r = []"), [3]);
    });
}

#[test]
fn a_loop_body_sees_what_the_previous_iteration_bound() {
    let source =
        "def f(xs):\n    d = 1\n    for x in xs:\n        g(d)\n        d = 2\n    h(d, 1)\n";
    with_model(source, |semantic, names| {
        assert_eq!(reaching_lines(semantic, names, "d)\n        d"), [2, 5]);
        assert_eq!(reaching_lines(semantic, names, "d, 1"), [2, 5]);
    });
}

#[test]
fn a_handler_sees_what_the_try_body_bound_before_raising() {
    let source =
        "def f():\n    x = 1\n    try:\n        x = 2\n        g()\n    except E:\n        h(x)\n";
    with_model(source, |semantic, names| {
        assert_eq!(reaching_lines(semantic, names, "x)"), [2, 4]);
    });
}

#[test]
fn a_comprehension_variable_is_its_own() {
    let source =
        "def f(others):\n    client = C()\n    [client.close() for client in others]\n    client.get()\n";
    with_model(source, |semantic, names| {
        assert_eq!(reaching_lines(semantic, names, "client.close"), [3]);
        assert_eq!(reference_lines(semantic, names, "client = C()"), [4]);
    });
}

#[test]
fn a_nested_function_reads_any_binding_of_its_enclosing_function() {
    let source =
        "def f():\n    s = A()\n    def cb():\n        s.close()\n    s = B()\n    return cb\n";
    with_model(source, |semantic, names| {
        assert_eq!(reaching_lines(semantic, names, "s.close"), [2, 5]);
        let nested = semantic.references(semantic.bound_by(names.at("s = A()")).unwrap());
        let scopes: Vec<ScopeKind> = nested
            .map(|reference| semantic.scope(reference.scope).kind)
            .collect();
        assert_eq!(scopes, [ScopeKind::Function { is_async: false }]);
    });
}

#[test]
fn a_class_body_is_not_visible_from_its_methods() {
    let source = "x = 1\nclass K:\n    x = 2\n    y = x\n    def m(self):\n        return x + 0\n";
    with_model(source, |semantic, names| {
        assert_eq!(reaching_lines(semantic, names, "x\n    def"), [3]);
        assert_eq!(reaching_lines(semantic, names, "x + 0"), [1]);
    });
}

#[test]
fn global_and_nonlocal_names_belong_to_their_scopes() {
    let source = "pool = None\ndef start():\n    global pool\n    pool = P()\ndef outer():\n    db = None\n    def inner():\n        nonlocal db\n        db = C()\n    return inner\n";
    with_model(source, |semantic, names| {
        let pool = semantic.binding(semantic.bound_by(names.at("pool = P()")).unwrap());
        assert_eq!(pool.scope, ScopeId::MODULE);
        let db = semantic.binding(semantic.bound_by(names.at("db = C()")).unwrap());
        let outer = semantic.binding(semantic.bound_by(names.at("db = None")).unwrap());
        assert_eq!(db.scope, outer.scope);
    });
}

#[test]
fn an_annotated_assignment_binds_its_value() {
    let source = "import asyncio\nfrom typing import Final\nsem: Final = asyncio.Semaphore(8)\ntasks: list[int] = []\nsem.acquire()\ntasks.append(1)\n";
    with_model(source, |semantic, names| {
        let sem = Expr::Name(names.at("sem.acquire").clone());
        assert_eq!(semantic.type_of(&sem).as_deref(), Some("asyncio.Semaphore"));
        let tasks = semantic.assigned_value(names.at("tasks.append"));
        assert!(matches!(tasks, Some(Expr::List(list)) if list.elts.is_empty()));
        let binding = semantic.binding(semantic.resolve_name(names.at("tasks.append")).unwrap());
        assert!(matches!(binding.kind, BindingKind::Annotated { .. }));
    });
}
