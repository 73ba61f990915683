//! The single walk over a Rust file: it keeps the semantic model in step with the tree (scopes,
//! `use` items, bindings, async and loop context), walks the bodies of common macros, and hands
//! every call and `let` to the rules (see `analyze`).

use proc_macro2::Span;
use ruff_text_size::TextRange;
use rustc_hash::FxHashMap;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Stmt};

use super::analyze;
use super::data::data;
use super::edits::ImportPoint;
use super::facts::Body;
use super::macros::{self, MacroBody};
use super::parse::{InPieces, Piece, Spans};
use super::project::{self, SummaryBuilder};
use super::semantic::{
    first_suspension_point, suspends, ClosureRuns, LoopKind, ScopeId, ScopeKind, SemanticModel,
    SpawnWrapper, TypedItems,
};
use super::test_code;
use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::registry::{Rule, RuleSet};
use crate::source::SourceText;

/// How many statements after `let fut = ..` are searched for `guard.call(fut)`: a future is
/// handed on soon after it is made, and the bound keeps huge blocks linear.
const FUTURE_LOOKAHEAD: usize = 16;

#[derive(Clone, Copy)]
pub enum CallKind<'a> {
    Function(&'a syn::ExprCall),
    Method(&'a syn::ExprMethodCall),
}

/// A call being checked, with its target resolved once for all rules.
pub struct CallSite<'a> {
    pub kind: CallKind<'a>,
    /// The call's full path (`std::thread::sleep`), or `<Type>::<method>` on a receiver of a
    /// known type (`std::sync::mpsc::Receiver::recv`), if the file states it; for a function of
    /// the file that only starts a task, the spawn it makes (see `wrapper`).
    pub target: Option<String>,
    /// The function of the file the call goes through when it starts a task by way of one
    /// (`spawn_task(f)` for `tokio::spawn(f)`).
    pub wrapper: Option<SpawnWrapper>,
    /// Whether the call is the operand of `.await` (or a future polled by `select!`).
    pub awaited: bool,
    /// Whether the call is the receiver of a method call (`a()` in `a().b()`): not the end of
    /// its chain.
    pub in_chain: bool,
    /// Whether the call (the end of its chain) is an argument of a call of a function or type
    /// of the project, or a field of a struct literal of one
    /// (`JitteredBackoff::new(ExponentialBuilder::default())`): what is done with its value is
    /// up to that code.
    pub handed_to_project: bool,
}

impl<'a> CallSite<'a> {
    pub fn target(&self) -> Option<&str> {
        self.target.as_deref()
    }

    /// What a finding points at: the whole call, or for a method call the method and its
    /// arguments (`recv()` rather than the receiver chain, which may span many lines).
    pub fn span(&self) -> Span {
        match self.kind {
            CallKind::Function(call) => call.span(),
            CallKind::Method(call) => call
                .method
                .span()
                .join(call.paren_token.span.close())
                .unwrap_or_else(|| call.span()),
        }
    }
}

/// The enclosing body a deferred question is about (see [`Checker::report_unless`]).
#[derive(Clone, Copy, Debug)]
pub enum Enclosing {
    /// The innermost loop body or per-item closure (`SemanticModel::loop_scope`).
    Loop,
    /// The innermost function (`SemanticModel::function_scope`).
    Function,
}

/// A question about the whole of an enclosing body, answered from its node once the walk has
/// left it; `true` withdraws the finding it was asked for.
pub type BodyQuestion = Box<dyn for<'b> FnOnce(Body<'b>, &SemanticModel) -> bool>;

/// A finding waiting for the answers to questions about the bodies that enclose it, innermost
/// last.
struct Deferred {
    diagnostic: Diagnostic,
    questions: Vec<(ScopeId, BodyQuestion)>,
}

pub struct Checker<'s> {
    pub semantic: SemanticModel,
    pub settings: &'s Settings,
    pub source: &'s SourceText,
    spans: Spans<'s>,
    /// Where fixes add `use` items (see `edits::path_reference`).
    pub(super) import_point: Option<ImportPoint>,
    rules: RuleSet,
    pub(super) dispatch: analyze::Dispatch,
    diagnostics: Vec<Diagnostic>,
    /// Where each enclosing statement starts, for suppressions on a statement's first line.
    statements: Vec<Option<Span>>,
    /// How the expression that contains the closure about to be visited runs it.
    next_closure_runs: ClosureRuns,
    /// The next closure is a per-item closure over a data-sized collection.
    next_closure_walks_data: bool,
    next_call_awaited: bool,
    /// Names of the enclosing `fn`s, innermost last, for line-independent fingerprints.
    functions: Vec<String>,
    next_call_in_chain: bool,
    next_call_handed_to_project: bool,
    /// Whether guards are tracked: only `unguarded-call` with Rust `[[guarded-calls]]` asks.
    tracks_guards: bool,
    /// The file's summary for the whole-project analysis, when a project rule is enabled.
    summary: Option<SummaryBuilder>,
    /// The inline `mod`s being walked, outermost first: project paths are named from the
    /// file's module.
    modules: Vec<String>,
    /// The macro bodies being walked (at most [`macros::MAX_NESTED_BODIES`]).
    macro_depth: usize,
    /// Findings that wait for the walk to leave an enclosing body (see [`Self::report_unless`]).
    deferred: Vec<Deferred>,
    /// The large file being read one piece at a time, if it is (see [`Self::run_in_pieces`]).
    in_pieces: Option<ReadInPieces<'s>>,
}

/// Where the reading of a large file one piece at a time stands.
struct ReadInPieces<'s> {
    pieces: InPieces<'s>,
    /// How many module bodies with pieces the walk has met.
    modules_walked: usize,
    /// A piece is not a run of items: the file must be parsed whole.
    failed: bool,
    /// The test items of the pieces parsed so far.
    test_ranges: Vec<TextRange>,
    /// Pieces parsed to declare their items and kept to be walked, up to [`KEPT_BYTES`].
    kept: FxHashMap<Piece, Vec<syn::Item>>,
    kept_bytes: usize,
}

/// How much text of a file read in pieces is kept parsed from declaring its items to walking
/// them, rather than parsed again: the tree of a megabyte (about 30 MB) is what any file below
/// `parse::PIECES_FROM_BYTES` costs anyway, and most files read in pieces are only a little
/// larger.
const KEPT_BYTES: usize = 1 << 20;

impl<'s> Checker<'s> {
    pub fn new(source: &'s SourceText, settings: &'s Settings, rules: RuleSet) -> Self {
        Checker {
            semantic: SemanticModel::new(),
            settings,
            source,
            spans: Spans::new(source),
            import_point: None,
            rules,
            dispatch: analyze::Dispatch::new(rules),
            diagnostics: Vec::new(),
            statements: Vec::new(),
            next_closure_runs: ClosureRuns::Elsewhere,
            next_closure_walks_data: false,
            next_call_awaited: false,
            functions: Vec::new(),
            next_call_in_chain: false,
            next_call_handed_to_project: false,
            tracks_guards: rules.contains(Rule::UnguardedCall)
                && settings
                    .guarded_calls
                    .iter()
                    .any(|guarded| guarded.call.is_rust()),
            summary: crate::project::summarises(rules).then(SummaryBuilder::default),
            modules: Vec::new(),
            macro_depth: 0,
            deferred: Vec::new(),
            in_pieces: None,
        }
    }

    /// The findings, and the file's project summary when a project rule is enabled.
    pub fn run(
        mut self,
        file: &syn::File,
    ) -> (
        Vec<Diagnostic>,
        Option<crate::project::summary::FileSummary>,
    ) {
        self.import_point = Some(ImportPoint::of(file, self.spans));
        self.visit_file(file);
        self.finish()
    }

    /// [`Self::run`] for a large file read one piece at a time, and the file's test ranges.
    /// The pieces of each module body are parsed twice, once to declare its items and once to
    /// walk them, so that no more than one piece's tree is alive at a time (a whole tree is 30
    /// to 40 times the size of its text). `None` when a piece is not a run of items: the file is
    /// then parsed whole.
    pub fn run_in_pieces(
        mut self,
        pieces: InPieces<'s>,
    ) -> Option<(
        Vec<Diagnostic>,
        Option<crate::project::summary::FileSummary>,
        Vec<TextRange>,
    )> {
        let head = pieces.head()?;
        let top_level = pieces.top_level();
        self.in_pieces = Some(ReadInPieces {
            pieces,
            modules_walked: 0,
            failed: false,
            test_ranges: test_code::test_ranges(&head.items, &self.spans),
            kept: FxHashMap::default(),
            kept_bytes: 0,
        });
        self.semantic.push_scope(ScopeKind::Module {
            inherits_parent: false,
        });
        let last_use = self.declare_in_pieces(&head.items, &top_level);
        self.import_point = Some(ImportPoint::after(&head.attrs, last_use, self.spans));
        self.visit_in_pieces(&head.items, &top_level, true);
        self.semantic.pop_scope();
        let read = self.in_pieces.take()?;
        if read.failed || read.modules_walked != read.pieces.modules_with_pieces() {
            return None;
        }
        let mut test_ranges = read.test_ranges;
        test_ranges.sort_by_key(|range| range.start());
        let (diagnostics, summary) = self.finish();
        Some((diagnostics, summary, test_ranges))
    }

    fn finish(
        mut self,
    ) -> (
        Vec<Diagnostic>,
        Option<crate::project::summary::FileSummary>,
    ) {
        // Each question is answered when the walk leaves its body; a finding still waiting
        // (none should) stands.
        let unanswered = std::mem::take(&mut self.deferred);
        self.diagnostics
            .extend(unanswered.into_iter().map(|deferred| deferred.diagnostic));
        (self.diagnostics, self.summary.map(SummaryBuilder::finish))
    }

    /// The items of a piece of the file being read in pieces; `None` (and the reading failed)
    /// when it is not a run of items or an earlier piece was not.
    fn piece_items(&mut self, piece: Piece) -> Option<Vec<syn::Item>> {
        let read = self.in_pieces.as_mut()?;
        if read.failed {
            return None;
        }
        if let Some(items) = read.kept.remove(&piece) {
            return Some(items);
        }
        let items = read.pieces.items(piece);
        read.failed = items.is_none();
        items
    }

    /// Keeps a piece's items for the walk, if there is room (see [`KEPT_BYTES`]).
    fn keep(&mut self, piece: Piece, items: Vec<syn::Item>) {
        if let Some(read) = &mut self.in_pieces {
            if read.kept_bytes + piece.bytes() <= KEPT_BYTES {
                read.kept_bytes += piece.bytes();
                read.kept.insert(piece, items);
            }
        }
    }

    /// Declares the items of a module body read in pieces, `head` being those parsed with the
    /// module; returns the `;` of its last `use` item.
    fn declare_in_pieces(&mut self, head: &[syn::Item], pieces: &[Piece]) -> Option<Span> {
        let mut typed = TypedItems::default();
        for item in head {
            self.semantic.declare_name(item, &mut typed);
        }
        let mut last_use = ImportPoint::last_use(head);
        for &piece in pieces {
            let Some(items) = self.piece_items(piece) else {
                break;
            };
            let mut piece_typed = TypedItems::default();
            for item in &items {
                self.semantic.declare_name(item, &mut piece_typed);
            }
            typed.extend(piece_typed.into_owned());
            last_use = ImportPoint::last_use(&items).or(last_use);
            self.keep(piece, items);
        }
        self.semantic.declare_typed(typed);
        last_use
    }

    /// Walks the items of a module body read in pieces, after [`Self::declare_in_pieces`];
    /// `collect_tests` unless the body is in a test item already.
    fn visit_in_pieces(&mut self, head: &[syn::Item], pieces: &[Piece], collect_tests: bool) {
        for item in head {
            self.visit_item(item);
        }
        for &piece in pieces {
            let Some(items) = self.piece_items(piece) else {
                break;
            };
            if collect_tests {
                let ranges = test_code::test_ranges(&items, &self.spans);
                if let Some(read) = &mut self.in_pieces {
                    read.test_ranges.extend(ranges);
                }
            }
            for item in &items {
                self.visit_item(item);
            }
        }
    }

    pub(super) fn modules(&self) -> &[String] {
        &self.modules
    }

    pub(super) fn summary_builder(&mut self) -> Option<&mut SummaryBuilder> {
        self.summary.as_mut()
    }

    /// Where the innermost statement being visited starts.
    pub(super) fn statement_start(&self) -> Option<ruff_text_size::TextSize> {
        self.statements
            .iter()
            .rev()
            .find_map(|start| *start)
            .map(|span| self.spans.offset(span.start()))
    }

    pub fn enabled(&self, rule: Rule) -> bool {
        self.rules.contains(rule)
    }

    /// Records a finding; a suppression on the first line of its statement covers it.
    pub fn report(&mut self, mut diagnostic: Diagnostic) {
        self.place(&mut diagnostic);
        self.diagnostics.push(diagnostic);
    }

    /// Records a finding unless one of `questions` about an enclosing body (the loop's, the
    /// function's) says otherwise. A rule meets a call before the rest of the body around it
    /// has been walked, and the model keeps no nodes, so each question is asked of the body's
    /// node when the walk leaves that body, innermost first. A question about a body the call
    /// is not in (no enclosing function) is not asked.
    pub fn report_unless(
        &mut self,
        mut diagnostic: Diagnostic,
        questions: Vec<(Enclosing, BodyQuestion)>,
    ) {
        self.place(&mut diagnostic);
        let mut questions: Vec<(ScopeId, BodyQuestion)> = questions
            .into_iter()
            .filter_map(|(enclosing, question)| {
                let scope = match enclosing {
                    Enclosing::Loop => self.semantic.loop_scope(),
                    Enclosing::Function => self.semantic.function_scope(),
                }?;
                Some((scope, question))
            })
            .collect();
        if questions.is_empty() {
            self.diagnostics.push(diagnostic);
            return;
        }
        questions.sort_by_key(|(scope, _)| *scope);
        self.deferred.push(Deferred {
            diagnostic,
            questions,
        });
    }

    /// The walk is about to leave the innermost scope, a loop's or function's, whose body is
    /// `body`: asks the questions about it, and records the findings that no answer withdrew
    /// and that wait for no other.
    fn leave_body(&mut self, body: Body) {
        if self.deferred.is_empty() {
            return;
        }
        let Some(scope) = self.semantic.current_scope() else {
            return;
        };
        for mut deferred in std::mem::take(&mut self.deferred) {
            // A question about a scope left without its body in hand goes unanswered.
            deferred.questions.retain(|(asked, _)| *asked <= scope);
            if deferred
                .questions
                .last()
                .is_some_and(|(asked, _)| *asked == scope)
            {
                let (_, question) = deferred.questions.pop().expect("just looked at");
                if question(body, &self.semantic) {
                    continue;
                }
            }
            if deferred.questions.is_empty() {
                self.diagnostics.push(deferred.diagnostic);
            } else {
                self.deferred.push(deferred);
            }
        }
    }

    /// Where a finding is: the statement whose first line a suppression covers it from, and the
    /// enclosing function.
    fn place(&self, diagnostic: &mut Diagnostic) {
        if diagnostic.statement_start.is_none() {
            diagnostic.statement_start = self.statement_start();
        }
        if diagnostic.function.is_none() {
            diagnostic.function = self.functions.last().cloned();
        }
    }

    pub fn range(&self, span: Span) -> TextRange {
        self.spans.range(span)
    }

    /// The target of a call that `rule`'s block list (with the user's `extend-blocking-calls`)
    /// says blocks, when it runs in async context and is not itself awaited (an awaited call is
    /// an async API of the same name): the shared guard of the LG2xx rules.
    pub fn blocking_call<'c>(&self, site: &'c CallSite, rule: Rule) -> Option<&'c str> {
        if !self.semantic.in_async_context() {
            return None;
        }
        self.blocking(site)
            .filter(|(blocking_rule, _)| *blocking_rule == rule)
            .map(|(_, name)| name)
    }

    /// Whether the call blocks the thread it runs on, and which rule's list (with the user's
    /// `extend-blocking-calls`) says so: the one answer the LG2xx detectors report in async code
    /// and LG208's summaries record in sync functions. An awaited call is an async API of the
    /// same name.
    pub fn blocking<'c>(&self, site: &'c CallSite) -> Option<(Rule, &'c str)> {
        if site.awaited {
            return None;
        }
        let name = site.target()?;
        Some((self.settings.rust.blocking_rule(name)?, name))
    }

    pub fn text(&self, range: TextRange) -> &'s str {
        &self.source.text[range]
    }

    /// Whether the file's text contains `word` anywhere (to tailor fixes to the libraries the
    /// file uses).
    pub fn mentions(&self, word: &str) -> bool {
        memchr::memmem::find(self.source.text.as_bytes(), word.as_bytes()).is_some()
    }

    /// The source text of a node.
    pub fn node_text(&self, node: &impl Spanned) -> &'s str {
        self.text(self.range(node.span()))
    }

    /// Declares a block's items and walks its statements in the current scope.
    fn visit_statements(&mut self, statements: &[Stmt]) {
        self.semantic
            .declare_items(statements.iter().filter_map(|statement| match statement {
                Stmt::Item(item) => Some(item),
                _ => None,
            }));
        for (index, statement) in statements.iter().enumerate() {
            let handed_to_guard = self.tracks_guards
                && self.begin_guard_of_future(statement, &statements[index + 1..]);
            self.visit_stmt(statement);
            if handed_to_guard {
                self.semantic.end_guard();
            }
            if let Stmt::Local(local) = statement {
                analyze::local(self, local, &statements[index + 1..]);
            }
            if self.tracks_guards {
                self.track_guards(statement);
            }
        }
    }

    /// `let reply = client.send(); breaker.call(reply).await`: a future is lazy, so a call
    /// bound by `let` and later handed to a guard's `.call(..)`/`.run(..)` in the same block runs
    /// under that guard. Puts the guard in force for the `let` and says whether it did.
    fn begin_guard_of_future(&mut self, statement: &Stmt, following: &[Stmt]) -> bool {
        let Stmt::Local(local) = statement else {
            return false;
        };
        let syn::Pat::Ident(binding) = &local.pat else {
            return false;
        };
        let window = &following[..following.len().min(FUTURE_LOOKAHEAD)];
        let Some(guard) =
            super::facts::guard_receiving(window, &binding.ident, &data().guard_methods)
        else {
            return false;
        };
        let spellings = self.semantic.spellings(guard);
        self.semantic.begin_guard(spellings);
        true
    }

    /// Guards a statement puts in force for the rest of its block (`let _permit =
    /// sem.acquire().await?;`, `limiter.until_ready().await;`) or releases (`drop(permit);`).
    /// `let _ = sem.acquire().await` and a bare `sem.acquire().await;` drop the permit at once.
    fn track_guards(&mut self, statement: &Stmt) {
        if let Some((guard, binding)) = super::facts::guard_taken(statement) {
            let spellings = self.semantic.spellings(guard);
            self.semantic.hold_guard(spellings, binding);
        } else if let Stmt::Expr(expr, _) = statement {
            if let Some(binding) = super::facts::dropped_binding(expr) {
                self.semantic.release_guard(&binding);
            }
        }
    }

    fn visit_function(&mut self, signature: &syn::Signature, body: &syn::Block) {
        self.semantic.push_scope(ScopeKind::Function {
            is_async: signature.asyncness.is_some(),
            poll_method: signature.ident.to_string().starts_with("poll"),
        });
        for input in &signature.inputs {
            if let syn::FnArg::Typed(typed) = input {
                self.semantic.bind_parameter(typed);
            }
        }
        if let Some(summary) = &mut self.summary {
            summary.enter_function(
                &signature.ident.to_string(),
                signature.asyncness.is_some(),
                &self.modules,
            );
            if signature.asyncness.is_some() && super::facts::holds_limiter(&body.stmts) {
                summary.mark_acquires_limiter();
            }
        }
        self.functions.push(signature.ident.to_string());
        self.visit_statements(&body.stmts);
        self.functions.pop();
        if let Some(summary) = &mut self.summary {
            summary.exit();
        }
        self.leave_body(Body::Block(body));
        self.semantic.pop_scope();
    }

    fn visit_call_site(&mut self, site: CallSite) {
        analyze::call(self, &site);
        if self.summary.is_some() {
            project::call(self, &site);
        }
    }

    /// Walks the items of an `impl` or `trait` block as methods of `owner`.
    fn visit_owned_items(&mut self, self_type: Option<&syn::Type>, visit: impl FnOnce(&mut Self)) {
        if self.summary.is_some() {
            let owner = self_type.and_then(|ty| project::owner_path(self, ty));
            if let Some(summary) = &mut self.summary {
                summary.enter_owner(owner);
            }
        }
        visit(self);
        if let Some(summary) = &mut self.summary {
            summary.exit();
        }
    }

    fn enter_loop(&mut self, kind: LoopKind) {
        self.semantic.push_scope(ScopeKind::LoopBody(kind));
    }

    fn leave_loop(&mut self, body: &syn::Block) {
        self.leave_body(Body::Block(body));
        self.semantic.pop_scope();
    }
}

impl<'ast> Visit<'ast> for Checker<'_> {
    fn visit_file(&mut self, file: &'ast syn::File) {
        self.semantic.push_scope(ScopeKind::Module {
            inherits_parent: false,
        });
        self.semantic.declare_items(file.items.iter());
        for item in &file.items {
            self.visit_item(item);
        }
        self.semantic.pop_scope();
    }

    // Attributes are token streams that never run; `use` items were declared on scope entry.
    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}
    fn visit_item_use(&mut self, _: &'ast syn::ItemUse) {}

    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        let Some((brace, items)) = &module.content else {
            return;
        };
        let pieces = self
            .in_pieces
            .as_ref()
            .and_then(|read| read.pieces.module(module));
        self.semantic.push_scope(ScopeKind::Module {
            inherits_parent: false,
        });
        match &pieces {
            Some(pieces) => {
                self.declare_in_pieces(items, pieces);
            }
            None => self.semantic.declare_items(items.iter()),
        }
        self.modules.push(module.ident.to_string());
        if let Some(summary) = &mut self.summary {
            summary.enter_module();
        }
        match &pieces {
            Some(pieces) => {
                let close = self.range(brace.span.close()).start();
                let mut in_test = false;
                if let Some(read) = &mut self.in_pieces {
                    read.modules_walked += 1;
                    in_test = read.test_ranges.iter().any(|range| range.contains(close));
                }
                self.visit_in_pieces(items, pieces, !in_test);
            }
            None => {
                for item in items {
                    self.visit_item(item);
                }
            }
        }
        if let Some(summary) = &mut self.summary {
            summary.exit();
        }
        self.modules.pop();
        self.semantic.pop_scope();
    }

    fn visit_item_fn(&mut self, function: &'ast syn::ItemFn) {
        self.visit_function(&function.sig, &function.block);
    }

    fn visit_item_impl(&mut self, implementation: &'ast syn::ItemImpl) {
        self.semantic.push_impl(&implementation.self_ty);
        self.visit_owned_items(Some(&implementation.self_ty), |checker| {
            for item in &implementation.items {
                checker.visit_impl_item(item);
            }
        });
        self.semantic.pop_impl();
    }

    fn visit_item_trait(&mut self, item: &'ast syn::ItemTrait) {
        let path: syn::Type = syn::Type::Path(syn::TypePath {
            qself: None,
            path: item.ident.clone().into(),
        });
        self.visit_owned_items(Some(&path), |checker| {
            for trait_item in &item.items {
                checker.visit_trait_item(trait_item);
            }
        });
    }

    fn visit_impl_item_fn(&mut self, function: &'ast syn::ImplItemFn) {
        self.visit_function(&function.sig, &function.block);
    }

    fn visit_trait_item_fn(&mut self, function: &'ast syn::TraitItemFn) {
        if let Some(body) = &function.default {
            self.visit_function(&function.sig, body);
        }
    }

    fn visit_block(&mut self, block: &'ast syn::Block) {
        self.semantic.push_scope(ScopeKind::Block {
            error_branch: false,
        });
        self.visit_statements(&block.stmts);
        self.semantic.pop_scope();
    }

    fn visit_stmt(&mut self, statement: &'ast Stmt) {
        self.statements.push(statement_start(statement));
        analyze::statement(self, statement);
        visit::visit_stmt(self, statement);
        self.statements.pop();
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        if let Some(init) = &local.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
        let value = local.init.as_ref().map(|init| init.expr.as_ref());
        let data_sized = value.is_some_and(|value| self.semantic.is_data_sized(value));
        self.semantic.bind_value(&local.pat, value);
        if data_sized {
            self.semantic.mark_data_sized(&local.pat);
        }
    }

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        let runs = std::mem::replace(&mut self.next_closure_runs, ClosureRuns::Elsewhere);
        let walks_data = std::mem::take(&mut self.next_closure_walks_data);
        self.semantic.push_scope(ScopeKind::Closure {
            is_async: closure.asyncness.is_some(),
            runs,
        });
        for input in &closure.inputs {
            self.semantic.bind(input, None);
            if walks_data {
                self.semantic.mark_data_sized(input);
            }
        }
        if walks_data {
            self.semantic.mark_walks_data();
        }
        self.visit_expr(&closure.body);
        self.leave_body(Body::Expr(&closure.body));
        self.semantic.pop_scope();
    }

    fn visit_expr_async(&mut self, block: &'ast syn::ExprAsync) {
        // An `async` block in sync code is a coroutine of its own for the project summary; in
        // async code its calls are the enclosing coroutine's.
        let own_coroutine = self.summary.is_some() && !self.semantic.in_async_context();
        if own_coroutine {
            if let Some(summary) = &mut self.summary {
                summary.enter_async_block();
            }
        }
        self.semantic.push_scope(ScopeKind::AsyncBlock);
        self.visit_statements(&block.block.stmts);
        self.semantic.pop_scope();
        if own_coroutine {
            if let Some(summary) = &mut self.summary {
                summary.exit();
            }
        }
    }

    fn visit_expr_for_loop(&mut self, for_loop: &'ast syn::ExprForLoop) {
        self.visit_expr(&for_loop.expr);
        let walks_data = self.semantic.is_data_sized(&for_loop.expr);
        self.enter_loop(LoopKind::For {
            fixed_iterations: runs_fixed_times(&for_loop.pat, &for_loop.expr),
        });
        self.semantic.bind_unknown(&for_loop.pat);
        if walks_data {
            self.semantic.mark_walks_data();
            self.semantic.mark_data_sized(&for_loop.pat);
        }
        self.visit_statements(&for_loop.body.stmts);
        self.leave_loop(&for_loop.body);
    }

    fn visit_expr_while(&mut self, while_loop: &'ast syn::ExprWhile) {
        self.enter_loop(LoopKind::Repeat {
            error_branch: tests_for_error(&while_loop.cond),
            waits_for_events: suspends(&while_loop.cond)
                || first_suspension_point(&while_loop.body.stmts).is_some(),
        });
        self.visit_expr(&while_loop.cond);
        self.visit_statements(&while_loop.body.stmts);
        self.leave_loop(&while_loop.body);
    }

    fn visit_expr_loop(&mut self, loop_expr: &'ast syn::ExprLoop) {
        self.enter_loop(LoopKind::Repeat {
            error_branch: false,
            waits_for_events: first_suspension_point(&loop_expr.body.stmts).is_some(),
        });
        self.visit_statements(&loop_expr.body.stmts);
        self.leave_loop(&loop_expr.body);
    }

    fn visit_expr_if(&mut self, if_expr: &'ast syn::ExprIf) {
        // `if let` bindings are visible in the `then` branch only.
        self.semantic.push_scope(ScopeKind::Block {
            error_branch: tests_for_error(&if_expr.cond),
        });
        self.visit_expr(&if_expr.cond);
        self.visit_statements(&if_expr.then_branch.stmts);
        self.semantic.pop_scope();
        if let Some((_, else_branch)) = &if_expr.else_branch {
            self.visit_expr(else_branch);
        }
    }

    fn visit_expr_let(&mut self, let_expr: &'ast syn::ExprLet) {
        self.visit_expr(&let_expr.expr);
        self.semantic.bind_unknown(&let_expr.pat);
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        self.semantic.push_scope(ScopeKind::Block {
            error_branch: matches_error(&arm.pat),
        });
        self.semantic.bind_unknown(&arm.pat);
        if let Some((_, guard)) = &arm.guard {
            self.visit_expr(guard);
        }
        self.visit_expr(&arm.body);
        self.semantic.pop_scope();
    }

    fn visit_expr_struct(&mut self, literal: &'ast syn::ExprStruct) {
        analyze::struct_literal(self, literal);
        let of_project =
            literal.qself.is_none() && self.semantic.resolve_path(&literal.path).is_none();
        for field in &literal.fields {
            self.next_call_handed_to_project =
                of_project && matches!(field.expr, Expr::Call(_) | Expr::MethodCall(_));
            self.visit_expr(&field.expr);
            self.next_call_handed_to_project = false;
        }
        if let Some(rest) = &literal.rest {
            self.visit_expr(rest);
        }
    }

    fn visit_expr_assign(&mut self, assignment: &'ast syn::ExprAssign) {
        analyze::assignment(self, assignment);
        visit::visit_expr_assign(self, assignment);
    }

    fn visit_expr_await(&mut self, await_expr: &'ast syn::ExprAwait) {
        self.next_call_awaited = matches!(*await_expr.base, Expr::Call(_) | Expr::MethodCall(_));
        self.visit_expr(&await_expr.base);
        self.next_call_awaited = false;
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        let awaited = std::mem::take(&mut self.next_call_awaited);
        let in_chain = std::mem::take(&mut self.next_call_in_chain);
        let handed_to_project = std::mem::take(&mut self.next_call_handed_to_project);
        let (target, wrapper) = match call.func.as_ref() {
            Expr::Path(path) if path.qself.is_none() => (
                self.semantic.call_target(&path.path),
                self.semantic.spawn_wrapper(&path.path).cloned(),
            ),
            _ => (None, None),
        };
        self.visit_call_site(CallSite {
            kind: CallKind::Function(call),
            target,
            wrapper,
            awaited,
            in_chain,
            handed_to_project,
        });
        let mut callee = call.func.as_ref();
        while let Expr::Paren(paren) = callee {
            callee = &paren.expr;
        }
        if matches!(callee, Expr::Closure(_)) {
            self.next_closure_runs = ClosureRuns::Inline;
        }
        self.visit_expr(&call.func);
        self.next_closure_runs = ClosureRuns::Elsewhere;
        let to_project = matches!(call.func.as_ref(), Expr::Path(path)
            if path.qself.is_none() && self.semantic.resolve_path(&path.path).is_none());
        for argument in &call.args {
            self.next_call_handed_to_project =
                to_project && matches!(argument, Expr::Call(_) | Expr::MethodCall(_));
            self.visit_expr(argument);
            self.next_call_handed_to_project = false;
        }
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let awaited = std::mem::take(&mut self.next_call_awaited);
        let in_chain = std::mem::take(&mut self.next_call_in_chain);
        let handed_to_project = std::mem::take(&mut self.next_call_handed_to_project);
        let target = self
            .semantic
            .method_target(&call.receiver, &call.method.to_string());
        self.visit_call_site(CallSite {
            kind: CallKind::Method(call),
            target,
            wrapper: None,
            awaited,
            in_chain,
            handed_to_project,
        });
        self.next_call_in_chain = matches!(*call.receiver, Expr::Call(_) | Expr::MethodCall(_));
        self.visit_expr(&call.receiver);
        self.next_call_in_chain = false;
        let method = call.method.to_string();
        let data = data();
        let guard = self.tracks_guards && data.guard_methods.contains(&method);
        if guard {
            let spellings = self.semantic.spellings(&call.receiver);
            self.semantic.begin_guard(spellings);
        }
        let per_item = data.per_item_combinators.contains(&method);
        let inline = per_item || data.inline_combinators.contains(&method);
        let walks_data = per_item && self.semantic.is_data_sized(&call.receiver);
        for argument in &call.args {
            if let Expr::Closure(closure) = argument {
                self.next_closure_walks_data = walks_data;
                self.next_closure_runs = if per_item {
                    ClosureRuns::PerItem {
                        fixed_items: closure.inputs.len() == 1
                            && runs_fixed_times(&closure.inputs[0], iteration_root(&call.receiver)),
                    }
                } else if inline {
                    ClosureRuns::Inline
                } else {
                    ClosureRuns::Elsewhere
                };
            }
            self.visit_expr(argument);
            self.next_closure_runs = ClosureRuns::Elsewhere;
            self.next_closure_walks_data = false;
        }
        if guard {
            self.semantic.end_guard();
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if self.macro_depth >= macros::MAX_NESTED_BODIES {
            return;
        }
        let Some(body) = macros::parse_body(mac) else {
            return;
        };
        self.macro_depth += 1;
        match body {
            MacroBody::Expressions(expressions) => {
                for expression in &expressions {
                    self.visit_expr(expression);
                }
            }
            MacroBody::Statements(statements) => {
                self.semantic.push_scope(ScopeKind::Block {
                    error_branch: false,
                });
                self.visit_statements(&statements);
                self.semantic.pop_scope();
            }
            MacroBody::Select(arms) => {
                for arm in &arms {
                    if let Some(future) = &arm.future {
                        self.next_call_awaited =
                            matches!(future, Expr::Call(_) | Expr::MethodCall(_));
                        self.visit_expr(future);
                        self.next_call_awaited = false;
                    }
                    self.semantic.push_scope(ScopeKind::Block {
                        error_branch: false,
                    });
                    if let Some(pattern) = &arm.pattern {
                        self.semantic.bind_unknown(pattern);
                    }
                    if let Some(guard) = &arm.guard {
                        self.visit_expr(guard);
                    }
                    self.visit_expr(&arm.handler);
                    self.semantic.pop_scope();
                }
            }
        }
        self.macro_depth -= 1;
    }
}

/// `for _ in 0..4`, `for x in [a, b]`, `for _ in 0..workers`: a count the code fixes, not one
/// item per element of some runtime collection.
fn runs_fixed_times(pattern: &syn::Pat, iterable: &Expr) -> bool {
    let ignores_item = match pattern {
        syn::Pat::Wild(_) => true,
        syn::Pat::Ident(ident) => ident.ident.to_string().starts_with('_'),
        _ => false,
    };
    match iterable {
        Expr::Range(range) => {
            ignores_item
                || range
                    .end
                    .as_deref()
                    .is_some_and(|end| matches!(end, Expr::Lit(_)))
        }
        Expr::Array(_) => true,
        Expr::Reference(reference) => matches!(*reference.expr, Expr::Array(_)),
        Expr::Macro(mac) => mac.mac.path.is_ident("vec"),
        Expr::Paren(paren) => runs_fixed_times(pattern, &paren.expr),
        _ => false,
    }
}

/// What an iterator chain iterates: `(0..n)` in `(0..n).into_iter().map(..)`.
fn iteration_root(receiver: &Expr) -> &Expr {
    let (root, _) = super::facts::method_chain(receiver);
    root
}

/// `Err(..)` (also inside an or-pattern): the arm that handles a failure.
fn matches_error(pattern: &syn::Pat) -> bool {
    match pattern {
        syn::Pat::TupleStruct(tuple) => tuple
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "Err"),
        syn::Pat::Or(or) => or.cases.iter().any(matches_error),
        syn::Pat::Paren(paren) => matches_error(&paren.pat),
        _ => false,
    }
}

/// `if let Err(..) = r` or `if r.is_err()`.
fn tests_for_error(condition: &Expr) -> bool {
    match condition {
        Expr::Let(let_expr) => matches_error(&let_expr.pat),
        Expr::MethodCall(call) => call.method == "is_err",
        Expr::Binary(binary) => tests_for_error(&binary.left) || tests_for_error(&binary.right),
        Expr::Paren(paren) => tests_for_error(&paren.expr),
        _ => false,
    }
}

/// The span of a statement's first token, found without rebuilding its tokens.
fn statement_start(statement: &Stmt) -> Option<Span> {
    match statement {
        Stmt::Local(local) => Some(local.let_token.span),
        Stmt::Expr(expr, _) => expression_start(expr),
        Stmt::Macro(mac) => mac.mac.path.segments.first().map(|s| s.ident.span()),
        Stmt::Item(_) => None,
    }
}

fn expression_start(expr: &Expr) -> Option<Span> {
    match expr {
        Expr::Call(call) => expression_start(&call.func),
        Expr::MethodCall(call) => expression_start(&call.receiver),
        Expr::Await(expr) => expression_start(&expr.base),
        Expr::Try(expr) => expression_start(&expr.expr),
        Expr::Field(expr) => expression_start(&expr.base),
        Expr::Index(expr) => expression_start(&expr.expr),
        Expr::Binary(expr) => expression_start(&expr.left),
        Expr::Assign(expr) => expression_start(&expr.left),
        Expr::Cast(expr) => expression_start(&expr.expr),
        Expr::Path(path) => path
            .path
            .segments
            .first()
            .map(|segment| segment.ident.span()),
        Expr::Macro(mac) => mac.mac.path.segments.first().map(|s| s.ident.span()),
        Expr::Lit(lit) => Some(lit.lit.span()),
        Expr::Paren(paren) => Some(paren.paren_token.span.open()),
        Expr::Reference(reference) => Some(reference.and_token.span),
        Expr::If(if_expr) => Some(if_expr.if_token.span),
        Expr::Match(match_expr) => Some(match_expr.match_token.span),
        Expr::ForLoop(for_loop) => Some(for_loop.for_token.span),
        Expr::While(while_loop) => Some(while_loop.while_token.span),
        Expr::Loop(loop_expr) => Some(loop_expr.loop_token.span),
        Expr::Return(return_expr) => Some(return_expr.return_token.span),
        Expr::Async(async_expr) => Some(async_expr.async_token.span),
        Expr::Block(block) => Some(block.block.brace_token.span.open()),
        Expr::Unsafe(block) => Some(block.unsafe_token.span),
        _ => None,
    }
}
