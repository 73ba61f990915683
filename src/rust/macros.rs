//! syn keeps macro bodies as token streams; about a sixth of all `.await`s in real code sit only
//! inside them (`select!`, `join!`, `assert!`, `format!`, ...). The common bodies are parsed here
//! so the checker can walk them like ordinary code; a body that does not parse is skipped.

use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{token, Expr, Pat, Stmt, Token};

/// One `pattern = future (, if guard)? => handler` arm of a `select!`, or `else => handler`.
pub struct SelectArm {
    pub pattern: Option<Pat>,
    pub future: Option<Expr>,
    pub guard: Option<Expr>,
    pub handler: Expr,
}

pub enum MacroBody {
    Expressions(Vec<Expr>),
    Statements(Vec<Stmt>),
    Select(Vec<SelectArm>),
}

/// Macros whose body never runs as written, or is not Rust code.
const OPAQUE: &[&str] = &[
    "macro_rules",
    "stringify",
    "concat",
    "quote",
    "quote_spanned",
    "parse_quote",
    "parse_quote_spanned",
    "compile_error",
    "include",
    "include_str",
    "include_bytes",
    "env",
    "option_env",
    "cfg",
    "line",
    "column",
    "file",
    "module_path",
    "concat_idents",
];

/// Macro bodies are parsed where the walk meets them, each from its tokens, and syn copies all
/// the nested tokens of a body for every parse: macros nested `n` deep cost `n` times their size
/// (`vec![vec![...]]` 16,000 deep took 11 s). Bodies nested deeper than this are not walked.
pub const MAX_NESTED_BODIES: usize = 32;

/// A `syn` visitor that also walks the macro bodies parsed here (see [`walk_body`]).
pub trait WalksMacroBodies {
    /// How many macro bodies the visitor is inside.
    fn macro_depth(&mut self) -> &mut usize;
}

/// Walks the body of `mac` with `visitor`: its expressions, statements, or `select!` arms
/// (futures, guards, handlers). Nothing when the body does not parse, or when the visitor is
/// already [`MAX_NESTED_BODIES`] bodies deep.
pub fn walk_body<V>(visitor: &mut V, mac: &syn::Macro)
where
    V: WalksMacroBodies + for<'v> syn::visit::Visit<'v>,
{
    if *visitor.macro_depth() >= MAX_NESTED_BODIES {
        return;
    }
    let Some(body) = parse_body(mac) else {
        return;
    };
    *visitor.macro_depth() += 1;
    match body {
        MacroBody::Expressions(expressions) => {
            expressions.iter().for_each(|expr| visitor.visit_expr(expr));
        }
        MacroBody::Statements(statements) => {
            statements.iter().for_each(|stmt| visitor.visit_stmt(stmt));
        }
        MacroBody::Select(arms) => {
            for arm in &arms {
                if let Some(future) = &arm.future {
                    visitor.visit_expr(future);
                }
                if let Some(guard) = &arm.guard {
                    visitor.visit_expr(guard);
                }
                visitor.visit_expr(&arm.handler);
            }
        }
    }
    *visitor.macro_depth() -= 1;
}

/// Macros that are themselves suspension points: they poll futures and yield to the runtime.
pub fn is_suspension(name: &str) -> bool {
    matches!(name, "select" | "select_biased" | "join" | "try_join")
}

/// The name a macro is invoked by: the last segment of its path (`tokio::select!` → `select`).
pub fn name(mac: &syn::Macro) -> Option<String> {
    mac.path
        .segments
        .last()
        .map(|segment| segment.ident.to_string())
}

pub fn parse_body(mac: &syn::Macro) -> Option<MacroBody> {
    let name = name(mac)?;
    if OPAQUE.contains(&name.as_str()) || mac.tokens.is_empty() {
        return None;
    }
    let tokens = mac.tokens.clone();
    match name.as_str() {
        "select" | "select_biased" => parse_select.parse2(tokens).ok().map(MacroBody::Select),
        "join" | "try_join" => parse_join.parse2(tokens).ok().map(MacroBody::Expressions),
        "vec" => parse_vec.parse2(tokens).ok().map(MacroBody::Expressions),
        _ => parse_expressions
            .parse2(tokens.clone())
            .ok()
            .map(MacroBody::Expressions)
            .or_else(|| {
                syn::Block::parse_within
                    .parse2(tokens)
                    .ok()
                    .map(MacroBody::Statements)
            }),
    }
}

fn parse_expressions(input: ParseStream) -> syn::Result<Vec<Expr>> {
    Ok(Punctuated::<Expr, Token![,]>::parse_terminated(input)?
        .into_iter()
        .collect())
}

/// `biased;` is tokio's option for polling in order.
fn skip_biased(input: ParseStream) -> syn::Result<()> {
    if input.peek(syn::Ident) && input.peek2(Token![;]) {
        input.parse::<syn::Ident>()?;
        input.parse::<Token![;]>()?;
    }
    Ok(())
}

fn parse_join(input: ParseStream) -> syn::Result<Vec<Expr>> {
    skip_biased(input)?;
    parse_expressions(input)
}

/// `vec![a, b, c]` or `vec![element; count]`.
fn parse_vec(input: ParseStream) -> syn::Result<Vec<Expr>> {
    let first: Expr = input.parse()?;
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
        let count: Expr = input.parse()?;
        return Ok(vec![first, count]);
    }
    let mut expressions = vec![first];
    while !input.is_empty() {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        expressions.push(input.parse()?);
    }
    Ok(expressions)
}

/// tokio's and futures' `select!`: `biased;`, then arms `pattern = future (, if guard)? =>
/// handler`, and `else`/`complete`/`default => handler`, separated by commas (optional after a
/// block handler).
fn parse_select(input: ParseStream) -> syn::Result<Vec<SelectArm>> {
    skip_biased(input)?;
    let mut arms = Vec::new();
    while !input.is_empty() {
        let is_fallback =
            (input.peek(Token![else]) || input.peek(syn::Ident)) && input.peek2(Token![=>]);
        let (pattern, future, guard) = if is_fallback {
            if input.peek(Token![else]) {
                input.parse::<Token![else]>()?;
            } else {
                input.parse::<syn::Ident>()?;
            }
            (None, None, None)
        } else {
            let pattern = Pat::parse_single(input)?;
            input.parse::<Token![=]>()?;
            let future: Expr = input.parse()?;
            let guard = if input.peek(Token![,]) && input.peek2(Token![if]) {
                input.parse::<Token![,]>()?;
                input.parse::<Token![if]>()?;
                Some(input.parse::<Expr>()?)
            } else {
                None
            };
            (Some(pattern), Some(future), guard)
        };
        input.parse::<Token![=>]>()?;
        let handler = if input.peek(token::Brace) {
            let block: syn::Block = input.parse()?;
            Expr::Block(syn::ExprBlock {
                attrs: Vec::new(),
                label: None,
                block,
            })
        } else {
            input.parse()?
        };
        if !input.is_empty() {
            if input.peek(Token![,]) {
                input.parse::<Token![,]>()?;
            } else if !matches!(handler, Expr::Block(_)) {
                return Err(input.error("expected `,` after a select! arm"));
            }
        }
        arms.push(SelectArm {
            pattern,
            future,
            guard,
            handler,
        });
    }
    Ok(arms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: &str) -> Option<MacroBody> {
        let expr: syn::ExprMacro = syn::parse_str(code).unwrap();
        parse_body(&expr.mac)
    }

    #[test]
    fn select_arms_with_bias_guards_and_fallback() {
        let Some(MacroBody::Select(arms)) = body(
            "tokio::select! { biased; Some(v) = rx.recv(), if open => { handle(v) } _ = sleep(d) => break, else => {} }",
        ) else {
            panic!("select! body did not parse");
        };
        assert_eq!(arms.len(), 3);
        assert!(arms[0].guard.is_some());
        assert!(arms[2].future.is_none());
    }

    #[test]
    fn join_vec_and_format_bodies() {
        assert!(
            matches!(body("tokio::join!(biased; a(), b())"), Some(MacroBody::Expressions(e)) if e.len() == 2)
        );
        assert!(matches!(body("vec![make(); n]"), Some(MacroBody::Expressions(e)) if e.len() == 2));
        assert!(
            matches!(body("println!(\"{}\", f().await)"), Some(MacroBody::Expressions(e)) if e.len() == 2)
        );
        assert!(
            matches!(body("my_macro!(let x = 1; go(x);)"), Some(MacroBody::Statements(s)) if s.len() == 2)
        );
    }

    #[test]
    fn unparsable_and_opaque_bodies_are_skipped() {
        assert!(body("html!(<div> {x} </div>)").is_none());
        assert!(body("stringify!(std::thread::sleep(d))").is_none());
    }
}
