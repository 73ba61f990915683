//! The single walk over a Python module: it keeps the semantic model in step with the tree and
//! hands every statement and call to the rules (see `analyze`).

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};
use rustc_hash::FxHashSet;

use super::analyze;
use super::blocking::{self, Blocking};
use super::facts;
use super::project::{self, SummaryBuilder};
use super::semantic::{comprehension_parts, SemanticModel};
use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::registry::{Rule, RuleSet};

/// A call being checked, with its target resolved once for all rules.
pub struct CallSite<'a> {
    pub call: &'a ast::ExprCall,
    /// The call's qualified target (`time.sleep`, `requests.Session.get`), if the file states it.
    pub target: Option<String>,
    /// A function or class of this file that the call runs, by where its statement starts.
    pub local: Option<TextSize>,
    /// Whether the callee resolved to anything at all (a qualified name, a definition of the
    /// file, an instance).
    pub resolved: bool,
    /// Whether the call blocks, asked at most once (see [`Checker::blocking`]).
    pub(super) blocking: std::cell::OnceCell<Option<Blocking>>,
}

impl CallSite<'_> {
    pub fn target(&self) -> Option<&str> {
        self.target.as_deref()
    }

    pub fn keyword(&self, name: &str) -> Option<&ast::Keyword> {
        self.call
            .arguments
            .keywords
            .iter()
            .find(|keyword| keyword.arg.as_ref().is_some_and(|arg| arg.as_str() == name))
    }
}

pub struct Checker<'a> {
    pub semantic: SemanticModel<'a>,
    pub settings: &'a Settings,
    pub source: &'a str,
    pub module: &'a ast::ModModule,
    rules: RuleSet,
    pub(super) dispatch: analyze::Dispatch,
    diagnostics: Vec<Diagnostic>,
    reported_once: FxHashSet<(Rule, TextSize, String)>,
    /// Functions registered as route handlers by a call, computed on first use.
    registered_handlers: Option<FxHashSet<String>>,
    /// The file's summary for the whole-project analysis, when a project rule is enabled.
    summary: Option<SummaryBuilder>,
}

impl<'a> Checker<'a> {
    pub fn new(
        module: &'a ast::ModModule,
        source: &'a str,
        settings: &'a Settings,
        rules: RuleSet,
    ) -> Self {
        Checker {
            semantic: SemanticModel::new(module),
            settings,
            source,
            module,
            rules,
            dispatch: analyze::Dispatch::new(rules),
            diagnostics: Vec::new(),
            reported_once: FxHashSet::default(),
            registered_handlers: None,
            summary: crate::project::summarises(rules).then(|| SummaryBuilder::new(module)),
        }
    }

    /// The findings, and the file's project summary when a project rule is enabled.
    pub fn run(
        mut self,
    ) -> (
        Vec<Diagnostic>,
        Option<crate::project::summary::FileSummary>,
    ) {
        self.visit_body(&self.module.body);
        (self.diagnostics, self.summary.map(SummaryBuilder::finish))
    }

    pub(super) fn summary_builder(&mut self) -> Option<&mut SummaryBuilder> {
        self.summary.as_mut()
    }

    pub fn enabled(&self, rule: Rule) -> bool {
        self.rules.contains(rule)
    }

    pub fn any_enabled(&self, rules: &[Rule]) -> bool {
        rules.iter().any(|rule| self.enabled(*rule))
    }

    /// Records a finding; a suppression on the first line of its statement covers it.
    pub fn report(&mut self, mut diagnostic: Diagnostic) {
        if diagnostic.statement_start.is_none() {
            diagnostic.statement_start = self.semantic.current_statement().map(Ranged::start);
        }
        if diagnostic.function.is_none() {
            diagnostic.function = self
                .semantic
                .current_function()
                .map(|function| function.name.to_string());
        }
        self.diagnostics.push(diagnostic);
    }

    pub fn text(&self, range: TextRange) -> &'a str {
        &self.source[range]
    }

    /// Whether the innermost enclosing function is a route handler: decorated with a route
    /// decorator, or registered by name with `add_api_route`/`add_route`/`add_url_rule`/...
    pub fn in_route_handler(&mut self) -> bool {
        let Some(function) = self.semantic.current_function() else {
            return false;
        };
        if function
            .decorator_list
            .iter()
            .any(facts::is_route_decorator)
        {
            return true;
        }
        let module = self.module;
        self.registered_handlers
            .get_or_insert_with(|| facts::registered_handlers(module))
            .contains(function.name.as_str())
    }

    /// Whether the call blocks the thread it runs on, and which rule says so (the one answer,
    /// see `python::blocking`).
    pub fn blocking<'s>(&self, site: &'s CallSite) -> Option<&'s Blocking> {
        site.blocking
            .get_or_init(|| blocking::classify(&self.semantic, self.settings, site))
            .as_ref()
    }

    /// The target of a call in async code that blocks because `rule`'s list (with the user's
    /// `extend-blocking-calls`) names it: the shared guard of the LG2xx rules.
    pub fn blocking_call<'s>(&self, site: &'s CallSite, rule: Rule) -> Option<&'s str> {
        if !self.semantic.in_async_context() {
            return None;
        }
        match self.blocking(site)? {
            Blocking::Call(blocking_rule) if *blocking_rule == rule => site.target(),
            _ => None,
        }
    }

    /// True the first time `key` is seen for `rule` in the current function (for rules that
    /// report once per receiver rather than once per call).
    pub fn first_in_function(&mut self, rule: Rule, key: &str) -> bool {
        let function = self
            .semantic
            .current_function()
            .map_or(TextSize::default(), Ranged::start);
        self.reported_once.insert((rule, function, key.to_string()))
    }
}

impl<'a> Visitor<'a> for Checker<'a> {
    fn visit_body(&mut self, body: &'a [Stmt]) {
        self.semantic.push_block(body);
        for (index, statement) in body.iter().enumerate() {
            self.semantic.set_block_index(index);
            self.visit_stmt(statement);
        }
        self.semantic.pop_block();
    }

    fn visit_stmt(&mut self, statement: &'a Stmt) {
        self.semantic.push_statement(statement);
        analyze::statement(self, statement);
        match statement {
            Stmt::FunctionDef(function) => {
                // Decorators, defaults and annotations run in the enclosing scope.
                for decorator in &function.decorator_list {
                    self.visit_decorator(decorator);
                }
                for parameter in function.parameters.iter_non_variadic_params() {
                    if let Some(default) = &parameter.default {
                        self.visit_expr(default);
                    }
                }
                self.semantic.push_function(function);
                if let Some(summary) = &mut self.summary {
                    summary.enter_function(function, facts::accessor(&self.semantic, function));
                }
                self.visit_body(&function.body);
                if let Some(summary) = &mut self.summary {
                    summary.exit();
                }
                self.semantic.pop_scope();
            }
            Stmt::ClassDef(class) => {
                for decorator in &class.decorator_list {
                    self.visit_decorator(decorator);
                }
                if let Some(arguments) = &class.arguments {
                    self.visit_arguments(arguments);
                }
                if let Some(summary) = &mut self.summary {
                    let bases = project::class_bases(&self.semantic, summary, class);
                    summary.enter_class(class, bases);
                }
                self.semantic.push_class(class);
                self.visit_body(&class.body);
                if let Some(summary) = &mut self.summary {
                    summary.exit();
                }
                self.semantic.pop_scope();
            }
            Stmt::For(for_stmt) => {
                self.visit_expr(&for_stmt.iter);
                self.visit_expr(&for_stmt.target);
                self.semantic.enter_loop(statement);
                self.visit_body(&for_stmt.body);
                self.semantic.exit_loop();
                self.visit_body(&for_stmt.orelse);
            }
            Stmt::While(while_stmt) => {
                self.visit_expr(&while_stmt.test);
                self.semantic.enter_loop(statement);
                self.visit_body(&while_stmt.body);
                self.semantic.exit_loop();
                self.visit_body(&while_stmt.orelse);
            }
            _ => walk_stmt(self, statement),
        }
        self.semantic.pop_statement();
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        self.semantic.push_expression(expr);
        match expr {
            Expr::Call(call) => {
                analyze::call(self, call);
                walk_expr(self, expr);
            }
            Expr::Attribute(_) => {
                if self.summary.is_some() {
                    project::attribute(self, expr);
                }
                walk_expr(self, expr);
            }
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    for parameter in parameters.iter_non_variadic_params() {
                        if let Some(default) = &parameter.default {
                            self.visit_expr(default);
                        }
                    }
                }
                self.semantic.push_lambda(lambda);
                self.visit_expr(&lambda.body);
                self.semantic.pop_scope();
            }
            Expr::ListComp(_) | Expr::SetComp(_) | Expr::Generator(_) | Expr::DictComp(_) => {
                if let Some((generators, elements)) = comprehension_parts(expr) {
                    self.visit_comprehension_scope(expr.range(), generators, elements);
                }
            }
            _ => walk_expr(self, expr),
        }
        self.semantic.pop_expression();
    }
}

impl<'a> Checker<'a> {
    /// The first iterable is evaluated in the enclosing scope; everything else in the
    /// comprehension's own scope, with the element expressions running once per item.
    fn visit_comprehension_scope(
        &mut self,
        node: TextRange,
        generators: &'a [ast::Comprehension],
        elements: [Option<&'a Expr>; 2],
    ) {
        let Some((first, rest)) = generators.split_first() else {
            return;
        };
        self.visit_expr(&first.iter);
        self.semantic.push_comprehension(node, generators);
        for condition in &first.ifs {
            self.visit_expr(condition);
        }
        for generator in rest {
            self.visit_expr(&generator.iter);
            for condition in &generator.ifs {
                self.visit_expr(condition);
            }
        }
        self.semantic.set_in_element(true);
        for element in elements.into_iter().flatten() {
            self.visit_expr(element);
        }
        self.semantic.set_in_element(false);
        self.semantic.pop_scope();
    }
}
