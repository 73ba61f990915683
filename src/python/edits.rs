//! Building blocks for the edits Python fixes are made of, so that every rule rewrites code the
//! same way (imports, `await` precedence, argument removal).

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

use super::checker::Checker;
use crate::diagnostic::Edit;
use crate::source::{line_ending, next_line_start};

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
        import: Some(import_edit(checker, module)),
    }
}

/// `import <module>` on a line of its own, where isort (and ruff's `I001`) would put it, so a
/// formatter run after the fix leaves it alone: in the import block that follows the module
/// docstring and `from __future__` imports, in the module's section (the standard library, or
/// third-party packages after it), among that section's plain `import x` lines in alphabetical
/// order (before its `from x import y` lines when there are none). A section the file does not
/// have yet is started with a blank line between it and its neighbour. Without an import
/// block, the import goes right after the docstring and `from __future__` imports. Sections are
/// the blank-line separated groups of the block, as isort writes them. Every fix that needs
/// the module builds the same edit, so the engine inserts it once.
fn import_edit(checker: &Checker, module: &str) -> Edit {
    let source = checker.source;
    let body = &checker.module.body;
    let preamble = body
        .iter()
        .enumerate()
        .take_while(|(index, statement)| {
            is_docstring(*index, statement) || is_future_import(statement)
        })
        .count();
    let block: Vec<&Stmt> = body[preamble..]
        .iter()
        .take_while(|statement| matches!(statement, Stmt::Import(_) | Stmt::ImportFrom(_)))
        .collect();
    let newline = line_ending(source);
    let line = format!("import {module}{newline}");
    let groups = import_groups(source, &block);
    let standard = super::stdlib::is_standard_library(module);
    let section_of = |group: &[&Stmt]| {
        if standard {
            group
                .iter()
                .any(|statement| import_section(statement) == Section::Standard)
        } else {
            group
                .iter()
                .all(|statement| import_section(statement) == Section::Other)
        }
    };
    let (at, content) = if let Some(group) = groups.iter().find(|group| section_of(group)) {
        (position_in_group(source, group, module), line)
    } else if let Some(first) = groups.first() {
        // A new section: the standard library's goes first; a third-party one goes after the
        // standard library's, or first when there is none either.
        let last_standard = groups.iter().rev().find(|group| {
            group
                .iter()
                .any(|statement| import_section(statement) == Section::Standard)
        });
        match last_standard {
            Some(group) if !standard => {
                let last = group.last().expect("groups are not empty");
                (
                    next_line_start(source, last.end()),
                    format!("{newline}{line}"),
                )
            }
            _ => (
                line_start(source, first[0].start()),
                format!("{line}{newline}"),
            ),
        }
    } else if let Some(last) = preamble.checked_sub(1).map(|index| &body[index]) {
        (next_line_start(source, last.end()), line)
    } else {
        let at = body.first().map_or(bom_len(source), |statement| {
            line_start(source, statement.start())
        });
        (at, line)
    };
    // A file whose last line has no line break needs one before the new line.
    let needs_break_before = at == TextSize::of(source)
        && !source.is_empty()
        && !source.ends_with(['\n', '\r'])
        && at != bom_len(source);
    let content = if needs_break_before {
        format!("{newline}{content}")
    } else {
        content
    };
    Edit::insertion(at, content)
}

/// isort's sections, as far as a fix needs them: the standard library, and everything else
/// but relative imports (third-party and first-party, which only the project layout tells
/// apart: a file's blank-line groups do).
#[derive(Debug, PartialEq, Eq)]
enum Section {
    Standard,
    Other,
    Relative,
}

fn import_section(statement: &Stmt) -> Section {
    let module = match statement {
        Stmt::Import(import) => import.names.first().map(|alias| alias.name.as_str()),
        Stmt::ImportFrom(import) if import.level > 0 => return Section::Relative,
        Stmt::ImportFrom(import) => import.module.as_deref(),
        _ => None,
    };
    match module {
        Some(module) if super::stdlib::is_standard_library(module) => Section::Standard,
        _ => Section::Other,
    }
}

/// The block's statements in groups separated by blank lines.
fn import_groups<'a>(source: &str, block: &[&'a Stmt]) -> Vec<Vec<&'a Stmt>> {
    let mut groups: Vec<Vec<&Stmt>> = Vec::new();
    for statement in block {
        let joined = groups
            .last()
            .and_then(|group| group.last())
            .is_some_and(|previous| {
                let from = next_line_start(source, previous.end()).to_usize();
                let to = line_start(source, statement.start()).to_usize();
                // `import a; import b` share a line: nothing lies between them.
                from >= to || !source[from..to].lines().any(|line| line.trim().is_empty())
            });
        if joined {
            groups.last_mut().expect("checked").push(statement);
        } else {
            groups.push(vec![statement]);
        }
    }
    groups
}

/// Where `import <module>` goes in a group: before the first plain import that sorts after it
/// (isort compares case-insensitively), else after the last plain import, else before the
/// group's first `from` import.
fn position_in_group(source: &str, group: &[&Stmt], module: &str) -> TextSize {
    let plain_imports: Vec<&ast::StmtImport> = group
        .iter()
        .filter_map(|statement| statement.as_import_stmt())
        .collect();
    let key = module.to_ascii_lowercase();
    let sorts_after = |import: &&ast::StmtImport| {
        import
            .names
            .first()
            .is_some_and(|alias| alias.name.as_str().to_ascii_lowercase() > key)
    };
    if let Some(next) = plain_imports.iter().copied().find(sorts_after) {
        line_start(source, next.start())
    } else if let Some(last) = plain_imports.last() {
        next_line_start(source, last.end())
    } else {
        line_start(source, group[0].start())
    }
}

fn is_docstring(index: usize, statement: &Stmt) -> bool {
    index == 0 && matches!(statement, Stmt::Expr(expr) if expr.value.is_string_literal_expr())
}

fn is_future_import(statement: &Stmt) -> bool {
    matches!(statement, Stmt::ImportFrom(import)
        if import.module.as_ref().is_some_and(|module| module.as_str() == "__future__"))
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

/// Whether `await <expr>` must be parenthesised where `expr` currently stands, because the
/// parent takes an attribute, subscript or call of it (`await` binds looser than those), or
/// awaits it (`await await x` does not parse).
pub fn await_needs_parentheses(checker: &Checker, expr: TextRange) -> bool {
    match checker.semantic.parent_expression() {
        Some(Expr::Attribute(attribute)) => attribute.value.range() == expr,
        Some(Expr::Subscript(subscript)) => subscript.value.range() == expr,
        Some(Expr::Call(call)) => call.func.range() == expr,
        Some(Expr::Await(_)) => true,
        _ => false,
    }
}

/// The expression being visited is already the operand of an `await` (`await time.sleep(1)`,
/// a bug of its own): the fix then supplies the awaitable and reuses that `await`.
fn is_awaited(checker: &Checker) -> bool {
    matches!(checker.semantic.parent_expression(), Some(Expr::Await(_)))
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

/// `old(args)` → `await <callee>(args)`: only the callee is replaced, so the arguments keep
/// their text, comments and multi-line layout. `None` when the callee is parenthesised
/// (`(time.sleep)(1)`), where the `await` would apply to the function instead of the call.
pub fn await_with_callee(
    checker: &Checker,
    call: &ast::ExprCall,
    callee: &str,
) -> Option<Vec<Edit>> {
    if call.start() != call.func.start() {
        return None;
    }
    if is_awaited(checker) {
        return Some(vec![Edit::replacement(call.func.range(), callee)]);
    }
    Some(if await_needs_parentheses(checker, call.range()) {
        vec![
            Edit::replacement(call.func.range(), format!("(await {callee}")),
            Edit::insertion(call.end(), ")"),
        ]
    } else {
        vec![Edit::replacement(
            call.func.range(),
            format!("await {callee}"),
        )]
    })
}

/// `runner(x)` → `await x` (`asyncio.run(main())` → `await main()`). The call's parentheses are
/// kept around the argument when it holds comments or is not a primary expression (`await`
/// binds tighter than `if`/`or`/`lambda`), so the meaning and comments survive.
pub fn await_argument(checker: &Checker, call: &ast::ExprCall) -> Option<Vec<Edit>> {
    let [argument] = &*call.arguments.args else {
        return None;
    };
    if call.start() != call.func.start() || !call.arguments.keywords.is_empty() {
        return None;
    }
    let open = call.arguments.start() + TextSize::from(1);
    let close = call.arguments.end() - TextSize::from(1);
    let before = checker.text(TextRange::new(open, argument.start()));
    let after = checker.text(TextRange::new(argument.end(), close));
    let only_layout =
        before.trim().is_empty() && after.trim().trim_end_matches(',').trim().is_empty();
    let is_primary = matches!(
        argument,
        Expr::Call(_) | Expr::Name(_) | Expr::Attribute(_) | Expr::Subscript(_)
    );
    let awaited = is_awaited(checker);
    let parenthesize = !awaited && await_needs_parentheses(checker, call.range());
    let (open_await, close_await) = if awaited {
        ("", "")
    } else if parenthesize {
        ("(await ", ")")
    } else {
        ("await ", "")
    };
    if only_layout && is_primary {
        return Some(vec![
            Edit::replacement(TextRange::new(call.start(), argument.start()), open_await),
            Edit::replacement(TextRange::new(argument.end(), call.end()), close_await),
        ]);
    }
    let mut edits = vec![Edit::replacement(call.func.range(), open_await)];
    // `(x,)` would be a tuple once the parentheses stop being a call's.
    if let Some(comma) = trailing_comma(after) {
        let at = argument.end() + comma;
        edits.push(Edit::deletion(TextRange::at(at, TextSize::of(','))));
    }
    if parenthesize {
        edits.push(Edit::insertion(call.end(), close_await));
    }
    Some(edits)
}

/// The offset of the comma in the text between a call's last argument and its `)`, which holds
/// only closing parentheses, layout, comments and at most that comma.
fn trailing_comma(after_argument: &str) -> Option<TextSize> {
    let mut in_comment = false;
    for (index, character) in after_argument.char_indices() {
        match character {
            '\n' | '\r' => in_comment = false,
            '#' => in_comment = true,
            ',' if !in_comment => return TextSize::try_from(index).ok(),
            _ => {}
        }
    }
    None
}

/// `f(a, b=1)` → `await asyncio.to_thread(f, a, b=1)`, touching only the call's head so that
/// multi-line arguments keep their layout.
pub fn to_thread_edits(checker: &Checker, call: &ast::ExprCall) -> Vec<Edit> {
    let asyncio = module_reference(checker, "asyncio");
    let callee = checker.text(call.func.range());
    let open_paren = call.arguments.start();
    let has_arguments = !call.arguments.args.is_empty() || !call.arguments.keywords.is_empty();
    // `f(  # note` keeps its own spacing before the comment or line break.
    let rest = &checker.source[(open_paren + TextSize::from(1)).to_usize()..];
    let continues_on_next_line = rest
        .trim_start_matches([' ', '\t'])
        .starts_with(['#', '\n', '\r']);
    let separator = match (has_arguments, continues_on_next_line) {
        (false, _) => "",
        (true, true) => ",",
        (true, false) => ", ",
    };
    let head = format!("await {}.to_thread({callee}{separator}", asyncio.name);
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

/// The unsafe fix of the blocking-call rules: run the call in a worker thread, offered only
/// where that keeps the meaning (the call is the whole value of a simple statement, so not
/// `with open(...)`).
pub fn to_thread_fix(checker: &Checker, call: &ast::ExprCall) -> Option<crate::diagnostic::Fix> {
    is_statement_value(checker, call).then(|| {
        crate::diagnostic::Fix::unsafe_edits(
            "Run it in a worker thread with `await asyncio.to_thread(...)`",
            to_thread_edits(checker, call),
        )
    })
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

/// Deletes a keyword argument of a call together with the comma that separates it, keeping the
/// parentheses of a neighbouring argument (`f((a), loop=l)`) and the comments that belong to
/// other arguments. A keyword on a line of its own goes with its line (and its own comment).
pub fn remove_keyword(source: &str, call: &ast::ExprCall, keyword: &ast::Keyword) -> Edit {
    let comma_after = next_significant(source, keyword.end())
        .filter(|(_, character)| *character == ',')
        .map(|(at, _)| at);
    let end = comma_after.map_or(keyword.end(), |comma| comma + TextSize::of(','));
    let line_start = line_start(source, keyword.start());
    let starts_its_line = source[TextRange::new(line_start, keyword.start())]
        .chars()
        .all(|character| matches!(character, ' ' | '\t' | '\x0c'));
    if starts_its_line {
        let rest_of_line = &source[end.to_usize()..];
        let rest_of_line = rest_of_line.trim_start_matches([' ', '\t', '\x0c']);
        if rest_of_line.is_empty() || rest_of_line.starts_with(['#', '\n', '\r']) {
            return Edit::deletion(TextRange::new(line_start, next_line_start(source, end)));
        }
        // `    loop=l, b)`: the next argument takes the keyword's place on the line.
        let next = end + horizontal_space(&source[end.to_usize()..]);
        return Edit::deletion(TextRange::new(keyword.start(), next));
    }
    if let Some(comma) = comma_after {
        let after_comma = comma + TextSize::of(',');
        let next = next_significant(source, after_comma);
        if next.is_some_and(|(_, character)| character != ')') {
            // `f(a, loop=l, b)`: up to what follows the comma (the next argument, or a comment
            // about it), so that the previous argument keeps its own comma.
            let rest = &source[after_comma.to_usize()..];
            let skipped = rest.len() - rest.trim_start().len();
            let next = after_comma + TextSize::try_from(skipped).unwrap_or_default();
            return Edit::deletion(TextRange::new(keyword.start(), next));
        }
    }
    // The last argument, written inline: from the comma after the previous argument (past the
    // parentheses that may close it), or from the keyword itself when it is the only one.
    let previous = call
        .arguments
        .args
        .iter()
        .map(Ranged::range)
        .chain(call.arguments.keywords.iter().map(Ranged::range))
        .filter(|range| range.end() <= keyword.start())
        .max_by_key(|range| range.end());
    let start = previous
        .and_then(|previous| next_significant_skipping_parentheses(source, previous.end()))
        .filter(|(at, character)| *character == ',' && *at < keyword.start())
        .map_or(keyword.start(), |(comma, _)| comma);
    // `f(a, loop=l, )`: the space before `)` goes with the trailing comma.
    let end = if comma_after.is_some() {
        end + horizontal_space(&source[end.to_usize()..])
    } else {
        end
    };
    Edit::deletion(TextRange::new(start, end))
}

/// The first character from `offset` on that is not layout or a comment, with its offset. Only
/// for the text between a call's arguments, which holds no strings.
fn next_significant(source: &str, offset: TextSize) -> Option<(TextSize, char)> {
    let mut in_comment = false;
    let mut characters = source[offset.to_usize()..].char_indices().peekable();
    while let Some((index, character)) = characters.next() {
        match character {
            '\n' | '\r' => in_comment = false,
            _ if in_comment => {}
            '#' => in_comment = true,
            ' ' | '\t' | '\x0c' => {}
            '\\' if characters
                .peek()
                .is_some_and(|(_, next)| matches!(next, '\n' | '\r')) => {}
            _ => return Some((offset + TextSize::try_from(index).ok()?, character)),
        }
    }
    None
}

/// Like [`next_significant`], past the `)` that close a parenthesised argument.
fn next_significant_skipping_parentheses(
    source: &str,
    offset: TextSize,
) -> Option<(TextSize, char)> {
    let mut at = offset;
    loop {
        let (found, character) = next_significant(source, at)?;
        if character != ')' {
            return Some((found, character));
        }
        at = found + TextSize::of(')');
    }
}

fn horizontal_space(text: &str) -> TextSize {
    let trimmed = text.trim_start_matches([' ', '\t', '\x0c']);
    TextSize::try_from(text.len() - trimmed.len()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::parse::ParsedModule;

    /// The text once the `loop=` keyword of the file's first statement, a call, is removed.
    fn without_loop(source: &str) -> String {
        let parsed = ParsedModule::parse(source);
        let Some(Stmt::Expr(statement)) = parsed.module().body.first() else {
            panic!("not a call statement: {source}");
        };
        let Expr::Call(call) = &*statement.value else {
            panic!("not a call: {source}");
        };
        let keyword = call
            .arguments
            .keywords
            .iter()
            .find(|keyword| {
                keyword
                    .arg
                    .as_ref()
                    .is_some_and(|arg| arg.as_str() == "loop")
            })
            .unwrap();
        let edit = remove_keyword(source, call, keyword);
        let mut fixed = source.to_string();
        fixed.replace_range(std::ops::Range::<usize>::from(edit.range), &edit.content);
        assert!(
            ParsedModule::parse(&fixed).syntax_error().is_none(),
            "{source:?} became {fixed:?}"
        );
        fixed
    }

    #[test]
    fn inline_keywords_take_one_separating_comma() {
        assert_eq!(without_loop("f(loop=l)\n"), "f()\n");
        assert_eq!(without_loop("f(loop=l,)\n"), "f()\n");
        assert_eq!(without_loop("f(a, loop=l)\n"), "f(a)\n");
        assert_eq!(without_loop("f(a, loop=l, )\n"), "f(a)\n");
        assert_eq!(without_loop("f(loop=l, a)\n"), "f(a)\n");
        assert_eq!(without_loop("f(a, loop=l, b=2)\n"), "f(a, b=2)\n");
        assert_eq!(
            without_loop("f(*args, loop=l, **kwargs)\n"),
            "f(*args, **kwargs)\n"
        );
    }

    #[test]
    fn parenthesised_neighbours_keep_their_parentheses() {
        assert_eq!(without_loop("f((a), loop=l)\n"), "f((a))\n");
        assert_eq!(without_loop("f(((a)) , loop=l,)\n"), "f(((a)) )\n");
        assert_eq!(without_loop("f(loop=l, (a))\n"), "f((a))\n");
        assert_eq!(without_loop("f(a, loop=(l), (b))\n"), "f(a, (b))\n");
    }

    #[test]
    fn comments_of_other_arguments_survive() {
        assert_eq!(
            without_loop("f(a,  # about a\n  loop=l)\n"),
            "f(a,  # about a\n  )\n"
        );
        assert_eq!(
            without_loop("f(loop=l,  # about b\n  b)\n"),
            "f(# about b\n  b)\n"
        );
        assert_eq!(
            without_loop("f(a, loop=l,  # about b\n  b)\n"),
            "f(a, # about b\n  b)\n"
        );
    }

    #[test]
    fn a_keyword_on_its_own_line_goes_with_the_line() {
        assert_eq!(
            without_loop("f(\n    a,  # about a\n    loop=l,  # about loop\n)\n"),
            "f(\n    a,  # about a\n)\n"
        );
        assert_eq!(
            without_loop("f(\n    a,\n    loop=l\n)\n"),
            "f(\n    a,\n)\n"
        );
        assert_eq!(
            without_loop("f(\n    loop=l,\n    a,\n)\n"),
            "f(\n    a,\n)\n"
        );
        assert_eq!(
            without_loop("f(\r\n    (a),\r\n    loop=l,\r\n)\r\n"),
            "f(\r\n    (a),\r\n)\r\n"
        );
        assert_eq!(without_loop("f(\n    loop=l, b,\n)\n"), "f(\n    b,\n)\n");
        assert_eq!(without_loop("f(\n    loop=l\n    , b)\n"), "f(\n    b)\n");
    }
}
