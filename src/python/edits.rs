//! Building blocks for the edits Python fixes are made of, so that every rule rewrites code the
//! same way (imports, `await` precedence, argument removal).

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

use super::checker::Checker;
use crate::diagnostic::Edit;

/// How a fix refers to a module: the name it is imported under, plus the import to add when
/// the file does not import it yet.
pub struct ModuleReference {
    pub name: String,
    pub import: Option<Edit>,
}

pub fn module_reference(checker: &Checker, module: &str) -> ModuleReference {
    if let Some(name) = checker.semantic.module_import_name(module) {
        return ModuleReference {
            name: name.to_string(),
            import: None,
        };
    }
    ModuleReference {
        name: module.to_string(),
        import: Some(Edit::insertion(
            import_insertion_point(checker),
            format!("import {module}\n"),
        )),
    }
}

/// The start of the first line after the module docstring and `from __future__` imports.
fn import_insertion_point(checker: &Checker) -> TextSize {
    let body = &checker.module.body;
    let mut after: Option<&Stmt> = None;
    for (index, statement) in body.iter().enumerate() {
        let is_docstring = index == 0
            && matches!(statement, Stmt::Expr(expr) if expr.value.is_string_literal_expr());
        let is_future = matches!(statement, Stmt::ImportFrom(import)
            if import.module.as_ref().is_some_and(|module| module.as_str() == "__future__"));
        if is_docstring || is_future {
            after = Some(statement);
        } else {
            break;
        }
    }
    match after {
        Some(statement) => next_line_start(checker.source, statement.end()),
        None => body.first().map_or(bom_len(checker.source), |statement| {
            line_start(checker.source, statement.start())
        }),
    }
}

fn bom_len(source: &str) -> TextSize {
    if source.starts_with('\u{feff}') {
        TextSize::of('\u{feff}')
    } else {
        TextSize::default()
    }
}

fn line_start(source: &str, offset: TextSize) -> TextSize {
    let before = &source[..offset.to_usize()];
    match before.rfind(['\n', '\r']) {
        Some(index) => TextSize::try_from(index + 1).unwrap_or(offset),
        None => bom_len(source),
    }
}

fn next_line_start(source: &str, offset: TextSize) -> TextSize {
    let rest = &source[offset.to_usize()..];
    match rest.find('\n') {
        Some(index) => offset + TextSize::try_from(index + 1).unwrap_or_default(),
        None => TextSize::of(source),
    }
}

/// Whether `await <expr>` must be parenthesised where `expr` currently stands, because the
/// parent takes an attribute, subscript or call of it (`await` binds looser than those).
pub fn await_needs_parentheses(checker: &Checker, expr: TextRange) -> bool {
    match checker.semantic.parent_expression() {
        Some(Expr::Attribute(attribute)) => attribute.value.range() == expr,
        Some(Expr::Subscript(subscript)) => subscript.value.range() == expr,
        Some(Expr::Call(call)) => call.func.range() == expr,
        _ => false,
    }
}

/// Edits turning `expr` into `await <replacement>`, parenthesised when needed.
pub fn replace_with_await(checker: &Checker, expr: TextRange, replacement: &str) -> Edit {
    let awaited = format!("await {replacement}");
    let content = if await_needs_parentheses(checker, expr) {
        format!("({awaited})")
    } else {
        awaited
    };
    Edit::replacement(expr, content)
}

/// `f(a, b=1)` → `await asyncio.to_thread(f, a, b=1)`, touching only the call's head so that
/// multi-line arguments keep their layout.
pub fn to_thread_edits(checker: &Checker, call: &ast::ExprCall) -> Vec<Edit> {
    let asyncio = module_reference(checker, "asyncio");
    let callee = checker.text(call.func.range());
    let open_paren = call.arguments.start();
    let has_arguments = !call.arguments.args.is_empty() || !call.arguments.keywords.is_empty();
    let head = format!(
        "await {}.to_thread({callee}{}",
        asyncio.name,
        if has_arguments { ", " } else { "" }
    );
    let parenthesize = await_needs_parentheses(checker, call.range());
    let mut edits = Vec::with_capacity(3);
    let head_range = TextRange::new(call.start(), open_paren + TextSize::from(1));
    if parenthesize {
        edits.push(Edit::replacement(head_range, format!("({head}")));
        edits.push(Edit::insertion(call.end(), ")"));
    } else {
        edits.push(Edit::replacement(head_range, head));
    }
    edits.extend(asyncio.import);
    edits
}

/// Whether the call is the whole value of a simple statement (`x = f()`, `f()`, `return f()`):
/// the only place where wrapping it in `await asyncio.to_thread(...)` keeps the meaning.
pub fn is_statement_value(checker: &Checker, call: &ast::ExprCall) -> bool {
    let value = match checker.semantic.current_statement() {
        Some(Stmt::Expr(statement)) => Some(&*statement.value),
        Some(Stmt::Assign(statement)) => Some(&*statement.value),
        Some(Stmt::AnnAssign(statement)) => statement.value.as_deref(),
        Some(Stmt::Return(statement)) => statement.value.as_deref(),
        _ => None,
    };
    value.is_some_and(|value| value.range() == call.range())
}

/// Deletes a keyword argument of a call together with the comma that separates it.
pub fn remove_keyword(call: &ast::ExprCall, keyword: &ast::Keyword) -> Edit {
    let mut arguments: Vec<TextRange> = call
        .arguments
        .args
        .iter()
        .map(Ranged::range)
        .chain(call.arguments.keywords.iter().map(Ranged::range))
        .collect();
    arguments.sort_by_key(|range| range.start());
    let position = arguments
        .iter()
        .position(|range| *range == keyword.range())
        .unwrap_or_default();
    let range = if position > 0 {
        // `f(a, loop=l)`: from the end of the previous argument.
        TextRange::new(arguments[position - 1].end(), keyword.end())
    } else if let Some(next) = arguments.get(1) {
        // `f(loop=l, a)`: up to the next argument.
        TextRange::new(keyword.start(), next.start())
    } else {
        // The only argument: also drop a trailing comma.
        let close = call.arguments.end() - TextSize::from(1);
        TextRange::new(call.arguments.start() + TextSize::from(1), close)
    };
    Edit::deletion(range)
}
