//! Shape facts about Rust expressions that several rules share: method chains, whether a
//! collection's size is fixed by the code or comes from runtime data, and questions about the
//! body of a loop or function (does it bound its tasks, accept connections, draw random
//! numbers), answered from its syntax tree.

use proc_macro2::LineColumn;
use syn::visit::Visit;
use syn::Expr;

use rustc_hash::FxHashSet;

use super::data::data;
use super::macros::WalksMacroBodies;

/// A method chain split into its root and its calls, innermost first:
/// `a::b(x).c().d(y)` → (`a::b(x)`, [`c()`, `d(y)`]). `?`, `.await` and parentheses are looked
/// through.
pub fn method_chain(expr: &Expr) -> (&Expr, Vec<&syn::ExprMethodCall>) {
    let mut calls = Vec::new();
    let mut current = expr;
    loop {
        match current {
            Expr::MethodCall(call) => {
                calls.push(call);
                current = &call.receiver;
            }
            Expr::Try(expr) => current = &expr.expr,
            Expr::Await(expr) => current = &expr.base,
            Expr::Paren(expr) => current = &expr.expr,
            Expr::Group(expr) => current = &expr.expr,
            _ => break,
        }
    }
    calls.reverse();
    (current, calls)
}

/// A collection whose size is written in the code: an array, `vec![..]`, a reference to one,
/// or a range with literal bounds (`0..4`).
pub fn is_literal_collection(expr: &Expr) -> bool {
    match expr {
        Expr::Array(_) => true,
        Expr::Macro(mac) => mac.mac.path.is_ident("vec"),
        Expr::Reference(reference) => is_literal_collection(&reference.expr),
        Expr::Paren(paren) => is_literal_collection(&paren.expr),
        Expr::Group(group) => is_literal_collection(&group.expr),
        Expr::Range(range) => {
            let literal = |end: &Option<Box<Expr>>| {
                end.as_deref()
                    .is_some_and(|end| matches!(end, Expr::Lit(_)))
            };
            literal(&range.start) && literal(&range.end)
        }
        _ => false,
    }
}

/// How a value is obtained from a guard object.
#[derive(Debug, PartialEq, Eq)]
enum Acquisition {
    /// A permit, in force while the value is alive (`sem.acquire().await?`).
    Permit,
    /// A wait for capacity, in force for the rest of the block (`limiter.until_ready().await`).
    Wait,
}

/// `sem.acquire().await?` → (`sem`, permit); `limiter.until_ready().await` → (`limiter`, wait).
fn acquisition(expr: &Expr) -> Option<(&Expr, Acquisition)> {
    let (_, calls) = method_chain(expr);
    let data = data();
    let acquiring = calls
        .iter()
        .rposition(|call| !data.result_unwraps.contains(&call.method.to_string()))?;
    let call = calls[acquiring];
    let method = call.method.to_string();
    let kind = if data.permit_methods.contains(&method) {
        Acquisition::Permit
    } else if data.wait_methods.contains(&method) {
        Acquisition::Wait
    } else {
        return None;
    };
    Some((&call.receiver, kind))
}

/// The name a `let` pattern binds a permit to: `permit`, `_permit`, `Ok(permit)`,
/// `permit: SemaphorePermit`; `None` for `_`, which drops the value at once.
fn permit_binding(pattern: &syn::Pat) -> Option<String> {
    match pattern {
        syn::Pat::Ident(ident) => Some(ident.ident.to_string()),
        syn::Pat::Type(typed) => permit_binding(&typed.pat),
        syn::Pat::TupleStruct(tuple) if tuple.elems.len() == 1 => permit_binding(&tuple.elems[0]),
        _ => None,
    }
}

/// Whether one of a function body's own `statements` takes a limiter for the code after it:
/// `let _permit = sem.acquire().await?;` (not `let _ = ..`, which drops the permit at once) or
/// `limiter.until_ready().await;`. A spawned or joined call of such a function is bounded, as
/// in Python a coroutine with `async with semaphore:` in it is.
pub fn holds_limiter(statements: &[syn::Stmt]) -> bool {
    statements
        .iter()
        .any(|statement| guard_taken(statement).is_some())
}

/// The guard a statement puts in force for the rest of its block, with the name of the permit
/// that holds it (`None` for a wait, which holds nothing): `let _permit =
/// sem.acquire().await?;` → (`sem`, `_permit`), `limiter.until_ready().await;` → (`limiter`,
/// `None`). `let _ = sem.acquire().await` and a bare `sem.acquire().await;` drop the permit at
/// once and take nothing.
pub fn guard_taken(statement: &syn::Stmt) -> Option<(&Expr, Option<String>)> {
    match statement {
        syn::Stmt::Local(local) => match acquisition(&local.init.as_ref()?.expr)? {
            (guard, Acquisition::Permit) => Some((guard, Some(permit_binding(&local.pat)?))),
            (guard, Acquisition::Wait) => Some((guard, None)),
        },
        syn::Stmt::Expr(expr, _) => match acquisition(expr)? {
            (guard, Acquisition::Wait) => Some((guard, None)),
            (_, Acquisition::Permit) => None,
        },
        _ => None,
    }
}

/// `drop(permit)` / `std::mem::drop(permit)`: the name whose value is dropped.
pub fn dropped_binding(expr: &Expr) -> Option<String> {
    let Expr::Call(call) = expr else { return None };
    let Expr::Path(function) = call.func.as_ref() else {
        return None;
    };
    if function.path.segments.last()?.ident != "drop" || call.args.len() != 1 {
        return None;
    }
    match &call.args[0] {
        Expr::Path(argument) => argument.path.get_ident().map(ToString::to_string),
        _ => None,
    }
}

/// `0..MAX` (a constant end), or a range whose first per-item closure ignores the item.
fn is_count(root: &Expr, calls: &[&syn::ExprMethodCall]) -> bool {
    let first_closure = calls
        .iter()
        .find(|call| data().per_item_adaptors.contains(&call.method.to_string()))
        .and_then(|call| call.args.first());
    is_range_of(root, first_closure)
}

/// A range with a constant end (`0..MAX`), or one whose items `closure` ignores (`|_| ..`).
fn is_range_of(root: &Expr, closure: Option<&Expr>) -> bool {
    let mut root = root;
    while let Expr::Paren(paren) = root {
        root = &paren.expr;
    }
    let Expr::Range(range) = root else {
        return false;
    };
    let constant_end = range.end.as_deref().is_some_and(|end| match end {
        Expr::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| is_constant_name(&segment.ident.to_string())),
        _ => false,
    });
    let ignores_item = closure
        .and_then(|closure| match closure {
            Expr::Closure(closure) => closure.inputs.first(),
            _ => None,
        })
        .is_some_and(|input| match input {
            syn::Pat::Wild(_) => true,
            syn::Pat::Ident(ident) => ident.ident.to_string().starts_with('_'),
            _ => false,
        });
    constant_end || ignores_item
}

/// `MAX_CONNECTIONS`: the naming of a `const` or `static`.
fn is_constant_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// `self.services`, `self.inner.pool`: a collection a struct owns.
pub fn is_self_field(expr: &Expr) -> bool {
    match expr {
        Expr::Field(field) => super::semantic::is_self(&field.base) || is_self_field(&field.base),
        Expr::Paren(paren) => is_self_field(&paren.expr),
        Expr::Reference(reference) => is_self_field(&reference.expr),
        _ => false,
    }
}

/// The receiver of the first `guard.<method>(name)` among `statements` (`breaker.call(reply)`,
/// also `breaker.call(Box::pin(reply))`), for one of `methods`; closures and nested items are not
/// searched, since a name there may be another binding.
pub fn guard_receiving<'s>(
    statements: &'s [syn::Stmt],
    name: &syn::Ident,
    methods: &FxHashSet<String>,
) -> Option<&'s Expr> {
    struct Finder<'s, 'n> {
        name: &'n syn::Ident,
        methods: &'n FxHashSet<String>,
        found: Option<&'s Expr>,
    }

    fn names(expr: &Expr, name: &syn::Ident) -> bool {
        match expr {
            Expr::Path(path) => path.path.is_ident(name),
            Expr::Call(call) => call.args.len() == 1 && names(&call.args[0], name),
            Expr::Reference(reference) => names(&reference.expr, name),
            Expr::Paren(paren) => names(&paren.expr, name),
            _ => false,
        }
    }

    impl<'s> Visit<'s> for Finder<'s, '_> {
        fn visit_expr_method_call(&mut self, call: &'s syn::ExprMethodCall) {
            if self.found.is_some() {
                return;
            }
            if self.methods.contains(&call.method.to_string())
                && call.args.iter().any(|argument| names(argument, self.name))
            {
                self.found = Some(&call.receiver);
                return;
            }
            syn::visit::visit_expr_method_call(self, call);
        }

        fn visit_expr_closure(&mut self, _: &'s syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'s syn::Item) {}
    }

    let mut finder = Finder {
        name,
        methods,
        found: None,
    };
    for statement in statements {
        finder.visit_stmt(statement);
        if finder.found.is_some() {
            break;
        }
    }
    finder.found
}

/// What an iterator expression handed to a fan-out builds its futures from.
#[derive(Debug, PartialEq, Eq)]
pub enum FanOut {
    /// Futures made per element of a runtime collection (`urls.iter().map(fetch)`).
    Unbounded,
    /// A collection written in the code, or a chain that bounds itself.
    Bounded,
    /// A name, field or call whose contents the file does not show.
    Opaque,
}

/// Classifies the argument of `join_all`, `FuturesUnordered::from_iter`, `extend` or the
/// receiver of `.collect()`.
///
/// A range is a count, not a collection of items, when its items are ignored
/// (`(0..workers).map(|_| ..)`: a worker pool) or its end is a constant (`0..MAX_CONNECTIONS`).
/// A field of `self` is opaque: a struct's collections are its configuration (registered routes,
/// pool members, backends), sized when it was built, not per request.
pub fn fan_out(expr: &Expr) -> FanOut {
    let (root, calls) = method_chain(expr);
    if is_literal_collection(root) || is_count(root, &calls) {
        return FanOut::Bounded;
    }
    if is_self_field(root) {
        return FanOut::Opaque;
    }
    let method = |call: &&syn::ExprMethodCall| call.method.to_string();
    let data = data();
    if calls
        .iter()
        .map(method)
        .any(|name| data.bounded_streams.contains(&name))
    {
        return FanOut::Bounded;
    }
    if calls
        .iter()
        .map(method)
        .any(|name| data.per_item_adaptors.contains(&name))
    {
        return FanOut::Unbounded;
    }
    FanOut::Opaque
}

/// A function that only hands one of its parameters on to one call, besides logging:
/// `{ tokio::spawn(f) }`, `{ info!("spawning"); Handle::current().spawn(f.in_current_span()) }`.
pub struct Forwarding<'f> {
    /// The call the parameter is handed to, as its first argument.
    pub call: &'f Expr,
    /// Which of the function's parameters it is.
    pub parameter: usize,
}

/// Methods that wrap a future in one that runs it unchanged (a tracing span around it).
const FUTURE_PASS_THROUGH: &[&str] = &["instrument", "in_current_span"];

/// The call a sync function's body forwards a parameter to (see [`Forwarding`]). An `async fn`
/// makes a future rather than the call, and any other statement (a permit taken, the handle
/// kept) may change what the call means, so neither forwards.
pub fn forwarding_call<'f>(
    signature: &syn::Signature,
    body: &'f syn::Block,
) -> Option<Forwarding<'f>> {
    if signature.asyncness.is_some() {
        return None;
    }
    let logs = |mac: &syn::Macro| {
        super::macros::name(mac).is_some_and(|name| data().display_macros.contains(&name))
    };
    let mut rest = body.stmts.iter().filter(|statement| match statement {
        syn::Stmt::Macro(statement) => !logs(&statement.mac),
        syn::Stmt::Expr(Expr::Macro(expr), _) => !logs(&expr.mac),
        _ => true,
    });
    let (Some(syn::Stmt::Expr(call, _)), None) = (rest.next(), rest.next()) else {
        return None;
    };
    let first = match call {
        Expr::Call(call) => call.args.first()?,
        Expr::MethodCall(call) => call.args.first()?,
        _ => return None,
    };
    let (root, wrappers) = method_chain(first);
    if !wrappers
        .iter()
        .all(|wrapper| FUTURE_PASS_THROUGH.contains(&wrapper.method.to_string().as_str()))
    {
        return None;
    }
    let Expr::Path(argument) = root else {
        return None;
    };
    let argument = argument.path.get_ident()?;
    let parameter = signature.inputs.iter().position(|input| {
        matches!(input, syn::FnArg::Typed(typed)
            if matches!(typed.pat.as_ref(), syn::Pat::Ident(name) if name.ident == *argument))
    })?;
    Some(Forwarding { call, parameter })
}

/// Classifies the stream a concurrent adaptor runs over: `stream::iter(urls)` in
/// `stream::iter(urls).for_each_concurrent(None, f)` or
/// `stream::iter(urls).map(fetch).buffer_unordered(usize::MAX)`, judged like [`fan_out`] judges
/// an iterator. Only a stream made from a collection (`iter(xs)`) is one: any other (a channel,
/// `listener.incoming()`) yields items as they arrive, paced by its producer, and is opaque.
/// `closure`: the adaptor's own per-item closure (`for_each_concurrent`'s), which makes a
/// future per element without a `.map(..)`.
pub fn stream_fan_out(stream: &Expr, closure: Option<&Expr>) -> FanOut {
    let (root, calls) = method_chain(stream);
    let Expr::Call(source) = root else {
        return FanOut::Opaque;
    };
    let iterates = matches!(source.func.as_ref(), Expr::Path(function)
        if function.path.segments.last().is_some_and(|last| last.ident == "iter"));
    let [collection] = source.args.iter().collect::<Vec<_>>()[..] else {
        return FanOut::Opaque;
    };
    if !iterates {
        return FanOut::Opaque;
    }
    let (root, mut chain) = method_chain(collection);
    chain.extend(calls);
    if is_literal_collection(root) || is_count(root, &chain) || is_range_of(root, closure) {
        return FanOut::Bounded;
    }
    if is_self_field(root) {
        return FanOut::Opaque;
    }
    let data = data();
    let named = |list: &FxHashSet<String>| {
        chain
            .iter()
            .any(|call| list.contains(&call.method.to_string()))
    };
    if named(&data.bounded_streams) {
        FanOut::Bounded
    } else if closure.is_some() || named(&data.per_item_adaptors) {
        FanOut::Unbounded
    } else {
        FanOut::Opaque
    }
}

/// Whether the concurrency limit given to a stream adaptor lifts the cap: `None` or
/// `usize::MAX` (also in `Some(..)`); with `zero_is_none`, also `0`, which
/// `for_each_concurrent` reads as no limit.
pub fn lifts_limit(limit: &Expr, zero_is_none: bool) -> bool {
    match limit {
        Expr::Path(path) => {
            let segments = super::semantic::segment_names(&path.path);
            segments == ["None"] || segments.ends_with(&["usize".to_string(), "MAX".to_string()])
        }
        Expr::Call(call) => {
            matches!(call.func.as_ref(), Expr::Path(function) if function.path.is_ident("Some"))
                && call.args.len() == 1
                && lifts_limit(&call.args[0], false)
        }
        Expr::Lit(literal) => {
            zero_is_none
                && matches!(&literal.lit, syn::Lit::Int(int) if int.base10_parse::<u64>().is_ok_and(|value| value == 0))
        }
        Expr::Paren(paren) => lifts_limit(&paren.expr, zero_is_none),
        Expr::Group(group) => lifts_limit(&group.expr, zero_is_none),
        _ => false,
    }
}

// ---- questions about the body of a loop or a function --------------------------------------

/// The body of a loop, of a closure run per item, or of a function: what the questions below
/// look at. They walk its syntax tree, macro bodies included (see `macros`), so neither string
/// literals nor comments nor a word inside an unrelated name count.
#[derive(Clone, Copy)]
pub enum Body<'a> {
    Block(&'a syn::Block),
    Expr(&'a Expr),
}

impl Body<'_> {
    fn walk(self, visitor: &mut impl for<'v> Visit<'v>) {
        match self {
            Body::Block(block) => visitor.visit_block(block),
            Body::Expr(expr) => visitor.visit_expr(expr),
        }
    }
}

/// A call in a body, as the questions below see it.
struct CallFact {
    /// A method's name, or the last segment of a called path.
    name: String,
    /// What a method is called on (see [`receiver_root`]); `None` for a path call.
    receiver: Option<String>,
    is_method: bool,
    /// An argument of a formatting or logging macro (`println!("{}", set.len())`): shown, not
    /// acted on.
    displayed: bool,
}

/// Every call in a body, with those in the bodies of macros the checker also walks.
fn calls_in(body: Body) -> Vec<CallFact> {
    struct Collector {
        calls: Vec<CallFact>,
        displaying: usize,
        macro_depth: usize,
    }

    impl<'ast> Visit<'ast> for Collector {
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            self.calls.push(CallFact {
                name: call.method.to_string(),
                receiver: receiver_root(&call.receiver),
                is_method: true,
                displayed: self.displaying > 0,
            });
            syn::visit::visit_expr_method_call(self, call);
        }

        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            if let Expr::Path(function) = call.func.as_ref() {
                if let Some(last) = function.path.segments.last() {
                    self.calls.push(CallFact {
                        name: last.ident.to_string(),
                        receiver: None,
                        is_method: false,
                        displayed: self.displaying > 0,
                    });
                }
            }
            syn::visit::visit_expr_call(self, call);
        }

        fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}

        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            let displays =
                super::macros::name(mac).is_some_and(|name| data().display_macros.contains(&name));
            self.displaying += usize::from(displays);
            super::macros::walk_body(self, mac);
            self.displaying -= usize::from(displays);
        }
    }

    impl WalksMacroBodies for Collector {
        fn macro_depth(&mut self) -> &mut usize {
            &mut self.macro_depth
        }
    }

    let mut collector = Collector {
        calls: Vec::new(),
        displaying: 0,
        macro_depth: 0,
    };
    body.walk(&mut collector);
    collector.calls
}

/// What a method is called on, by the name of the value at the root of the receiver:
/// `self.tasks` for `self.tasks.lock().await.len()`, `set` for `(&mut set).join_next()`.
/// `None` when the root is not a name or a field of one (`make_set().len()`).
pub fn receiver_root(expr: &Expr) -> Option<String> {
    match expr {
        Expr::MethodCall(call) => receiver_root(&call.receiver),
        Expr::Try(expr) => receiver_root(&expr.expr),
        Expr::Await(expr) => receiver_root(&expr.base),
        Expr::Paren(expr) => receiver_root(&expr.expr),
        Expr::Group(expr) => receiver_root(&expr.expr),
        Expr::Reference(expr) => receiver_root(&expr.expr),
        Expr::Index(expr) => receiver_root(&expr.expr),
        Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Deref(_)) => receiver_root(&unary.expr),
        Expr::Field(field) => {
            let member = match &field.member {
                syn::Member::Named(name) => name.to_string(),
                syn::Member::Unnamed(index) => index.index.to_string(),
            };
            Some(format!("{}.{member}", receiver_root(&field.base)?))
        }
        Expr::Path(path) if path.qself.is_none() => {
            Some(super::semantic::segment_names(&path.path).join("::"))
        }
        _ => None,
    }
}

/// A semaphore's or pool's method that waits for a permit (`acquire`, `acquire_owned`,
/// `try_acquire_many`, ...).
fn takes_permit(call: &CallFact) -> bool {
    if call.is_method {
        call.name.starts_with("acquire") || call.name.starts_with("try_acquire")
    } else {
        data().permit_methods.contains(&call.name)
    }
}

/// Whether a loop body that spawns tasks bounds how many run at once: it acquires a permit
/// (`sem.acquire().await`, `Semaphore::acquire_owned(..)`); it checks the `len()` of, or
/// drains (`join_next`), what the tasks are kept in: `set` (the `JoinSet` spawned into, by its
/// [`receiver_root`]) or a collection the body pushes into (`handles.push(..)`); or the spawn
/// (the call whose name starts at `spawn`) only runs when a comparison of a `len()` holds
/// (`if queue.len() == queue.capacity() { spawn(..) }`).
pub fn bounds_spawned_tasks(body: Body, set: Option<&str>, spawn: LineColumn) -> bool {
    let calls = calls_in(body);
    let data = data();
    if calls.iter().any(takes_permit) {
        return true;
    }
    if gated_by_length(body, spawn) {
        return true;
    }
    let holders: Vec<&str> = set
        .into_iter()
        .chain(
            calls
                .iter()
                .filter(|call| call.is_method && data.holding_methods.contains(&call.name))
                .filter_map(|call| call.receiver.as_deref()),
        )
        .collect();
    calls.iter().any(|call| {
        let on_holder = call.is_method
            && call
                .receiver
                .as_deref()
                .is_some_and(|receiver| holders.contains(&receiver));
        on_holder
            && ((call.name == "len" && !call.displayed) || data.join_drains.contains(&call.name))
    })
}

/// Where a call's name starts: the first segment of a called path, or a method's name. With
/// `span-locations`, a token keeps its position in a macro body parsed again, so this names
/// one call of the file.
pub fn call_name_start(call: &Expr) -> Option<LineColumn> {
    match call {
        Expr::Call(call) => match call.func.as_ref() {
            Expr::Path(path) => Some(match &path.path.leading_colon {
                Some(colon) => colon.spans[0].start(),
                None => path.path.segments.first()?.ident.span().start(),
            }),
            _ => None,
        },
        Expr::MethodCall(call) => Some(call.method.span().start()),
        _ => None,
    }
}

/// Whether the call whose name starts at `call` sits in a branch of an `if`, or the body of a
/// `while`, whose condition compares a `len()` (`if pending.len() < MAX`).
fn gated_by_length(body: Body, call: LineColumn) -> bool {
    struct Gates {
        call: LineColumn,
        /// Enclosing conditions that compare a `len()`.
        gates: usize,
        found: Option<bool>,
        macro_depth: usize,
    }

    impl Gates {
        fn gated(&mut self, condition: &Expr, walk: impl FnOnce(&mut Self)) {
            let gate = usize::from(compares_length(condition));
            self.gates += gate;
            walk(self);
            self.gates -= gate;
        }

        fn meet(&mut self, call: &Expr) {
            if self.found.is_none() && call_name_start(call) == Some(self.call) {
                self.found = Some(self.gates > 0);
            }
        }
    }

    impl<'ast> Visit<'ast> for Gates {
        fn visit_expr(&mut self, expr: &'ast Expr) {
            if self.found.is_some() {
                return;
            }
            match expr {
                Expr::If(if_expr) => {
                    self.visit_expr(&if_expr.cond);
                    self.gated(&if_expr.cond, |gates| {
                        gates.visit_block(&if_expr.then_branch);
                        if let Some((_, otherwise)) = &if_expr.else_branch {
                            gates.visit_expr(otherwise);
                        }
                    });
                }
                Expr::While(while_loop) => {
                    self.visit_expr(&while_loop.cond);
                    self.gated(&while_loop.cond, |gates| {
                        gates.visit_block(&while_loop.body)
                    });
                }
                Expr::Call(_) | Expr::MethodCall(_) => {
                    self.meet(expr);
                    syn::visit::visit_expr(self, expr);
                }
                _ => syn::visit::visit_expr(self, expr),
            }
        }

        fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}

        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            super::macros::walk_body(self, mac);
        }
    }

    impl WalksMacroBodies for Gates {
        fn macro_depth(&mut self) -> &mut usize {
            &mut self.macro_depth
        }
    }

    let mut gates = Gates {
        call,
        gates: 0,
        found: None,
        macro_depth: 0,
    };
    body.walk(&mut gates);
    gates.found == Some(true)
}

/// Whether a condition compares a `len()` (`set.len() >= max`, `(n.len() as u32) < cap`),
/// also as one operand of `&&`/`||`.
fn compares_length(condition: &Expr) -> bool {
    fn is_length(expr: &Expr) -> bool {
        match expr {
            Expr::MethodCall(call) => call.method == "len" && call.args.is_empty(),
            Expr::Paren(expr) => is_length(&expr.expr),
            Expr::Group(expr) => is_length(&expr.expr),
            Expr::Cast(expr) => is_length(&expr.expr),
            Expr::Reference(expr) => is_length(&expr.expr),
            _ => false,
        }
    }
    match condition {
        Expr::Binary(binary) => match binary.op {
            syn::BinOp::And(_) | syn::BinOp::Or(_) => {
                compares_length(&binary.left) || compares_length(&binary.right)
            }
            syn::BinOp::Eq(_)
            | syn::BinOp::Ne(_)
            | syn::BinOp::Lt(_)
            | syn::BinOp::Le(_)
            | syn::BinOp::Gt(_)
            | syn::BinOp::Ge(_) => is_length(&binary.left) || is_length(&binary.right),
            _ => false,
        },
        Expr::Paren(expr) => compares_length(&expr.expr),
        Expr::Group(expr) => compares_length(&expr.expr),
        Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Not(_)) => compares_length(&unary.expr),
        _ => false,
    }
}

/// Whether a loop body looks at the size of `set` (by its [`receiver_root`]) or takes finished
/// futures out of it with one of `drains` (`set.next()` in a `select!` arm).
pub fn checks_or_drains(body: Body, set: &str, drains: &[&str]) -> bool {
    calls_in(body).iter().any(|call| {
        call.is_method
            && call.receiver.as_deref() == Some(set)
            && ((call.name == "len" && !call.displayed) || drains.contains(&call.name.as_str()))
    })
}

/// Whether a loop body accepts connections: a call named `accept` (`listener.accept()`,
/// `socket::accept(fd)`, a project's `accept(&listener)`), also as a `select!` arm's future or
/// taken out of one.
pub fn accepts_connections(body: Body) -> bool {
    calls_in(body).iter().any(|call| call.name == "accept")
}

/// Whether an identifier, split into its words (`thread_rng` → `thread`, `rng`; `OsRng` →
/// `os`, `rng`), names randomness: `rand`, a random number generator (`rng`, `SmallRng`), a
/// word containing `random` or `jitter` (`rand::random`, `JitterBackoff`, `with_jitter`), a
/// randomness crate (`fastrand`), or a method like `gen_range`. Not `brand` or `operand`.
fn names_randomness(identifier: &str, crates: &crate::matcher::CallMatcher) -> bool {
    if data().random_methods.contains(identifier) || crates.matches(identifier) {
        return true;
    }
    identifier_words(identifier).any(|word| {
        word == "rand"
            || word.ends_with("rng")
            || word.contains("random")
            || word.contains("jitter")
            || crates.matches(&word)
    })
}

/// The lowercase words of an identifier: split at underscores and at a lowercase letter or
/// digit followed by an uppercase one.
fn identifier_words(identifier: &str) -> impl Iterator<Item = String> + '_ {
    identifier
        .split('_')
        .flat_map(|part| {
            let mut words = Vec::new();
            let mut start = 0;
            let chars: Vec<(usize, char)> = part.char_indices().collect();
            for pair in chars.windows(2) {
                let ((_, before), (index, after)) = (pair[0], pair[1]);
                if (before.is_lowercase() || before.is_ascii_digit()) && after.is_uppercase() {
                    words.push(&part[start..index]);
                    start = index;
                }
            }
            words.push(&part[start..]);
            words
        })
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
}

/// Whether any identifier in a body satisfies `names`, or any path in it resolves (by
/// `resolves`) to something that does: path segments, method and field names, bindings and
/// types, and the identifier tokens of macro bodies (parsed or not); not string literals,
/// comments or attributes.
fn any_identifier(
    body: Body,
    names: &dyn Fn(&str) -> bool,
    resolves: &dyn Fn(&syn::Path) -> bool,
) -> bool {
    struct Finder<'q> {
        names: &'q dyn Fn(&str) -> bool,
        resolves: &'q dyn Fn(&syn::Path) -> bool,
        found: bool,
    }

    impl Finder<'_> {
        fn scan_tokens(&mut self, tokens: proc_macro2::TokenStream) {
            for token in tokens {
                if self.found {
                    return;
                }
                match token {
                    proc_macro2::TokenTree::Ident(ident) => {
                        self.found = (self.names)(&ident.to_string());
                    }
                    proc_macro2::TokenTree::Group(group) => self.scan_tokens(group.stream()),
                    proc_macro2::TokenTree::Punct(_) | proc_macro2::TokenTree::Literal(_) => {}
                }
            }
        }
    }

    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr(&mut self, expr: &'ast Expr) {
            if !self.found {
                syn::visit::visit_expr(self, expr);
            }
        }

        fn visit_stmt(&mut self, stmt: &'ast syn::Stmt) {
            if !self.found {
                syn::visit::visit_stmt(self, stmt);
            }
        }

        fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
            if !self.found {
                self.found = (self.names)(&ident.to_string());
            }
        }

        fn visit_path(&mut self, path: &'ast syn::Path) {
            if !self.found && (self.resolves)(path) {
                self.found = true;
            }
            syn::visit::visit_path(self, path);
        }

        fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}

        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            self.visit_path(&mac.path);
            self.scan_tokens(mac.tokens.clone());
        }
    }

    let mut finder = Finder {
        names,
        resolves,
        found: false,
    };
    body.walk(&mut finder);
    finder.found
}

/// Whether `name` is an identifier anywhere in `expr`: a path segment, a field or method name, a
/// binding, or a token of a macro in it.
pub fn mentions_identifier(expr: &Expr, name: &str) -> bool {
    any_identifier(Body::Expr(expr), &|identifier| identifier == name, &|_| {
        false
    })
}

/// Whether code draws a random number or applies jitter: an identifier that names randomness
/// (see [`names_randomness`]: `rand::random()`, `thread_rng().gen_range(..)`, `fastrand::u64(..)`,
/// `let jitter = ..`, `ExponentialJitter`), or a path that resolves into a randomness crate
/// (`r()` after `use rand::random as r;`).
pub fn draws_randomness(body: Body, semantic: &super::semantic::SemanticModel) -> bool {
    let crates = data().rules.retry_without_jitter.random_crates.matcher();
    any_identifier(
        body,
        &|identifier| names_randomness(identifier, crates),
        &|path| {
            semantic.resolve_path(path).is_some_and(|resolved| {
                resolved
                    .split("::")
                    .next()
                    .is_some_and(|first| crates.matches(first))
            })
        },
    )
}

/// Whether a delay is computed by code the file does not show, which may jitter it: it calls a
/// function of the project or of another crate (`backoff_for(attempt)`), or a method other than
/// std's arithmetic and conversions (`policy.next_delay()`, `self.retry.delay(n)`,
/// `backoff.next_backoff()`). `Duration::from_millis(100 * 2u64.pow(n))` is shown whole.
pub fn computed_elsewhere(delay: &Expr, semantic: &super::semantic::SemanticModel) -> bool {
    struct Finder<'m> {
        semantic: &'m super::semantic::SemanticModel,
        found: bool,
    }

    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            let shown = match call.func.as_ref() {
                Expr::Path(function) if function.qself.is_none() => {
                    let segments = super::semantic::segment_names(&function.path);
                    let resolved = self.semantic.resolve_path(&function.path);
                    matches!(segments.as_slice(), [only] if only == "Some" || only == "Ok")
                        || segments
                            .iter()
                            .rev()
                            .nth(1)
                            .is_some_and(|owner| owner == "Duration")
                        || resolved.is_some_and(|path| {
                            path.starts_with("std::") || path.starts_with("core::")
                        })
                }
                _ => false,
            };
            self.found |= !shown;
            syn::visit::visit_expr_call(self, call);
        }

        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            self.found |= !data().arithmetic_methods.contains(&call.method.to_string());
            syn::visit::visit_expr_method_call(self, call);
        }

        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }

    let mut finder = Finder {
        semantic,
        found: false,
    };
    finder.visit_expr(delay);
    finder.found
}

/// The plain names an expression reads (`delay`, `base` in `base * 2`).
pub fn names_read(expr: &Expr) -> Vec<String> {
    struct Names(Vec<String>);

    impl<'ast> Visit<'ast> for Names {
        fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
            if let Some(name) = path.path.get_ident() {
                self.0.push(name.to_string());
            }
        }
    }

    let mut names = Names(Vec::new());
    names.visit_expr(expr);
    names.0
}

/// Whether a body gives one of `names` a value computed elsewhere (see [`computed_elsewhere`]):
/// `let delay = policy.next_delay();`, `delay = backoff.next().unwrap();`,
/// `if let Some(delay) = backoff.next_backoff()`, a `match` arm or `for` loop binding it.
pub fn binds_computed_elsewhere(
    body: Body,
    names: &[String],
    semantic: &super::semantic::SemanticModel,
) -> bool {
    struct Finder<'q> {
        names: &'q [String],
        semantic: &'q super::semantic::SemanticModel,
        found: bool,
        macro_depth: usize,
    }

    impl Finder<'_> {
        /// `value` gives `pattern`'s names their values.
        fn bind(&mut self, pattern: &syn::Pat, value: &Expr) {
            struct Bound<'n>(&'n [String], bool);
            impl<'ast> Visit<'ast> for Bound<'_> {
                fn visit_pat_ident(&mut self, ident: &'ast syn::PatIdent) {
                    self.1 |= self.0.iter().any(|name| ident.ident == name);
                    syn::visit::visit_pat_ident(self, ident);
                }
            }
            let mut bound = Bound(self.names, false);
            bound.visit_pat(pattern);
            self.found |= bound.1 && computed_elsewhere(value, self.semantic);
        }
    }

    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_local(&mut self, local: &'ast syn::Local) {
            if let Some(init) = &local.init {
                self.bind(&local.pat, &init.expr);
            }
            syn::visit::visit_local(self, local);
        }

        fn visit_expr_let(&mut self, condition: &'ast syn::ExprLet) {
            self.bind(&condition.pat, &condition.expr);
            syn::visit::visit_expr_let(self, condition);
        }

        fn visit_expr_match(&mut self, expr: &'ast syn::ExprMatch) {
            for arm in &expr.arms {
                self.bind(&arm.pat, &expr.expr);
            }
            syn::visit::visit_expr_match(self, expr);
        }

        fn visit_expr_for_loop(&mut self, for_loop: &'ast syn::ExprForLoop) {
            self.bind(&for_loop.pat, &for_loop.expr);
            syn::visit::visit_expr_for_loop(self, for_loop);
        }

        fn visit_expr_assign(&mut self, assignment: &'ast syn::ExprAssign) {
            let assigned = matches!(assignment.left.as_ref(), Expr::Path(path)
                if path.path.get_ident().is_some_and(|place| self.names.iter().any(|name| place == name)));
            self.found |= assigned && computed_elsewhere(&assignment.right, self.semantic);
            syn::visit::visit_expr_assign(self, assignment);
        }

        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            super::macros::walk_body(self, mac);
        }

        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }

    impl WalksMacroBodies for Finder<'_> {
        fn macro_depth(&mut self) -> &mut usize {
            &mut self.macro_depth
        }
    }

    let mut finder = Finder {
        names,
        semantic,
        found: false,
        macro_depth: 0,
    };
    body.walk(&mut finder);
    finder.found
}

/// Whether an expression names a jitter function (`jitter`, `tokio_retry::strategy::jitter`,
/// `|d| add_jitter(d)`), also through a `use` alias.
pub fn names_jitter(expr: &Expr, semantic: &super::semantic::SemanticModel) -> bool {
    let is_jitter = |identifier: &str| identifier.to_lowercase().contains("jitter");
    any_identifier(Body::Expr(expr), &is_jitter, &|path| {
        semantic
            .resolve_path(path)
            .is_some_and(|resolved| resolved.rsplit("::").next().is_some_and(is_jitter))
    })
}

// ---- the lifecycle of a thread's closure ---------------------------------------------------

/// Methods that wait for the next message of a channel and fail (or give `None`) once every
/// sender is gone: a loop on one ends when its channel is dropped.
const CHANNEL_RECEIVES: &[&str] = &["recv", "blocking_recv", "recv_blocking"];

/// Methods that hand a message to a channel.
const CHANNEL_SENDS: &[&str] = &["send", "try_send", "blocking_send", "send_blocking"];

/// A thread body whose life a channel bounds or that holds nothing at exit: besides `let`s and
/// macro statements (logging), one loop that either receives until the channel is dropped
/// (`while let Ok(m) = rx.recv()`, `for m in rx` on a receiver the code types) or only sleeps
/// and sends (`loop { sleep(d); if tx.send(()).is_err() { break } }`). `is_sleep` says whether
/// a called path is a sleep; `is_receiver` whether an iterated value is a channel's receiver.
pub fn channel_bound_thread(
    body: &Expr,
    is_sleep: &dyn Fn(&syn::Path) -> bool,
    is_receiver: &dyn Fn(&Expr) -> bool,
) -> bool {
    let only = match body {
        Expr::Block(block) => {
            let mut rest = block.block.stmts.iter().filter(|statement| {
                !matches!(
                    statement,
                    syn::Stmt::Local(_) | syn::Stmt::Macro(_) | syn::Stmt::Expr(Expr::Macro(_), _)
                )
            });
            match (rest.next(), rest.next()) {
                (Some(syn::Stmt::Expr(only, _)), None) => only,
                _ => return false,
            }
        }
        body => body,
    };
    match only {
        Expr::While(while_loop) => match while_loop.cond.as_ref() {
            Expr::Let(condition) => receives(&condition.expr),
            _ => false,
        },
        Expr::ForLoop(for_loop) => {
            let source = match for_loop.expr.as_ref() {
                Expr::MethodCall(call)
                    if matches!(call.method.to_string().as_str(), "iter" | "into_iter") =>
                {
                    &call.receiver
                }
                source => source,
            };
            is_receiver(source)
        }
        Expr::Loop(loop_expr) => {
            !loop_expr.body.stmts.is_empty()
                && loop_expr
                    .body
                    .stmts
                    .iter()
                    .all(|statement| sleeps_or_sends(statement, is_sleep))
        }
        _ => false,
    }
}

/// `rx.recv()`, also behind `.ok()` and `?`-free unwrapping of the result.
fn receives(expr: &Expr) -> bool {
    let (root, calls) = method_chain(expr);
    let Some(first) = calls.first() else {
        return false;
    };
    // A socket's `recv(&mut buf)` takes a buffer; a channel's takes nothing.
    matches!(root, Expr::Path(_))
        && first.args.is_empty()
        && CHANNEL_RECEIVES.contains(&first.method.to_string().as_str())
        && calls[1..].iter().all(|call| call.method == "ok")
}

/// A statement of a loop that only sleeps and sends: a sleep, a send (its result unwrapped,
/// ignored, or tested to `break`/`return`), or a logging macro.
fn sleeps_or_sends(statement: &syn::Stmt, is_sleep: &dyn Fn(&syn::Path) -> bool) -> bool {
    let expr = match statement {
        syn::Stmt::Expr(expr, _) => expr,
        syn::Stmt::Local(local) if matches!(local.pat, syn::Pat::Wild(_)) => match &local.init {
            Some(init) if init.diverge.is_none() => &init.expr,
            _ => return false,
        },
        syn::Stmt::Macro(_) => return true,
        _ => return false,
    };
    match expr {
        Expr::Macro(_) => true,
        Expr::Call(call) => matches!(call.func.as_ref(), Expr::Path(path) if is_sleep(&path.path)),
        Expr::If(if_expr) => {
            sends(&if_expr.cond)
                && if_expr.else_branch.is_none()
                && if_expr.then_branch.stmts.iter().all(|statement| {
                    matches!(
                        statement,
                        syn::Stmt::Expr(Expr::Break(_) | Expr::Return(_) | Expr::Macro(_), _)
                            | syn::Stmt::Macro(_)
                    )
                })
        }
        Expr::Let(_) => false,
        expr => sends(expr),
    }
}

/// `tx.send(m)`, also with its result unwrapped, tested (`.is_err()`) or dropped (`.ok()`),
/// or behind `?` or `!`.
fn sends(expr: &Expr) -> bool {
    let expr = match expr {
        Expr::Unary(unary) => &unary.expr,
        expr => expr,
    };
    let (root, calls) = method_chain(expr);
    let Some(first) = calls.first() else {
        return false;
    };
    matches!(root, Expr::Path(_) | Expr::Field(_))
        && CHANNEL_SENDS.contains(&first.method.to_string().as_str())
        && calls[1..].iter().all(|call| {
            matches!(
                call.method.to_string().as_str(),
                "unwrap" | "expect" | "ok" | "is_err" | "is_ok"
            )
        })
}

// ---- clients whose requests set their own timeout -------------------------------------------

/// Whether a chain contains the call whose name starts at `call`: its root or one of its
/// method calls.
fn chain_contains(root: &Expr, calls: &[&syn::ExprMethodCall], call: LineColumn) -> bool {
    call_name_start(root) == Some(call)
        || calls
            .iter()
            .any(|method| method.method.span().start() == call)
}

/// Whether every request sent with the client that the call whose name starts at `client`
/// makes sets its own timeout: the client is used in place (`Client::new().get(u).timeout(d)`),
/// or bound by a `let` to a name that the body only uses as the start of request chains that
/// call `.timeout(..)`. A client the body hands on, returns or stores is not known to be.
pub fn requests_set_timeouts(body: Body, client: LineColumn) -> bool {
    struct Uses {
        client: LineColumn,
        in_place: bool,
        binding: Option<String>,
        timed: Vec<String>,
        uses: Vec<String>,
        macro_depth: usize,
    }
    impl<'ast> Visit<'ast> for Uses {
        fn visit_local(&mut self, local: &'ast syn::Local) {
            if let (syn::Pat::Ident(name), Some(init)) = (&local.pat, &local.init) {
                let (root, calls) = method_chain(&init.expr);
                if chain_contains(root, &calls, self.client) {
                    self.binding = Some(name.ident.to_string());
                }
            }
            syn::visit::visit_local(self, local);
        }
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            if call.method == "timeout" {
                let (root, calls) = method_chain(&call.receiver);
                if chain_contains(root, &calls, self.client) {
                    self.in_place = true;
                }
                if let Expr::Path(path) = root {
                    if let Some(name) = path.path.get_ident() {
                        self.timed.push(name.to_string());
                    }
                }
            }
            syn::visit::visit_expr_method_call(self, call);
        }
        fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
            if let Some(name) = path.path.get_ident() {
                self.uses.push(name.to_string());
            }
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            super::macros::walk_body(self, mac);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    impl WalksMacroBodies for Uses {
        fn macro_depth(&mut self) -> &mut usize {
            &mut self.macro_depth
        }
    }
    let mut uses = Uses {
        client,
        in_place: false,
        binding: None,
        timed: Vec::new(),
        uses: Vec::new(),
        macro_depth: 0,
    };
    body.walk(&mut uses);
    if uses.in_place {
        return true;
    }
    let Some(binding) = uses.binding else {
        return false;
    };
    let count = |names: &[String]| names.iter().filter(|name| **name == binding).count();
    let used = count(&uses.uses);
    used > 0 && used == count(&uses.timed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(source: &str) -> FanOut {
        fan_out(&syn::parse_str(source).unwrap())
    }

    #[test]
    fn fan_out_sees_literals_adaptors_and_bounded_streams() {
        assert_eq!(classify("urls.iter().map(|u| fetch(u))"), FanOut::Unbounded);
        assert_eq!(classify("(0..n).map(fetch)"), FanOut::Unbounded);
        assert_eq!(classify("(0..n).map(|i| fetch(i))"), FanOut::Unbounded);
        assert_eq!(classify("(0..workers).map(|_| worker())"), FanOut::Bounded);
        assert_eq!(classify("(0..MAX_CONNECTIONS).map(fetch)"), FanOut::Bounded);
        assert_eq!(
            classify("self.services.iter().map(|s| s.start())"),
            FanOut::Opaque
        );
        assert_eq!(classify("(0..4).map(fetch)"), FanOut::Bounded);
        assert_eq!(classify("[a, b].into_iter().map(fetch)"), FanOut::Bounded);
        assert_eq!(classify("vec![a(), b()]"), FanOut::Bounded);
        assert_eq!(
            classify("stream::iter(urls).map(fetch).buffer_unordered(8)"),
            FanOut::Bounded
        );
        assert_eq!(classify("handles"), FanOut::Opaque);
        assert_eq!(classify("handles.into_iter()"), FanOut::Opaque);
    }

    #[test]
    fn stream_fan_out_needs_a_stream_made_from_a_collection() {
        let stream = |source: &str, per_item: bool| {
            let closure: Expr = syn::parse_str("|url| fetch(url)").unwrap();
            stream_fan_out(
                &syn::parse_str(source).unwrap(),
                per_item.then_some(&closure),
            )
        };
        assert_eq!(stream("stream::iter(urls)", true), FanOut::Unbounded);
        assert_eq!(
            stream("stream::iter(urls).map(fetch)", false),
            FanOut::Unbounded
        );
        assert_eq!(stream("stream::iter(futures)", false), FanOut::Opaque);
        assert_eq!(stream("stream::iter([a, b])", true), FanOut::Bounded);
        assert_eq!(stream("stream::iter(0..WORKERS)", true), FanOut::Bounded);
        assert_eq!(stream("stream::iter(urls).take(8)", true), FanOut::Bounded);
        assert_eq!(
            stream("stream::iter(self.services.iter())", true),
            FanOut::Opaque
        );
        assert_eq!(stream("listener.incoming()", true), FanOut::Opaque);
        assert_eq!(stream("rx.map(run)", false), FanOut::Opaque);
    }

    #[test]
    fn limits_that_lift_the_cap() {
        let lifts = |source: &str, zero_is_none| {
            lifts_limit(&syn::parse_str(source).unwrap(), zero_is_none)
        };
        assert!(lifts("None", false));
        assert!(lifts("usize::MAX", false));
        assert!(lifts("std::usize::MAX", false));
        assert!(lifts("Some(usize::MAX)", false));
        assert!(lifts("0", true));
        assert!(!lifts("0", false));
        assert!(!lifts("Some(8)", true));
        assert!(!lifts("16", true));
        assert!(!lifts("limit", true));
        assert!(!lifts("u32::MAX", false));
    }

    fn block(source: &str) -> syn::Block {
        syn::parse_str(source).unwrap()
    }

    #[test]
    fn randomness_is_named_by_words_not_letters() {
        let crates = data().rules.retry_without_jitter.random_crates.matcher();
        for name in [
            "rand",
            "thread_rng",
            "OsRng",
            "SmallRng",
            "RNG",
            "random",
            "gen_range",
            "jitter",
            "JitteredBackoff",
            "with_jitter",
            "fastrand",
            "rand_core",
        ] {
            assert!(names_randomness(name, crates), "{name}");
        }
        for name in [
            "brand",
            "operand",
            "grand_total",
            "strand",
            "range",
            "Runtime",
        ] {
            assert!(!names_randomness(name, crates), "{name}");
        }
        let model = super::super::semantic::SemanticModel::new();
        let draws = |source: &str| draws_randomness(Body::Block(&block(source)), &model);
        assert!(draws(
            "{ let d = rand::thread_rng().gen_range(0..9); sleep(d) }"
        ));
        assert!(draws("{ println!(\"{}\", rng.gen::<u8>()); }"));
        assert!(!draws(
            "{ let brand = \"acme\"; log(\"random jitter\"); /* rand */ sleep(d) }"
        ));
    }

    #[test]
    fn delays_computed_elsewhere_call_what_the_file_does_not_show() {
        let model = super::super::semantic::SemanticModel::new();
        let elsewhere = |source: &str| computed_elsewhere(&syn::parse_str(source).unwrap(), &model);
        assert!(elsewhere("policy.next_delay()"));
        assert!(elsewhere("backoff_for(attempt)"));
        assert!(elsewhere("Duration::from_millis(policy.base())"));
        assert!(!elsewhere("Duration::from_millis(100 * 2u64.pow(attempt))"));
        assert!(!elsewhere(
            "Duration::from_secs(self.retry_secs).min(MAX_DELAY)"
        ));
        assert!(!elsewhere("delay"));
    }

    #[test]
    fn spawn_bounds_are_calls_on_what_holds_the_tasks() {
        let nowhere = LineColumn { line: 0, column: 0 };
        let bounded =
            |source: &str, set| bounds_spawned_tasks(Body::Block(&block(source)), set, nowhere);
        assert!(bounded(
            "{ handles.push(tokio::spawn(f())); if handles.len() > 8 { drain(&mut handles).await; } }",
            None
        ));
        assert!(bounded(
            "{ set.spawn(f()); tokio::select! { _ = set.join_next() => {} } }",
            Some("set")
        ));
        assert!(bounded(
            "{ let _p = sem.acquire().await; tokio::spawn(f()); }",
            None
        ));
        assert!(!bounded(
            "{ println!(\"{}\", url.len()); tokio::spawn(f(url)); }",
            None
        ));
        assert!(!bounded(
            "{ set.spawn(f()); println!(\"{}\", set.len()); }",
            Some("set")
        ));
        assert!(!bounded(
            "{ let t = config.acquire_timeout; tokio::spawn(f(t)); }",
            None
        ));
        assert!(!bounded(
            "{ tokio::spawn(f()); other.join_next().await; }",
            None
        ));
    }

    /// The guard object's outermost name or method (`sem`, `clone`) and the acquisition kind.
    fn acquired(source: &str) -> Option<(String, Acquisition)> {
        let expr: Expr = syn::parse_str(source).unwrap();
        acquisition(&expr).map(|(guard, kind)| {
            let name = match guard {
                Expr::Path(path) => path.path.get_ident().unwrap().to_string(),
                Expr::MethodCall(call) => call.method.to_string(),
                _ => panic!("unexpected guard shape in {source}"),
            };
            (name, kind)
        })
    }

    #[test]
    fn acquisitions_see_through_awaits_and_unwraps() {
        assert_eq!(
            acquired("sem.acquire().await?"),
            Some(("sem".into(), Acquisition::Permit))
        );
        assert_eq!(
            acquired("self.sem.clone().acquire_owned().await.expect(\"open\")"),
            Some(("clone".into(), Acquisition::Permit))
        );
        assert_eq!(
            acquired("limiter.until_ready().await"),
            Some(("limiter".into(), Acquisition::Wait))
        );
        assert_eq!(acquired("sem.acquire().await.unwrap().forget()"), None);
        assert_eq!(acquired("client.send().await?"), None);
    }
}
