//! Route handlers of web frameworks: their code runs once per request.

use ruff_python_ast::{self as ast, Expr};
use rustc_hash::FxHashSet;

use super::{dotted_name, for_each_expression};

/// Decorator methods of FastAPI/Starlette/Flask/aiohttp/Django-ninja routers and apps.
const ROUTE_DECORATORS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "route",
    "api_route",
    "websocket",
    "view",
    "trace",
];

/// Registration methods that take a handler (`app.add_api_route(path, fn)`).
const ROUTE_REGISTRATIONS: &[&str] = &[
    "add_api_route",
    "add_route",
    "add_url_rule",
    "add_websocket_route",
    "add_api_websocket_route",
    "add_get",
    "add_post",
    "add_put",
    "add_patch",
    "add_delete",
    "add_head",
    "add_view",
];

/// Keyword arguments that name the handler in a registration call.
const HANDLER_KEYWORDS: &[&str] = &["endpoint", "view_func", "handler", "route"];

/// `@app.get("/items")`, `@router.post(path="/x")`, `@bp.route("/")`: a call of a route method
/// whose path (first argument or `path=`/`rule=`) is a string starting with `/`.
pub fn is_route_decorator(decorator: &ast::Decorator) -> bool {
    let Expr::Call(call) = &decorator.expression else {
        return false;
    };
    let Expr::Attribute(attribute) = call.func.as_ref() else {
        return false;
    };
    if !ROUTE_DECORATORS.contains(&attribute.attr.as_str()) {
        return false;
    }
    let path = call.arguments.args.first().or_else(|| {
        call.arguments
            .keywords
            .iter()
            .find(|k| {
                k.arg
                    .as_ref()
                    .is_some_and(|a| matches!(a.as_str(), "path" | "rule"))
            })
            .map(|k| &k.value)
    });
    matches!(path, Some(Expr::StringLiteral(literal)) if literal.value.to_str().starts_with('/'))
}

/// Names of functions the module registers as handlers (`app.add_api_route("/x", handler)`,
/// `app.router.add_get("/", index)`, `app.add_url_rule("/", view_func=index)`).
pub fn registered_handlers(module: &ast::ModModule) -> FxHashSet<String> {
    let mut handlers = FxHashSet::default();
    for_each_expression(&module.body, &mut |expr| {
        let Expr::Call(call) = expr else { return };
        let Expr::Attribute(attribute) = call.func.as_ref() else {
            return;
        };
        if !ROUTE_REGISTRATIONS.contains(&attribute.attr.as_str()) {
            return;
        }
        let positional = call.arguments.args.get(1);
        let keyword = call
            .arguments
            .keywords
            .iter()
            .find(|k| {
                k.arg
                    .as_ref()
                    .is_some_and(|a| HANDLER_KEYWORDS.contains(&a.as_str()))
            })
            .map(|k| &k.value);
        for handler in positional.into_iter().chain(keyword) {
            if let Some(name) = dotted_name(handler) {
                handlers.insert(name.rsplit('.').next().unwrap_or(&name).to_string());
            }
        }
    });
    handlers
}
