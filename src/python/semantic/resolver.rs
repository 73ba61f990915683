//! What an expression refers to: the bounded recursion behind [`SemanticModel::resolve`], which
//! follows names to their bindings, `a = b` aliases, values, annotations and `self` attributes.

use std::cell::Cell;

use ruff_python_ast::{self as ast, Expr, Stmt};

use super::index::{BindingId, BindingKind, Lookup, ScopeId};
use super::{Resolved, SemanticModel};
use crate::python::data::data;
use crate::python::top_level_package;

/// Resolution follows `a = b` aliases, values, annotations and `self` attributes; the chain of
/// such steps is at most this long (it bounds cycles that the scoping rules do not break, such as
/// `self.x = self.x`).
const MAX_ALIAS_DEPTH: u8 = 8;

/// One resolution takes at most this many steps in all: with several assignments per `self`
/// attribute the steps branch, and the depth alone would bound them only exponentially.
const MAX_RESOLUTION_STEPS: u32 = 512;

/// Every step goes one level deeper (at most [`MAX_ALIAS_DEPTH`]) and spends one of
/// [`MAX_RESOLUTION_STEPS`]. A name is read where it is written (each load has its binding in
/// the model), so a value is resolved in its own scope, before the binding it makes (`x = x.y`
/// reads the previous `x`), and most cycles end without the budget.
pub(super) struct Resolver<'m, 'a> {
    model: &'m SemanticModel<'a>,
    steps_left: Cell<u32>,
}

impl<'m, 'a> Resolver<'m, 'a> {
    pub(super) fn new(model: &'m SemanticModel<'a>) -> Self {
        Resolver {
            model,
            steps_left: Cell::new(MAX_RESOLUTION_STEPS),
        }
    }

    /// Spends a step at `depth`; `None` once either budget is used up.
    fn step(&self, depth: u8) -> Option<()> {
        let left = self.steps_left.get().checked_sub(1)?;
        self.steps_left.set(left);
        (depth <= MAX_ALIAS_DEPTH).then_some(())
    }

    pub(super) fn expr(&self, expr: &Expr, depth: u8) -> Option<Resolved<'a>> {
        self.step(depth)?;
        match expr {
            Expr::Name(name) => match self.model.index.lookup(name) {
                Lookup::Binding(binding) => self.binding(binding, depth),
                Lookup::Unbound => None,
                Lookup::NotInFile => builtin(&self.model.index.star_imports, name.id.as_str())
                    .map(Resolved::Qualified),
            },
            Expr::Attribute(attribute) => {
                let attr = attribute.attr.as_str();
                match self.expr(&attribute.value, depth + 1)? {
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
            Expr::Call(call) => match self.expr(&call.func, depth + 1)? {
                Resolved::Qualified(callee) => Some(Resolved::Instance(
                    data().returns.get(&callee).cloned().unwrap_or(callee),
                )),
                Resolved::Method(method) => {
                    data().returns.get(&method).cloned().map(Resolved::Instance)
                }
                // Calling a coroutine function makes a coroutine, not what it returns.
                Resolved::LocalFunction(function) if !function.is_async => {
                    self.returned(function, depth)
                }
                _ => None,
            },
            // `Path(a) / "b"` and `"a" / Path(b)` are paths (`Path.__truediv__`/`__rtruediv__`).
            Expr::BinOp(binop) if binop.op == ast::Operator::Div => {
                let is_path = |operand: &Expr| matches!(self.expr(operand, depth + 1), Some(Resolved::Instance(type_name)) if type_name == "pathlib.Path");
                let is_text =
                    |operand: &Expr| operand.is_string_literal_expr() || operand.is_f_string_expr();
                ((is_path(&binop.left) && (is_text(&binop.right) || is_path(&binop.right)))
                    || (is_text(&binop.left) && is_path(&binop.right)))
                .then(|| Resolved::Instance("pathlib.Path".to_string()))
            }
            _ => None,
        }
    }

    /// What a function of the file returns, as its return annotation names it.
    fn returned(&self, function: &ast::StmtFunctionDef, depth: u8) -> Option<Resolved<'a>> {
        self.annotation_type(function.returns.as_deref()?, depth + 1)
            .map(Resolved::Instance)
    }

    fn binding(&self, id: BindingId, depth: u8) -> Option<Resolved<'a>> {
        match &self.model.index.binding(id).kind {
            BindingKind::Import(qualified) => Some(Resolved::Qualified(qualified.clone())),
            BindingKind::Value(value) => self.value(value, depth + 1),
            // `sem: Final = asyncio.Semaphore(8)`: the annotation does not name the type, the
            // value does.
            BindingKind::Annotated { annotation, value } => self
                .annotation_type(annotation, depth + 1)
                .map(Resolved::Instance)
                .or_else(|| self.value(value.as_ref()?, depth + 1)),
            BindingKind::Parameter(annotation) => self
                .annotation_type(annotation, depth + 1)
                .map(Resolved::Instance),
            BindingKind::SelfParameter => Some(Resolved::SelfInstance),
            BindingKind::Function(function) => Some(Resolved::LocalFunction(function)),
            BindingKind::Class(class) => Some(Resolved::LocalClass(class)),
            BindingKind::Augmented(_) | BindingKind::Deletion | BindingKind::Unknown => None,
        }
    }

    fn value(&self, value: &Expr, depth: u8) -> Option<Resolved<'a>> {
        match value {
            // `sleep = time.sleep` is an alias; `s = requests.Session()` an instance, and so is
            // `p = Path(a) / "b"`.
            Expr::Name(_) | Expr::Attribute(_) | Expr::Call(_) | Expr::BinOp(_) => {
                self.expr(value, depth)
            }
            Expr::Await(await_expr) => {
                if let Expr::Call(call) = await_expr.value.as_ref() {
                    if let Some(Resolved::LocalFunction(function)) = self.expr(&call.func, depth) {
                        return function
                            .is_async
                            .then(|| self.returned(function, depth))
                            .flatten();
                    }
                }
                match self.expr(&await_expr.value, depth)? {
                    instance @ Resolved::Instance(_) => Some(instance),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// `self.<attr>` in a method: what the class's annotation of it names, or what every
    /// assignment to it agrees on, or its method. The class is the one whose body encloses the
    /// code being visited (the methods that assign it are not being visited).
    fn self_attribute(&self, attr: &str, depth: u8) -> Option<Resolved<'a>> {
        let class_scope = self.model.index.scope(self.model.enclosing_class()?);
        let facts = class_scope.class.as_ref()?;
        let annotated = facts
            .annotations
            .get(attr)
            .and_then(|annotation| self.annotation_type(annotation, depth + 1));
        if let Some(type_name) = annotated {
            return Some(Resolved::Instance(type_name));
        }
        if let Some(values) = facts.attributes.get(attr) {
            // Only trust an attribute whose every assignment says the same thing.
            let mut resolved = values.iter().map(|value| self.value(value, depth + 1));
            let first = resolved.next()??;
            return resolved
                .all(|other| other.as_ref() == Some(&first))
                .then_some(first);
        }
        match &self
            .model
            .index
            .binding(*class_scope.bindings_of(attr).last()?)
            .kind
        {
            BindingKind::Function(function) => Some(Resolved::LocalFunction(function)),
            _ => None,
        }
    }

    fn qualified_name(&self, expr: &Expr, depth: u8) -> Option<String> {
        match self.expr(expr, depth)? {
            Resolved::Qualified(name) => Some(name),
            _ => None,
        }
    }

    /// The type an annotation names: `T`, `Optional[T]`, `Union[T, None]`, `T | None`,
    /// `Final[T]`, `Annotated[T, ..]`, and any of them written as a string (`"httpx.Client"`); a
    /// bare `Final` names none.
    pub(super) fn annotation_type(&self, annotation: &Expr, depth: u8) -> Option<String> {
        self.annotation_type_in(annotation, depth, Names::Loads)
    }

    fn annotation_type_in(&self, annotation: &Expr, depth: u8, names: Names) -> Option<String> {
        self.step(depth)?;
        match annotation {
            Expr::Name(_) | Expr::Attribute(_) => self
                .type_name(annotation, depth + 1, names)
                .filter(|name| !is_type_qualifier(name)),
            Expr::Subscript(subscript) => {
                let outer = self.type_name(&subscript.value, depth + 1, names)?;
                match typing_name(&outer) {
                    Some("Optional" | "Final" | "ClassVar") => {
                        self.annotation_type_in(&subscript.slice, depth + 1, names)
                    }
                    // `Annotated[T, metadata...]` is a `T`.
                    Some("Annotated") => match subscript.slice.as_ref() {
                        Expr::Tuple(tuple) => {
                            self.annotation_type_in(tuple.elts.first()?, depth + 1, names)
                        }
                        _ => None,
                    },
                    // `Union[T, None]`: one type besides `None`.
                    Some("Union") => match subscript.slice.as_ref() {
                        Expr::Tuple(tuple) => {
                            let mut types =
                                tuple.elts.iter().filter(|elt| !elt.is_none_literal_expr());
                            let only = types.next()?;
                            types
                                .next()
                                .is_none()
                                .then(|| self.annotation_type_in(only, depth + 1, names))
                                .flatten()
                        }
                        _ => None,
                    },
                    _ => Some(outer),
                }
            }
            // A forward reference, or a name imported only under `TYPE_CHECKING`: the string is
            // read after the module has run, so its names are the module's.
            Expr::StringLiteral(string) => {
                let text = string.value.to_str().trim();
                // A type is short; a long string is no annotation worth parsing.
                if text.len() > MAX_STRING_ANNOTATION {
                    return None;
                }
                let parsed = ruff_python_parser::parse_expression(text).ok()?;
                self.annotation_type_in(parsed.expr(), depth + 1, Names::Module)
            }
            Expr::BinOp(binop) if binop.op == ast::Operator::BitOr => {
                let is_none = |expr: &Expr| expr.is_none_literal_expr();
                match (is_none(&binop.left), is_none(&binop.right)) {
                    (false, true) => self.annotation_type_in(&binop.left, depth + 1, names),
                    (true, false) => self.annotation_type_in(&binop.right, depth + 1, names),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The qualified name a name or attribute chain of an annotation refers to.
    fn type_name(&self, expr: &Expr, depth: u8, names: Names) -> Option<String> {
        match names {
            Names::Loads => self.qualified_name(expr, depth),
            Names::Module => self.module_name(expr, depth),
        }
    }

    /// `a.b.c` read in the module's scope: `a` is the module's last binding of it.
    fn module_name(&self, expr: &Expr, depth: u8) -> Option<String> {
        self.step(depth)?;
        let mut attributes = Vec::new();
        let mut base = expr;
        while let Expr::Attribute(attribute) = base {
            attributes.push(attribute.attr.as_str());
            base = &attribute.value;
        }
        let Expr::Name(name) = base else {
            return None;
        };
        let module = self.model.index.scope(ScopeId::MODULE);
        let binding = *module.bindings_of(name.id.as_str()).last()?;
        let Resolved::Qualified(mut qualified) = self.binding(binding, depth + 1)? else {
            return None;
        };
        for attribute in attributes.iter().rev() {
            qualified.push('.');
            qualified.push_str(attribute);
        }
        Some(canonical(qualified))
    }
}

/// How the names of an annotation are read: where they are written, or (in a string) as the
/// module binds them.
#[derive(Clone, Copy)]
enum Names {
    Loads,
    Module,
}

/// The longest string annotation that is parsed.
const MAX_STRING_ANNOTATION: usize = 200;

/// `Final` and `ClassVar` say how a name may be bound, not what type its value has.
fn is_type_qualifier(name: &str) -> bool {
    matches!(typing_name(name), Some("Final" | "ClassVar"))
}

/// The name of a `typing` (or `typing_extensions`) special form.
fn typing_name(name: &str) -> Option<&str> {
    name.strip_prefix("typing.")
        .or_else(|| name.strip_prefix("typing_extensions."))
}

fn find_method<'a>(body: &'a [Stmt], name: &str) -> Option<&'a ast::StmtFunctionDef> {
    body.iter().find_map(|statement| match statement {
        Stmt::FunctionDef(function) if function.name.as_str() == name => Some(function),
        _ => None,
    })
}

/// Rewrites a submodule that its package re-exports (`asyncio.tasks.gather` → `asyncio.gather`).
pub(super) fn canonical(name: String) -> String {
    let aliases = data().module_aliases.get(top_level_package(&name));
    for (submodule, package) in aliases.into_iter().flatten() {
        if let Some(rest) = name.strip_prefix(submodule.as_str()) {
            if rest.is_empty() || rest.starts_with('.') {
                return format!("{package}{rest}");
            }
        }
    }
    name
}

/// What a builtin's name not bound in the file refers to: the builtin, unless a star import may
/// bind it. A module whose star exports are known binds it if it exports the name (`from os
/// import *` makes `open` `os.open`); any other module (the project's, a third party's) may bind
/// anything, so the name is doubtful and refers to nothing we know.
fn builtin(star_imports: &[String], name: &str) -> Option<String> {
    if !is_builtin(name) {
        return None;
    }
    // The last star import binds the name last.
    for module in star_imports.iter().rev() {
        let exports = data().star_exports.get(module)?;
        if exports.iter().any(|export| export == name) {
            return Some(format!("{module}.{name}"));
        }
    }
    Some(format!("builtins.{name}"))
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
            | "property"
            | "type"
            | "object"
            | "exec"
            | "eval"
            | "compile"
            | "__import__"
            | "breakpoint"
    )
}

#[cfg(test)]
mod tests {
    use super::canonical;

    #[test]
    fn submodules_are_rewritten_to_the_package_that_re_exports_them() {
        for (name, expected) in [
            ("asyncio.tasks.gather", "asyncio.gather"),
            ("asyncio.tasks", "asyncio"),
            (
                "concurrent.futures.thread.ThreadPoolExecutor",
                "concurrent.futures.ThreadPoolExecutor",
            ),
            ("httpx2.get", "httpx.get"),
            (
                "passlib.handlers.bcrypt.bcrypt.hash",
                "passlib.hash.bcrypt.hash",
            ),
            ("asyncio.tasksets.run", "asyncio.tasksets.run"),
            ("asyncio.gather", "asyncio.gather"),
            ("homeassistant.core.callback", "homeassistant.core.callback"),
            ("", ""),
        ] {
            assert_eq!(canonical(name.to_string()), expected, "{name}");
        }
    }
}
